"""Reads of quarantined rows outside the API (the command line), under the same rules.

Quarantined rows are raw source rows: person data. A read names its purpose, the
source's data-use rule applies as to its records, and the read (or its refusal) is an
audit event of the reader, the operator included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.models import Outcome
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import engine as policy_engine
from immigrationos.policy import service as policy_service
from immigrationos.policy.errors import PurposeError
from immigrationos.policy.kinds import Use
from immigrationos.sources import service as sources_service
from immigrationos.sources.models import QuarantinedRow

ACTION = "ingest.read_quarantine"


class ReadRefused(PermissionError):
    """A read the rules refuse; the message says why and what to do."""


def _refuse(
    engine: Engine, principal: Principal, purpose: str | None, batch_id: str, reason: str
) -> ReadRefused:
    audit_flows.record(
        engine,
        actor=principal.actor,
        actor_role=principal.role,
        action=ACTION,
        resource_type="ingest_batch",
        resource_id=batch_id,
        purpose=purpose,
        outcome=Outcome.DENIED,
        client=principal.client,
        details={"reason": reason},
    )
    return ReadRefused(reason)


def read_quarantine(
    engine: Engine, principal: Principal, purpose: str | None, batch_id: str, *, limit: int = 50
) -> Sequence[QuarantinedRow]:
    """Return a batch's quarantined rows if the purpose and the source's rule allow; audit it."""
    with session_scope(engine) as session:
        batch = sources_service.get_batch(session=session, batch_id=batch_id)
        if batch is None:
            raise ReadRefused(f"no ingest batch has id {batch_id!r} (see imos batches)")
        if not purpose:
            raise _refuse(
                engine, principal, None, batch_id, "declare the purpose of this read (--purpose)"
            )
        try:
            ctx = policy_service.load_context(
                session=session,
                principal=principal,
                purpose_id=purpose,
                today=datetime.now(UTC).date(),
            )
        except PurposeError as exc:
            raise _refuse(engine, principal, purpose, batch_id, str(exc)) from exc
        decision = policy_engine.get_policy().decide_source(ctx, batch.source, Use.READ)
        if not decision.allowed:
            raise _refuse(engine, principal, purpose, batch_id, decision.reason)
        rows = sources_service.list_quarantine(session=session, batch_id=batch_id, limit=limit)
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action=ACTION,
            resource_type="ingest_batch",
            resource_id=batch_id,
            purpose=purpose,
            client=principal.client,
            details={"source": batch.source, "rows": [r.line_number for r in rows]},
        )
        session.commit()
        session.expunge_all()
        return rows
