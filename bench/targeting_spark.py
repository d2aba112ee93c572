"""Benchmark targeting's batch stage on DuckDB (this process) and on Spark (issue 10).

For one generated world (``--persons``, ``--seed``; generated once into ``--cache`` and
reused, as ``bench/targeting.py`` does), on the embedded SQLite default in a fresh
temporary var dir: ingest and resolve once (DuckDB), copy the resolved database, then
target the same resolved world twice as of 2026-11-01 under a BATCH purpose, once with
``IMOS_ENGINE=duckdb`` and once with ``IMOS_ENGINE=spark`` (``IMOS_SPARK_MASTER``,
``local[*]`` by default), each on its own copy. Prints, per engine, the wall time, the
Spark session's start-up, and the peak resident memory of the whole process tree (the
JVM and Spark's Python workers included); then the share of persons whose OPEN lead is
identical on both (same state, violations, score, priority, safeguards and evidence, or
no OPEN lead on either) and the share whose lead is identical whatever its state.
Measures, never asserts.

    .venv/bin/python bench/targeting_spark.py --persons 10000 --seed 101
    IMOS_SPARK_MASTER='local[2]' .venv/bin/python bench/targeting_spark.py --persons 100000
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Every run writes into its own var dir (database, lake, audit keys), never the user's.
_VAR = Path(tempfile.mkdtemp(prefix="imos-bench-targeting-spark-var-"))
os.environ["IMOS_VAR_DIR"] = str(_VAR)

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parents[1]))

import targeting as targeting_bench  # noqa: E402
from immigrationos.config import get_settings  # noqa: E402
from immigrationos.db.engine import build_engine, migrate, session_scope  # noqa: E402
from immigrationos.resolution import resolve_flows  # noqa: E402
from immigrationos.sources import flows as ingest_flows  # noqa: E402
from immigrationos.spark.session import spark_session, stop_spark  # noqa: E402
from immigrationos.targeting import batch  # noqa: E402
from immigrationos.targeting import flows as targeting_flows  # noqa: E402
from immigrationos.targeting import service as targeting_service  # noqa: E402
from machine import TreeMeter, copy_database, header, tree_measured  # noqa: E402
from targeting import AS_OF, OPERATOR, _progress, _purpose, world_dir  # noqa: E402

# Importing bench/targeting.py made a var dir of its own and pointed the settings at it.
shutil.rmtree(targeting_bench._VAR, ignore_errors=True)
os.environ["IMOS_VAR_DIR"] = str(_VAR)


def _leads(engine: Any) -> dict[str, dict[str, Any]]:
    """Return each person's current lead: what the export and the queue show of it."""
    with session_scope(engine) as session:
        rows = targeting_service.lead_rows(session=session)
    out: dict[str, dict[str, Any]] = {}
    for _lead_id, person_id, state, score, priority, violations, safeguards, evidence in rows:
        out[person_id] = {
            "state": state,
            "score": score,
            "priority": priority,
            "violations": json.loads(violations),
            "safeguards": json.loads(safeguards),
            "evidence": json.loads(evidence),
        }
    return out


EVALUATION_SECONDS: list[float] = []
_EVALUATING = batch.evaluating


@contextmanager
def _timed_evaluating(evaluator: Any) -> Iterator[Any]:
    """Run ``batch.evaluating`` and note the wall time of its parts' evaluations (what an
    engine changes; not the reads between them), one figure per run."""
    spent = [0.0]
    t0 = time.perf_counter()
    with _EVALUATING(evaluator) as evaluate_part:
        spent[0] += time.perf_counter() - t0  # the broadcast, on Spark

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return evaluate_part(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        try:
            yield timed
        finally:
            EVALUATION_SECONDS.append(spent[0])


batch.evaluating = _timed_evaluating


def _target(database: Path, lake_dir: Path, engine_name: str) -> tuple[Any, TreeMeter]:
    os.environ["IMOS_ENGINE"] = engine_name
    get_settings.cache_clear()
    engine = build_engine(f"sqlite:///{database.as_posix()}")
    purpose = _purpose(engine)
    print(f"  target on {engine_name}", flush=True)
    with tree_measured() as meter:
        summary = targeting_flows.target(
            engine, lake_dir, principal=OPERATOR, purpose_id=purpose, as_of=AS_OF,
            progress=_progress,
        )  # fmt: skip
    leads = _leads(engine)
    engine.dispose()
    meter.evaluation = EVALUATION_SECONDS[-1]
    print(
        f"  {engine_name}: {meter.seconds:.1f} s ({meter.evaluation:.1f} s evaluating), peak RSS {meter.peak_rss / 2**20:,.0f} MiB, "
        f"{summary.leads:,} leads {summary.by_state}",
        flush=True,
    )
    return (summary, leads), meter


def _open(lead: dict[str, Any] | None) -> dict[str, Any] | None:
    return lead if lead is not None and lead["state"] == "OPEN" else None


def main() -> None:
    """Ingest and resolve a world once, target it on both engines, compare the leads."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-targeting"))
    args = parser.parse_args()
    header(f"Targeting on DuckDB and on Spark — {args.persons:,} persons, seed {args.seed}")
    world = world_dir(args.persons, args.seed, args.cache)
    lake_dir = _VAR / "lake"
    resolved = _VAR / "resolved.sqlite3"
    engine = build_engine(f"sqlite:///{resolved.as_posix()}")
    migrate(engine)
    print(f"world {args.persons:,}/{args.seed}: ingest and resolve (DuckDB)", flush=True)
    t0 = time.perf_counter()
    ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="bench")
    resolve_flows.resolve(engine, lake_dir, principal=OPERATOR, purpose_id=None)
    with session_scope(engine) as session:
        persons = len(targeting_service.active_persons(session=session))
    engine.dispose()
    print(f"  {persons:,} resolved persons in {time.perf_counter() - t0:.0f} s", flush=True)
    for name in ("duckdb", "spark"):
        copy_database(resolved, _VAR / f"{name}.sqlite3")

    (duck_summary, duck_leads), duck = _target(_VAR / "duckdb.sqlite3", lake_dir, "duckdb")
    master = get_settings().spark_master
    with tree_measured() as start:
        spark_session()
    print(f"  Spark session ({master}) started in {start.seconds:.1f} s", flush=True)
    (spark_summary, spark_leads), spark = _target(_VAR / "spark.sqlite3", lake_dir, "spark")
    stop_spark()

    people = set(duck_leads) | set(spark_leads)
    same_open = persons - sum(_open(duck_leads.get(p)) != _open(spark_leads.get(p)) for p in people)
    same_any = persons - sum(duck_leads.get(p) != spark_leads.get(p) for p in people)
    opened = sum(1 for lead in duck_leads.values() if lead["state"] == "OPEN")
    print()
    print(
        f"| targeting, {persons:,} persons | wall | of which evaluating | peak RSS (tree) "
        "| leads | OPEN |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, summary, meter in (
        ("DuckDB engine (one process)", duck_summary, duck),
        (f"Spark {master}", spark_summary, spark),
    ):
        print(
            f"| {name} | {meter.seconds:.1f} s | {meter.evaluation:.1f} s "
            f"| {meter.peak_rss / 2**20:,.0f} MiB "
            f"| {summary.leads:,} | {summary.by_state.get('OPEN', 0):,} |"
        )
    print()
    print(f"Spark session start-up: {start.seconds:.1f} s (not in the Spark run's time)")
    print(
        f"persons with identical OPEN leads: {same_open:,}/{persons:,} "
        f"({same_open / persons:.4%}); OPEN leads on DuckDB: {opened:,}"
    )
    print(
        f"persons with identical leads, any state: {same_any:,}/{persons:,} "
        f"({same_any / persons:.4%})"
    )
    shutil.rmtree(_VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
