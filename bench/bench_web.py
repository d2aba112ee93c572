"""Benchmark the web pages server-side: the lead queue and a profile, 100,000 persons loaded.

Loads a generated world (``bench/targeting_queue.py``'s cache: ``--cache``/
``world-<persons>-<seed>``, generated once and reused) into a fresh PostgreSQL database:
ingest (``bench/bench_api.py``'s fresh database, then ``sources.flows.ingest_directory``
and the vacuum ``imos ingest`` runs), resolution (``bench/targeting_queue.py``'s
``resolve``: the production engine, or with ``--resolution truth`` the truth clustering
stored as the run) and targeting (``targeting.flows.target`` under a BATCH purpose).

Then one analyst signs in through the pages (password, then the authenticator code),
declares a case purpose on the purpose page, and a single client (Starlette's TestClient:
the ASGI app in process, no network) times ``--requests`` renders of each page:

- ``GET /leads``: the lead queue, first page of 25, highest score first;
- ``GET /persons/{id}``: the profile of a person of the queue's first page (cycling
  through them), with links, timeline and addresses;
- and, ``--others`` times each, the field view, the map (100 leads, each read) and the
  inbox, for information.

Every request goes through the product's path: session check, permission, purpose, the
data-use policy and the audit append. Goal (issue 6): p95 under 300 ms. Needs PostgreSQL.

    .venv/bin/python bench/bench_web.py [--persons 100000] [--seed 606] [--requests 200]
                                        [--resolution engine|truth] [--keep] [--reuse]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import argparse
import datetime as dt
import re
import shutil
import time

from fastapi.testclient import TestClient

import targeting_queue as tq  # sets IMOS_VAR_DIR on import; main() sets its own
from bench_api import _drop_database, _fresh_database
from immigrationos.api import create_app
from immigrationos.auth import accounts, totp
from immigrationos.db.engine import build_engine, migrate
from immigrationos.records import flows as records_flows
from immigrationos.sources import flows as ingest_flows
from immigrationos.targeting import flows as targeting_flows
from machine import header

PASSWORD = "bench-harbor-lantern-42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PENDING = re.compile(r'name="pending" value="([^"]+)"')
LEAD = re.compile(r'href="/leads/(L\w+)\?purpose=')
PERSON = re.compile(r'href="/persons/(P\w+)\?purpose=')
GOAL_MS = 300
OTHERS = ("/field", "/map", "/inbox")  # timed too, fewer times: they read many leads each


def load(args: argparse.Namespace, var: Path) -> None:
    """Ingest, resolve and target the world into a fresh PostgreSQL database."""
    world, _ = tq.world_dir(args.persons, args.seed, args.cache)
    _fresh_database(args.pg_url)
    engine = build_engine(args.pg_url)
    migrate(engine)
    lake = var / "lake"
    t0 = time.perf_counter()
    report = ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake, run_by="bench")
    records_flows.vacuum(engine)
    tq._say(f"ingest: {report.totals['accepted']:,} rows in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    resolved = tq.resolve(args.resolution, world, engine, lake)
    tq._say(
        f"resolve ({args.resolution}): {resolved.persons:,} persons, {resolved.links:,} links "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    t0 = time.perf_counter()
    summary = targeting_flows.target(
        engine, lake, principal=tq.OPERATOR, purpose_id=tq._purpose(engine), as_of=tq.AS_OF
    )
    records_flows.vacuum(engine)
    tq._say(f"target: {summary.leads:,} leads in {time.perf_counter() - t0:.0f} s")
    engine.dispose()
    (var / "loaded").write_text("ok\n")


def signed_in(client: TestClient, engine: object, name: str) -> None:
    """Create an analyst, sign in through both pages and declare a purpose."""
    created = accounts.create_user(
        name, "Bench analyst", "ANALYST", PASSWORD, created_by="bench", engine=engine
    )
    token = _csrf(client.get("/sign-in").text)
    step = client.post(
        "/sign-in",
        data={"csrf_token": token, "username": name, "password": PASSWORD, "accept_notice": "yes"},
    )
    pending = PENDING.search(step.text)
    assert pending, "the code page holds the pending sign-in"
    code = totp.code_at(created.totp_secret, dt.datetime.now(dt.UTC))
    done = client.post(
        "/sign-in/code",
        data={"csrf_token": token, "pending": pending.group(1), "totp_code": code},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    declared = client.post(
        "/purpose",
        data={
            "csrf_token": _csrf(client.get("/purpose").text),
            "kind": "CASE",
            "reference": "BENCH-WEB",
            "title": "web benchmark",
            "justification": "time the pages over a synthetic world",
        },
        follow_redirects=False,
    )
    assert declared.status_code == 303, declared.text


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def timed(client: TestClient, paths: list[str], n: int) -> list[float]:
    """Return the seconds of ``n`` requests cycling through ``paths`` (each must answer 200)."""
    client.get(paths[0])  # warm: templates compiled, caches filled
    found = []
    for i in range(n):
        t0 = time.perf_counter()
        answer = client.get(paths[i % len(paths)])
        found.append(time.perf_counter() - t0)
        assert answer.status_code == 200, (paths[i % len(paths)], answer.status_code)
    return found


def main() -> None:
    """Load the world (or reuse it), then time the two pages and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=606)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--others", type=int, default=20, help="requests of each other page (field, map, inbox)"
    )
    parser.add_argument("--resolution", choices=("engine", "truth"), default="engine")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-targeting"))
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "IMOS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/imos_bench_web"
        ),
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and var dir")
    parser.add_argument("--reuse", action="store_true", help="reuse what --keep left")
    args = parser.parse_args()
    # A stable var dir (audit keys, lake) so that --reuse finds what --keep left.
    var = args.cache / f"web-var-{args.persons}-{args.seed}-{args.resolution}"
    os.environ["IMOS_VAR_DIR"] = str(var)
    header(f"web pages benchmark: {args.persons:,} persons, PostgreSQL")
    if not (args.reuse and (var / "loaded").exists()):
        shutil.rmtree(var, ignore_errors=True)  # a fresh lake and keys for a fresh database
        var.mkdir(parents=True)
        load(args, var)
    else:
        tq._say(f"reusing {var} and its database")
    engine = build_engine(args.pg_url)
    try:
        with TestClient(create_app(engine)) as client:
            signed_in(client, engine, f"bench-web-{time.time_ns()}")
            queue = client.get("/leads").text
            persons = [
                found.group(1)
                for lead in dict.fromkeys(LEAD.findall(queue))
                if (found := PERSON.search(client.get(f"/leads/{lead}").text))
            ]
            assert persons, "the queue's first page names persons"
            leads = timed(client, ["/leads"], args.requests)
            profiles = timed(client, [f"/persons/{p}" for p in persons], args.requests)
            sizes = [len(client.get(f"/persons/{p}").content) for p in persons]
            others = {path: timed(client, [path], args.others) for path in OTHERS}
    finally:
        engine.dispose()
        if not args.keep:
            _drop_database(args.pg_url)
            shutil.rmtree(var, ignore_errors=True)
    print(f"\n== server-side render, single client, {args.requests} requests each ==")
    print(f"resolution: {args.resolution}; {len(persons)} distinct profiles cycled")
    print(f"  GET /leads (queue, 25 a page)       {tq._quantiles(leads)}")
    print(f"  GET /persons/{{id}} (a profile)       {tq._quantiles(profiles)}")
    print(f"  profile HTML: {min(sizes):,}-{max(sizes):,} bytes")
    print(f"other pages, {args.others} requests each (no goal set):")
    for path, samples in others.items():
        print(f"  GET {path:<32} {tq._quantiles(samples)}")
    for name, samples in (("queue", leads), ("profile", profiles)):
        p95 = sorted(samples)[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))] * 1000
        verdict = "holds" if p95 < GOAL_MS else "MISSED"
        print(f"  goal p95 < {GOAL_MS} ms, {name}: {verdict} ({p95:.1f} ms)")


if __name__ == "__main__":
    main()
