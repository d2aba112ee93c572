"""The review queue of uncertain identity links, and the audit log with its verification.

The review queue is ``persons.review_access.review_queue`` (area, purpose, data-use
policy, the ``resolution.review_queue`` event). The audit log pages call the API's own
views (``audit.views.list_events``: the ``audit.read`` event; ``audit.views.verify``:
walk the chain, sign a checkpoint, the ``audit.verify`` event).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from immigrationos.apikit.deps import EngineDep, PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.audit import service as audit_service
from immigrationos.audit import views as audit_views
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.persons import review_access
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Principal, signed_in(Permission.JUDGEMENTS_READ)]
AuditReader = Annotated[Principal, signed_in(Permission.AUDIT_READ)]
AuditVerifier = Annotated[Principal, signed_in(Permission.AUDIT_VERIFY)]
Text = Annotated[str, Query(max_length=200)]
PageNumber = Annotated[int, Query(alias="page", ge=1, le=10_000)]
PAGE_SIZE = 25
ORDERS = {"threshold": "Nearest the threshold first", "confidence": "Least confident person first"}


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    session: SessionDep,
    principal: Reviewer,
    purpose: Text = "",
    order: Text = "threshold",
    page_number: PageNumber = 1,
) -> HTMLResponse:
    """Show the identity links most in need of a reviewer's judgement."""
    purpose_id = purpose_of(request, purpose)
    order = order if order in ORDERS else "threshold"
    params = PageParams(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    try:
        found = review_access.review_queue(session, principal, purpose_id, params, order)
    except Problem as exc:
        return refusal(request, principal, exc, what="link")
    return page(
        request,
        "review.html",
        principal,
        queue=found,
        purpose=purpose_id,
        order=order,
        orders=ORDERS,
        page_number=page_number,
    )


def _checkpoint(engine: Engine) -> Any:
    # When the log was last verified and signed: no person data, shown with the log.
    with session_scope(engine) as session:
        return audit_service.latest_signed_checkpoint(session=session)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: AuditReader,
    actor: Text = "",
    action: Annotated[str, Query(max_length=80)] = "",
    resource_id: Text = "",
    page_number: PageNumber = 1,
) -> HTMLResponse:
    """Show the audit log, newest first, with when it was last verified."""
    params = PageParams(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    found = audit_views.list_events(
        session,
        params,
        principal,
        actor=actor.strip() or None,
        action=action.strip() or None,
        resource_id=resource_id.strip() or None,
    )
    return page(
        request,
        "audit.html",
        principal,
        events=found,
        filters={"actor": actor, "action": action, "resource_id": resource_id},
        page_number=page_number,
        checkpoint=_checkpoint(engine),
        can_verify=principal.can(Permission.AUDIT_VERIFY),
        verification=None,
    )


@router.post(
    "/audit/verify", response_class=HTMLResponse, dependencies=[Depends(web_session.check_csrf)]
)
def verify_log(
    request: Request, session: SessionDep, engine: EngineDep, principal: AuditVerifier
) -> HTMLResponse:
    """Verify the whole chain (and sign a checkpoint when intact); show the result."""
    report = audit_views.verify(engine, principal)
    params = PageParams(limit=PAGE_SIZE, offset=0)
    found = audit_views.list_events(session, params, principal)
    return page(
        request,
        "audit.html",
        principal,
        events=found,
        filters={"actor": "", "action": "", "resource_id": ""},
        page_number=1,
        checkpoint=_checkpoint(engine),
        can_verify=True,
        verification=report,
    )
