"""What the API and the command line serve of cases, and what they accept."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from immigrationos.policy import schemas as policy_schemas


class CaseSummary(BaseModel):
    """A case in a list: state, office, officer and version."""

    case_id: str
    lead_id: str
    person_id: str
    field_office: str | None
    state: str
    halted_from: str | None
    assigned_officer: str | None
    version: int = Field(description="Send it back with a change: a stale one is refused.")
    created_at: datetime
    updated_at: datetime


class CaseEventRead(BaseModel):
    """One change of a case, with the checks it ran."""

    kind: str
    transition: str | None
    from_state: str | None
    to_state: str | None
    actor: str
    actor_role: str
    reason: str | None
    checks: list[dict[str, Any]]
    version: int
    at: datetime


class TransitionOption(BaseModel):
    """A transition the case's state allows, and what it needs."""

    name: str
    to_state: str | None
    roles: list[str]
    reason_required: bool
    checks: list[str]


class CaseRead(CaseSummary):
    """A case with who opened and assigned it, and the transitions open to it."""

    created_by: str
    assigned_by: str | None
    transitions: list[TransitionOption]


class CaseList(BaseModel):
    """A page of cases, most recently changed first."""

    items: list[CaseSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class CaseHistory(BaseModel):
    """A case's history, oldest first."""

    case_id: str
    events: list[CaseEventRead]


class OfficerLoad(BaseModel):
    """How many open cases an officer of the office holds."""

    officer_id: str
    username: str
    display_name: str
    field_offices: list[str]
    open_cases: int


class Workload(BaseModel):
    """Open cases per officer of the caller's field offices, and those not yet assigned."""

    field_offices: list[str] | None
    officers: list[OfficerLoad]
    unassigned: int


def _not_blank(value: object, what: str) -> object:
    if isinstance(value, str) and not re.search(policy_schemas.NOT_BLANK, value):
        raise ValueError(what)
    return value.strip() if isinstance(value, str) else value


class CaseCreate(BaseModel):
    """Accept an OPEN lead as a case."""

    model_config = ConfigDict(extra="forbid")

    lead_id: str = Field(min_length=1, max_length=40, description="The lead to accept.")
    reason: str | None = Field(
        default=None, max_length=2000, description="Why the lead is accepted (recorded)."
    )


class CaseAssign(BaseModel):
    """Assign a case to an officer of its field office."""

    model_config = ConfigDict(extra="forbid")

    officer_id: str = Field(min_length=1, max_length=36, description="The officer's user ID.")
    version: int = Field(ge=1, le=2_000_000_000, description="The case version you saw.")
    reason: str | None = Field(default=None, max_length=2000, description="Why (recorded).")


class CaseTransitionRequest(BaseModel):
    """Move a case: which transition, the version you saw, and why."""

    model_config = ConfigDict(extra="forbid")

    transition: str = Field(
        min_length=1, max_length=40, description="A transition's name (docs/cases.md)."
    )
    version: int = Field(ge=1, le=2_000_000_000, description="The case version you saw.")
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Why (required by most transitions; recorded and audited).",
    )

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None  # a blank reason is no reason: the table decides if one is needed
        return _not_blank(value, "give the reason in words")
