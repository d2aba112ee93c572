"""What the API serves of operations, and what it accepts."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from immigrationos.policy import schemas as policy_schemas

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def clock_seconds(text: str) -> int:
    """Return the seconds from 00:00 of an ``HH:MM`` time."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _words(value: object, what: str) -> object:
    if value is None:
        return None
    if isinstance(value, str) and not re.search(policy_schemas.NOT_BLANK, value):
        raise ValueError(what)
    return value.strip() if isinstance(value, str) else value


class TeamCreate(BaseModel):
    """A team of the operation: its vehicle's seats, where it starts, and its officers."""

    model_config = ConfigDict(extra="forbid")

    team_id: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")
    seats: int = Field(ge=0, le=60, description="Seats for persons taken into custody.")
    start_office: str | None = Field(
        default=None, max_length=200, description="The field office it starts from and returns "
        "to (default: the operation's).",
    )  # fmt: skip
    officers: list[str] = Field(
        min_length=1, max_length=20, description="User IDs of the team's officers."
    )


class OperationCreate(BaseModel):
    """Request an operation: where, when, the teams, the targets (cases), and why."""

    model_config = ConfigDict(extra="forbid")

    field_office: str = Field(min_length=1, max_length=200)
    day: date
    shift_start: str = Field(
        pattern=CLOCK.pattern, description="HH:MM, the teams' earliest departure."
    )
    shift_end: str = Field(pattern=CLOCK.pattern, description="HH:MM, when the teams must be back.")
    service_minutes: int = Field(default=20, ge=1, le=240, description="Time at each stop.")
    teams: list[TeamCreate] = Field(min_length=1, max_length=50)
    case_ids: list[str] = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1, max_length=4000, description="Why (recorded, audited).")
    sensitive_justification: str | None = Field(
        default=None, max_length=4000,
        description="Required when a stop is near a sensitive location: why it cannot wait "
        "or be done elsewhere (recorded; a second supervisor must approve).",
    )  # fmt: skip

    @field_validator("shift_start", "shift_end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError("give a time of day as HH:MM (00:00-23:59)")
        return value

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> object:
        return _words(value, "give the reason in words")

    @field_validator("sensitive_justification", mode="before")
    @classmethod
    def _justification(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return _words(value, "give the justification in words")

    @model_validator(mode="after")
    def _ordered(self) -> OperationCreate:
        if clock_seconds(self.shift_start) >= clock_seconds(self.shift_end):
            raise ValueError("the shift must end after it starts (same day)")
        if len(set(self.case_ids)) != len(self.case_ids):
            raise ValueError("a case is listed twice in case_ids")
        if len({t.team_id for t in self.teams}) != len(self.teams):
            raise ValueError("two teams have the same team_id")
        return self


class OperationDecide(BaseModel):
    """Decide on an operation at the version you saw, with the reason."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2_000_000_000, description="The operation version you saw.")
    reason: str = Field(min_length=1, max_length=4000, description="Why (recorded, audited).")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> object:
        return _words(value, "give the reason in words")


class SensitiveNearby(BaseModel):
    """A sensitive location a stop is within the radius of."""

    id: str
    name: str
    category: str
    label: str
    metres: int
    radius_m: int


class TargetRead(BaseModel):
    """A target: its case, where its person is believed to be and how surely, its stop."""

    case_id: str
    person_id: str
    status: str
    dropped_reason: str | None
    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    lat: float | None
    lon: float | None
    address_confidence: str = Field(description="zip, city, state or none: where it was placed.")
    address_note: str
    sensitive: list[SensitiveNearby]
    team_id: str | None
    seq: int | None
    arrival: str | None = Field(description="HH:MM, the planned arrival (ETA).")
    start: str | None
    departure: str | None
    persons_on_board: int | None
    unrouted_reason: str | None


class TeamRead(BaseModel):
    """A team, its officers, and its planned route (stops in order)."""

    team_id: str
    seats: int
    start_office: str
    office_lat: float
    office_lon: float
    officers: list[str]
    leave_office: str | None
    back_office: str | None
    distance_m: int | None
    stops: list[str] = Field(description="Case IDs in the order the team visits them.")


class DecisionRead(BaseModel):
    """One decision on the operation."""

    kind: str
    actor: str
    actor_role: str
    reason: str | None
    case_id: str | None
    version: int
    at: datetime


class OperationSummary(BaseModel):
    """An operation in a list: where, when, its state, and who asked and approved."""

    operation_id: str
    field_office: str
    day: date
    shift_start: str
    shift_end: str
    status: str
    version: int = Field(description="Send it back with a decision: a stale one is refused.")
    requested_by: str
    requested_role: str
    approvals_needed: int
    approvers: list[str]
    targets: int
    created_at: datetime
    updated_at: datetime


class OperationRead(OperationSummary):
    """An operation with its reasons, teams, targets, routes and decisions."""

    request_reason: str
    sensitive_justification: str | None
    service_minutes: int
    planned_at: datetime | None
    plan_distance_m: int | None
    teams: list[TeamRead]
    target_list: list[TargetRead]
    decisions: list[DecisionRead]


class OperationList(BaseModel):
    """A page of operations, the soonest day first."""

    items: list[OperationSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class RouteStop(BaseModel):
    """One stop of an officer's route: the case, where, how surely, and when."""

    seq: int
    case_id: str
    person_id: str
    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    lat: float | None
    lon: float | None
    address_confidence: str
    address_note: str
    eta: str
    start: str | None
    departure: str | None
    sensitive: list[SensitiveNearby]


class OfficerRoute(BaseModel):
    """The route of the team an officer is on in one approved operation."""

    operation_id: str
    day: date
    field_office: str
    team_id: str
    start_office: str
    office_lat: float
    office_lon: float
    seats: int
    shift_start: str
    shift_end: str
    leave_office: str | None
    back_office: str | None
    distance_m: int | None
    officers: list[str]
    stops: list[RouteStop]


class OfficerRoutes(BaseModel):
    """The routes of one officer."""

    officer_id: str
    routes: list[OfficerRoute]


def sensitive_list(raw: list[dict[str, Any]]) -> list[SensitiveNearby]:
    """Return the stored sensitive locations of a target as read models."""
    return [SensitiveNearby(**entry) for entry in raw]
