"""Audit use cases that own their transaction: a stand-alone event, a verification run.

An event that belongs to a change is appended with ``service.append`` inside the
change's own transaction, so both commit together or not at all. ``record`` is for
an event with no other transaction to join, such as a refused access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine

from immigrationos.audit import service as audit_service
from immigrationos.audit.models import AuditEvent, Outcome
from immigrationos.audit.service import VerificationReport
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


def verify_log(
    engine: Engine | None = None, *, batch_size: int = audit_service.VERIFY_BATCH
) -> VerificationReport:
    """Verify the whole chain and, when it is intact, write a checkpoint of its head."""
    with session_scope(engine) as session:
        report = audit_service.verify(session=session, batch_size=batch_size)
        if report.ok:
            audit_service.checkpoint(session=session, report=report)
            report = replace(report, checkpointed=True)
        session.commit()
    return report
