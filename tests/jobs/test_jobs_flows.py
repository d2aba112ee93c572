"""Jobs run through the job code: validation, ingest never twice, cancellation, retries.

Each test runs its jobs in-process with ``execute.run`` (what a queue worker and a
server thread call), on SQLite and PostgreSQL, against a 300-person world.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.jobs import execute
from immigrationos.jobs import flows as jobs_flows
from immigrationos.jobs import kinds as job_kinds
from immigrationos.jobs.models import Job
from immigrationos.jobs.schemas import JobRead
from immigrationos.records.models import Record
from immigrationos.resolution.models import Person, ResolutionRun
from immigrationos.sources import flows as ingest_flows
from immigrationos.sources.models import IngestBatch, IngestRun

from .conftest import count, wait_for

pytestmark = pytest.mark.xdist_group("jobs-world")

OPERATOR = Principal.operator("tester")
ANALYST = Principal(actor="u-analyst", username="analyst", role="ANALYST", client="test")
OFFICER = Principal(actor="u-officer", username="officer", role="OFFICER", client="test")


def _queued(engine: Engine, kind: str, arguments: dict, principal: Principal = OPERATOR,
            purpose: str | None = None) -> JobRead:  # fmt: skip
    return jobs_flows.start(
        engine, principal=principal, kind=kind, arguments=arguments, purpose_id=purpose,
        dispatch=None,
    )  # fmt: skip


def _refused(engine: Engine, kind: str, arguments: dict, principal: Principal = OPERATOR) -> str:
    with pytest.raises(jobs_flows.JobsError) as caught:
        _queued(engine, kind, arguments, principal)
    return f"{caught.value.status} {caught.value.detail}"


def test_bad_requests_are_refused_naming_what_was_wrong(engine: Engine, tmp_path: Path) -> None:
    assert "422 unknown job kind 'nope'" in _refused(engine, "nope", {})
    assert "'folder' is required" in _refused(engine, "ingest", {})
    assert f"{tmp_path / 'absent'} is not a folder" in _refused(
        engine, "ingest", {"folder": str(tmp_path / "absent")}
    )
    assert "'threshold' must be a probability" in _refused(engine, "resolve", {"threshold": 2})
    assert "unknown argument(s) colour" in _refused(engine, "resolve", {"colour": "red"})
    assert "'as_of' 'soon' is not a date" in _refused(engine, "target", {"as_of": "soon"})
    assert "'format' must be one of html" in _refused(engine, "bias-report", {"format": "doc"})
    # From the API, ingest reads only deliveries in the incoming folder, never a server path.
    assert "inside incoming/" in _refused(engine, "ingest", {"folder": "../../etc"}, ANALYST)
    assert "403 the role OFFICER does not hold the permission 'jobs.run'" in _refused(
        engine, "resolve", {}, OFFICER
    )
    with pytest.raises(jobs_flows.JobsError, match="reads person data: name its purpose"):
        _queued(engine, "target", {})
    assert count(engine, Job) == 0


def test_ingest_job_and_a_second_one_never_ingest_twice(
    engine: Engine, lake_dir: Path, world: Path
) -> None:
    job = _queued(engine, "ingest", {"folder": str(world)})
    assert job.state == "QUEUED"
    assert execute.run(engine, job.id, lake_dir=lake_dir) == "SUCCEEDED"
    done = jobs_flows.read(engine, job.id)
    assert done.attempts == 1 and done.result is not None and done.percent == 100
    sources = done.result["sources"]
    assert sources and {s["status"] for s in sources} == {"COMPLETED"}
    assert done.result["totals"]["accepted"] > 300
    records = count(engine, Record)
    assert records > 300
    # Run again, the ended job does nothing; a second job of the same delivery writes nothing.
    assert execute.run(engine, job.id, lake_dir=lake_dir) == "SUCCEEDED"
    assert jobs_flows.read(engine, job.id).attempts == 1
    again = _queued(engine, "ingest", {"folder": str(world)})
    assert execute.run(engine, again.id, lake_dir=lake_dir) == "SUCCEEDED"
    result = jobs_flows.read(engine, again.id).result
    assert result is not None and {s["status"] for s in result["sources"]} == {"IDENTICAL"}
    assert count(engine, Record) == records
    assert count(engine, IngestBatch, status="COMPLETED") == len(sources)


def test_a_queued_job_cancelled_never_runs(engine: Engine, lake_dir: Path, world: Path) -> None:
    job = _queued(engine, "ingest", {"folder": str(world)})
    cancelled = jobs_flows.cancel(engine, principal=OPERATOR, job_id=job.id)
    assert cancelled.state == "CANCELLED" and cancelled.cancel_requested
    assert execute.run(engine, job.id, lake_dir=lake_dir) == "CANCELLED"
    assert jobs_flows.read(engine, job.id).attempts == 0
    assert count(engine, IngestRun) == 0
    with pytest.raises(jobs_flows.JobsError, match="already ended"):
        jobs_flows.cancel(engine, principal=OPERATOR, job_id=job.id)
    with pytest.raises(jobs_flows.JobsError, match="no job has id"):
        jobs_flows.cancel(engine, principal=OPERATOR, job_id="JNOPE")


def test_a_running_resolution_cancelled_stops_at_its_next_checkpoint_having_written_nothing(
    engine: Engine, lake_dir: Path, world: Path
) -> None:
    ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="tester")
    job = _queued(engine, "resolve", {})
    runner = threading.Thread(
        target=execute.run, args=(engine, job.id), kwargs={"lake_dir": lake_dir}
    )
    runner.start()
    deadline = 60.0
    while (now := jobs_flows.read(engine, job.id)).stage != "resolve: train" and deadline > 0:
        assert now.state in ("QUEUED", "RUNNING"), now
        threading.Event().wait(0.05)
        deadline -= 0.05
    assert jobs_flows.cancel(engine, principal=OPERATOR, job_id=job.id).state == "RUNNING"
    runner.join(120)
    ended = jobs_flows.read(engine, job.id)
    assert ended.state == "CANCELLED", ended
    assert ended.error is not None and ended.error.startswith("cancelled during resolve:")
    assert count(engine, ResolutionRun) == 0 and count(engine, Person) == 0


def test_a_retried_resolution_finds_its_committed_run_and_writes_no_second(
    engine: Engine, lake_dir: Path, world: Path
) -> None:
    ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="tester")
    job = _queued(engine, "resolve", {})
    assert execute.run(engine, job.id, lake_dir=lake_dir) == "SUCCEEDED"
    first = jobs_flows.read(engine, job.id).result
    assert first is not None
    persons = count(engine, Person)
    assert persons == first["persons"] > 50
    # A worker killed after the run committed, before the job row said so:
    with session_scope(engine) as session:
        session.execute(update(Job).where(Job.id == job.id).values(state="RUNNING", result=None))
        session.commit()
    assert execute.run(engine, job.id, lake_dir=lake_dir) == "SUCCEEDED"
    again = jobs_flows.read(engine, job.id)
    assert again.attempts == 2 and again.result is not None and again.result["resumed"] is True
    assert again.result["resource_id"] == first["resource_id"]
    assert again.result["persons"] == first["persons"]
    assert count(engine, ResolutionRun) == 1 and count(engine, Person) == persons


def test_a_stage_refusing_fails_the_job_at_once_without_retry(
    engine: Engine, lake_dir: Path
) -> None:
    job = _queued(engine, "resolve", {})
    assert execute.run(engine, job.id, final=False, lake_dir=lake_dir) == "FAILED"
    failed = jobs_flows.read(engine, job.id)
    assert failed.attempts == 1 and failed.error and "ingest" in failed.error.lower()


def test_a_passing_error_is_retried_then_fails_on_the_last_attempt(
    engine: Engine, lake_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(run: object) -> dict:
        raise OSError(28, "No space left on device")

    kind = job_kinds.KINDS["export-clusters"]
    monkeypatch.setitem(job_kinds.KINDS, kind.name, dataclasses.replace(kind, run=full_disk))
    job = _queued(engine, "export-clusters", {})
    with pytest.raises(execute.JobRetry, match="No space left"):
        execute.run(engine, job.id, final=False, lake_dir=lake_dir)
    waiting = jobs_flows.read(engine, job.id)
    assert waiting.state == "QUEUED" and "retrying" in (waiting.error or "")
    assert execute.run(engine, job.id, final=True, lake_dir=lake_dir) == "FAILED"
    failed = wait_for(engine, job.id, {"FAILED"}, timeout=1)
    assert failed.attempts == 2 and "No space left" in (failed.error or "")
