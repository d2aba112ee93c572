"""The job table: what was asked, by whom, under which purpose, and how it went.

``imos_jobs`` is the platform's own record of every background job, on SQLite and
PostgreSQL alike; the queue (Procrastinate, PostgreSQL only) only carries a job's id to
a worker. The interface, the API and the CLI read state, progress, result and error here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base


class JobState(StrEnum):
    """Where a job is: waiting, running, or ended one of three ways."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


ENDED = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})


class Job(Base):
    """One background job (``J`` and 12 hex characters)."""

    __tablename__ = "imos_jobs"
    __table_args__ = (
        UniqueConstraint("requested_by", "idempotency_key"),
        Index("ix_imos_jobs_state_created", "state", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(13), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    arguments: Mapped[str] = mapped_column(Text)  # canonical JSON
    requested_by: Mapped[str] = mapped_column(String(200), index=True)
    requested_role: Mapped[str] = mapped_column(String(40))
    purpose_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state: Mapped[str] = mapped_column(String(10))
    stage: Mapped[str | None] = mapped_column(String(80), nullable=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: counts, ids, files
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    queue_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # procrastinate's
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
