"""Cases over HTTP: open one from a lead, list and read them, assign, move, history, workload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, PageDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.cases import access, flows
from immigrationos.cases.machine import CaseState
from immigrationos.cases.schemas import (
    CaseAssign,
    CaseCreate,
    CaseHistory,
    CaseList,
    CaseRead,
    CaseTransitionRequest,
    Workload,
)

router = APIRouter(tags=["cases"])

CaseIdPath = Annotated[
    str, Path(min_length=1, max_length=40, description="A case ID: C and ten characters.")
]


@router.post(
    "/cases",
    response_model=CaseRead,
    status_code=201,
    summary="Accept an OPEN lead as a case",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def create_case(
    body: CaseCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CASES_CREATE)],
    purpose: PurposeHeader = None,
) -> CaseRead:
    """Open a case from an OPEN lead once the safeguards clear its person again."""
    lawful.use_context(session, principal, purpose, action="cases.create", resource_type="lead",
                       resource_id=body.lead_id)  # fmt: skip
    session.rollback()  # the flow owns its transaction
    try:
        case = flows.accept_lead(
            engine, principal=principal, purpose_id=purpose, lead_id=body.lead_id,
            reason=body.reason,
        )  # fmt: skip
    except flows.CaseError as exc:
        raise access.refuse(session, principal, purpose, "cases.create", None, exc) from exc
    return access.full(case)


@router.get(
    "/cases",
    response_model=CaseList,
    summary="Cases, most recently changed first",
    responses=responses(401, 403, 422, 428),
)
def list_cases(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.CASES_READ)],
    purpose: PurposeHeader = None,
    state: Annotated[CaseState | None, Query(description="Only cases in this state.")] = None,
    field_office: Annotated[
        str | None, Query(max_length=200, description="Only cases of this field office.")
    ] = None,
    officer: Annotated[
        str | None, Query(max_length=36, description="Only cases assigned to this user ID.")
    ] = None,
) -> CaseList:
    """Return the cases the caller may see under the purpose (field roles: their area)."""
    return access.list_cases(
        session, principal, purpose, page,
        state=None if state is None else state.value, field_office=field_office, officer=officer,
    )  # fmt: skip


@router.get(
    "/cases/workload",
    response_model=Workload,
    summary="Open cases per officer of the caller's field offices",
    responses=responses(401, 403),
)
def workload(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CASES_ASSIGN)],
) -> Workload:
    """Return each officer's open cases (counts only, no person data), for assigning."""
    return access.workload(session, principal)


@router.get(
    "/cases/{case_id}",
    response_model=CaseRead,
    summary="A case and the transitions open to it",
    responses=responses(401, 403, 404, 428),
)
def read_case(
    case_id: CaseIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CASES_READ)],
    purpose: PurposeHeader = None,
) -> CaseRead:
    """Return a case: state, officer, version, and what may be done next, by whom."""
    return access.read_case(session, principal, purpose, case_id)


@router.get(
    "/cases/{case_id}/history",
    response_model=CaseHistory,
    summary="A case's history, with the checks each change ran",
    responses=responses(401, 403, 404, 428),
)
def read_history(
    case_id: CaseIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CASES_READ)],
    purpose: PurposeHeader = None,
) -> CaseHistory:
    """Return every change of the case, oldest first."""
    return access.read_history(session, principal, purpose, case_id)


@router.post(
    "/cases/{case_id}/assign",
    response_model=CaseRead,
    summary="Assign a case to an officer of its field office",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def assign(
    case_id: CaseIdPath,
    body: CaseAssign,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CASES_ASSIGN)],
    purpose: PurposeHeader = None,
) -> CaseRead:
    """Assign the case at the version you saw (a stale version answers 409)."""
    lawful.use_context(session, principal, purpose, action="cases.assign", resource_type="case",
                       resource_id=case_id)  # fmt: skip
    session.rollback()
    try:
        case = flows.assign(
            engine, principal=principal, purpose_id=purpose, case_id=case_id,
            officer_id=body.officer_id, version=body.version, reason=body.reason,
        )  # fmt: skip
    except flows.CaseError as exc:
        raise access.refuse(session, principal, purpose, "cases.assign", case_id, exc) from exc
    return access.full(case)


@router.post(
    "/cases/{case_id}/transitions",
    response_model=CaseRead,
    summary="Move a case along its state machine",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def transition(
    case_id: CaseIdPath,
    body: CaseTransitionRequest,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CASES_TRANSITION)],
    purpose: PurposeHeader = None,
) -> CaseRead:
    """Take a transition at the version you saw, with its reason; the safeguards run again.

    When they no longer clear the person, an enforcement step is refused (409
    ``case-halted``) and the case is moved to a citizenship or safeguard review.
    """
    lawful.use_context(session, principal, purpose, action="cases.transition",
                       resource_type="case", resource_id=case_id)  # fmt: skip
    session.rollback()
    try:
        outcome = flows.move(
            engine, principal=principal, purpose_id=purpose, case_id=case_id,
            transition=body.transition, version=body.version, reason=body.reason,
        )  # fmt: skip
    except flows.CaseError as exc:
        raise access.refuse(session, principal, purpose, "cases.transition", case_id, exc) from exc
    if outcome.halted:
        halted = flows.CaseError(
            409, "case-halted",
            f"{body.transition} refused and case {case_id} halted in {outcome.case.state} "
            f"(version {outcome.case.version}): {outcome.recheck.detail}",
        )  # fmt: skip
        raise access.refuse(session, principal, purpose, "cases.transition", case_id, halted)
    return access.full(outcome.case)
