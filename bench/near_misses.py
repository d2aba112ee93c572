"""Benchmark the near-miss lookup of targeting (``targeting.elsewhere``) on a resolved world.

Reads a resolved SQLite database (``bench/targeting_queue.py --save-resolved`` leaves one),
builds the shared lookups as a targeting run does (every current record of the sources
that can own an SSN or clear someone, each kept as its stored text; the data-use policy
is not applied, so every such record is indexed), then, on ``--sample`` persons drawn at
random (``--seed``):

1. ``NameIndex.alike`` for each: milliseconds per person (mean, p50, p95, max) and the
   records it brings back;
2. the same lookups through a lookup file (``targeting.lookup_file``, as Spark's executors
   read them), with ``--file``;
3. the whole evaluation of each (``batch.PersonEvaluator``), milliseconds per person.

Prints the index's size (name keys, birth dates under them, records). Measures, never
asserts.

    .venv/bin/python bench/near_misses.py /tmp/w1m/world-181000-101/resolved.sqlite3 --sample 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import header


def _figures(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"{label:<34} mean {statistics.fmean(ms):7.3f} ms  p50 {statistics.median(ms):7.3f} ms"
        f"  p95 {p95:7.3f} ms  max {ms[-1]:8.2f} ms"
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", type=Path, help="a resolved SQLite database")
    parser.add_argument("--sample", type=int, default=5_000, help="persons timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--file", action="store_true", help="time the lookup file too")
    args = parser.parse_args()
    if not args.database.is_file():
        parser.error(f"no database at {args.database}")
    os.environ.setdefault("IMOS_VAR_DIR", tempfile.mkdtemp(prefix="imos-bench-near-"))

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from immigrationos.targeting import batch
    from immigrationos.targeting import service as targeting_service
    from immigrationos.targeting.elsewhere import NameIndex
    from immigrationos.targeting.flows import SHARED_SOURCES
    from immigrationos.targeting.leads import ssn_owners
    from immigrationos.targeting.lookup_file import IndexFile, write
    from immigrationos.targeting.policy import load_policy

    header("near misses (targeting.elsewhere)")
    print(f"database: {args.database}")
    engine = create_engine(f"sqlite:///{args.database}")
    clock = time.perf_counter()
    owners: dict = {}
    index = NameIndex()
    with Session(engine) as session:
        for part in targeting_service.record_parts(session=session, sources=SHARED_SOURCES):
            numident = defaultdict(list)
            for pid, record, text in part:
                if record.source == "ssa_numident":
                    numident[pid].append(record)
                index.add(pid, record, text)
            ssn_owners(numident, owners)
        built = time.perf_counter() - clock
        active = sorted(targeting_service.active_persons(session=session))
        sample = sorted(random.Random(args.seed).sample(active, min(args.sample, len(active))))
        records_of = targeting_service.records_by_person(session=session, persons=sample)
    keys = index._by_key
    print(
        f"lookups read in {built:.1f} s: {len(active):,} persons, {len(keys):,} name keys, "
        f"{sum(len(b) for b in keys.values()):,} (key, birth date) buckets, "
        f"{sum(len(e) for b in keys.values() for e in b.values()):,} keyed records; "
        f"largest key: {max((len(b) for b in keys.values()), default=0):,} birth dates"
    )

    def timed(lookup: object) -> tuple[list[float], int]:
        seconds, back = [], 0
        for pid in sample:
            own = records_of.get(pid, [])
            start = time.perf_counter()
            back += len(lookup.alike(pid, own))  # type: ignore[attr-defined]
            seconds.append(time.perf_counter() - start)
        return seconds, back

    seconds, back = timed(index)
    print(f"sample: {len(sample):,} persons (seed {args.seed})")
    print(_figures("alike, in memory", seconds) + f"  ({back / len(sample):.2f} records back)")
    if args.file:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            path = write(Path(tmp) / "lookups.sqlite3", owners, index)
            wrote = time.perf_counter() - start
            on_file = IndexFile(path)
            seconds_f, back_f = timed(on_file)
            size = path.stat().st_size
            on_file.close()
        print(f"lookup file: written in {wrote:.1f} s, {size / 2**30:.2f} GiB")
        print(
            _figures("alike, from the lookup file", seconds_f)
            + f"  ({back_f / len(sample):.2f} records back)"
        )
    evaluator = batch.PersonEvaluator(
        as_of=dt.date(2026, 11, 1), policy=load_policy(), owners=owners, named_alike=index,
        weakest={},
    )  # fmt: skip
    seconds_e = []
    for pid in sample:
        start = time.perf_counter()
        evaluator(pid, records_of.get(pid, []))
        seconds_e.append(time.perf_counter() - start)
    print(_figures("whole evaluation", seconds_e))


if __name__ == "__main__":
    main()
