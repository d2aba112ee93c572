"""API shapes of the audit log."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from immigrationos.apikit.types import UtcDateTime
from immigrationos.audit.models import AuditEvent
from immigrationos.audit.service import VerificationReport


class AuditEventRead(BaseModel):
    """One audit event, with the hashes that chain it."""

    seq: int
    at: UtcDateTime
    actor: str
    actor_role: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    purpose: str | None
    outcome: str
    client: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventRead:
        """Return the API view of an event."""
        return cls(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            actor_role=event.actor_role,
            action=event.action,
            resource_type=event.resource_type,
            resource_id=event.resource_id,
            purpose=event.purpose,
            outcome=event.outcome,
            client=event.client,
            details=json.loads(event.details or "{}"),
            prev_hash=event.prev_hash,
            hash=event.hash,
        )


class VerificationRead(BaseModel):
    """What a walk of the chain found."""

    ok: bool
    events_checked: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None
    reason: str | None
    message: str | None
    checkpointed: bool

    @classmethod
    def of(cls, report: VerificationReport) -> VerificationRead:
        """Return the API view of a verification report."""
        return cls(
            ok=report.ok,
            events_checked=report.events_checked,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            first_broken_seq=report.first_broken_seq,
            reason=report.reason.value if report.reason else None,
            message=report.message,
            checkpointed=report.checkpointed,
        )


class SignedCheckpointRead(BaseModel):
    """A signed checkpoint to hand to an outside party (``imos audit check FILE`` checks it)."""

    statement: str = Field(description="Canonical JSON: log, seq, hash, at, key_id.")
    signature: str = Field(description="Ed25519 signature of the statement, base64.")
    public_key: str = Field(description="The signing key's public half, PEM.")
