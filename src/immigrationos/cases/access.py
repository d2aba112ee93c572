"""Reads of cases under the platform's rules: area of responsibility, purpose and audit.

A field role sees the cases of its field offices; a case outside them answers 404 as a
missing one does, and the refusal is audited. Every read of a case is person data: it is
served under the caller's purpose and audited in the read's transaction.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PageParams, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth import service as auth_service
from immigrationos.auth.principal import Principal
from immigrationos.cases import machine
from immigrationos.cases import service as cases_service
from immigrationos.cases.flows import CaseError, not_found
from immigrationos.cases.models import Case, CaseEvent
from immigrationos.cases.schemas import (
    CaseEventRead,
    CaseHistory,
    CaseList,
    CaseRead,
    CaseSummary,
    OfficerLoad,
    TransitionOption,
    Workload,
)
from immigrationos.persons.access import in_area


def refuse(
    session: Session,
    principal: Principal,
    purpose: str | None,
    action: str,
    case_id: str | None,
    error: CaseError,
) -> Problem:
    """Audit a refused case request (committed on its own) and return its problem."""
    session.rollback()
    problem = lawful.refuse(
        session,
        principal,
        status=error.status,
        kind=error.kind,
        detail=error.detail,
        action=action,
        purpose=purpose,
        resource_type="case",
        resource_id=case_id,
        rule=error.rule,
    )
    if error.status == 404:
        problem.extra.pop("rule", None)  # a hidden case answers exactly as a missing one
    return problem


def summary(case: Case) -> CaseSummary:
    """Return a case as a list shows it."""
    return CaseSummary(
        case_id=case.case_id,
        lead_id=case.lead_id,
        person_id=case.person_id,
        field_office=case.field_office,
        state=case.state,
        halted_from=case.halted_from,
        assigned_officer=case.assigned_officer,
        version=case.version,
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


def full(case: Case) -> CaseRead:
    """Return a case with the transitions open to it."""
    return CaseRead(
        **summary(case).model_dump(),
        created_by=case.created_by,
        assigned_by=case.assigned_by,
        transitions=[
            TransitionOption(
                name=t.name,
                to_state=None if t.target is None else t.target.value,
                roles=sorted(t.roles),
                reason_required=t.reason_required,
                checks=[c.value for c in t.checks],
            )
            for t in machine.available(case.state)
        ],
    )


def event_read(event: CaseEvent) -> CaseEventRead:
    """Return a case event as the history shows it."""
    return CaseEventRead(
        kind=event.kind,
        transition=event.transition,
        from_state=event.from_state,
        to_state=event.to_state,
        actor=event.actor,
        actor_role=event.actor_role,
        reason=event.reason,
        checks=json.loads(event.checks),
        version=event.version,
        at=event.at,
    )


def _visible(
    session: Session, principal: Principal, purpose: str | None, case_id: str, action: str
) -> Case:
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="case", resource_id=case_id
    )
    case = cases_service.get_case(session=session, case_id=case_id)
    if case is None or not in_area(principal, case.field_office):
        rule = None if case is None else "AREA_OF_RESPONSIBILITY"
        raise refuse(
            session, principal, purpose, action, case_id, not_found(case_id, principal, rule)
        )
    return case


def read_case(
    session: Session, principal: Principal, purpose: str | None, case_id: str
) -> CaseRead:
    """Return a case the caller may see; audit the read."""
    case = _visible(session, principal, purpose, case_id, "cases.read")
    audit(
        session, principal, "cases.read", resource_type="case", resource_id=case_id,
        purpose=purpose, details={"person_id": case.person_id, "state": case.state},
    )  # fmt: skip
    session.commit()
    return full(case)


def read_history(
    session: Session, principal: Principal, purpose: str | None, case_id: str
) -> CaseHistory:
    """Return a case's history, oldest first; audit the read."""
    case = _visible(session, principal, purpose, case_id, "cases.history")
    events = cases_service.events_of(session=session, case_id=case_id)
    audit(
        session, principal, "cases.history", resource_type="case", resource_id=case_id,
        purpose=purpose, details={"person_id": case.person_id, "events": len(events)},
    )  # fmt: skip
    session.commit()
    return CaseHistory(case_id=case_id, events=[event_read(e) for e in events])


def list_cases(
    session: Session,
    principal: Principal,
    purpose: str | None,
    page: PageParams,
    *,
    state: str | None = None,
    field_office: str | None = None,
    officer: str | None = None,
) -> CaseList:
    """Return a page of the cases the caller may see (field roles: their area); audit it."""
    lawful.use_context(session, principal, purpose, action="cases.list")
    area = principal.area()
    where = cases_service.CaseFilter(
        state=state,
        field_office=field_office,
        officer=officer,
        offices=None if area is None else frozenset(area),
    )
    total = cases_service.count_cases(session=session, where=where)
    found = cases_service.list_cases(
        session=session, where=where, offset=page.offset, limit=page.limit
    )
    audit(
        session, principal, "cases.list", resource_type="case", purpose=purpose,
        details={"filters": {"state": state, "field_office": field_office, "officer": officer},
                 "returned": [c.case_id for c in found]},
    )  # fmt: skip
    session.commit()
    following = page.offset + len(found)
    return CaseList(
        items=[summary(c) for c in found],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < total else None,
    )


def workload(session: Session, principal: Principal) -> Workload:
    """Return open cases per officer of the caller's field offices (counts only); audit it."""
    area = principal.area()
    offices = None if area is None else frozenset(area)
    counts = cases_service.open_cases_by_officer(session=session, offices=offices)
    officers = [
        u
        for u in auth_service.list_users(session=session, role="OFFICER")
        if not u.disabled and (offices is None or offices.intersection(u.offices))
    ]
    loads = sorted(
        (
            OfficerLoad(
                officer_id=u.id,
                username=u.username,
                display_name=u.display_name,
                field_offices=u.offices,
                open_cases=counts.get(u.id, 0),
            )
            for u in officers
        ),
        key=lambda load: (-load.open_cases, load.username),
    )
    audit(
        session, principal, "cases.workload", resource_type="case",
        details={"field_offices": None if offices is None else sorted(offices),
                 "officers": len(loads)},
    )  # fmt: skip
    session.commit()
    return Workload(
        field_offices=None if offices is None else sorted(offices),
        officers=loads,
        unassigned=counts.get(None, 0),
    )
