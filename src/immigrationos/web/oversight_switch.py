"""The stop switch page, its forms, and the banner every page shows while it is on.

``GET /oversight/switch`` shows what is suspended, every change of the switch and the
priority-policy sign-offs to every signed-in user; an OVERSIGHT user gets the forms to
suspend and resume (a reason is required), an OVERSIGHT or LEGAL user the form to sign
off a submitted policy text. The forms call the API's flows (``oversight.switch.change``,
``oversight.signoff.sign_off``), so the rules and the audit are the API's.

``base.html`` includes ``oversight/switch_banner.html``, which calls the
``targeting_switch(request)`` global: one small query per request, cached on the request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from immigrationos.apikit.deps import EngineDep, SessionDep
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.oversight import signoff, switch
from immigrationos.oversight.views_switch import signoff_list
from immigrationos.sources.contract import VIOLATIONS
from immigrationos.web import session as web_session
from immigrationos.web.deps import signed_in
from immigrationos.web.render import TEMPLATES, page

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, signed_in(Permission.POLICY_READ)]
Switcher = Annotated[Principal, signed_in(Permission.TARGETING_SUSPEND)]
Reviewer = Annotated[Principal, signed_in(Permission.TARGETING_SIGNOFF)]
CsrfDep = Depends(web_session.check_csrf)
PATH = "/oversight/switch"


def targeting_switch(request: Request) -> switch.SwitchState | None:
    """Return the switch's state for this request's pages (read once per request)."""
    cached = getattr(request.state, "targeting_switch", None)
    if cached is not None:
        return cached
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None:
        return None
    try:
        found = switch.read(engine)
    except Exception:  # a page must render even if the switch cannot be read
        return None
    request.state.targeting_switch = found
    return found


TEMPLATES.env.globals["targeting_switch"] = targeting_switch


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    state = switch.current(session)
    request.state.targeting_switch = state
    return page(
        request,
        "oversight/switch.html",
        principal,
        status=status,
        state=state,
        history=switch.history(session),
        signoffs=signoff_list(session),
        detectors=VIOLATIONS,
        can_switch=principal.can(Permission.TARGETING_SUSPEND)
        and principal.role == switch.SWITCH_ROLE,
        can_sign=principal.can(Permission.TARGETING_SIGNOFF)
        and principal.role in signoff.SIGNOFF_ROLES,
        error=error,
    )


@router.get(PATH, response_class=HTMLResponse)
def switch_page(request: Request, session: SessionDep, principal: Reader) -> HTMLResponse:
    """Show what is suspended, the switch's history and the policy sign-offs."""
    return _page(request, session, principal)


@router.post(PATH, dependencies=[CsrfDep])
def change_switch(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Switcher,
    action: Annotated[str, Form(max_length=10)] = "",
    scope: Annotated[str, Form(max_length=20)] = "TARGETING",
    target: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=switch.MAX_REASON)] = "",
) -> Response:
    """Suspend or resume (recorded and audited); show the page again."""
    try:
        switch.change(
            engine, principal=principal, action=action, scope=scope, target=target, reason=reason
        )
    except switch.SwitchError as exc:
        return _page(request, session, principal, error=exc.detail, status=exc.status)
    return RedirectResponse(PATH, status_code=303)


@router.post("/oversight/policy-signoffs", dependencies=[CsrfDep])
def sign_off(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Reviewer,
    sha256: Annotated[str, Form(max_length=64)] = "",
    statement: Annotated[str, Form(max_length=signoff.MAX_STATEMENT)] = "",
) -> Response:
    """Sign off a submitted policy text as its independent reviewer; show the page again."""
    try:
        signoff.sign_off(engine, principal=principal, sha256=sha256, statement=statement)
    except signoff.SignOffError as exc:
        return _page(request, session, principal, error=exc.detail, status=exc.status)
    return RedirectResponse(PATH, status_code=303)
