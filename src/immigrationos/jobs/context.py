"""What a running job is given: who runs it, under which purpose, and a progress checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.jobs import service as jobs_service


class JobArgumentError(ValueError):
    """A job asked with arguments it cannot run with; the message names the argument."""


class JobRefused(RuntimeError):
    """A job that must not run (its requester lost the right, a stage refused it): no retry."""


class JobCancelled(Exception):
    """Raised at a progress checkpoint of a job someone asked to cancel."""


# Told (stage, done, total) at each checkpoint; raises JobCancelled when cancel was asked.
Checkpoint = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class JobRun:
    """One attempt of a job: its inputs, its requester's principal and its checkpoint."""

    engine: Engine
    job_id: str
    kind: str
    arguments: dict[str, Any]
    principal: Principal
    purpose_id: str | None
    lake_dir: Path
    out_dir: Path  # the job's own folder for the files it writes
    created_at: datetime
    checkpoint: Checkpoint

    def committed(self, action: str) -> dict[str, Any] | None:
        """Return the result an earlier attempt of this job committed under ``action``."""
        with session_scope(self.engine) as session:
            found = jobs_service.committed_work(
                session=session, job_id=self.job_id, action=action, since=self.created_at
            )
        if found is None:
            return None
        resource_id, details = found
        return {"resource_id": resource_id, **details, "resumed": True}
