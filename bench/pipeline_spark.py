"""The whole pipeline on DuckDB and on Spark: do the two engines agree? (issue 10's acceptance)

For one generated world (``--persons``, ``--seed``; generated once into ``--cache`` and
reused, as ``bench/targeting.py`` does), on the embedded SQLite default in a fresh
temporary var dir: ingest once, copy the database, then on each copy run the pipeline
exactly as ``imos resolve`` and ``imos target`` do, one copy with ``IMOS_ENGINE=duckdb``
and the other with ``IMOS_ENGINE=spark`` (``IMOS_SPARK_MASTER``, ``local[*]`` by
default): resolution trains its own model on each engine (Splink on DuckDB, Splink on
Spark), stores its persons, and targeting evaluates every person on that engine, as of
2026-11-01 under a BATCH purpose.

Then it compares what the two pipelines stored:

- **clusterings**: the pairwise F1 of the Spark persons against the DuckDB persons, over
  every indexed record (``metrics.clustering_agreement``); goal at least 0.995;
- **OPEN leads**: a person is a set of records. For every DuckDB person, the Spark person
  holding exactly the same records is the same person; the two agree when both have no
  OPEN lead, or both have an OPEN lead with the same violations, score, priority,
  safeguards and evidence. A person whose records the other engine split or joined
  agrees only when neither side has an OPEN lead on those records. Goal: at least
  99.5 % of persons agree.

Prints the time and peak memory (the whole process tree: Spark's JVM and its Python
workers too) of each stage. Measures, never asserts.

    .venv/bin/python bench/pipeline_spark.py --persons 100000 --seed 101
    .venv/bin/python bench/pipeline_spark.py --persons 545000 --engines duckdb   # ~3M records

A large world in two steps, its var dir kept between them (``IMOS_BENCH_KEEP``): ingest
and resolve, then (after a code change, say) target the resolved copy again and again:

    IMOS_BENCH_KEEP=/tmp/w10m .venv/bin/python bench/pipeline_spark.py --persons 1810000 \
        --engines duckdb --only resolve                                      # ~10M records
    IMOS_BENCH_KEEP=/tmp/w10m .venv/bin/python bench/pipeline_spark.py --persons 1810000 \
        --engines duckdb --only target
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Every run writes into its own var dir (database, lake, audit keys), never the user's.
_KEEP = os.environ.get("IMOS_BENCH_KEEP")
_VAR = Path(_KEEP) if _KEEP else Path(tempfile.mkdtemp(prefix="imos-bench-pipeline-spark-var-"))
_VAR.mkdir(parents=True, exist_ok=True)
os.environ["IMOS_VAR_DIR"] = str(_VAR)

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import polars as pl  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parents[1]))

import targeting as targeting_bench  # noqa: E402
import targeting_spark  # noqa: E402
from immigrationos.config import get_settings  # noqa: E402
from immigrationos.db.engine import build_engine, migrate, session_scope  # noqa: E402
from immigrationos.resolution import capacity, metrics, resolve_flows  # noqa: E402
from immigrationos.resolution.models import PersonRecord  # noqa: E402
from immigrationos.sources import flows as ingest_flows  # noqa: E402
from immigrationos.spark.session import spark_session, stop_spark  # noqa: E402
from immigrationos.targeting import flows as targeting_flows  # noqa: E402
from machine import copy_database, header, tree_measured  # noqa: E402
from targeting import AS_OF, OPERATOR, _progress, _purpose, world_dir  # noqa: E402

# Importing the other benches made var dirs of their own and pointed the settings there.
for other in (targeting_bench._VAR, targeting_spark._VAR):
    shutil.rmtree(other, ignore_errors=True)
os.environ["IMOS_VAR_DIR"] = str(_VAR)

Lead = dict[str, Any]
ENGINES = ("duckdb", "spark")


def _memberships(engine: Any) -> pl.DataFrame:
    """Return ``unique_id, cluster_id`` for every record the run put in a person."""
    with session_scope(engine) as session:
        rows = session.execute(
            PersonRecord.__table__.select().with_only_columns(
                PersonRecord.source, PersonRecord.record_id, PersonRecord.person_id
            )
        ).all()
    return pl.DataFrame(
        {
            "unique_id": [f"{s}:{r}" for s, r, _ in rows],
            "cluster_id": [p for _, _, p in rows],
        }
    )


def _open_leads(engine: Any) -> dict[str, Lead]:
    """Return each person's current OPEN lead: what the queue and the export show of it."""
    return {
        person_id: {key: value for key, value in lead.items() if key != "state"}
        for person_id, lead in targeting_spark._leads(engine).items()
        if lead["state"] == "OPEN"
    }


def _cleanup() -> None:
    """Remove the run's var dir, unless it is kept (``IMOS_BENCH_KEEP``)."""
    if not _KEEP:
        shutil.rmtree(_VAR, ignore_errors=True)


def _pipeline(
    database: Path, lake_dir: Path, engine_name: str, only: str | None = None
) -> tuple[Any, ...]:
    """Resolve and target one copy of the ingested world on one engine (or one of the two)."""
    os.environ["IMOS_ENGINE"] = engine_name
    get_settings.cache_clear()
    engine = build_engine(f"sqlite:///{database.as_posix()}")
    resolving = None
    if only != "target":
        with tree_measured() as resolving:
            run = resolve_flows.resolve(engine, lake_dir, principal=OPERATOR, purpose_id=None)
        print(
            f"  {engine_name}: resolved in {resolving.seconds:.1f} s, peak RSS (tree) "
            f"{resolving.peak_rss / 2**30:.2f} GiB: {run}",
            flush=True,
        )
    if only == "resolve":
        engine.dispose()
        copy_database(database, database.with_name(f"{engine_name}-resolved.sqlite3"))
        return pl.DataFrame(), {}, resolving, None
    purpose = _purpose(engine)
    with tree_measured() as targeting:
        summary = targeting_flows.target(
            engine, lake_dir, principal=OPERATOR, purpose_id=purpose, as_of=AS_OF,
            progress=_progress,
        )  # fmt: skip
    print(
        f"  {engine_name}: targeted in {targeting.seconds:.1f} s, peak RSS (tree) "
        f"{targeting.peak_rss / 2**30:.2f} GiB: {summary.leads:,} leads {summary.by_state}",
        flush=True,
    )
    clusters, leads = _memberships(engine), _open_leads(engine)
    engine.dispose()
    return clusters, leads, resolving, targeting


def compare_leads(
    duck_clusters: pl.DataFrame,
    duck_leads: dict[str, Lead],
    spark_clusters: pl.DataFrame,
    spark_leads: dict[str, Lead],
) -> tuple[int, int, int]:
    """Return (persons, persons whose OPEN leads agree, persons the engines cut alike).

    A person is the set of records of a DuckDB person; the Spark person with the same
    set is the same person. Where the sets differ, the person agrees only when no record
    of theirs is in a person with an OPEN lead on either engine.
    """
    spark_person = dict(spark_clusters.iter_rows())
    spark_sizes = spark_clusters.group_by("cluster_id").len()
    spark_size = dict(spark_sizes.iter_rows())
    persons = agree = same_cut = 0
    for duck_id, group in duck_clusters.group_by("cluster_id"):
        records = group.get_column("unique_id").to_list()
        others = {spark_person.get(r) for r in records}
        persons += 1
        duck_open = duck_leads.get(str(duck_id[0]))
        if len(others) == 1 and None not in others:
            (other,) = others
            if spark_size[other] == len(records):
                same_cut += 1
                agree += duck_open == spark_leads.get(str(other))
                continue
        agree += duck_open is None and not any(spark_leads.get(str(o)) for o in others)
    return persons, agree, same_cut


def main() -> None:
    """Ingest a world once, run the pipeline on both engines, compare what they stored."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-targeting"))
    parser.add_argument(
        "--save", type=Path, default=None, help="write each engine's persons and OPEN leads here"
    )
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, default=list(ENGINES),
        help="the engines to run (time and memory only, no agreement, unless both)",
    )  # fmt: skip
    parser.add_argument(
        "--only", choices=("resolve", "target"), default=None,
        help="resolve: ingest and resolve, keep a copy of the resolved database; target: "
        "target a fresh copy of it (both with IMOS_BENCH_KEEP, the var dir kept between; "
        "with both engines, the two are then compared)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.only and not _KEEP:
        parser.error("--only needs IMOS_BENCH_KEEP=DIR: the var dir kept between the two steps")
    header(f"the pipeline on DuckDB and on Spark — {args.persons:,} persons, seed {args.seed}")
    lake_dir = _VAR / "lake"
    if args.only == "target":
        for name in args.engines:  # a fresh copy of the resolved world, every time
            copy_database(_VAR / f"{name}-resolved.sqlite3", _VAR / f"{name}.sqlite3")
    else:
        world = world_dir(args.persons, args.seed, args.cache)
        # A lake kept from an earlier run would make the ingest skip every file it already
        # holds, and the fresh database would index no record: start both afresh.
        shutil.rmtree(lake_dir, ignore_errors=True)
        ingested = _VAR / "ingested.sqlite3"
        engine = build_engine(f"sqlite:///{ingested.as_posix()}")
        migrate(engine)
        t0 = time.perf_counter()
        ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="bench")
        engine.dispose()
        print(f"ingested in {time.perf_counter() - t0:.0f} s", flush=True)
        print(f"person records in the lake: {capacity.lake_records(lake_dir):,}", flush=True)
        for name in args.engines:
            copy_database(ingested, _VAR / f"{name}.sqlite3")
        if args.only == "resolve":
            for left in _VAR.glob("ingested.sqlite3*"):
                left.unlink()

    runs: dict[str, tuple[Any, ...]] = {}
    master = get_settings().spark_master
    start_seconds = 0.0
    for name in args.engines:
        if name == "spark":
            with tree_measured() as start:
                spark_session()
            start_seconds = start.seconds
            print(f"  Spark session ({master}) started in {start_seconds:.1f} s", flush=True)
        runs[name] = _pipeline(_VAR / f"{name}.sqlite3", lake_dir, name, args.only)
        if name == "spark":
            stop_spark()
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        for name, run in runs.items():
            run[0].write_parquet(args.save / f"{name}-persons.parquet")
            (args.save / f"{name}-open-leads.json").write_text(json.dumps(run[1]))

    print()
    print("| engine | resolution | peak RSS | targeting | peak RSS | OPEN leads |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, run in runs.items():
        label = "DuckDB" if name == "duckdb" else f"Spark {master}"
        cells = [
            f"{m.seconds:.1f} s | {m.peak_rss / 2**30:.2f} GiB" if m is not None else "– | –"
            for m in (run[2], run[3])
        ]
        opened = f"{len(run[1]):,}" if run[3] is not None else "–"
        print(f"| {label} | {cells[0]} | {cells[1]} | {opened} |")
    print()
    if len(runs) < len(ENGINES) or args.only == "resolve":
        _cleanup()
        return
    duck, spark = runs["duckdb"], runs["spark"]
    print(f"Spark session start-up: {start_seconds:.1f} s (in neither run's time)")
    agreement = metrics.clustering_agreement(spark[0], duck[0])
    persons, agree, same_cut = compare_leads(duck[0], duck[1], spark[0], spark[1])
    print(
        f"clusterings: pairwise F1 of Spark's persons against DuckDB's {agreement.f1:.5f} "
        f"(P {agreement.precision:.5f}, R {agreement.recall:.5f}); goal >= 0.995"
    )
    print(f"persons cut alike (same records on both engines): {same_cut:,}/{persons:,}")
    print(
        f"persons with identical OPEN leads: {agree:,}/{persons:,} ({agree / persons:.4%}); "
        "goal >= 99.5 %"
    )
    _cleanup()


if __name__ == "__main__":
    main()
