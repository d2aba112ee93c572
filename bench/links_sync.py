"""Benchmark storing a resolution's links again (a rerun): time and peak memory.

``resolution.service.sync_links`` makes ``person_links`` hold a run's links: a link
found again (same records, person, weights and explanation) keeps its row. This builds
a fresh embedded SQLite database (the default store), stores ``--links`` links with
explanations shaped like the engine's (a waterfall of eight comparisons, about 1 KB),
then stores them again with ``--changed`` of them changed (a new weight and
explanation), as a rerun does. Prints, for each of the two calls, the wall time and the
peak RSS above the RSS before the call (sampled every 10 ms), and the rows written.
Measures, never asserts.

    .venv/bin/python bench/links_sync.py --links 1000000
    # the code of another commit, in a worktree of it, with this venv:
    PYTHONPATH=/tmp/other/src .venv/bin/python bench/links_sync.py --links 1000000
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.db.engine import build_engine, migrate, session_scope
from immigrationos.resolution import service
from machine import header, tree_rss

COMPARISONS = (
    "given_name", "family_name", "birth_date", "sex", "ssn", "a_number", "passport", "address",
)  # fmt: skip


def explanation(n: int, weight: float) -> str:
    """Return a waterfall shaped like ``resolution.explain``'s: eight steps, then scalars."""
    steps = [
        {
            "comparison": c,
            "level": "EXACT" if (n + i) % 3 else "JARO_WINKLER_HIGH",
            "weight": round(weight / len(COMPARISONS), 6),
            "left": f"{c.upper()}-{n % 9973}",
            "right": f"{c.upper()}-{(n * 7) % 9973}",
        }
        for i, c in enumerate(COMPARISONS)
    ]
    scalars = {"prior_weight": -14.2, "match_weight": weight, "match_probability": 0.999}
    return json.dumps({"steps": steps, **scalars})


def links(count: int, changed: int, run: str) -> pl.DataFrame:
    """Return ``count`` links of persons of 3 records; the first ``changed`` reweighed."""
    rows = []
    for n in range(count):
        weight = 20.0 + (n % 17) / 4 + (0.5 if n < changed else 0.0)
        rows.append(
            (
                run,
                f"P{n // 2:09d}",
                f"numident:R{n:09d}",
                f"cbp_i94:R{n + 1:09d}",
                weight,
                0.999,
                explanation(n, weight),
            )
        )
    return pl.DataFrame(rows, schema=list(service.LINK_COLUMNS), orient="row")


def measured(label: str, call: object) -> None:
    """Run ``call``, print its wall time, peak RSS above the start, and what it returned."""
    gc.collect()
    base = tree_rss()
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            peak[0] = max(peak[0], tree_rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    result = call()  # type: ignore[operator]
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    print(
        f"  {label:<34} {seconds:7.1f} s   peak RSS +{(peak[0] - base) / 2**30:.2f} GiB "
        f"(from {base / 2**30:.2f})   returned {result}",
        flush=True,
    )


def main() -> None:
    """Store the links once, then again with some changed; print both calls' figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--changed", type=float, default=0.02, help="share changed on the rerun")
    args = parser.parse_args()
    header(f"storing links again — {args.links:,} links, {args.changed:.0%} changed")
    print(f"code: {Path(service.__file__).parent.parent}")
    with tempfile.TemporaryDirectory(prefix="imos-bench-links-") as tmp:
        engine = build_engine(f"sqlite:///{tmp}/links.sqlite3")
        migrate(engine)
        first = links(args.links, 0, "run-1")
        size = first.get_column("explanation").str.len_bytes().sum() / 2**30
        print(f"explanations: {size:.2f} GiB of text in all", flush=True)

        def store(rows: pl.DataFrame) -> object:
            with session_scope(engine) as session:
                out = service.sync_links(session=session, rows=rows)
                session.commit()
            return out

        measured("first run (empty table)", functools.partial(store, first))
        first = pl.DataFrame()  # release it before the rerun's rows are built
        again = links(args.links, int(args.links * args.changed), "run-2")
        measured("rerun", functools.partial(store, again))
        engine.dispose()


if __name__ == "__main__":
    main()
