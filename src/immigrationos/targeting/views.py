"""Leads over HTTP: the queue, highest score first, and each lead's full explanation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from immigrationos.apikit.deps import EngineDep, PageDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.targeting import access, decisions
from immigrationos.targeting.flows import TargetingError
from immigrationos.targeting.schemas import (
    LeadCloseRequest,
    LeadList,
    LeadRead,
    OverrideReviewCreate,
    RecommendationDecisionCreate,
)

router = APIRouter(tags=["leads"])

LeadIdPath = Annotated[
    str,
    Path(min_length=1, max_length=40, description="A lead ID: L and ten characters."),
]
LeadStateQuery = Literal["OPEN", "HELD", "SUPPRESSED", "CLOSED"]
ViolationQuery = Literal[
    "OVERSTAY",
    "PRESENT_WITHOUT_ADMISSION",
    "UNAUTHORIZED_EMPLOYMENT",
    "IDENTITY_FRAUD",
    "FINAL_ORDER_UNEXECUTED",
    "REENTRY_AFTER_REMOVAL",
]


@router.get(
    "/leads",
    response_model=LeadList,
    summary="The queue of leads, highest score first",
    responses=responses(401, 403, 422, 428),
)
def list_leads(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.LEADS_READ)],
    purpose: PurposeHeader = None,
    state: Annotated[LeadStateQuery | None, Query(description="Only leads in this state.")] = None,
    violation: Annotated[
        ViolationQuery | None, Query(description="Only leads with this violation.")
    ] = None,
    priority: Annotated[
        str | None, Query(max_length=100, description="Only leads of this priority.")
    ] = None,
    field_office: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description=(
                "Only leads of this field office (its name, as leads give it). An office "
                "outside the caller's area of responsibility holds no lead."
            ),
        ),
    ] = None,
) -> LeadList:
    """Return current leads the caller may see under the purpose (field roles: their area)."""
    return access.list_leads(
        session,
        principal,
        purpose,
        page,
        state=state,
        violation=violation,
        priority=priority,
        field_office=field_office,
    )


@router.get(
    "/leads/{lead_id}",
    response_model=LeadRead,
    summary="A lead's full explanation",
    responses=responses(401, 403, 404, 428),
)
def read_lead(
    lead_id: LeadIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.LEADS_READ)],
    purpose: PurposeHeader = None,
) -> LeadRead:
    """Return a lead: violations with evidence, safeguards, score factors, next steps, history."""
    return access.read_lead(session, principal, purpose, lead_id)


@router.post(
    "/leads/{lead_id}/decisions",
    response_model=LeadRead,
    status_code=201,
    summary="Record following or overriding one of a lead's recommendations",
    responses=responses(400, 401, 403, 404, 422, 428),
)
def decide(
    lead_id: LeadIdPath,
    body: RecommendationDecisionCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.LEADS_DECIDE)],
    purpose: PurposeHeader = None,
) -> LeadRead:
    """Record the decision and its reason (recommendations are advice); return the lead."""
    access.check_decision(session, principal, purpose, lead_id)
    session.rollback()  # the check holds no lock: the decision's flow owns its transaction
    try:
        decisions.decide_recommendation(
            engine,
            principal=principal,
            purpose_id=purpose,
            lead_id=lead_id,
            action=body.recommendation,
            followed=body.followed,
            reason=body.reason,
        )
    except TargetingError as exc:
        raise Problem(400, "decision-invalid", str(exc)) from exc
    return access.read_lead(session, principal, purpose, lead_id)


@router.post(
    "/leads/{lead_id}/override-reviews",
    response_model=LeadRead,
    status_code=201,
    summary="Review an officer's override of a recommendation, as the second person",
    responses=responses(400, 401, 403, 404, 422, 428),
)
def review_override(
    lead_id: LeadIdPath,
    body: OverrideReviewCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.LEADS_REVIEW)],
    purpose: PurposeHeader = None,
) -> LeadRead:
    """Record whether the override stands, and why (never one's own); return the lead."""
    access.check_decision(session, principal, purpose, lead_id, action="leads.override_review")
    session.rollback()  # the check holds no lock: the review's flow owns its transaction
    try:
        decisions.review_override(
            engine,
            principal=principal,
            purpose_id=purpose,
            lead_id=lead_id,
            agree=body.agree,
            reason=body.reason,
        )
    except TargetingError as exc:
        raise Problem(400, "review-invalid", str(exc)) from exc
    return access.read_lead(session, principal, purpose, lead_id)


@router.post(
    "/leads/{lead_id}/close",
    response_model=LeadRead,
    summary="Close a lead as a person's decision, with the reason",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def close(
    lead_id: LeadIdPath,
    body: LeadCloseRequest,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.LEADS_DECIDE)],
    purpose: PurposeHeader = None,
) -> LeadRead:
    """Close the lead with the reason (targeting runs never reopen it); return the lead.

    Closing is a decision on a lead, as following or overriding its advice is, so it needs
    ``leads.decide``: the roles that act on leads (analysts nationally, officers and
    supervisors in their area) hold it; legal and oversight read leads but do not act on
    them. A new ``leads.close`` would go to exactly the same roles.
    """
    return access.close_lead(session, engine, principal, purpose, lead_id, body.reason)
