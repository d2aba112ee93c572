"""Audit use cases that own their transaction: a stand-alone event, a verification run.

An event that belongs to a change is appended with ``service.append`` inside the
change's own transaction, so both commit together or not at all. ``record`` is for
an event with no other transaction to join, such as a refused access.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from immigrationos.audit import service as audit_service
from immigrationos.audit import signing
from immigrationos.audit.models import AuditEvent, Outcome
from immigrationos.audit.service import VerificationReport
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import session_scope


def record(
    engine: Engine | None = None,
    *,
    actor: str,
    action: str,
    actor_role: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    purpose: str | None = None,
    outcome: Outcome | str = Outcome.SUCCESS,
    client: str = "cli",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in a transaction of its own and commit it."""
    with session_scope(engine) as session:
        event = audit_service.append(
            session=session,
            actor=actor,
            action=action,
            actor_role=actor_role,
            resource_type=resource_type,
            resource_id=resource_id,
            purpose=purpose,
            outcome=outcome,
            client=client,
            details=details,
        )
        session.commit()
    return event


def signing_key() -> Ed25519PrivateKey:
    """Return the platform's audit signing key (created on first use)."""
    return signing.load_or_create_key(get_settings().resolved_audit_signing_key)


def verify_log(
    engine: Engine | None = None, *, batch_size: int = audit_service.VERIFY_BATCH
) -> VerificationReport:
    """Verify the whole chain and, when it is intact, write a signed checkpoint of its head."""
    key = signing_key()
    with session_scope(engine) as session:
        report = audit_service.verify(session=session, batch_size=batch_size)
        if report.ok:
            audit_service.checkpoint(session=session, report=report, key=key)
            report = replace(report, checkpointed=True)
        session.commit()
    return report


def latest_signed_checkpoint(engine: Engine | None = None) -> signing.SignedCheckpoint | None:
    """Return the newest signed checkpoint as a document for an outside party."""
    with session_scope(engine) as session:
        cp = audit_service.latest_signed_checkpoint(session=session)
        if cp is None or cp.statement is None or cp.signature is None:
            return None
        return signing.SignedCheckpoint(
            cp.statement, cp.signature, signing.public_pem(signing_key())
        )


@dataclass(frozen=True)
class CheckpointCheck:
    """Whether the log still holds what a signed checkpoint says it held."""

    ok: bool
    seq: int
    message: str


def check_against(
    checkpoint: signing.SignedCheckpoint, engine: Engine | None = None
) -> CheckpointCheck:
    """Check a signed checkpoint kept outside: its signature, then the log's event at its seq."""
    try:
        checkpoint.verify_signature()
    except signing.SigningError as exc:
        return CheckpointCheck(False, 0, f"the checkpoint itself is not valid: {exc}")
    seq, expected = checkpoint.seq, checkpoint.hash
    with session_scope(engine) as session:
        found = audit_service.event_hash_at(session=session, seq=seq)
    if found is None:
        return CheckpointCheck(
            False,
            seq,
            f"the log no longer holds event {seq} that the checkpoint signed (truncated)",
        )
    if found != expected:
        return CheckpointCheck(
            False, seq, f"event {seq} differs from the signed checkpoint (the chain was rewritten)"
        )
    return CheckpointCheck(
        True, seq, f"the log holds event {seq} exactly as the checkpoint signed it"
    )


def publish_export(
    partial: Path,
    out: Path,
    *,
    engine: Engine,
    principal: Principal,
    purpose_id: str | None,
    action: str,
    details: Mapping[str, Any],
) -> str:
    """Audit a written export as a disclosure, then move it into place; return its SHA-256.

    The file ``partial`` (written beside ``out``) becomes ``out`` only once its audit
    event (``action``, with ``details``, the file and its SHA-256) is committed, so no
    export exists without its record; ``partial`` is removed whatever happens.
    """
    try:
        digest = hashlib.sha256(partial.read_bytes()).hexdigest()
        with session_scope(engine) as session:
            audit_service.append(
                session=session,
                actor=principal.actor,
                actor_role=principal.role,
                action=action,
                resource_type="export",
                resource_id=str(out),
                purpose=purpose_id,
                client=principal.client,
                details={**details, "file": str(out), "sha256": digest},
            )
            session.commit()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return digest
