"""Benchmark the targeting queue of a 1,000,000-person world (issue 5): time and memory.

One generated world (``--persons``, ``--seed``; generated once into
``--cache``/``world-<persons>-<seed>`` with the ``.generated`` marker of
``bench/targeting.py`` and reused), on the embedded SQLite default in a fresh temporary
var dir. Each stage is timed with its peak RSS (``bench/resolution.py``'s ``measured``):

1. generation (only when the world is not cached; the figures of the run that generated
   it are kept beside it in ``generation.json`` and printed again on reuse);
2. ingest (``sources.flows.ingest_directory``);
3. resolution, ``--resolution``:

   - ``engine``: ``resolve_flows.resolve``, the production engine (Splink on DuckDB);
   - ``truth``: an ORACLE resolution. The truth clustering (``truth/records.csv``
     ``person_id``) is stored as the run's result through ``run_flows.persist_result``,
     the step ``resolve_flows.resolve`` stores its result with (``_stored``): a
     ``ResolutionResult`` whose clusters are the true persons (a record of the lake the
     truth does not own is its own person), with no links and no flags. Persons,
     memberships, areas, events and the audit event are written exactly as a real run
     writes them. It isolates the scaling of targeting from that of resolution (the
     engine's 3,000,000-record run took 252 s and 7.4 GiB); the leads it yields are not
     those of a production run (no link is weak, no SSN is flagged as shared);

4. targeting (``targeting.flows.target``, as of 2026-11-01) under a BATCH purpose, as
   ``bench/targeting.py`` runs it: this is the queue;
5. reading the queue as users do, with an operator principal under the same purpose:
   ``targeting.access.list_leads`` (``GET /leads?state=OPEN``: the first page of 50
   OPEN leads, highest score first) and ``targeting.access.read_lead``
   (``GET /leads/{id}``: a lead's full explanation, cycling through the first page's
   leads), each in its own session as a request has, ``--reads`` calls each; p50/p95.

Prints persons, records, leads by state and violation, seconds and peak RSS per stage,
targeting throughput (persons/s) and the read latencies. Measures, never asserts.

    .venv/bin/python bench/targeting_queue.py --persons 20000
    .venv/bin/python bench/targeting_queue.py                      # 1,000,000, truth
    IMOS_BENCH_KEEP=/tmp/w10m .venv/bin/python bench/targeting_queue.py --persons 1810000 \
        --seed 101 --ingested duckdb.sqlite3     # 10M records, ingested by pipeline_spark.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Every run writes into its own var dir (database, lake, audit keys), never the user's.
# IMOS_BENCH_KEEP=DIR: work in DIR and keep it (with --ingested: a database ingested there
# earlier, e.g. by bench/pipeline_spark.py with the same IMOS_BENCH_KEEP).
_KEEP = os.environ.get("IMOS_BENCH_KEEP")
_VAR = Path(_KEEP) if _KEEP else Path(tempfile.mkdtemp(prefix="imos-bench-queue-var-"))
_VAR.mkdir(parents=True, exist_ok=True)
os.environ["IMOS_VAR_DIR"] = str(_VAR)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import polars as pl  # noqa: E402
from sqlalchemy import Engine, func, select  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.apikit.deps import PageParams  # noqa: E402
from immigrationos.auth.principal import Principal  # noqa: E402
from immigrationos.db.engine import build_engine, migrate, session_scope  # noqa: E402
from immigrationos.policy import flows as policy_flows  # noqa: E402
from immigrationos.policy.kinds import PurposeKind  # noqa: E402
from immigrationos.policy.schemas import PurposeCreate  # noqa: E402
from immigrationos.resolution import resolve_flows  # noqa: E402
from immigrationos.resolution.engine import PRODUCTION_THRESHOLD  # noqa: E402
from immigrationos.resolution.frame import record_frame  # noqa: E402
from immigrationos.resolution.result import (  # noqa: E402
    CLUSTER_COLUMNS,
    FLAG_COLUMNS,
    LINK_COLUMNS,
    ResolutionResult,
)
from immigrationos.resolution.run_flows import RunSummary, persist_result  # noqa: E402
from immigrationos.sources import flows as ingest_flows  # noqa: E402
from immigrationos.synth.world import generate_world  # noqa: E402
from immigrationos.targeting import access as targeting_access  # noqa: E402
from immigrationos.targeting import flows as targeting_flows  # noqa: E402
from immigrationos.targeting.models import Lead  # noqa: E402
from machine import copy_database, header, tree_measured  # noqa: E402
from resolution import Meter, measured  # noqa: E402

AS_OF = dt.date(2026, 11, 1)
OPERATOR = Principal.operator("bench")
PAGE = PageParams(limit=50, offset=0)
GIB = 1024**3


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def _gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"


def world_dir(persons: int, seed: int, cache: Path) -> tuple[Path, dict[str, float] | None]:
    """Return a generated world's folder (generated into the cache once) and its cost.

    The cost is that of the run that generated it (``generation.json`` beside it), or
    None when an older run left the world without one.
    """
    root = cache / f"world-{persons}-{seed}"
    world, done, cost = root / "world", root / ".generated", root / "generation.json"
    if not done.exists():
        shutil.rmtree(world, ignore_errors=True)
        _say(f"generate: {persons:,} persons, seed {seed} -> {world}")
        with measured() as m:
            summary = generate_world(
                persons=persons, seed=seed, as_of=AS_OF, out_dir=world, malformed_rate=0.01
            )
        done.write_text("ok\n")
        cost.write_text(
            json.dumps(
                {
                    "seconds": m.seconds,
                    "peak_rss": m.peak_rss,
                    "records": summary.records,
                    "rows": sum(summary.rows_per_source.values()),
                }
            )
        )
    else:
        _say(f"generate: reusing {world}")
    return world, (json.loads(cost.read_text()) if cost.exists() else None)


def _purpose(engine: Engine) -> str:
    created = policy_flows.create_purpose(
        engine=engine,
        principal=OPERATOR,
        data=PurposeCreate(
            kind=PurposeKind.BATCH,
            reference="BENCH-TGT-Q",
            title="targeting queue benchmark run (synthetic world)",
            justification="evaluate every resolved person of a synthetic world for leads",
        ),
    )
    return str(created.id)


def truth_result(world: Path, lake_dir: Path) -> ResolutionResult:
    """Return the ORACLE resolution of the lake's records: the truth's persons as clusters.

    Every current person record of the lake is in exactly one cluster: its true person's,
    or its own when the truth does not own it. No links, no flags.
    """
    records = record_frame(lake_dir).select("unique_id")
    truth = pl.read_csv(
        world / "truth/records.csv",
        columns=["source", "record_id", "person_id"],
        schema_overrides={"source": pl.Utf8, "record_id": pl.Utf8, "person_id": pl.Utf8},
    ).select(
        pl.concat_str("source", pl.lit(":"), "record_id").alias("unique_id"),
        pl.col("person_id").alias("cluster_id"),
    )
    clusters = (
        records.join(truth.unique("unique_id"), on="unique_id", how="left")
        .with_columns(pl.col("cluster_id").fill_null(pl.col("unique_id")))
        .select(CLUSTER_COLUMNS)
    )
    links = pl.DataFrame(
        schema={
            "unique_id_l": pl.Utf8,
            "unique_id_r": pl.Utf8,
            "match_weight": pl.Float64,
            "match_probability": pl.Float64,
            "explanation": pl.Utf8,
        }
    ).select(LINK_COLUMNS)
    flags = pl.DataFrame(schema=dict.fromkeys(FLAG_COLUMNS, pl.Utf8))
    owned = clusters.filter(pl.col("cluster_id") != pl.col("unique_id")).height
    return ResolutionResult(
        clusters=clusters,
        links=links,
        flags=flags,
        backend="truth-oracle",
        threshold=PRODUCTION_THRESHOLD,
        stats={"oracle": 1.0, "records": float(clusters.height), "truth_owned": float(owned)},
        model=None,
    )


def resolve(mode: str, world: Path, engine: Engine, lake_dir: Path) -> RunSummary:
    """Resolve the lake: the production engine, or the truth stored as the run (oracle)."""
    if mode == "engine":
        return resolve_flows.resolve(
            engine,
            lake_dir,
            principal=OPERATOR,
            purpose_id=None,
            progress=lambda stage, done, total: _say(f"    resolve: {stage} ({done}/{total})"),
        )
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    result = truth_result(world, lake_dir)
    _say(
        f"    resolve: truth clusters of {result.clusters.height:,} records built in "
        f"{time.perf_counter() - t0:.1f} s; persist"
    )
    # The step resolve_flows.resolve stores its result with (its ``_stored``).
    return persist_result(
        result,
        engine=engine,
        principal=OPERATOR,
        purpose_id=None,
        lake_dir=lake_dir,
        started_at=started,
    )


def _progress(every: int) -> Callable[[int, int], None]:
    """Say the progress each time it passes a multiple of ``every`` persons, and at the end.

    Passes, not hits: Spark tells the persons its finished tasks hold, polled, never a
    round number.
    """
    clock = time.perf_counter()
    told = [0]

    def tell(done: int, total: int) -> None:
        if done == total or done // every > told[0] // every:
            told[0] = done
            rate = done / max(time.perf_counter() - clock, 1e-9)
            _say(f"    targeted {done:,}/{total:,} ({rate:,.0f} persons/s so far)")

    return tell


def _quantiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (
        f"p50 {statistics.median(ms):8.1f} ms  p95 {p95:8.1f} ms  "
        f"min {ms[0]:8.1f} ms  max {ms[-1]:8.1f} ms  (n={len(ms)})"
    )


def read_queue(engine: Engine, purpose: str, calls: int) -> dict[str, list[float]]:
    """Time the first page of OPEN leads and a lead's explanation, each ``calls`` times."""
    with session_scope(engine) as session:
        current = session.scalar(select(func.count()).where(Lead.retired_at.is_(None)))
    _say(f"    {current:,} current leads in the table")
    listing: list[float] = []
    first: list[str] = []
    for _ in range(calls):
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            page = targeting_access.list_leads(session, OPERATOR, purpose, PAGE, state="OPEN")
        listing.append(time.perf_counter() - t0)
        first = [item.lead_id for item in page.items]
    _say(f"    GET /leads?state=OPEN: {len(first)} of {page.total:,} OPEN leads on the first page")
    reading: list[float] = []
    if first:
        sizes = []
        for i in range(calls):
            lead_id = first[i % len(first)]
            t0 = time.perf_counter()
            with session_scope(engine) as session:
                lead = targeting_access.read_lead(session, OPERATOR, purpose, lead_id)
            reading.append(time.perf_counter() - t0)
            sizes.append(len(lead.model_dump_json()))
        _say(
            f"    GET /leads/{{id}}: {len(set(first[:calls]))} distinct leads, "
            f"explanation {statistics.median(sizes):,.0f} bytes (median JSON)"
        )
    return {"list": listing, "read": reading}


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=505)
    parser.add_argument(
        "--resolution",
        choices=("engine", "truth"),
        default="truth",
        help="engine: the production resolve; truth: store the true clustering (an oracle)",
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-targeting"))
    parser.add_argument("--reads", type=int, default=50, help="calls per queue read")
    parser.add_argument("--keep", action="store_true", help="keep the var dir (database, lake)")
    parser.add_argument(
        "--save-resolved",
        action="store_true",
        help="before targeting, copy the resolved database to resolved.sqlite3 in the var "
        "dir, for --resolved",
    )
    parser.add_argument(
        "--resolved",
        default=None,
        metavar="FILE",
        help="a SQLite database in IMOS_BENCH_KEEP already ingested and resolved from this "
        "world (--save-resolved leaves one), its lake beside it in lake/ (or in the "
        "world's folder): no ingest, no resolve; targets a fresh copy of it",
    )
    parser.add_argument(
        "--ingested",
        default=None,
        metavar="FILE",
        help="a SQLite database in IMOS_BENCH_KEEP already ingested from this world, its lake "
        "beside it in lake/ (bench/pipeline_spark.py leaves one): no ingest; used in place",
    )
    args = parser.parse_args()
    if (args.ingested or args.resolved) and not _KEEP:
        parser.error("--ingested and --resolved need IMOS_BENCH_KEEP=DIR, the folder that holds it")

    header("targeting queue (issue 5)")
    oracle = args.resolution == "truth"
    print(
        f"world: {args.persons:,} persons, seed {args.seed}; var dir {_VAR} (embedded "
        f"SQLite; {'kept' if args.keep or _KEEP else 'removed at the end'})"
    )
    print(
        "resolution: "
        + (
            "ORACLE (truth/records.csv person_id stored as the run through "
            "run_flows.persist_result; no links, no flags): targeting's scaling, not "
            "resolution's"
            if oracle
            else "production engine (resolve_flows.resolve)"
        ),
        flush=True,
    )
    stages: dict[str, Meter] = {}
    world, generated = world_dir(args.persons, args.seed, args.cache)
    resolved = None
    if args.resolved:
        source = _VAR / args.resolved
        var = source.parent
        lake_dir = var / "lake"
        if not lake_dir.exists():
            lake_dir = _VAR / f"world-{args.persons}-{args.seed}" / "lake"
        copy = var / "targeted.sqlite3"
        copy_database(source, copy)
        engine = build_engine(f"sqlite:///{copy.as_posix()}")
        totals = None
        _say(f"resolved earlier: {source}; target a fresh copy ({copy})")
    elif args.ingested:
        var = _VAR
        lake_dir = var / "lake"
        engine = build_engine(f"sqlite:///{(var / args.ingested).as_posix()}")
        migrate(engine)
        totals = None
        _say(f"ingested earlier: {var / args.ingested}; resolve")
    else:
        var = _VAR / f"world-{args.persons}-{args.seed}"
        var.mkdir(parents=True)
        lake_dir = var / "lake"
        engine = build_engine(f"sqlite:///{(var / 'imos.sqlite3').as_posix()}")
        migrate(engine)
        _say("ingest")
        with measured() as m:
            report = ingest_flows.ingest_directory(
                world, engine=engine, lake_dir=lake_dir, run_by="bench"
            )
        stages["ingest"] = m
        totals = report.totals
        _say(f"ingest: {totals['accepted']:,} rows accepted in {m.seconds:.0f} s; resolve")

    if not args.resolved:
        with measured() as m:
            resolved = resolve(args.resolution, world, engine, lake_dir)
        stages["resolve (oracle: truth)" if oracle else "resolve (engine)"] = m
        _say(
            f"resolve: {resolved.persons:,} persons of {resolved.records:,} records, "
            f"{resolved.links:,} links in {m.seconds:.0f} s; target"
        )
        if args.save_resolved:
            saved = Path(engine.url.database or "").with_name("resolved.sqlite3")
            engine.dispose()
            copy_database(Path(engine.url.database or ""), saved)
            _say(f"resolved database saved: {saved} (for --resolved)")

    purpose = _purpose(engine)
    # The whole process tree: on Spark (IMOS_ENGINE=spark) its JVM and Python workers too.
    with tree_measured() as m:
        summary = targeting_flows.target(
            engine,
            lake_dir,
            principal=OPERATOR,
            purpose_id=purpose,
            as_of=AS_OF,
            progress=_progress(max(args.persons // 40, 1_000)),
        )
    stages["target (the queue)"] = m
    _say(f"target: {summary.leads:,} leads in {m.seconds:.0f} s; read the queue")

    with measured() as m:
        latencies = read_queue(engine, purpose, args.reads)
    stages["queue reads"] = m
    engine.dispose()

    print(f"\n== figures: {args.persons:,}-person world, seed {args.seed} ==")
    print(f"resolution: {'ORACLE (truth clustering)' if oracle else 'production engine'}")
    print(f"targeting engine: {os.environ.get('IMOS_ENGINE', 'duckdb')}")
    if generated:
        print(
            f"generation: {generated['seconds']:.1f} s, peak RSS {_gib(int(generated['peak_rss']))}"
            f", {int(generated['rows']):,} rows in all files, {int(generated['records']):,} "
            "truth records"
        )
    if totals is not None:
        print(
            f"source rows: {totals['rows_read']:,} read, {totals['accepted']:,} accepted, "
            f"{totals['quarantined']:,} quarantined"
        )
    else:
        print(f"source rows: ingested earlier ({args.ingested or args.resolved})")
    if resolved is not None:
        print(
            f"resolved: {resolved.records:,} person records -> {resolved.persons:,} persons "
            f"({resolved.links:,} links, {resolved.flags:,} flags)"
        )
    else:
        print(f"resolved earlier ({args.resolved})")
    print(f"targeted: {summary.persons:,} active persons -> {summary.leads:,} leads")
    print("  by state:     " + ", ".join(f"{k} {v:,}" for k, v in summary.by_state.items()))
    print("  by violation: " + ", ".join(f"{k} {v:,}" for k, v in summary.by_violation.items()))
    print(f"  withheld sources (BATCH purpose): {', '.join(summary.withheld_sources) or 'none'}")
    print(f"\n  {'stage':<26} {'seconds':>9} {'peak RSS':>11} {'RSS before':>11}")
    for name, meter in stages.items():
        print(
            f"  {name:<26} {meter.seconds:>9.1f} {_gib(meter.peak_rss):>11} "
            f"{_gib(meter.start_rss):>11}"
        )
    target_s = stages["target (the queue)"].seconds
    print(
        f"\ntargeting throughput: {summary.persons / target_s:,.0f} persons/s "
        f"({target_s:.1f} s for {summary.persons:,} persons; issue 5 goal: <= 120 s for 100,000)"
    )
    print("queue reads (operator, BATCH purpose, one session per call, audited as users' are):")
    print(f"  GET /leads?state=OPEN (first page of 50) {_quantiles(latencies['list'])}")
    if latencies["read"]:
        print(f"  GET /leads/{{id}} (full explanation)      {_quantiles(latencies['read'])}")
    if args.keep or _KEEP:
        print(f"kept: {var}")
    else:
        shutil.rmtree(_VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
