"""The contests page: contests with their holds and changes, the entry and decide forms.

``GET /oversight/contests`` lists the contests of the caller's area (audited like the
API's list); a user who may enter one (LEGAL, SUPERVISOR) gets the entry form, one who may
decide gets a decide form on each open contest. The forms call the API's flows
(``oversight.contest_flows``), so the rules (an independent decider) and the audit are
the API's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from immigrationos.apikit.deps import EngineDep, SessionDep
from immigrationos.audit import service as audit_service
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.oversight import contest_decide, contest_flows, contest_service
from immigrationos.oversight.views_contest import read_model
from immigrationos.web import session as web_session
from immigrationos.web.deps import signed_in
from immigrationos.web.render import page

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, signed_in(Permission.CONTESTS_READ)]
Enterer = Annotated[Principal, signed_in(Permission.CONTESTS_ENTER)]
Decider = Annotated[Principal, signed_in(Permission.CONTESTS_DECIDE)]
CsrfDep = Depends(web_session.check_csrf)
PATH = "/oversight/contests"
MAX_TEXT = 4000


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = contest_service.list_contests(session=session, offices=principal.area())
    contests = [read_model(session, c) for c in found]
    audit_service.append(
        session=session, actor=principal.actor, actor_role=principal.role,
        action="contests.list", resource_type="contest", client=principal.client,
        details={"contests": [c.id for c in found], "page": PATH},
    )  # fmt: skip
    session.commit()
    return page(
        request,
        "oversight/contests.html",
        principal,
        status=status,
        contests=contests,
        counts=contest_service.error_counts(session=session),
        can_enter=principal.can(Permission.CONTESTS_ENTER),
        can_decide=principal.can(Permission.CONTESTS_DECIDE),
        error=error,
    )


@router.get(PATH, response_class=HTMLResponse)
def contests_page(request: Request, session: SessionDep, principal: Reader) -> HTMLResponse:
    """Show the contests, what they hold and changed, and the forms the caller may use."""
    return _page(request, session, principal)


@router.post(PATH, dependencies=[CsrfDep])
def enter_contest(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Enterer,
    kind: Annotated[str, Form(max_length=16)] = "",
    subject: Annotated[str, Form(max_length=400)] = "",
    filed_by: Annotated[str, Form(max_length=10)] = "",
    claimant: Annotated[str, Form(max_length=200)] = "",
    claim: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    evidence: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    field: Annotated[str, Form(max_length=100)] = "",
    value: Annotated[str, Form(max_length=400)] = "",
    finding: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Enter a contest (it holds the person's leads); show the page again."""
    correction: dict[str, object] = {}
    if kind == "RECORD" and field.strip():
        correction[field.strip()] = value
    if kind == "FLAG" and finding:
        correction["finding"] = finding
    entered = contest_flows.ContestClaim(
        kind=kind, subject=subject, filed_by=filed_by, claimant=claimant, claim=claim,
        evidence=evidence, correction=correction,
    )  # fmt: skip
    try:
        contest_flows.open_contest(engine, principal=principal, claim=entered)
    except contest_flows.ContestError as exc:
        return _page(request, session, principal, error=exc.detail, status=exc.status)
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/{contest_id}/decision", dependencies=[CsrfDep])
def decide_contest(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Decider,
    contest_id: Annotated[str, Path(max_length=36)],
    outcome: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    finding: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Uphold or reject a contest (never one's own); show the page again."""
    try:
        contest_decide.decide_contest(
            engine, principal=principal, contest_id=contest_id, outcome=outcome,
            reason=reason, finding=finding or None,
        )  # fmt: skip
    except contest_flows.ContestError as exc:
        return _page(request, session, principal, error=exc.detail, status=exc.status)
    return RedirectResponse(PATH, status_code=303)
