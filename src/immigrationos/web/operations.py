"""Operations in the interface: the list, an operation's page with its routes, and the
supervisors' decisions on it (approve, reject), each with its reason.

Every read and decision is the API's own: ``operations.access.list_operations`` /
``read_operation`` (area, purpose, audit) and ``operations.flows.approve`` / ``reject``
(the two-person rule, the second approval near a sensitive location, the optimistic
lock, the safeguards run again on each target's case). A refusal is shown in words.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from immigrationos.apikit.deps import EngineDep, PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.operations import access as ops_access
from immigrationos.operations import flows as ops_flows
from immigrationos.operations.models import OPERATION_STATUSES
from immigrationos.operations.schemas import OperationDecide, OperationRead
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal
from immigrationos.web.routes_sketch import Sketch, sketch

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.check_csrf)])
Reader = Annotated[Principal, signed_in(Permission.OPERATIONS_READ)]
Approver = Annotated[Principal, signed_in(Permission.OPERATIONS_APPROVE)]
Text = Annotated[str, Query(max_length=200)]
OperationId = Annotated[str, Path(max_length=40)]
PAGE_SIZE = 25


def routes_of(operation: OperationRead) -> Sketch | None:
    """Return the operation's team routes fitted to one drawing."""
    by_case = {t.case_id: t for t in operation.target_list}
    teams = []
    for team in operation.teams:
        stops = []
        for case_id in team.stops:
            target = by_case.get(case_id)
            if target is not None:
                stops.append((str(target.seq or ""), target.lat, target.lon))
        teams.append((team.team_id, (team.office_lat, team.office_lon), stops))
    return sketch(teams)


def may_decide(principal: Principal, operation: OperationRead) -> bool:
    """Return whether the user may approve or reject it now (the flow checks it again)."""
    return (
        principal.can(Permission.OPERATIONS_APPROVE)
        and operation.status == "REQUESTED"
        and operation.requested_by != principal.actor
        and principal.actor not in operation.approvers
    )


@router.get("/operations", response_class=HTMLResponse)
def operations_list(
    request: Request,
    session: SessionDep,
    principal: Reader,
    purpose: Text = "",
    status: Text = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Show the operations of the user's area, the soonest first, by status."""
    purpose_id = purpose_of(request, purpose)
    chosen = status if status in OPERATION_STATUSES else None
    params = PageParams(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    try:
        found = ops_access.list_operations(session, principal, purpose_id, params, status=chosen)
    except Problem as exc:
        return refusal(request, principal, exc, what="operation")
    return page(
        request,
        "operations.html",
        principal,
        purpose=purpose_id,
        operations=found,
        chosen_status=chosen or "",
        statuses=OPERATION_STATUSES,
        page_number=page_number,
        pages=max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    )


@router.get("/operations/{operation_id}", response_class=HTMLResponse)
def operation_page(
    request: Request,
    session: SessionDep,
    principal: Reader,
    operation_id: OperationId,
    purpose: Text = "",
) -> HTMLResponse:
    """Show an operation: its targets with address confidence, routes, and decisions."""
    purpose_id = purpose_of(request, purpose)
    try:
        operation = ops_access.read_operation(session, principal, purpose_id, operation_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="operation")
    return page(
        request,
        "operation.html",
        principal,
        purpose=purpose_id,
        op=operation,
        drawing=routes_of(operation),
        may_decide=may_decide(principal, operation),
        sensitive=[t for t in operation.target_list if t.sensitive],
    )


def _decide(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Principal,
    operation_id: str,
    version: str,
    reason: str,
    purpose: str,
    approve: bool,
) -> Response:
    purpose_id = purpose_of(request, purpose)
    try:
        try:
            body = OperationDecide(version=int(version or 0), reason=reason)
        except (ValueError, ValidationError) as exc:
            raise Problem(422, "decision-invalid", "Give the reason for your decision.") from exc
        step = ops_flows.approve if approve else ops_flows.reject
        step(
            engine, principal=principal, purpose_id=purpose_id, operation_id=operation_id,
            version=body.version, reason=body.reason,
        )  # fmt: skip
    except ops_flows.OperationError as exc:
        action = "operations.approve" if approve else "operations.reject"
        problem = ops_access.refuse(session, principal, purpose_id, action, operation_id, exc)
        return refusal(request, principal, problem, what="operation")
    except Problem as exc:
        return refusal(request, principal, exc, what="operation")
    where = f"/operations/{quote(operation_id)}?purpose={quote(purpose_id or '')}&decided=1"
    return RedirectResponse(where, status_code=303)


@actions.post("/operations/{operation_id}/approve")
def approve(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Approver,
    operation_id: OperationId,
    version: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Approve an operation another user requested, at the version shown, with the reason."""
    return _decide(
        request, session, engine, principal, operation_id, version, reason, purpose, True
    )


@actions.post("/operations/{operation_id}/reject")
def reject(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Approver,
    operation_id: OperationId,
    version: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Reject an operation another user requested; its cases go back for rework."""
    return _decide(
        request, session, engine, principal, operation_id, version, reason, purpose, False
    )
