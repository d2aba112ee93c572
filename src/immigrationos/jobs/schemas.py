"""Jobs as the API reads and asks for them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from immigrationos.jobs import kinds as job_kinds
from immigrationos.jobs.models import Job


class JobCreate(BaseModel):
    """A job asked for: its kind and arguments (kinds.py says which each kind takes)."""

    kind: str = Field(description="ingest, resolve, target, export-clusters, export-leads or "
                      "bias-report", max_length=40)  # fmt: skip
    arguments: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(
        default=None,
        max_length=100,
        description="Asking again with the same key returns the job already asked for.",
    )


class JobRead(BaseModel):
    """A job: what was asked, where it is, and what it gave or why it failed."""

    id: str
    kind: str
    title: str
    arguments: dict[str, Any]
    requested_by: str
    purpose_id: str | None
    state: str
    stage: str | None
    done: int
    total: int | None
    percent: int | None
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobRead:
        """Return the API's view of a job row."""
        kind = job_kinds.KINDS.get(job.kind)
        percent = None
        if job.total:
            percent = max(0, min(100, round(100 * job.done / job.total)))
        return cls(
            id=job.id, kind=job.kind, title=kind.title if kind else job.kind,
            arguments=json.loads(job.arguments), requested_by=job.requested_by,
            purpose_id=job.purpose_id, state=job.state, stage=job.stage, done=job.done,
            total=job.total, percent=percent,
            result=json.loads(job.result) if job.result else None, error=job.error,
            attempts=job.attempts, cancel_requested=job.cancel_requested,
            created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
        )  # fmt: skip
