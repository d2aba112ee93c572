"""Benchmark: ingest with the record index, then record search latency, on PostgreSQL and SQLite.

Generates a synthetic world (or reuses one given with --world), ingests it into a fresh
database of each kind (ingest writes the record index in each batch's transaction), then
times ``records.service.search`` single-threaded over a mix of queries drawn from the
world's true persons: names with one typo, the same with the birth date, birth dates
alone, identifiers (SSNs half of the time written with dashes). Name recall is the share
of name queries whose hits include a record of the person asked for. The same queries
are then timed through ``records.access.search`` (what ``GET /api/v1/records/search``
calls: purpose lookup, the data-use policy per hit, the audit append and the commit) as
an analyst under a criminal investigation purpose. CPU is this process's (not the
database server's) per search.
Target: search p95 under 20 ms on PostgreSQL with 100,000 persons.

    python bench/bench_search.py [--persons 100000] [--world DIR] [--queries 1000]
        [--backends postgres,sqlite] [--reindex] [--keep] [--reuse]

--keep keeps the world, lakes and databases in $TMPDIR/imos-bench-search; --reuse
searches those of the last --keep run instead of generating and ingesting again.

PostgreSQL: IMOS_BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/imos_bench_search); the database is
created and dropped by the benchmark. Searches are timed right after the ingest and, on
PostgreSQL, again after ``records.flows.vacuum`` (VACUUM ANALYZE: the state autovacuum
soon leaves the tables in; index-only scans need the visibility map).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.apikit.deps import PageParams
from immigrationos.auth import accounts
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import build_engine, migrate, session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.records import access, service
from immigrationos.records import flows as records_flows
from immigrationos.records.models import RecordKey, RecordVersion
from immigrationos.sources import flows
from immigrationos.synth.noise import typo
from immigrationos.synth.world import generate_world
from machine import header

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/imos_bench_search"
MIX = (("name_typo", 0.4), ("name_birth_date", 0.2), ("birth_date", 0.2), ("identifier", 0.2))
KEPT = Path(tempfile.gettempdir()) / "imos-bench-search"
Query = tuple[str, dict[str, Any], str]  # kind, search arguments, true person_id


def _postgres_database(url: str, create: bool) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _queries(world: Path, engine: Engine, count: int, seed: int) -> list[Query]:
    """Return (kind, search arguments, person) drawn from the world's persons and the index."""
    rnd = random.Random(seed)
    persons = pl.read_csv(world / "truth" / "persons.csv", infer_schema_length=0).sort("person_id")
    rows = persons.rows(named=True)
    sample = [rows[rnd.randrange(len(rows))] for _ in range(count)]
    with engine.connect() as conn:
        ids = conn.execute(
            select(RecordKey.value)
            .where(RecordKey.kind != "NAME")
            .order_by(RecordKey.kind, RecordKey.value)
        ).all()
    ids = [ids[rnd.randrange(len(ids))] for _ in range(count)]
    out: list[Query] = []
    for i, person in enumerate(sample):
        kind = rnd.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        given, family = person["given_name"], person["family_name"]
        if rnd.random() < 0.5:
            given = typo(given, rnd)
        else:
            family = typo(family, rnd)
        birth = dt.date.fromisoformat(person["birth_date"])
        pid = person["person_id"]
        if kind == "name_typo":
            out.append((kind, {"name": f"{given} {family}"}, pid))
        elif kind == "name_birth_date":
            out.append((kind, {"name": f"{given} {family}", "birth_date": birth}, pid))
        elif kind == "birth_date":
            out.append((kind, {"birth_date": birth}, pid))
        else:
            value = ids[i % len(ids)][0]
            if value.isdigit() and len(value) == 9 and rnd.random() < 0.5:
                value = f"{value[:3]}-{value[3:5]}-{value[5:]}"
            out.append((kind, {"identifier": value}, ""))
    return out


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def _search_bench(
    engine: Engine, queries: list[Query], owners: dict[tuple[str, str], str], label: str
) -> None:
    for _, kwargs, _ in queries[:50]:  # warm caches and prepared statements
        with session_scope(engine) as session:
            service.search(session=session, **kwargs)
    by_kind: dict[str, list[float]] = defaultdict(list)
    hits: dict[str, list[int]] = defaultdict(list)
    recalled: dict[str, list[bool]] = defaultdict(list)
    cpu = time.process_time()
    for kind, kwargs, person in queries:
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            found = service.search(session=session, **kwargs)
        by_kind[kind].append((time.perf_counter() - t0) * 1000)
        hits[kind].append(len(found))
        if "name" in kwargs:
            recalled[kind].append(any(owners.get((h.source, h.record_id)) == person for h in found))
    cpu_ms = (time.process_time() - cpu) * 1000 / len(queries)
    every = [ms for values in by_kind.values() for ms in values]
    print(
        f"search ({label}): {len(every):,} queries, p50 {_percentile(every, 0.5):.1f} ms, "
        f"p95 {_percentile(every, 0.95):.1f} ms, p99 {_percentile(every, 0.99):.1f} ms, "
        f"max {max(every):.1f} ms, CPU {cpu_ms:.1f} ms/search (one thread, a session per "
        "query, max_candidates 500, gc frozen after setup)"
    )
    for kind, values in by_kind.items():
        recall = (
            f"  name recall {100 * statistics.mean(recalled[kind]):.1f} %" if recalled[kind] else ""
        )
        print(
            f"  {kind:<16}{len(values):>5} p50 {_percentile(values, 0.5):6.1f} ms "
            f"p95 {_percentile(values, 0.95):6.1f} ms  hits/query "
            f"{statistics.mean(hits[kind]):5.0f}{recall}"
        )


def _analyst(engine: Engine) -> tuple[Principal, str]:
    """Create an analyst with a criminal investigation purpose; return them and its id."""
    operator = Principal.operator("bench")
    created = accounts.create_user(
        f"bench.search.{os.urandom(3).hex()}", "Bench Analyst", "ANALYST",
        "bench-harbor-lantern-42", created_by=operator.actor, engine=engine,
    )  # fmt: skip
    principal = Principal.of_user(created.user, client="bench")
    purpose = policy_flows.create_purpose(
        engine=engine, principal=principal,
        data=PurposeCreate(
            kind=PurposeKind.CRIMINAL_INVESTIGATION, reference="BENCH-SEARCH",
            title="benchmark", justification="measure record search",
        ),
    )  # fmt: skip
    return principal, purpose.id


def _access_bench(engine: Engine, queries: list[Query], label: str) -> None:
    """Time ``records.access.search`` (the API's search, without HTTP) over the queries."""
    principal, purpose = _analyst(engine)
    page = PageParams(limit=50, offset=0)

    def one(kwargs: dict[str, Any]) -> None:
        query = access.SearchQuery(
            name=kwargs.get("name"),
            birth_date=kwargs.get("birth_date"),
            identifier=kwargs.get("identifier"),
            sources=(),
            include_withdrawn=False,
        )
        with session_scope(engine) as session:
            access.search(session, principal, purpose, query, page)

    for _, kwargs, _ in queries[:50]:
        one(kwargs)
    every = []
    cpu = time.process_time()
    for _, kwargs, _ in queries:
        t0 = time.perf_counter()
        one(kwargs)
        every.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(queries)
    print(
        f"access search ({label}): p50 {_percentile(every, 0.5):.1f} ms, "
        f"p95 {_percentile(every, 0.95):.1f} ms, p99 {_percentile(every, 0.99):.1f} ms, "
        f"CPU {cpu_ms:.1f} ms/search (records.access.search: an analyst under a criminal "
        "investigation purpose, policy per hit, audited, page of 50)"
    )


def _run(
    label: str, url: str, world: Path, lake_dir: Path, args: argparse.Namespace, reused: bool
) -> None:
    engine = build_engine(url)
    print(f"-- {label}")
    if not reused:
        migrate(engine)
        t0 = time.perf_counter()
        report = flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="bench")
        elapsed = time.perf_counter() - t0
        with engine.connect() as conn:
            versions = conn.scalar(select(func.count()).select_from(RecordVersion.__table__))
            keys = conn.scalar(select(func.count()).select_from(RecordKey.__table__))
        with session_scope(engine) as session:
            records = service.count_records(session=session)
        rows = report.totals["rows_read"]
        print(
            f"ingest:  {elapsed:.1f} s for {rows:,} rows, index included "
            f"({rows / elapsed:,.0f} rows/s): {records:,} records, {versions:,} versions, "
            f"{keys:,} keys"
        )
    else:
        print(f"ingest:  reusing the database of the last --keep run ({url})")
    truth = pl.read_csv(world / "truth" / "records.csv", infer_schema_length=0)
    owners = {(s, r): p for s, r, p in truth.iter_rows()}
    queries = _queries(world, engine, args.queries, args.seed)
    # What the process holds so far (modules, the truth) is frozen out of the cyclic
    # garbage collector, as a server does after start: a full collection of it would
    # otherwise land, tens of ms, on whichever search triggered it.
    gc.collect()
    gc.freeze()
    if not reused:
        _search_bench(engine, queries, owners, "right after ingest")
    if engine.dialect.name == "postgresql" and not reused:
        t0 = time.perf_counter()
        records_flows.vacuum(engine)
        print(f"vacuum:  {time.perf_counter() - t0:.1f} s (records.flows.vacuum: VACUUM ANALYZE)")
        _search_bench(engine, queries, owners, "after VACUUM ANALYZE")
    elif reused:
        _search_bench(engine, queries, owners, "reused database")
    _access_bench(engine, queries, "reused database" if reused else "after ingest")
    if args.reindex:
        t0 = time.perf_counter()
        records_flows.reindex(engine, lake_dir, run_by="bench")
        print(f"reindex: {time.perf_counter() - t0:.1f} s from the lake")
    gc.unfreeze()
    engine.dispose()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--backends", default="postgres,sqlite")
    parser.add_argument("--reindex", action="store_true", help="also time imos reindex")
    parser.add_argument("--keep", action="store_true", help=f"keep world and databases in {KEPT}")
    parser.add_argument("--reuse", action="store_true", help="reuse those of the last --keep run")
    args = parser.parse_args()
    header("record search")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    postgres_url = os.environ.get("IMOS_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    with tempfile.TemporaryDirectory(prefix="imos-bench-") as tmp:
        work = KEPT if args.keep or args.reuse else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        world = args.world
        if world is None and args.reuse and (work / "world" / "truth").is_dir():
            world = work / "world"
            print(f"world:   reusing {world}")
        elif world is None:
            world = work / "world"
            t0 = time.perf_counter()
            generate_world(
                persons=args.persons,
                seed=7,
                as_of=dt.date(2026, 11, 1),
                out_dir=world,
                malformed_rate=0.01,
            )
            print(
                f"world:   {args.persons:,} persons generated in {time.perf_counter() - t0:.1f} s"
            )
        for backend in backends:
            lake_dir = work / f"lake-{backend}"
            loaded = work / f"loaded-{backend}"
            reused = args.reuse and loaded.exists()
            loaded.unlink(missing_ok=True)
            if not reused:
                shutil.rmtree(lake_dir, ignore_errors=True)
            if backend == "postgres":
                if not reused:
                    _postgres_database(postgres_url, create=True)
                try:
                    _run("PostgreSQL", postgres_url, world, lake_dir, args, reused)
                    loaded.touch()
                finally:
                    if not args.keep:
                        _postgres_database(postgres_url, create=False)
            elif backend == "sqlite":
                url = f"sqlite:///{work / 'bench.sqlite3'}"
                if not reused:
                    (work / "bench.sqlite3").unlink(missing_ok=True)
                _run("SQLite", url, world, lake_dir, args, reused)
                loaded.touch()
            else:
                raise SystemExit(f"unknown backend {backend!r} (postgres, sqlite)")


if __name__ == "__main__":
    main()
