"""The audit events of lawful-use flows, and the ids and clock they share."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.audit.models import Outcome
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy.errors import PolicyError


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """Return a new id: ``prefix``, a dash and a random UUID in hex."""
    return f"{prefix}-{uuid.uuid4().hex}"


def audit_event(
    session: Session,
    principal: Principal,
    action: str,
    *,
    resource_type: str,
    resource_id: str | None,
    purpose: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append the audit event of a lawful-use action in the action's own transaction."""
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose,
        outcome=outcome,
        client=principal.client,
        details=details,
    )


@contextmanager
def audited_refusal(
    engine: Engine | None,
    principal: Principal,
    action: str,
    *,
    resource_type: str,
    resource_id: str | None = None,
    purpose: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """On a PolicyError, audit the refused attempt (DENIED) in its own transaction, re-raise."""
    try:
        yield
    except PolicyError as exc:
        with session_scope(engine) as session:
            audit_event(
                session,
                principal,
                action,
                resource_type=resource_type,
                resource_id=resource_id,
                purpose=purpose,
                outcome=Outcome.DENIED,
                details={**(details or {}), "refused": str(exc)},
            )
            session.commit()
        raise
