"""Reads of operations under the platform's rules: area of responsibility, purpose and audit.

An operation names cases, persons and their addresses: every read is person data, served
under the caller's purpose and audited in the read's transaction. A field role sees the
operations of its field offices; any other answers 404, as a missing one does.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PageParams, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.operations import service as ops_service
from immigrationos.operations.flows import OperationError, not_found
from immigrationos.operations.schemas import OfficerRoutes, OperationList, OperationRead
from immigrationos.persons.access import in_area


def refuse(
    session: Session,
    principal: Principal,
    purpose: str | None,
    action: str,
    operation_id: str | None,
    error: OperationError,
) -> Problem:
    """Audit a refused operations request (committed on its own) and return its problem."""
    session.rollback()
    problem = lawful.refuse(
        session,
        principal,
        status=error.status,
        kind=error.kind,
        detail=error.detail,
        action=action,
        purpose=purpose,
        resource_type="operation",
        resource_id=operation_id,
        rule=error.rule,
    )
    if error.status == 404:
        problem.extra.pop("rule", None)  # a hidden operation answers exactly as a missing one
    return problem


def read_operation(
    session: Session, principal: Principal, purpose: str | None, operation_id: str
) -> OperationRead:
    """Return an operation the caller may see, with targets and routes; audit the read."""
    action = "operations.read"
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="operation",
        resource_id=operation_id,
    )  # fmt: skip
    operation = ops_service.get_operation(session=session, operation_id=operation_id)
    if operation is None or not in_area(principal, operation.field_office):
        rule = None if operation is None else "AREA_OF_RESPONSIBILITY"
        raise refuse(
            session, principal, purpose, action, operation_id,
            not_found(operation_id, principal, rule),
        )  # fmt: skip
    found = ops_service.full(session, operation)
    audit(
        session, principal, action, resource_type="operation", resource_id=operation_id,
        purpose=purpose,
        details={"status": operation.status,
                 "case_ids": [t.case_id for t in found.target_list]},
    )  # fmt: skip
    session.commit()
    return found


def list_operations(
    session: Session,
    principal: Principal,
    purpose: str | None,
    page: PageParams,
    *,
    status: str | None = None,
    field_office: str | None = None,
    day: dt.date | None = None,
) -> OperationList:
    """Return a page of the operations the caller may see (the approvals inbox with
    ``status=REQUESTED``); audit it."""
    lawful.use_context(session, principal, purpose, action="operations.list")
    area = principal.area()
    where = ops_service.OperationFilter(
        status=status, field_office=field_office, day=day,
        offices=None if area is None else frozenset(area),
    )  # fmt: skip
    total = ops_service.count_operations(session=session, where=where)
    found = ops_service.list_operations(
        session=session, where=where, offset=page.offset, limit=page.limit
    )
    counts = ops_service.target_counts(
        session=session, operation_ids=[o.operation_id for o in found]
    )
    audit(
        session, principal, "operations.list", resource_type="operation", purpose=purpose,
        details={"filters": {"status": status, "field_office": field_office,
                             "day": None if day is None else day.isoformat()},
                 "returned": [o.operation_id for o in found]},
    )  # fmt: skip
    session.commit()
    following = page.offset + len(found)
    return OperationList(
        items=[ops_service.summary(o, counts.get(o.operation_id, 0)) for o in found],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < total else None,
    )


def my_routes(
    session: Session, principal: Principal, purpose: str | None, day: dt.date | None
) -> OfficerRoutes:
    """Return the routes of the caller's teams in approved operations; audit the read."""
    lawful.use_context(session, principal, purpose, action="operations.routes")
    routes = [
        r
        for r in ops_service.routes_for_officer(
            session=session, officer_id=principal.actor, day=day
        )
        if in_area(principal, r.field_office)
    ]
    audit(
        session, principal, "operations.routes", resource_type="operation", purpose=purpose,
        details={"day": None if day is None else day.isoformat(),
                 "operations": [r.operation_id for r in routes],
                 "case_ids": [s.case_id for r in routes for s in r.stops]},
    )  # fmt: skip
    session.commit()
    return OfficerRoutes(officer_id=principal.actor, routes=routes)
