"""Benchmark: the API under 20 concurrent clients, on PostgreSQL, with and without auditing.

Loads a synthetic world (default 100,000 persons) into a fresh PostgreSQL database,
creates 20 analysts (one per client, so the clients are unrelated users) with a purpose
each, starts `imos serve`'s app under uvicorn, and drives it with wrk:

- record search (name with and without typos, birth date, identifiers), and
- a record's page,

each once with auditing (the product) and once with audit appends stubbed out
(bench/api/noaudit_app.py), to show what the audit log costs. Goal (issue 3): p95
under 100 ms for both at 20 clients. Needs `wrk` (Debian package) and PostgreSQL.

    python bench/bench_api.py [--persons 100000] [--duration 30] [--workers 2] [--think-ms 1000]
                               [--keep] [--reuse]

Each route runs saturated (every client sends its next request when the last is answered)
and paced (each client pauses a random think time, mean --think-ms, between requests: 20
people working at once); the no-audit app runs saturated, for the throughput ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from immigrationos.auth import accounts, totp  # noqa: E402
from immigrationos.auth import flows as auth_flows  # noqa: E402
from immigrationos.auth.principal import Principal  # noqa: E402
from immigrationos.db.engine import build_engine, migrate  # noqa: E402
from immigrationos.policy import flows as policy_flows  # noqa: E402
from immigrationos.policy.kinds import PurposeKind  # noqa: E402
from immigrationos.policy.schemas import PurposeCreate  # noqa: E402
from immigrationos.records import flows as records_flows  # noqa: E402
from immigrationos.sources import flows as ingest_flows  # noqa: E402
from immigrationos.synth.world import generate_world  # noqa: E402
from machine import header  # noqa: E402

CLIENTS = 20
PASSWORD = "bench-harbor-lantern-42"


def _fresh_database(url: str) -> str:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def _typo(name: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 5:
        return name
    i = rng.choice(letters[1:])
    kind = rng.random()
    if kind < 0.4:
        return name[:i] + name[i + 1 :]  # deletion
    if kind < 0.7 and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # transposition
    return name[:i] + rng.choice("AEIOUNRSTL") + name[i + 1 :]  # substitution


def _queries(engine, rng: random.Random, n: int) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Return search paths and record-page paths drawn from the loaded records."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT source, record_id, display_name, birth_date FROM records "
                "WHERE source NOT IN ('irs_w2','irs_itin','fincen_sar','fincen_ctr','dmv_licenses') "
                "ORDER BY random() LIMIT :n"
            ),
            {"n": n},
        ).all()
        keys = (
            conn.execute(
                text(
                    "SELECT value FROM record_keys WHERE kind IN ('A_NUMBER','PASSPORT','I94','SSN') ORDER BY random() LIMIT :n"
                ),
                {"n": n // 3},
            )
            .scalars()
            .all()
        )
    searches: list[str] = []
    for i, (_, _, name, birth) in enumerate(rows):
        clean = re.sub(r"\s+", " ", name or "").strip()
        if not clean:
            continue
        if i % 3 == 0:
            q = f"name={quote(_typo(clean, rng))}"
        elif i % 3 == 1 and birth is not None:
            q = f"name={quote(clean)}&birth_date={birth.isoformat()}"
        else:
            q = f"name={quote(clean)}"
        searches.append(f"/api/v1/records/search?{q}&limit=20")
    searches += [f"/api/v1/records/search?identifier={quote(k)}" for k in keys]
    rng.shuffle(searches)
    pages = [f"/api/v1/records/{s}/{quote(r)}" for s, r, _, _ in rows]
    return searches, pages


def _analysts(engine, n: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Create ``n`` analysts, each signed in with a purpose; return (token, purpose id)."""
    operator = Principal.operator("bench")
    out = []
    for i in range(n):
        created = accounts.create_user(
            f"bench.analyst{i}.{secrets.token_hex(3)}", f"Bench Analyst {i}", "ANALYST", PASSWORD,
            created_by=operator.actor, engine=engine,
        )  # fmt: skip
        code = totp.code_at(created.totp_secret, dt.datetime.now(dt.UTC))
        signed = auth_flows.sign_in(
            created.user.username, PASSWORD, code, client="bench", engine=engine
        )
        assert signed.ok and signed.token, signed.outcome
        principal = Principal.of_user(created.user)
        purpose = policy_flows.create_purpose(
            engine=engine, principal=principal,
            data=PurposeCreate(
                kind=PurposeKind.CRIMINAL_INVESTIGATION, reference=f"BENCH-{i}",
                title="benchmark load", justification="measure the API under load",
            ),
        )  # fmt: skip
        out.append((signed.token, purpose.id))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=str(HERE / "api"), start_new_session=True,
    )  # fmt: skip
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the API did not start ({app})")


def _wrk(port: int, lines: Path, duration: int, think_ms: int = 0) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{duration}s", "--timeout", "10s",
         "-s", str(HERE / "api" / "load.lua"), f"http://127.0.0.1:{port}", "--", str(lines),
         str(think_ms)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"RESULT (.*)", out.stdout)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    return {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def _load(args: argparse.Namespace, work: Path) -> str:
    """Generate and ingest the world into a fresh database (or reuse the last); return its URL."""
    url = str(args.pg_url)
    done = work / "loaded"
    if args.reuse and done.exists():
        print(f"load:     reusing {work} and its database")
        return url
    shutil.rmtree(work, ignore_errors=True)
    world = work / "world"
    t0 = time.perf_counter()
    generate_world(persons=args.persons, seed=args.seed, as_of=dt.date(2026, 11, 1), out_dir=world)
    print(f"world:    {args.persons:,} persons in {time.perf_counter() - t0:.1f} s")
    _fresh_database(url)
    engine = build_engine(url)
    migrate(engine)
    t0 = time.perf_counter()
    report = ingest_flows.ingest_directory(
        world, engine=engine, lake_dir=work / "lake", run_by="bench"
    )
    records_flows.vacuum(engine)  # as `imos ingest` does
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM records")).scalar_one()
    print(
        f"load:     {report.totals['rows_read']:,} rows, {records:,} records indexed in "
        f"PostgreSQL in {time.perf_counter() - t0:.1f} s"
    )
    engine.dispose()
    done.touch()
    return url


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--think-ms",
        type=int,
        default=1000,
        help="Mean think time of each client in the paced run (exponential).",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "IMOS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/imos_bench_api"
        ),
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Reuse the world and database of the last --keep run."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the world and database.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    header("api")
    work = Path(tempfile.gettempdir()) / "imos-bench-api"
    try:
        url = _load(args, work)
        engine = build_engine(url)
        users = _analysts(engine, CLIENTS)
        searches, pages = _queries(engine, random.Random(args.seed), 3000)
        files = {}
        for name, paths in (("search", searches), ("record", pages)):
            lines = work / f"{name}.tsv"
            lines.write_text(
                "".join(
                    f"{users[i % CLIENTS][0]}\t{users[i % CLIENTS][1]}\t{p}\n"
                    for i, p in enumerate(paths)
                )
            )
            files[name] = lines
        env = dict(
            os.environ,
            IMOS_DATABASE_URL=url,
            IMOS_LAKE_DIR=str(work / "lake"),
            IMOS_VAR_DIR=str(work / "var"),
        )
        env["PYTHONPATH"] = os.pathsep.join([str(HERE / "api"), env.get("PYTHONPATH", "")])
        results: dict[tuple[str, str, int], dict[str, float]] = {}
        runs = (
            ("audited", "immigrationos.api:serve_app", (args.think_ms, 0)),
            ("no audit", "noaudit_app:create_app", (0,)),
        )
        for mode, app, thinks in runs:
            port = _free_port()
            proc = _serve(app, port, args.workers, env)
            try:
                for name, lines in files.items():
                    _wrk(port, lines, 5)  # warm-up
                    for think in thinks:
                        results[(name, mode, think)] = _wrk(port, lines, args.duration, think)
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
        with engine.connect() as conn:
            events = conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        print(
            f"clients:  {CLIENTS} concurrent (wrk, 2 threads), {args.workers} uvicorn workers, "
            f"{args.duration} s per run; think = mean pause between one client's requests"
        )
        print(
            f"{'route':<8} {'mode':<9} {'think':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'non-2xx':>8}"
        )
        for (name, mode, think), r in results.items():
            print(
                f"{name:<8} {mode:<9} {think:>5}ms {r['rps']:>8.1f} {r['p50_ms']:>7.1f} "
                f"{r['p95_ms']:>7.1f} {r['p99_ms']:>7.1f} {int(r['non2xx']):>8}"
            )
        for name in files:
            ratio = results[(name, "audited", 0)]["rps"] / results[(name, "no audit", 0)]["rps"]
            print(f"{name}: throughput with auditing / without (saturated) = {ratio:.2f}")
        print(f"audit log: {events:,} events after the runs")
        engine.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            _drop_database(args.pg_url)


if __name__ == "__main__":
    main()
