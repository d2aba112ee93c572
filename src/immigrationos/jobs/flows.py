"""Jobs asked for, cancelled and read: each checked against the permission table and audited.

``start`` records the job (``imos_jobs``) and its audit event in one transaction, then
hands it to the queue (PostgreSQL: Procrastinate) or, on the embedded default (SQLite),
to a thread of this process. ``cancel`` stops a queued job before it runs and asks a
running one to stop at its next checkpoint.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from immigrationos.audit import service as audit_service
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import session_scope
from immigrationos.jobs import embedded, queue
from immigrationos.jobs import kinds as job_kinds
from immigrationos.jobs import service as jobs_service
from immigrationos.jobs.context import JobArgumentError
from immigrationos.jobs.models import ENDED, Job, JobState
from immigrationos.jobs.schemas import JobRead
from immigrationos.policy import service as policy_service
from immigrationos.policy.errors import PurposeError

# Hands a recorded job to whatever runs it: (engine, job id, kind) -> the queue's id or None.
Dispatch = Callable[[Engine, str, str], int | None]


class JobsError(ValueError):
    """A job that cannot be asked for or changed: the HTTP status, a kind, and why."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


def _now() -> datetime:
    return datetime.now(UTC)


def new_job_id() -> str:
    """Return a new job id: ``J`` and 12 hex characters."""
    return "J" + secrets.token_hex(6).upper()


def dispatch_default(engine: Engine, job_id: str, kind: str) -> int | None:
    """Hand a job to the queue on PostgreSQL, to a thread of this process on SQLite."""
    if engine.dialect.name == "postgresql":
        return queue.defer(engine, job_id, kind)
    embedded.start(engine, job_id, kind)
    return None


def _audit(
    engine_session: Any, principal: Principal, action: str, job: Job, **details: Any
) -> None:
    audit_service.append(
        session=engine_session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type="job",
        resource_id=job.id,
        purpose=job.purpose_id,
        client=principal.client,
        details={"kind": job.kind, **details},
    )


def start(
    engine: Engine,
    *,
    principal: Principal,
    kind: str,
    arguments: dict[str, Any],
    purpose_id: str | None,
    idempotency_key: str | None = None,
    dispatch: Dispatch | None = dispatch_default,
) -> JobRead:
    """Record a job and hand it to what runs it; return it (the earlier one for a known key).

    Args:
        engine: the operational database.
        principal: who asks (their role must hold the kind's permission).
        kind: one of ``kinds.KINDS``.
        arguments: the kind's arguments, validated now.
        purpose_id: the purpose the job serves (required by kinds that read person data).
        idempotency_key: asking again with the same key returns the first job.
        dispatch: what runs it; None records it only (the CLI then runs it in the foreground).

    Raises:
        JobsError: an unknown kind or argument, a missing permission or purpose.
    """
    try:
        chosen = job_kinds.kind_of(kind)
        if not principal.can(chosen.permission):
            raise JobsError(403, "permission-denied", f"the role {principal.role} does not hold "
                            f"the permission {chosen.permission.value!r} (see docs/permissions.md)")  # fmt: skip
        place = job_kinds.Place(var_dir=get_settings().var_dir, operator=principal.is_operator)
        parsed = chosen.parse(arguments, place)
    except JobArgumentError as exc:
        raise JobsError(422, "invalid-job", str(exc)) from exc
    if chosen.needs_purpose and not purpose_id:
        raise JobsError(422, "purpose-required", f"a {kind} job reads person data: name its "
                        "purpose (X-Purpose header, or --purpose; see imos purposes)")  # fmt: skip
    with session_scope(engine) as session:
        if idempotency_key:
            earlier = jobs_service.find_by_key(
                session=session, requested_by=principal.actor, idempotency_key=idempotency_key
            )
            if earlier is not None:
                return JobRead.of(earlier)
        if purpose_id is not None:
            try:
                policy_service.get_visible_purpose(
                    session=session, principal=principal, purpose_id=purpose_id
                )
            except PurposeError as exc:
                raise JobsError(422, "unknown-purpose", str(exc)) from exc
        job = jobs_service.add(
            session=session,
            job=Job(
                id=new_job_id(), kind=chosen.name, arguments=json.dumps(parsed, sort_keys=True),
                requested_by=principal.actor, requested_role=principal.role,
                purpose_id=purpose_id, idempotency_key=idempotency_key,
                state=JobState.QUEUED.value, done=0, attempts=0, cancel_requested=False,
                created_at=_now(),
            ),
        )  # fmt: skip
        _audit(session, principal, "jobs.start", job, arguments=parsed)
        session.commit()
        job_id = job.id
    if dispatch is not None:
        try:
            queue_id = dispatch(engine, job_id, chosen.name)
        except Exception as exc:
            _set(engine, job_id, state=JobState.FAILED.value, finished_at=_now(),
                 error=f"could not be queued: {type(exc).__name__}: {exc}")  # fmt: skip
            raise JobsError(
                503, "queue-unavailable", f"job {job_id} could not be queued: {exc}"
            ) from exc
        if queue_id is not None:
            _set(engine, job_id, queue_id=queue_id)
    return read(engine, job_id)


def _set(engine: Engine, job_id: str, **values: Any) -> None:
    with session_scope(engine) as session:
        job = jobs_service.get(session=session, job_id=job_id)
        if job is not None:
            for name, value in values.items():
                setattr(job, name, value)
            session.commit()


def read(engine: Engine, job_id: str) -> JobRead:
    """Return a job as it is now (no audit: the caller audits its read)."""
    with session_scope(engine) as session:
        job = jobs_service.get(session=session, job_id=job_id)
        if job is None:
            raise JobsError(404, "job-not-found", f"no job has id {job_id!r}")
        return JobRead.of(job)


def cancel(engine: Engine, *, principal: Principal, job_id: str) -> JobRead:
    """Cancel a job: a queued one never runs, a running one stops at its next checkpoint.

    Raises:
        JobsError: no such job, a job already ended, or a role without ``jobs.run``.
    """
    if not principal.can(Permission.JOBS_RUN):
        raise JobsError(403, "permission-denied", f"the role {principal.role} does not hold "
                        "the permission 'jobs.run' (see docs/permissions.md)")  # fmt: skip
    with session_scope(engine) as session:
        job = jobs_service.get(session=session, job_id=job_id)
        if job is None:
            raise JobsError(404, "job-not-found", f"no job has id {job_id!r}")
        if job.state in ENDED:
            raise JobsError(409, "job-ended", f"job {job_id} has already ended ({job.state})")
        was = job.state
        job.cancel_requested = True
        if was == JobState.QUEUED.value:
            job.state, job.finished_at = JobState.CANCELLED.value, _now()
            job.error = f"cancelled by {principal.username} before it ran"
        _audit(session, principal, "jobs.cancel", job, state=was)
        session.commit()
        queue_id = job.queue_id
    if queue_id is not None and engine.dialect.name == "postgresql":
        # Withdrawn from the queue too; had a worker taken it already, the job row stops it.
        queue.cancel(engine, queue_id)
    return read(engine, job_id)
