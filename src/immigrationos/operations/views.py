"""Operations over HTTP: request, the approvals inbox, approve, reject, cancel, execute, and
each officer's routes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, PageDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.operations import access, flows
from immigrationos.operations.models import OPERATION_STATUSES
from immigrationos.operations.schemas import (
    OfficerRoutes,
    OperationCreate,
    OperationDecide,
    OperationList,
    OperationRead,
)

router = APIRouter(tags=["operations"])

OperationIdPath = Annotated[
    str, Path(min_length=1, max_length=40, description="An operation ID: O and ten characters.")
]
StatusQuery = Annotated[
    str | None,
    Query(
        pattern="^(" + "|".join(OPERATION_STATUSES) + ")$",
        description="Only operations in this status (REQUESTED: the approvals inbox).",
    ),
]


def _decide(
    step: Callable[..., OperationRead],
    action: str,
    operation_id: str,
    body: OperationDecide,
    session: Session,
    engine: Engine,
    principal: Principal,
    purpose: str | None,
    **extra: Any,
) -> OperationRead:
    lawful.use_context(session, principal, purpose, action=action, resource_type="operation",
                       resource_id=operation_id)  # fmt: skip
    session.rollback()  # the flow owns its transaction
    try:
        return step(
            engine, principal=principal, purpose_id=purpose, operation_id=operation_id,
            version=body.version, reason=body.reason, **extra,
        )  # fmt: skip
    except flows.OperationError as exc:
        raise access.refuse(session, principal, purpose, action, operation_id, exc) from exc


@router.post(
    "/operations",
    response_model=OperationRead,
    status_code=201,
    summary="Request an operation: teams, targets (cases), date, shift",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def request_operation(
    body: OperationCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_REQUEST)],
    purpose: PurposeHeader = None,
) -> OperationRead:
    """Record the request and plan the routes; a supervisor other than you approves it.

    A stop near a sensitive location needs ``sensitive_justification`` and a second
    approval by another supervisor.
    """
    lawful.use_context(session, principal, purpose, action="operations.request",
                       resource_type="operation")  # fmt: skip
    session.rollback()
    try:
        return flows.request_operation(engine, principal=principal, purpose_id=purpose, data=body)
    except flows.OperationError as exc:
        raise access.refuse(session, principal, purpose, "operations.request", None, exc) from exc


@router.get(
    "/operations",
    response_model=OperationList,
    summary="Operations of your area, the soonest first (status=REQUESTED: approvals inbox)",
    responses=responses(401, 403, 422, 428),
)
def list_operations(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_READ)],
    purpose: PurposeHeader = None,
    status: StatusQuery = None,
    field_office: Annotated[str | None, Query(max_length=200)] = None,
    day: Annotated[dt.date | None, Query(description="Only operations of this day.")] = None,
) -> OperationList:
    """Return the operations the caller may see under the purpose."""
    return access.list_operations(
        session, principal, purpose, page, status=status, field_office=field_office, day=day
    )


@router.get(
    "/operations/routes/mine",
    response_model=OfficerRoutes,
    summary="The caller's routes in approved operations (the field view)",
    responses=responses(401, 403, 422, 428),
)
def my_routes(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_READ)],
    purpose: PurposeHeader = None,
    day: Annotated[dt.date | None, Query(description="Only routes of this day.")] = None,
) -> OfficerRoutes:
    """Return each route of a team the caller is on: stops in order, ETAs, address confidence."""
    return access.my_routes(session, principal, purpose, day)


@router.get(
    "/operations/{operation_id}",
    response_model=OperationRead,
    summary="An operation: teams, targets, routes, decisions",
    responses=responses(401, 403, 404, 428),
)
def read_operation(
    operation_id: OperationIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_READ)],
    purpose: PurposeHeader = None,
) -> OperationRead:
    """Return an operation with its planned routes and every decision on it."""
    return access.read_operation(session, principal, purpose, operation_id)


@router.post(
    "/operations/{operation_id}/approve",
    response_model=OperationRead,
    summary="Approve an operation another user requested (two-person rule)",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def approve(
    operation_id: OperationIdPath,
    body: OperationDecide,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_APPROVE)],
    purpose: PurposeHeader = None,
) -> OperationRead:
    """Approve at the version you saw; the targets' cases are checked by the safeguards again."""
    return _decide(flows.approve, "operations.approve", operation_id, body, session, engine,
                   principal, purpose)  # fmt: skip


@router.post(
    "/operations/{operation_id}/reject",
    response_model=OperationRead,
    summary="Reject an operation; its targets' cases go back for rework",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def reject(
    operation_id: OperationIdPath,
    body: OperationDecide,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_APPROVE)],
    purpose: PurposeHeader = None,
) -> OperationRead:
    """Reject at the version you saw, with the reason."""
    return _decide(flows.reject, "operations.reject", operation_id, body, session, engine,
                   principal, purpose)  # fmt: skip


@router.post(
    "/operations/{operation_id}/cancel",
    response_model=OperationRead,
    summary="Cancel a requested or approved operation (its requester or a supervisor)",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def cancel(
    operation_id: OperationIdPath,
    body: OperationDecide,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_REQUEST)],
    purpose: PurposeHeader = None,
) -> OperationRead:
    """Cancel at the version you saw, with the reason."""
    return _decide(flows.cancel, "operations.cancel", operation_id, body, session, engine,
                   principal, purpose)  # fmt: skip


@router.post(
    "/operations/{operation_id}/execute",
    response_model=OperationRead,
    summary="Record an approved operation as carried out",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def execute(
    operation_id: OperationIdPath,
    body: OperationDecide,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.OPERATIONS_REQUEST)],
    purpose: PurposeHeader = None,
) -> OperationRead:
    """Record it executed at the version you saw (arrests are each case's own step)."""
    return _decide(flows.execute, "operations.execute", operation_id, body, session, engine,
                   principal, purpose)  # fmt: skip
