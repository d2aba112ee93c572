"""Data access for jobs: rows of ``imos_jobs`` and the committed work a job left behind."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from immigrationos.audit.models import AuditEvent, Outcome
from immigrationos.jobs.models import Job


def client_of(job_id: str) -> str:
    """Return the audit ``client`` of everything a job writes (its key in the audit log)."""
    return f"job:{job_id}"


def add(*, session: Session, job: Job) -> Job:
    """Add a job and flush it."""
    session.add(job)
    session.flush()
    return job


def get(*, session: Session, job_id: str) -> Job | None:
    """Return a job by id."""
    return session.get(Job, job_id)


def find_by_key(*, session: Session, requested_by: str, idempotency_key: str) -> Job | None:
    """Return the job a requester already asked for under this idempotency key."""
    return session.scalars(
        select(Job).where(Job.requested_by == requested_by, Job.idempotency_key == idempotency_key)
    ).first()


def _filtered(state: str | None, kind: str | None) -> Any:
    query = select(Job)
    if state is not None:
        query = query.where(Job.state == state)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return query


def list_jobs(
    *, session: Session, state: str | None = None, kind: str | None = None, limit: int = 50,
    offset: int = 0,
) -> Sequence[Job]:  # fmt: skip
    """Return jobs, newest first."""
    query = _filtered(state, kind).order_by(Job.created_at.desc(), Job.id.desc())
    return session.scalars(query.limit(limit).offset(offset)).all()


def count_jobs(*, session: Session, state: str | None = None, kind: str | None = None) -> int:
    """Return how many jobs match."""
    query = _filtered(state, kind).with_only_columns(func.count()).order_by(None)
    return int(session.scalar(query) or 0)


def committed_work(
    *, session: Session, job_id: str, action: str, since: datetime
) -> tuple[str | None, dict[str, Any]] | None:
    """Return (resource id, details) of the work a job committed under ``action``, if any.

    Every stage a job runs writes its result and its audit event in one transaction, and
    the event carries the job as its client: finding the event is finding the result.
    """
    event = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == action,
            AuditEvent.at >= since,
            AuditEvent.client == client_of(job_id),
            AuditEvent.outcome == Outcome.SUCCESS.value,
        )
        .order_by(AuditEvent.seq)
    ).first()
    if event is None:
        return None
    return event.resource_id, json.loads(event.details or "{}")
