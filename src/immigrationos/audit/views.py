"""The audit log over HTTP: read it, verify it, take its signed checkpoint (oversight)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from immigrationos.apikit.deps import EngineDep, Page, PageDep, SessionDep, audit, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.schemas import AuditEventRead, SignedCheckpointRead, VerificationRead
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get(
    "/events",
    response_model=Page[AuditEventRead],
    summary="Read the audit log",
    responses=responses(401, 403, 422),
)
def list_events(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.AUDIT_READ)],
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
    resource_type: Annotated[str | None, Query(max_length=80)] = None,
    resource_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
) -> Page[AuditEventRead]:
    """Return events, newest first; reading the log is itself an audit event."""
    filters = {
        "actor": actor,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "since": since,
        "until": until,
    }
    total = audit_service.count_events(session=session, **filters)  # type: ignore[arg-type]
    events = audit_service.list_events(
        session=session,
        limit=page.limit,
        offset=page.offset,
        **filters,  # type: ignore[arg-type]
    )
    items = [AuditEventRead.of(e) for e in events]
    shown = {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in filters.items()
        if v is not None
    }
    audit(
        session,
        principal,
        "audit.read",
        resource_type="audit_log",
        details={"filters": shown, "count": len(items)},
    )
    session.commit()
    return Page[AuditEventRead].of(items, total, page)


@router.post(
    "/verify",
    response_model=VerificationRead,
    summary="Verify the chain and sign a checkpoint",
    responses=responses(401, 403),
)
def verify(
    engine: EngineDep, principal: Annotated[Principal, require(Permission.AUDIT_VERIFY)]
) -> VerificationRead:
    """Walk the whole chain; when intact, write a signed checkpoint of its head."""
    report = audit_flows.verify_log(engine)
    with session_scope(engine) as session:
        audit(
            session,
            principal,
            "audit.verify",
            resource_type="audit_log",
            details={
                "ok": report.ok,
                "head_seq": report.head_seq,
                "broken_at": report.first_broken_seq,
            },
        )
        session.commit()
    return VerificationRead.of(report)


@router.get(
    "/checkpoints/latest",
    response_model=SignedCheckpointRead,
    summary="The latest signed checkpoint",
    responses=responses(401, 403, 404),
)
def latest_checkpoint(
    engine: EngineDep, principal: Annotated[Principal, require(Permission.AUDIT_READ)]
) -> SignedCheckpointRead:
    """Return the newest signed checkpoint, to hand to an outside party."""
    found = audit_flows.latest_signed_checkpoint(engine)
    if found is None:
        raise Problem(
            404,
            "no-checkpoint",
            "no signed checkpoint yet: verify the log first (POST /api/v1/audit/verify)",
        )
    with session_scope(engine) as session:
        audit(
            session,
            principal,
            "audit.checkpoint_export",
            resource_type="audit_log",
            details={"seq": found.seq},
        )
        session.commit()
    return SignedCheckpointRead(
        statement=found.statement, signature=found.signature, public_key=found.public_key
    )
