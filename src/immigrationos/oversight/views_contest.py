"""Contests over HTTP: enter one, list and read them, decide one; the error counts."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import responses
from immigrationos.audit import service as audit_service
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.oversight import contest_decide, contest_flows, contest_service
from immigrationos.oversight.contest_models import Contest

router = APIRouter(tags=["oversight"])
ContestIdPath = Annotated[str, Path(min_length=1, max_length=36, description="A contest ID.")]


class ContestCreate(BaseModel):
    """A challenge as the staff who received it enter it."""

    kind: Literal["RECORD", "IDENTITY_LINK", "FLAG"]
    subject: str = Field(
        min_length=1, max_length=400,
        description="RECORD: source:record_id; IDENTITY_LINK: left|right; FLAG: a lead ID.",
    )  # fmt: skip
    filed_by: Literal["PERSON", "ATTORNEY"]
    claimant: str = Field(min_length=1, max_length=200)
    claim: str = Field(min_length=1, max_length=4000)
    evidence: str = Field(min_length=1, max_length=4000)
    correction: dict[str, Any] = Field(
        default_factory=dict,
        description="RECORD: {field: corrected value}; FLAG: {'finding': US_CITIZEN, ...}.",
    )


class ContestDecision(BaseModel):
    """A decision on a contest, with its reason."""

    outcome: Literal["UPHELD", "REJECTED"]
    reason: str = Field(min_length=1, max_length=4000)
    finding: Literal["US_CITIZEN", "IDENTITY_ERROR", "FLAG_WRONG"] | None = None


class ContestRead(BaseModel):
    """A contest, the leads it holds or held, and what it changed (before and after)."""

    id: str
    kind: str
    subject: str
    person_id: str
    field_office: str | None
    filed_by: str
    claimant: str
    claim: str
    evidence: str
    correction: dict[str, Any]
    status: str
    entered_by: str
    entered_at: str
    decided_by: str | None = None
    decided_at: str | None = None
    decision_reason: str | None = None
    finding: str | None = None
    holds: list[dict[str, Any]] = Field(default_factory=list)
    changes: list[dict[str, Any]] = Field(default_factory=list)
    incidents: list[dict[str, Any]] = Field(default_factory=list)


class ContestList(BaseModel):
    """Contests, newest first."""

    items: list[ContestRead]


def read_model(session: Session, contest: Contest, *, full: bool = True) -> ContestRead:
    """Return a contest as the API shows it."""
    holds = changes = incidents = []
    if full:
        holds = [
            {"lead_id": h.lead_id, "state_before": h.state_before,
             "released_at": h.released_at.isoformat() if h.released_at else None,
             "state_after": h.state_after}
            for h in contest_service.holds_of(session=session, contest_id=contest.id)
        ]  # fmt: skip
        changes = [
            {"kind": c.kind, "ref": c.ref, "before": json.loads(c.before),
             "after": json.loads(c.after), "reason": c.reason, "actor": c.actor,
             "at": c.at.isoformat()}
            for c in contest_service.changes_of(session=session, contest_id=contest.id)
        ]  # fmt: skip
        incidents = [
            {"id": i.id, "kind": i.kind, "status": i.status, "field_office": i.field_office,
             "summary": i.summary}
            for i in contest_service.incidents_of(session=session, contest_id=contest.id)
        ]  # fmt: skip
    return ContestRead(
        id=contest.id, kind=contest.kind, subject=contest.subject, person_id=contest.person_id,
        field_office=contest.field_office, filed_by=contest.filed_by, claimant=contest.claimant,
        claim=contest.claim, evidence=contest.evidence,
        correction=json.loads(contest.correction), status=contest.status,
        entered_by=contest.entered_by, entered_at=contest.entered_at.isoformat(),
        decided_by=contest.decided_by,
        decided_at=contest.decided_at.isoformat() if contest.decided_at else None,
        decision_reason=contest.decision_reason, finding=contest.finding,
        holds=holds, changes=changes, incidents=incidents,
    )  # fmt: skip


def _refuse(
    session: Session,
    principal: Principal,
    purpose: str | None,
    action: str,
    contest_id: str | None,
    exc: contest_flows.ContestError,
) -> Exception:
    return lawful.refuse(
        session, principal, status=exc.status, kind=exc.kind, detail=exc.detail,
        action=action, purpose=purpose, resource_type="contest", resource_id=contest_id,
    )  # fmt: skip


def _audit_read(
    session: Session,
    principal: Principal,
    action: str,
    resource_id: str | None,
    purpose: str | None,
    details: Any,
) -> None:
    audit_service.append(
        session=session, actor=principal.actor, actor_role=principal.role, action=action,
        resource_type="contest", resource_id=resource_id, purpose=purpose,
        client=principal.client, details=details,
    )  # fmt: skip
    session.commit()


@router.post(
    "/contests",
    response_model=ContestRead,
    status_code=201,
    summary="Enter a contest; it holds the person's leads",
    responses=responses(401, 403, 404, 422),
)
def enter_contest(
    body: ContestCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CONTESTS_ENTER)],
    purpose: PurposeHeader = None,
) -> ContestRead:
    """Enter a challenge a person or their attorney brought; hold the leads it affects."""
    claim = contest_flows.ContestClaim(**body.model_dump())
    try:
        contest = contest_flows.open_contest(
            engine, principal=principal, claim=claim, purpose_id=purpose
        )
    except contest_flows.ContestError as exc:
        raise _refuse(session, principal, purpose, "contests.open", None, exc) from exc
    return read_model(session, contest)


@router.get(
    "/contests",
    response_model=ContestList,
    summary="Contests, newest first",
    responses=responses(401, 403),
)
def list_contests(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CONTESTS_READ)],
    purpose: PurposeHeader = None,
    status: Annotated[
        Literal["OPEN", "UPHELD", "REJECTED"] | None, Query(description="Only this status.")
    ] = None,
) -> ContestList:
    """Return the contests of the caller's area; audit the read."""
    area = principal.area()
    found = contest_service.list_contests(session=session, status=status, offices=area)
    items = [read_model(session, c, full=False) for c in found]
    _audit_read(
        session, principal, "contests.list", None, purpose, {"contests": [c.id for c in found]}
    )
    return ContestList(items=items)


@router.get(
    "/contests/{contest_id}",
    response_model=ContestRead,
    summary="A contest, its holds and what it changed",
    responses=responses(401, 403, 404),
)
def read_contest(
    contest_id: ContestIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CONTESTS_READ)],
    purpose: PurposeHeader = None,
) -> ContestRead:
    """Return one contest with the record of what it changed; audit the read."""
    contest = contest_service.get(session=session, contest_id=contest_id)
    area = principal.area()
    if contest is None or (area is not None and contest.field_office not in area):
        raise _refuse(
            session, principal, purpose, "contests.read", contest_id,
            contest_flows.ContestError(404, "contest-not-found", f"no contest {contest_id}"),
        )  # fmt: skip
    found = read_model(session, contest)
    _audit_read(
        session, principal, "contests.read", contest_id, purpose, {"status": contest.status}
    )
    return found


@router.post(
    "/contests/{contest_id}/decision",
    response_model=ContestRead,
    summary="Uphold or reject a contest; an upheld correction propagates",
    responses=responses(401, 403, 404, 409, 422),
)
def decide_contest(
    contest_id: ContestIdPath,
    body: ContestDecision,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CONTESTS_DECIDE)],
    purpose: PurposeHeader = None,
) -> ContestRead:
    """Decide a contest (never one's own, never on a lead one accepted)."""
    try:
        contest = contest_decide.decide_contest(
            engine, principal=principal, contest_id=contest_id, outcome=body.outcome,
            reason=body.reason, finding=body.finding, purpose_id=purpose,
        )  # fmt: skip
    except contest_flows.ContestError as exc:
        raise _refuse(session, principal, purpose, "contests.decide", contest_id, exc) from exc
    return read_model(session, contest)
