"""The web interface: ``mount(app)`` adds its pages at ``/`` and its static files at ``/static``.

Server-rendered pages (Jinja2) with htmx for the parts that change in place. Every page
goes through the same flows and access functions the JSON API calls, so sign-in,
permissions, areas, purposes, the data-use policy and the audit are the API's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from immigrationos.apikit.deps import EngineDep, SessionDep, audit
from immigrationos.apikit.problems import Problem
from immigrationos.audit import flows as audit_flows
from immigrationos.audit.models import Outcome
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.errors import PolicyError
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.web import (
    actions,
    case_records,
    cases,
    collateral,
    dashboard,
    field,
    flights,
    inbox,
    ingest,
    jobs,
    leads,
    maps,
    operation_request,
    operations,
    oversight,
    oversight_bias,
    oversight_contest,
    oversight_review,
    oversight_switch,
    persons,
    placement,
    signin,
    worksite,
)
from immigrationos.web import session as web_session
from immigrationos.web.deps import PageRefused, UserDep, signed_in
from immigrationos.web.render import HERE, is_htmx, page, refusal

router = APIRouter(include_in_schema=False)
CsrfDep = Depends(web_session.check_csrf)
PurposeUser = Annotated[Principal, signed_in(Permission.PURPOSES_READ)]
PurposeCreator = Annotated[Principal, signed_in(Permission.PURPOSES_CREATE)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: UserDep) -> Response:
    """Open the dashboard."""
    return RedirectResponse("/dashboard", status_code=303)


def _purposes_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = policy_flows.list_purposes(session=session, principal=principal, limit=100)
    audit(session, principal, "purpose.list", resource_type="purpose")
    session.commit()
    return page(
        request,
        "purposes.html",
        principal,
        status=status,
        purposes=found,
        kinds=[k.value for k in PurposeKind],
        can_create=principal.can(Permission.PURPOSES_CREATE),
        error=error,
        next_url=_safe_next(request.query_params.get("next")),
    )


def _safe_next(value: str | None) -> str:
    # Only a path on this site: never an open redirect.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/leads"


@router.get("/purpose", response_class=HTMLResponse)
def purposes(request: Request, session: SessionDep, principal: PurposeUser) -> HTMLResponse:
    """List the purposes the user may work under; choose one or declare a new one."""
    return _purposes_page(request, session, principal)


@router.post("/purpose/use", dependencies=[CsrfDep])
def use_purpose(
    request: Request,
    session: SessionDep,
    principal: PurposeUser,
    purpose_id: Annotated[str, Form(max_length=36)] = "",
    next_url: Annotated[str, Form(max_length=500)] = "/leads",
) -> Response:
    """Make a visible purpose the current one for the look-ups that follow."""
    try:
        chosen = policy_flows.get_purpose(
            session=session, principal=principal, purpose_id=purpose_id
        )
    except PolicyError as exc:
        return _purposes_page(request, session, principal, error=str(exc), status=404)
    if chosen.closed_at is not None:
        return _purposes_page(
            request, session, principal, error=f"Purpose {chosen.id} is closed.", status=409
        )
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    web_session.set_cookie(request, response, web_session.PURPOSE_COOKIE, chosen.id)
    return response


@router.post("/purpose", dependencies=[CsrfDep])
def declare_purpose(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: PurposeCreator,
    kind: Annotated[str, Form(max_length=40)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    justification: Annotated[str, Form(max_length=4000)] = "",
    field_office: Annotated[str, Form(max_length=200)] = "",
    next_url: Annotated[str, Form(max_length=500)] = "/leads",
) -> Response:
    """Declare a purpose (the API's flow, audited) and make it the current one."""
    try:
        data = PurposeCreate.model_validate(
            {
                "kind": kind,
                "reference": reference,
                "title": title,
                "justification": justification,
                "field_office": field_office or None,
            }
        )
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return _purposes_page(
            request, session, principal, error=f"Fill in every field ({fields}).", status=400
        )
    try:
        declared = policy_flows.create_purpose(principal=principal, data=data, engine=engine)
    except PolicyError as exc:
        return _purposes_page(request, session, principal, error=str(exc), status=400)
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    web_session.set_cookie(request, response, web_session.PURPOSE_COOKIE, declared.id)
    return response


def _signed_out(request: Request, exc: Exception) -> Response:
    reason = exc.reason if isinstance(exc, web_session.SignInRequired) else None
    target = "/sign-in?m=expired" if reason else "/sign-in"
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    response = RedirectResponse(target, status_code=303)
    if reason:
        web_session.clear_cookie(response, web_session.SESSION_COOKIE)
    return response


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    return refusal(request, exc.principal, exc.problem)


def _csrf_refused(request: Request, exc: Exception) -> Response:
    audit_flows.record(
        request.app.state.engine,
        actor="unknown",
        action="web.csrf_refused",
        outcome=Outcome.DENIED,
        client=request.client.host if request.client else "unknown",
        details={"path": request.url.path},
    )
    problem = Problem(
        403,
        "csrf-refused",
        "This form was not sent from this session's page (its security token is missing "
        "or old). Reload the page and try again.",
    )
    return refusal(request, None, problem)


def mount(app: FastAPI) -> None:
    """Add the web pages at ``/`` and their static files at ``/static``."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    parts = [signin.router, router, dashboard.router, leads.router, persons.router]
    parts += [actions.router, oversight.router, maps.router, field.router, inbox.router]
    parts += [ingest.router, worksite.router, operation_request.router]
    parts += [operations.router, operations.actions, collateral.actions]
    parts += [cases.router, cases.actions, case_records.router, case_records.actions]
    parts += [oversight_switch.router, oversight_bias.router]
    parts += [oversight_contest.router]
    parts += [flights.router, flights.actions]
    parts += [oversight_review.router]
    parts += [placement.router, placement.actions]
    parts += [jobs.router]
    for part in parts:
        app.include_router(part)
    app.add_exception_handler(web_session.SignInRequired, _signed_out)
    app.add_exception_handler(web_session.CsrfRefused, _csrf_refused)
    app.add_exception_handler(PageRefused, _refused)
