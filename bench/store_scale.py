"""Benchmark the operational store at national scale: the queue and a profile, 10M records.

PostgreSQL only. Three stages, each printed with its time:

1. **Load** a generated world through the real code, exactly as ``bench/bench_web.py``
   does (``bench_web.load``: ingest, resolution, targeting; ``--resolution truth`` stores
   the generator's truth clustering as the run). 100,000 persons make ~600,000 records.
2. **Replicate** that world inside PostgreSQL with ``INSERT ... SELECT`` until ``records``
   holds ``--target-records`` rows (default 10,000,000). Each copy gets new keys: record
   ids (``records.id`` shifted, ``record_id`` suffixed ``~<copy>``), person and lead IDs
   (``Px<copy><n>``, ``Lx<copy><n>``), search-key values suffixed, the evidence of each
   lead pointing at its copy's records. Copied: records, record_versions, record_keys,
   persons, person_records, person_links, leads, lead_events. The audit log is padded to
   ``--audit-events`` events with synthetic rows (copies of the world's own few events
   would not make a national log): they carry placeholder hashes, so the chain is NOT
   valid past the loaded events; nothing here verifies it (``imos audit verify`` would
   stop at the first padded event). A copied world is the same people again under other
   IDs: the value distributions are the loaded world's, repeated.
3. **Measure**, after ``VACUUM ANALYZE``: the sizes of the tables
   (``pg_total_relation_size``, summed over partitions), the plans (``EXPLAIN ANALYZE``)
   of the slowest statements of one queue and one profile request, then ``--requests``
   renders of each page with bench_web's method (one analyst signed in through the
   pages, a case purpose declared, Starlette's TestClient, every request through
   session, permission, purpose, policy and the audit append): p50, p95, p99.

    nice -n 5 .venv/bin/python bench/store_scale.py --target-records 0        # the world alone
    nice -n 5 .venv/bin/python bench/store_scale.py --reuse --keep           # 10M, kept

The database (``imos_bench_store_scale`` by default) is created and dropped by this
script only (kept with ``--keep``); ``--reuse`` continues on what ``--keep`` left,
copies already made included.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import argparse
import re
import shutil
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, text

import bench_web
import targeting_queue as tq
from bench_api import _drop_database
from immigrationos.api import create_app
from immigrationos.db.engine import build_engine, migrate, session_scope
from immigrationos.records import service as records_service
from immigrationos.targeting import service as targeting_service
from machine import header

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/imos_bench_store_scale"
# Snapshots of the loaded world that every copy reads (unlogged: a bench's scratch).
ORIGINAL_RECORD = "WHERE strpos(record_id, '~') = 0"  # copies' record IDs end in ~<copy>
ORIGINAL_PERSON = "WHERE person_id NOT LIKE '_x%'"  # copies' IDs are Px<copy><n>, Lx<copy><n>
SNAPSHOTS = {
    "records": f"SELECT * FROM records {ORIGINAL_RECORD}",
    "record_versions": f"SELECT * FROM record_versions {ORIGINAL_RECORD}",
    "record_keys": "SELECT * FROM record_keys WHERE strpos(value, '~') = 0",
    "person_records": f"SELECT * FROM person_records {ORIGINAL_RECORD}",
    "person_links": f"SELECT * FROM person_links {ORIGINAL_PERSON}",
    "persons": f"SELECT row_number() OVER (ORDER BY person_id) AS rn, * FROM persons {ORIGINAL_PERSON}",
    "leads": f"SELECT row_number() OVER (ORDER BY lead_id) AS rn, * FROM leads {ORIGINAL_PERSON}",
    "lead_events": f"SELECT * FROM lead_events {ORIGINAL_PERSON}",
}
REPORTED = (
    "records",
    "record_versions",
    "record_keys",
    "persons",
    "person_records",
    "person_links",
    "leads",
    "lead_events",
    "audit_events",
)


def _say(message: str) -> None:
    tq._say(message)


def _columns(conn: Connection, table: str) -> list[str]:
    found = conn.execute(
        text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"
        ),
        {"t": table},
    )
    return [str(name) for (name,) in found]


def _scalar(conn: Connection, sql: str) -> int:
    return int(conn.execute(text(sql)).scalar() or 0)


def _copy_statements(conn: Connection, copy: int, offsets: dict[str, int]) -> list[str]:
    """Return the INSERT ... SELECT statements of copy number ``copy`` (1, 2, ...)."""
    c = f"'~{copy}'"
    pid = f"'Px' || lpad('{copy}', 2, '0') || lpad(p.rn::text, 7, '0')"
    lid = f"'Lx' || lpad('{copy}', 2, '0') || lpad(l.rn::text, 7, '0')"
    # Each column taken as it is unless named here.
    changed: dict[str, dict[str, str]] = {
        "records": {
            "id": f"s.id + {copy * offsets['records']}",
            "record_id": f"s.record_id || {c}",
        },
        "record_versions": {"record_id": f"s.record_id || {c}"},
        "record_keys": {
            "value": f"s.value || {c}",
            "record_pk": f"s.record_pk + {copy * offsets['records']}",
        },
        "persons": {"person_id": pid},
        "person_records": {"record_id": f"s.record_id || {c}", "person_id": pid},
        "person_links": {
            "id": f"s.id + {copy * offsets['person_links']}",
            "person_id": pid,
            "unique_id_l": f"s.unique_id_l || {c}",
            "unique_id_r": f"s.unique_id_r || {c}",
        },
        "leads": {
            "lead_id": lid,
            "person_id": pid,
            "evidence": f"""regexp_replace(s.evidence, '"([a-z0-9_]+:[^"]+)"', '"\\1~{copy}"', 'g')""",
        },
        "lead_events": {
            "id": f"s.id + {copy * offsets['lead_events']}",
            "lead_id": lid,
            "person_id": pid,
        },
    }
    joins = {
        "persons": "FROM store_scale_persons s, LATERAL (SELECT s.rn) AS p",
        "person_records": "FROM store_scale_person_records s JOIN store_scale_persons p USING (person_id)",
        "person_links": "FROM store_scale_person_links s JOIN store_scale_persons p USING (person_id)",
        "leads": "FROM store_scale_leads s JOIN store_scale_persons p USING (person_id), "
        "LATERAL (SELECT s.rn) AS l",
        "lead_events": "FROM store_scale_lead_events s JOIN store_scale_persons p USING (person_id) "
        "JOIN store_scale_leads l USING (lead_id)",
    }
    statements = []
    for table in SNAPSHOTS:
        columns = _columns(conn, table)
        values = [changed[table].get(name, f"s.{name}") for name in columns]
        source = joins.get(table, f"FROM store_scale_{table} s")
        statements.append(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"
        )
    return statements


def _offset(conn: Connection, table: str, column: str = "id") -> int:
    """Return a power of ten above every ``column`` of ``table``: the shift of one copy."""
    top = _scalar(conn, f"SELECT coalesce(max({column}), 0) FROM {table}")
    return 10 ** len(str(top + 1))


def replicate(engine: Engine, target_records: int) -> tuple[int, float]:
    """Copy the loaded world until ``records`` holds ``target_records`` rows; return
    (copies made now, seconds)."""
    t0 = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SET synchronous_commit = off"))
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        # As pg_restore does: no per-row foreign-key checks (every copied key points into
        # its own copy, built in the same transaction). Needs a superuser; this session only.
        conn.execute(text("SET session_replication_role = replica"))
        originals = _scalar(conn, "SELECT count(*) FROM records WHERE strpos(record_id, '~') = 0")
        present = _scalar(conn, "SELECT count(*) FROM records")
        if originals == 0:
            raise SystemExit("the database holds no loaded world: run without --reuse first")
        copies = max(0, -(-target_records // originals) - 1)  # ceil, less the original
        done = present // originals - 1
        if done >= copies:
            conn.rollback()
            return 0, 0.0
        for table, query in SNAPSHOTS.items():
            conn.execute(text(f"DROP TABLE IF EXISTS store_scale_{table}"))
            conn.execute(text(f"CREATE UNLOGGED TABLE store_scale_{table} AS {query}"))
        conn.execute(text("CREATE INDEX ON store_scale_persons (person_id)"))
        conn.execute(text("CREATE INDEX ON store_scale_leads (lead_id)"))
        conn.execute(text("ANALYZE store_scale_persons, store_scale_leads"))
        offsets = {
            "records": _offset(conn, "store_scale_records"),
            "person_links": _offset(conn, "store_scale_person_links"),
            "lead_events": _offset(conn, "store_scale_lead_events"),
        }
        conn.commit()
        for copy in range(done + 1, copies + 1):
            t1, spent = time.perf_counter(), []
            for table, statement in zip(
                SNAPSHOTS, _copy_statements(conn, copy, offsets), strict=True
            ):
                t2 = time.perf_counter()
                conn.execute(text(statement))
                spent.append(f"{table} {time.perf_counter() - t2:.0f}")
            conn.commit()
            _say(
                f"copy {copy}/{copies}: {originals:,} records more, "
                f"{time.perf_counter() - t1:.0f} s ({', '.join(spent)})"
            )
        for table in SNAPSHOTS:
            conn.execute(text(f"DROP TABLE store_scale_{table}"))
        conn.commit()
    return copies - done, time.perf_counter() - t0


def pad_audit_log(engine: Engine, events: int) -> tuple[int, float]:
    """Pad the audit log to ``events`` events with synthetic rows; return (added, seconds).

    The rows carry placeholder hashes: the chain is not valid past the loaded events.
    The partitions they need are made ahead first (``audit_events_keep_ahead``), as the
    append would make them.
    """
    t0 = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SET synchronous_commit = off"))
        last = _scalar(conn, "SELECT coalesce(max(seq), 0) FROM audit_events")
        if last >= events:
            return 0, 0.0
        conn.execute(text("SELECT audit_events_keep_ahead(:seq)"), {"seq": events})
        step = 1_000_000
        for start in range(last + 1, events + 1, step):
            stop = min(events, start + step - 1)
            conn.execute(
                text(
                    "INSERT INTO audit_events (seq, at, actor, actor_role, action, resource_type, "
                    "resource_id, purpose, outcome, client, details, prev_hash, hash) "
                    "SELECT g, now() - make_interval(secs => (:stop - g) / 50.0), "
                    "'bench-user-' || (g % 5000), 'ANALYST', "
                    "(ARRAY['leads.list', 'persons.read', 'leads.read', 'records.read'])[1 + g % 4], "
                    "'person', 'P' || lpad((g % 1000000)::text, 10, '0'), 'CASE BENCH', "
                    "'SUCCESS', '10.0.0.1', '{\"returned\":[]}', repeat('0', 64), "
                    "md5(g::text) || md5(g::text) "
                    "FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS g"
                ),
                {"start": start, "stop": stop},
            )
            conn.commit()
            _say(f"audit log padded to {stop:,} events")
    return events - last, time.perf_counter() - t0


def vacuum_analyze(engine: Engine) -> float:
    """VACUUM ANALYZE every reported table; return the seconds."""
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in REPORTED:
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
    return time.perf_counter() - t0


def sizes(engine: Engine) -> list[tuple[str, int, int, int]]:
    """Return (table, rows, partitions, bytes with indexes and TOAST) of each reported table."""
    found = []
    with engine.connect() as conn:
        for table in REPORTED:
            parts = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE isleaf), "
                    "coalesce(sum(pg_total_relation_size(relid)), 0) "
                    "FROM pg_partition_tree(CAST(:t AS regclass))"
                ),
                {"t": table},
            ).one()
            rows = _scalar(conn, f"SELECT count(*) FROM {table}")
            leaves = int(parts[0])
            if leaves == 0:  # a plain table: no partition tree
                plain = _scalar(conn, f"SELECT pg_total_relation_size('{table}')")
                found.append((table, rows, 0, plain))
            else:
                found.append((table, rows, leaves, int(parts[1])))
    return found


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[float, str, Any]]]:
    """Collect (seconds, statement, parameters) of every statement run meanwhile."""
    found: list[tuple[float, str, Any]] = []
    started: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        found.append((time.perf_counter() - started.pop(id(cursor), 0.0), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain_slowest(engine: Engine, collected: list[tuple[float, str, Any]], top: int) -> None:
    """Print the plans (EXPLAIN ANALYZE) of the ``top`` slowest SELECTs of a request that
    read the large tables (records, persons, leads, audit log, ...)."""
    large = re.compile(r"\b(FROM|JOIN)\s+(" + "|".join(REPORTED) + r")\b")
    selects = [
        c for c in collected if c[1].lstrip().upper().startswith("SELECT") and large.search(c[1])
    ]
    total = sum(c[0] for c in collected)
    print(f"  {len(collected)} statements, {total * 1000:.1f} ms in the database")
    for seconds, statement, parameters in sorted(selects, key=lambda c: -c[0])[:top]:
        print(f"  --- {seconds * 1000:.1f} ms: {' '.join(statement.split())[:300]}")
        with engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
            ).all()
            conn.rollback()
        for (line,) in plan:
            print(f"      {line}")


def source_set_count(engine: Engine, runs: int) -> dict[str, list[float]]:
    """Time the queue's count of current leads by source set (``queue_source_sets``) with
    its partial index, and with index scans turned off."""
    found: dict[str, list[float]] = {}
    for mode, settings in (
        ("index-only scan (ix_leads_current_sources)", []),
        (
            "without the index (sequential scan)",
            ["enable_indexonlyscan", "enable_indexscan", "enable_bitmapscan"],
        ),
    ):
        found[mode] = []
        with session_scope(engine) as session:
            for name in settings:
                session.execute(text(f"SET LOCAL {name} = off"))
            plan = session.execute(
                text(
                    "EXPLAIN SELECT evidence_sources, count(*) FROM leads "
                    "WHERE retired_at IS NULL GROUP BY evidence_sources"
                )
            ).first()
            print(f"  plan, {mode}: {plan[0] if plan else '?'}")
            for _ in range(runs + 1):  # the first warms the cache
                t0 = time.perf_counter()
                targeting_service.queue_source_sets(
                    session=session, where=targeting_service.QueueFilter()
                )
                found[mode].append(time.perf_counter() - t0)
            found[mode] = found[mode][1:]
            session.rollback()
    return found


def versions_plan(engine: Engine) -> None:
    """Print the plan of a record's versions read (``records.service.list_versions``), of
    a record in the last copy: partition pruning by source."""
    with session_scope(engine) as session:
        found = session.execute(
            text("SELECT source, record_id FROM records ORDER BY id DESC LIMIT 1")
        ).first()
        if found is None:
            return
        with statements(engine) as collected:
            records_service.list_versions(session=session, source=found[0], record_id=found[1])
    print("\n== a record's versions (records.service.list_versions), with its plan ==")
    explain_slowest(engine, collected, top=1)


def _p(samples: list[float], q: float) -> float:
    ms = sorted(s * 1000 for s in samples)
    return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]


def _figures(samples: list[float]) -> str:
    return (
        f"p50 {statistics.median(samples) * 1000:7.1f} ms  p95 {_p(samples, 0.95):7.1f} ms  "
        f"p99 {_p(samples, 0.99):7.1f} ms  max {max(samples) * 1000:7.1f} ms  (n={len(samples)})"
    )


def measure(engine: Engine, requests: int) -> dict[str, list[float]]:
    """Sign in, find the queue's persons, explain one request of each page, time both."""
    with TestClient(create_app(engine)) as client:
        bench_web.signed_in(client, engine, f"bench-store-{time.time_ns()}")
        queue = client.get("/leads").text
        persons = [
            found.group(1)
            for lead in dict.fromkeys(bench_web.LEAD.findall(queue))
            if (found := bench_web.PERSON.search(client.get(f"/leads/{lead}").text))
        ]
        assert persons, "the queue's first page names persons"
        for name, path in (
            ("GET /leads", "/leads"),
            ("GET /persons/{id}", f"/persons/{persons[0]}"),
        ):
            with statements(engine) as collected:
                client.get(path)
            print(f"\n== the slowest statements of one {name}, with their plans ==")
            explain_slowest(engine, collected, top=5)
        return {
            "queue": bench_web.timed(client, ["/leads"], requests),
            "profile": bench_web.timed(client, [f"/persons/{p}" for p in persons], requests),
        }


def main() -> None:
    """Load (or reuse), replicate, analyse and time the two pages; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=606)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--resolution", choices=("engine", "truth"), default="truth")
    parser.add_argument("--target-records", type=int, default=10_000_000)
    parser.add_argument(
        "--audit-events", type=int, default=6_000_000, help="pad the audit log to this many"
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-targeting"))
    parser.add_argument("--pg-url", default=os.environ.get("IMOS_BENCH_STORE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database and var dir")
    parser.add_argument("--reuse", action="store_true", help="continue on what --keep left")
    args = parser.parse_args()
    if not re.search(r"/imos_bench_store\w*$", args.pg_url):
        raise SystemExit(f"--pg-url must name a database imos_bench_store*: {args.pg_url}")
    var = args.cache / f"store-var-{args.persons}-{args.seed}-{args.resolution}"
    os.environ["IMOS_VAR_DIR"] = str(var)
    header(f"operational store at scale: {args.target_records:,} records, PostgreSQL")
    load_s = 0.0
    if not (args.reuse and (var / "loaded").exists()):
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        t0 = time.perf_counter()
        bench_web.load(args, var)
        load_s = time.perf_counter() - t0
    else:
        _say(f"reusing {var} and its database")
    engine = build_engine(args.pg_url)
    try:
        t0 = time.perf_counter()
        migrate(engine)  # a world kept by an older checkout gets the partitioned store here
        migrate_s = time.perf_counter() - t0
        copies, replicate_s = replicate(engine, args.target_records)
        padded, pad_s = pad_audit_log(engine, args.audit_events)
        vacuum_s = vacuum_analyze(engine)
        table_sizes = sizes(engine)
        samples = measure(engine, args.requests)
        source_sets = source_set_count(engine, 20)
        versions_plan(engine)
    finally:
        engine.dispose()
        if not args.keep:
            _drop_database(args.pg_url)
            shutil.rmtree(var, ignore_errors=True)
    print("\n== the load ==")
    print(f"  world through the real code ({args.persons:,} persons): {load_s:,.0f} s")
    print(f"  migrate (0025 on a kept world; else nothing to do): {migrate_s:,.0f} s")
    print(f"  replication: {copies} copies by INSERT ... SELECT, {replicate_s:,.0f} s")
    print(f"  audit log padding: {padded:,} synthetic events, {pad_s:,.0f} s")
    print(f"  VACUUM ANALYZE: {vacuum_s:,.0f} s")
    print("\n== tables (pg_total_relation_size: heap, TOAST and indexes, all partitions) ==")
    for table, rows, parts, size in table_sizes:
        shown = f"{parts} partitions" if parts else "plain"
        print(f"  {table:<16} {rows:>12,} rows  {size / 1024**2:9,.0f} MiB  {shown}")
    print(f"\n== server-side render, single client, {args.requests} requests each ==")
    print(f"  GET /leads (queue, 25 a page)   {_figures(samples['queue'])}")
    print(f"  GET /persons/{{id}} (a profile)   {_figures(samples['profile'])}")
    print("\n== the queue's count of current leads by source set, 20 runs each ==")
    for mode, runs in source_sets.items():
        print(f"  {mode:<46} {_figures(runs)}")
    for name in ("queue", "profile"):
        p95 = _p(samples[name], 0.95)
        verdict = "holds" if p95 < bench_web.GOAL_MS else "MISSED"
        print(f"  goal p95 < {bench_web.GOAL_MS} ms, {name}: {verdict} ({p95:.1f} ms)")


if __name__ == "__main__":
    main()
