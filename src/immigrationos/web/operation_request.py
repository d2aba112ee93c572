"""The request for an operation in the interface: a form of the office's eligible cases
(each with the person's best address and how sure its placing is), the shift, the teams of
the office's officers, the reason and, near a sensitive place, the justification.

The request is the API's own: ``operations.flows.request_operation`` (area, eligibility of
each team and target, the sensitive locations, route planning, audit), refused in words
through ``operations.access.refuse`` with the form kept as it was filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, SessionDep, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth import service as auth_service
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.cases import service as cases_service
from immigrationos.operations import access as ops_access
from immigrationos.operations import eligibility, planning
from immigrationos.operations import flows as ops_flows
from immigrationos.operations import service as ops_service
from immigrationos.operations.schemas import OperationCreate
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
Requester = Annotated[Principal, signed_in(Permission.OPERATIONS_REQUEST)]
ACTION = "operations.request"
TEAM_ROWS = 3
MAX_CASES = 200


@dataclass(frozen=True)
class EligibleCase:
    """A case the request may target, with where its person is believed to be."""

    case_id: str
    person_id: str
    state: str
    address: str
    confidence: str
    note: str


@dataclass(frozen=True)
class Officer:
    """An officer or supervisor of the office who may ride in a team."""

    id: str
    name: str


def _office(principal: Principal, chosen: str = "") -> str | None:
    offices = list(principal.offices)
    if chosen and chosen in offices:
        return chosen
    return offices[0] if offices else None


def eligible_cases(
    session: Session, principal: Principal, purpose_id: str | None, office: str
) -> list[EligibleCase]:
    """Return the office's cases ready for an operation, each located under the policy."""
    ctx = lawful.use_context(
        session, principal, purpose_id, action=ACTION, resource_type="operation"
    )
    ids = cases_service.case_ids_in(
        session=session, states=eligibility.TARGET_STATES, offices=frozenset({office})
    )[:MAX_CASES]
    busy = ops_service.active_operations_of_cases(session=session, case_ids=ids)
    found = []
    for case_id in ids:
        case = cases_service.get_case(session=session, case_id=case_id)
        if case is None or case.assigned_officer is None or case_id in busy:
            continue
        where = planning.locate(session, ctx, case.person_id)
        parts = [where.street, where.city, where.state, where.zip]
        address = ", ".join(p for p in parts if p) or "no address"
        found.append(
            EligibleCase(case_id, case.person_id, case.state, address, where.confidence, where.note)
        )
    audit(
        session, principal, "operations.request_form", resource_type="operation",
        purpose=purpose_id, details={"field_office": office, "case_ids": [c.case_id for c in found]},
    )  # fmt: skip
    session.commit()
    return found


def officers_of(session: Session, office: str) -> list[Officer]:
    """Return the enabled officers and supervisors of the office, by name."""
    found = []
    for role in eligibility.TEAM_ROLES:
        for user in auth_service.list_users(session=session, role=role):
            if not user.disabled and office in user.offices:
                found.append(Officer(user.id, f"{user.display_name} ({user.username})"))
    return sorted(found, key=lambda o: o.name)


def _form_page(
    request: Request,
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    office: str,
    filled: dict[str, Any],
    *,
    error: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "operation_request.html",
        principal,
        status=status,
        purpose=purpose_id,
        office=office,
        offices=list(principal.offices),
        cases=eligible_cases(session, principal, purpose_id, office),
        officers=officers_of(session, office),
        rows=range(TEAM_ROWS),
        filled=filled,
        error=error,
    )


@router.get("/operations/new", response_class=HTMLResponse)
def request_form(
    request: Request,
    session: SessionDep,
    principal: Requester,
    purpose: Annotated[str, Query(max_length=200)] = "",
    office: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Show the form for requesting an operation of the user's office."""
    purpose_id = purpose_of(request, purpose)
    chosen = _office(principal, office)
    if chosen is None:
        problem = Problem(403, "office-not-yours", "You work no field office to request for.")
        return refusal(request, principal, problem, what="operation")
    try:
        return _form_page(request, session, principal, purpose_id, chosen, {})
    except Problem as exc:
        return refusal(request, principal, exc, what="operation")


def _filled(form: Any) -> dict[str, Any]:
    """Return what the form held, to show it again and to build the request."""
    teams = []
    for i in range(TEAM_ROWS):
        teams.append(
            {
                "team_id": str(form.get(f"team_id_{i}", "")).strip(),
                "seats": str(form.get(f"seats_{i}", "")).strip(),
                "officers": [str(v) for v in form.getlist(f"officers_{i}")],
            }
        )
    keys = ("field_office", "day", "shift_start", "shift_end", "service_minutes", "reason")
    filled: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in keys}
    filled["justification"] = str(form.get("sensitive_justification", "")).strip()
    filled["case_ids"] = [str(v) for v in form.getlist("case_ids")][:MAX_CASES]
    filled["teams"] = teams
    return filled


def _request_of(filled: dict[str, Any]) -> OperationCreate:
    if not filled["case_ids"]:
        raise Problem(422, "no-target", "Choose at least one case to target.")
    teams = [t for t in filled["teams"] if t["team_id"] or t["officers"]]
    if not teams:
        raise Problem(422, "no-team", "Give at least one team: its name, seats and officers.")
    body = {
        "field_office": filled["field_office"],
        "day": filled["day"],
        "shift_start": filled["shift_start"],
        "shift_end": filled["shift_end"],
        "service_minutes": filled["service_minutes"] or "20",
        "teams": [
            {"team_id": t["team_id"], "seats": t["seats"] or "0", "officers": t["officers"]}
            for t in teams
        ],
        "case_ids": filled["case_ids"],
        "reason": filled["reason"],
        "sensitive_justification": filled["justification"] or None,
    }
    try:
        return OperationCreate.model_validate(body)
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise Problem(422, "request-invalid", f"Fill in the form correctly ({fields}).") from exc


@router.post(
    "/operations/new", response_class=HTMLResponse,
    dependencies=[Depends(web_session.check_csrf)],
)  # fmt: skip
async def request_operation(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Requester,
) -> Response:
    """Request the operation (the API's flow, audited); show it, or the refusal with the form."""
    form = await request.form()
    purpose_id = purpose_of(request, str(form.get("purpose", "")))
    filled = _filled(form)
    office = _office(principal, filled["field_office"]) or filled["field_office"]
    try:
        lawful.use_context(session, principal, purpose_id, action=ACTION, resource_type="operation")
        session.rollback()
        data = _request_of(filled)
        done = ops_flows.request_operation(
            engine, principal=principal, purpose_id=purpose_id, data=data
        )
    except ops_flows.OperationError as exc:
        problem = ops_access.refuse(session, principal, purpose_id, ACTION, None, exc)
        return _refused_form(request, session, principal, purpose_id, office, filled, problem)
    except Problem as exc:
        if exc.status in (401, 428) or exc.kind in ("purpose-refused", "data-use-refused"):
            return refusal(request, principal, exc, what="operation")
        return _refused_form(request, session, principal, purpose_id, office, filled, exc)
    where = f"/operations/{quote(done.operation_id)}?purpose={quote(purpose_id or '')}"
    return RedirectResponse(where, status_code=303)


def _refused_form(
    request: Request,
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    office: str,
    filled: dict[str, Any],
    problem: Problem,
) -> HTMLResponse:
    error = {"kind": problem.kind, "detail": problem.detail}
    if problem.status in (401, 428) or problem.kind in ("purpose-refused", "data-use-refused"):
        return refusal(request, principal, problem, what="operation")
    return _form_page(
        request, session, principal, purpose_id, office, filled, error=error, status=problem.status
    )
