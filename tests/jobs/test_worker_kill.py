"""A worker SIGKILLed mid-job: another worker resumes the job, nothing lost or done twice.

PostgreSQL only (the queue is Procrastinate on PostgreSQL). Real worker processes
(``imos jobs worker``, heartbeat every 0.5 s, a worker silent for 2 s counted dead)
run a real resolution of a 120-person world.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.jobs import flows as jobs_flows
from immigrationos.resolution.models import Person, PersonRecord, ResolutionRun
from immigrationos.sources import flows as ingest_flows

from .conftest import count, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("jobs-world")]

WORKER = Path(__file__).with_name("fast_worker.py")
OPERATOR = Principal.operator("tester")


def _worker(engine: Engine, lake_dir: Path, var_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "IMOS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "IMOS_LAKE_DIR": str(lake_dir),
        "IMOS_VAR_DIR": str(var_dir),
    }
    return subprocess.Popen(
        [sys.executable, str(WORKER), "--heartbeat", "0.5", "--stalled-after", "2"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_killed_workers_job_is_resumed_by_another_without_loss_or_duplication(
    engine: Engine, lake_dir: Path, world: Path, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the queue runs on PostgreSQL")
    ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="tester")
    job = jobs_flows.start(
        engine, principal=OPERATOR, kind="resolve", arguments={}, purpose_id=None
    )
    assert job.state == "QUEUED"
    log = tmp_path / "workers.log"
    first = _worker(engine, lake_dir, tmp_path / "var", log)
    try:
        deadline = time.monotonic() + 120
        # Mid-job: the resolution has begun (its run is written only at its end).
        while not (now := jobs_flows.read(engine, job.id)).stage:
            assert time.monotonic() < deadline, f"{now}\n{log.read_text()}"
            assert first.poll() is None, log.read_text()
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)
    killed = jobs_flows.read(engine, job.id)
    assert killed.state == "RUNNING" and killed.attempts == 1
    assert count(engine, ResolutionRun) == 0
    second = _worker(engine, lake_dir, tmp_path / "var", log)
    try:
        done = wait_for(engine, job.id, {"SUCCEEDED", "FAILED", "CANCELLED"}, timeout=180)
    finally:
        _stop(second)
    assert done.state == "SUCCEEDED", f"{done}\n{log.read_text()}"
    assert done.attempts == 2 and done.result is not None
    # One run; every record in exactly one person; the persons it reports, no more.
    assert count(engine, ResolutionRun) == 1
    assert count(engine, ResolutionRun, status="COMPLETED") == 1
    assert count(engine, Person) == done.result["persons"] > 50
    with session_scope(engine) as session:
        memberships = session.execute(select(func.count()).select_from(PersonRecord)).scalar_one()
        distinct = session.execute(
            select(func.count()).select_from(
                select(PersonRecord.source, PersonRecord.record_id).distinct().subquery()
            )
        ).scalar_one()
        queued = session.execute(
            text("SELECT status, attempts FROM procrastinate_jobs WHERE args->>'job_id' = :id"),
            {"id": job.id},
        ).one()
    assert memberships == distinct == done.result["records"]
    assert queued.status == "succeeded"
