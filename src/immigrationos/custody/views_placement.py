"""Placement over HTTP: the held persons of the caller's area, a proposal, the placements.

``GET /custody/placement/held`` lists who is held and where; ``POST
/custody/placement/proposals`` computes the placement of the cases chosen at the least
total transport distance (the min-cost flow of ``custody.placement``), each placement with
why it is there and the nearer facilities passed over; ``POST /custody/placements``
records the placements accepted, with the reason, all or none. The same door as the
interface's page (``custody.placement_access``): purpose, area, audit.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from immigrationos.apikit.deps import EngineDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.custody import placement_access
from immigrationos.custody.placement_cases import Choice, Detainee, Proposal

router = APIRouter(prefix="/custody", tags=["custody"])
Level = Annotated[str, Field(pattern="^[A-D]$", description="Security level A (lowest) to D.")]
CaseId = Annotated[str, Field(min_length=1, max_length=40)]


class HeldRead(BaseModel):
    """A held person of the caller's area, and where they are held now."""

    case_id: str
    person_id: str
    field_office: str | None
    state: str
    sex: str | None
    sex_note: str
    facility_code: str | None
    facility_name: str | None
    held_since: dt.datetime | None
    origin: str
    awaiting_placement: bool

    @classmethod
    def of(cls, who: Detainee) -> HeldRead:
        """Return the read model of a held person."""
        return cls(
            case_id=who.case_id, person_id=who.person_id, field_office=who.field_office,
            state=who.state, sex=who.sex, sex_note=who.sex_note,
            facility_code=who.facility_code, facility_name=who.facility_name,
            held_since=who.held_since, origin=who.origin, awaiting_placement=who.awaiting,
        )  # fmt: skip


class HeldList(BaseModel):
    """The held persons of the caller's area."""

    items: list[HeldRead]


class PassedOverRead(BaseModel):
    """A nearer facility the placement passed over, and why."""

    code: str
    name: str
    distance_km: float
    reason: str


class PlacementRead(BaseModel):
    """Where one case's person is proposed to go, how far, and why there."""

    case_id: str
    facility_code: str
    facility_name: str
    distance_km: float
    eligible_because: str
    nearer_full: int
    nearer_ineligible: int
    nearer: list[PassedOverRead]


class UnplacedRead(BaseModel):
    """A case whose person could not be placed, and why."""

    case_id: str
    reason: str


class ProposalRead(BaseModel):
    """A placement proposal: nothing is recorded until a person accepts it."""

    placements: list[PlacementRead]
    unplaced: list[UnplacedRead]
    total_distance_km: float
    seconds: float
    levels: dict[str, str]

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalRead:
        """Return the read model of a proposal."""
        return cls(
            placements=[
                PlacementRead(
                    case_id=p.person_id,
                    facility_code=p.facility_code,
                    facility_name=p.facility_name,
                    distance_km=p.distance_km,
                    eligible_because=p.eligible_because,
                    nearer_full=p.nearer_full,
                    nearer_ineligible=p.nearer_ineligible,
                    nearer=[
                        PassedOverRead(
                            code=n.code, name=n.name, distance_km=n.distance_km, reason=n.reason
                        )
                        for n in p.nearer
                    ],
                )
                for p in proposal.placements
            ],
            unplaced=[
                UnplacedRead(case_id=u.person_id, reason=u.reason) for u in proposal.unplaced
            ],
            total_distance_km=proposal.total_distance_km,
            seconds=proposal.seconds,
            levels=proposal.levels,
        )


class ProposalCreate(BaseModel):
    """The cases to place and the security level each person is classified at."""

    model_config = ConfigDict(extra="forbid")

    case_ids: list[CaseId] = Field(min_length=1, max_length=10_000)
    levels: dict[str, Level] = Field(default_factory=dict)


class ChoiceWrite(BaseModel):
    """One placement accepted: the case, the facility, the level it was proposed for."""

    model_config = ConfigDict(extra="forbid")

    case_id: CaseId
    facility_code: str = Field(min_length=1, max_length=40)
    security_level: Level


class PlacementsCreate(BaseModel):
    """The placements accepted and why (recorded all or none)."""

    model_config = ConfigDict(extra="forbid")

    choices: list[ChoiceWrite] = Field(min_length=1, max_length=10_000)
    reason: str = Field(min_length=1, max_length=4000)


class StayRead(BaseModel):
    """A recorded stay of a person in a facility."""

    case_id: str
    facility_code: str | None
    facility_name: str
    facility_address: str
    booked_in_at: dt.datetime
    recorded_by: str


class StayList(BaseModel):
    """The stays recorded."""

    items: list[StayRead]


@router.get(
    "/placement/held",
    response_model=HeldList,
    summary="The held persons of the caller's area, each where held now",
    responses=responses(401, 403, 428),
)
def list_held(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> HeldList:
    """Return who is held in the caller's area, and who awaits a placement."""
    held = placement_access.list_held(session, principal, purpose)
    return HeldList(items=[HeldRead.of(d) for d in held])


@router.post(
    "/placement/proposals",
    response_model=ProposalRead,
    summary="Compute a placement of held persons at the least transport distance",
    responses=responses(401, 403, 422, 428),
)
def propose(
    body: ProposalCreate,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> ProposalRead:
    """Return the proposal for the cases chosen; nothing is recorded."""
    _, proposal = placement_access.propose_for(
        session, principal, purpose, set(body.case_ids), dict(body.levels)
    )
    return ProposalRead.of(proposal)


@router.post(
    "/placements",
    response_model=StayList,
    status_code=201,
    summary="Record the placements accepted, with the reason (all or none)",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def record(
    body: PlacementsCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> StayList:
    """Record the placements: the old stay ended, the new one begun, counsel notified."""
    choices = [Choice(c.case_id, c.facility_code, c.security_level) for c in body.choices]
    stays = placement_access.record(session, engine, principal, purpose, choices, body.reason)
    return StayList(
        items=[
            StayRead(
                case_id=s.case_id,
                facility_code=s.facility_code,
                facility_name=s.facility_name,
                facility_address=s.facility_address,
                booked_in_at=s.booked_in_at,
                recorded_by=s.recorded_by,
            )
            for s in stays
        ]
    )
