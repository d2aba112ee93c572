"""Run one attempt of a job, wherever it runs: a queue worker, a server thread, the CLI.

The job row is the truth: an ended job is never run again; a job asked to cancel
before it starts never runs; a running one stops at its next checkpoint, where the
stages have written nothing half-done (ingest commits whole batches, resolution and
targeting write their run in one transaction at the end, exports move their file
into place only once audited). Errors of the stages themselves (no records, a purpose
that cannot be used, a folder with no source file) fail the job at once; anything else
(a lost connection, a full disk) may be retried by the queue.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError

from immigrationos.auth import service as auth_service
from immigrationos.auth.permissions import OPERATOR_ROLE
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import session_scope
from immigrationos.jobs import kinds as job_kinds
from immigrationos.jobs import service as jobs_service
from immigrationos.jobs.context import JobArgumentError, JobCancelled, JobRefused, JobRun
from immigrationos.jobs.models import ENDED, Job, JobState
from immigrationos.policy import service as policy_service

PROGRESS_SECONDS = 0.5  # at most this often a checkpoint writes the progress


class JobRetry(RuntimeError):
    """An attempt that failed for a reason that may pass; the queue tries again."""


def _now() -> datetime:
    return datetime.now(UTC)


def principal_of(engine: Engine, job: Job) -> Principal:
    """Return who a job runs as: its requester, checked again now (a disabled user's job stops)."""
    client = jobs_service.client_of(job.id)
    if job.requested_role == OPERATOR_ROLE:
        username = job.requested_by.removeprefix("operator:").split("@")[0]
        return Principal(actor=job.requested_by, username=username, role=OPERATOR_ROLE,
                         client=client)  # fmt: skip
    with session_scope(engine) as session:
        user = auth_service.get_user(session=session, user_id=job.requested_by)
        if user is None or user.disabled:
            raise JobRefused(f"the account {job.requested_by} that asked for the job is disabled")
        grants = policy_service.active_grants(session=session, user_id=user.id)
        principal = Principal.of_user(user, grants=grants, client=client)
    kind = job_kinds.kind_of(job.kind)
    if not principal.can(kind.permission):
        raise JobRefused(
            f"the role {principal.role} no longer holds {kind.permission.value!r} for {job.kind}"
        )
    return principal


class _Checkpoint:
    """Write a job's progress (at most every PROGRESS_SECONDS) and stop it if cancelled."""

    def __init__(self, engine: Engine, job_id: str) -> None:
        self.engine, self.job_id = engine, job_id
        self.last, self.stage = 0.0, ""
        self.sqlite = engine.dialect.name == "sqlite"

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if stage == self.stage and now - self.last < PROGRESS_SECONDS and done != total:
            return
        self.last, self.stage = now, stage
        with self.engine.connect() as conn:
            if self.sqlite:
                # A stage may hold SQLite's one write lock (targeting writes in one
                # transaction): then this progress waits for the next checkpoint.
                conn.exec_driver_sql("PRAGMA busy_timeout=100")
            try:
                cancel = conn.execute(
                    select(Job.cancel_requested).where(Job.id == self.job_id)
                ).scalar_one()
                if cancel:
                    raise JobCancelled(f"cancelled during {stage}")
                conn.execute(
                    update(Job)
                    .where(Job.id == self.job_id)
                    .values(stage=stage[:80], done=done, total=total)
                )
                conn.commit()
            except OperationalError:
                conn.rollback()
            finally:
                if self.sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")


def _finish(engine: Engine, job_id: str, state: JobState, **values: Any) -> None:
    with session_scope(engine) as session:
        job = jobs_service.get(session=session, job_id=job_id)
        if job is None:
            return
        job.state, job.finished_at = state.value, _now()
        if state is JobState.SUCCEEDED:
            job.stage, job.total = "done", job.total or 1
            job.done = job.total
        for name, value in values.items():
            setattr(job, name, value)
        session.commit()


def _begin(engine: Engine, job_id: str) -> Job | None:
    """Mark the job RUNNING for one more attempt; None when it must not run."""
    with session_scope(engine) as session:
        job = jobs_service.get(session=session, job_id=job_id)
        if job is None or job.state in ENDED:
            return None
        if job.cancel_requested:
            job.state, job.finished_at = JobState.CANCELLED.value, _now()
            job.error = "cancelled before it ran"
            session.commit()
            return None
        job.state, job.attempts = JobState.RUNNING.value, job.attempts + 1
        job.started_at = job.started_at or _now()
        job.error = None
        session.commit()
        session.expunge(job)
        return job


def run(engine: Engine, job_id: str, *, final: bool = True, lake_dir: Path | None = None) -> str:
    """Run one attempt of a job; return the state it is left in.

    Args:
        engine: the operational database.
        job_id: the job.
        final: whether no other attempt follows; when False, an error that may pass
            leaves the job QUEUED and raises ``JobRetry`` for the queue to retry it.
        lake_dir: the lake (the configured one by default).
    """
    job = _begin(engine, job_id)
    if job is None:
        with session_scope(engine) as session:
            found = jobs_service.get(session=session, job_id=job_id)
            return found.state if found is not None else "MISSING"
    settings = get_settings()
    try:
        kind = job_kinds.kind_of(job.kind)
        attempt = JobRun(
            engine=engine,
            job_id=job.id,
            kind=job.kind,
            arguments=json.loads(job.arguments),
            principal=principal_of(engine, job),
            purpose_id=job.purpose_id,
            lake_dir=lake_dir or settings.resolved_lake_dir,
            out_dir=settings.var_dir / "jobs" / job.id,
            created_at=job.created_at,
            checkpoint=_Checkpoint(engine, job.id),
        )
        attempt.out_dir.mkdir(parents=True, exist_ok=True)
        result = kind.run(attempt)
    except JobCancelled as exc:
        _finish(engine, job_id, JobState.CANCELLED, error=str(exc))
        return JobState.CANCELLED.value
    except (JobRefused, JobArgumentError) as exc:
        _finish(engine, job_id, JobState.FAILED, error=str(exc))
        return JobState.FAILED.value
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"[:4000]
        if final:
            _finish(engine, job_id, JobState.FAILED, error=message)
            return JobState.FAILED.value
        with session_scope(engine) as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(state=JobState.QUEUED.value, error=f"attempt failed, retrying: {message}")
            )
            session.commit()
        raise JobRetry(message) from exc
    _finish(
        engine, job_id, JobState.SUCCEEDED, result=json.dumps(result, default=str, sort_keys=True)
    )
    return JobState.SUCCEEDED.value
