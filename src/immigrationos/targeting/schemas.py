"""What the API and the command line serve of leads: summaries, explanations, history."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from immigrationos.policy import schemas as policy_schemas
from immigrationos.records.schemas import Withheld


class LeadSummary(BaseModel):
    """A lead in a queue: state, score, priority, violations and safeguards."""

    lead_id: str
    person_id: str
    state: str
    score: int | None
    priority: str | None
    violations: list[str]
    safeguards: list[str]
    field_office: str | None
    as_of: date
    updated_at: datetime


class LeadEventRead(BaseModel):
    """One change of a lead."""

    kind: str
    run_id: str | None
    person_id: str
    from_state: str | None
    to_state: str | None
    from_score: int | None
    to_score: int | None
    reason: str
    actor: str
    at: datetime


class LeadRead(LeadSummary):
    """A lead with its full explanation (the stored evaluation, redacted for the reader).

    ``explanation`` holds the detector runs, findings with evidence, safeguards with their
    reasons, score factors with points and records, recommendations with legal basis and
    candidate addresses with confidence. Records of sources the reader's purpose may not
    read are left out of it; ``withheld`` says how many and why.
    """

    evidence: list[str]
    policy_version: str
    policy_sha256: str
    closed_by: str | None
    closed_reason: str | None
    created_at: datetime
    explanation: dict[str, Any]
    history: list[LeadEventRead]
    withheld: list[Withheld]


class LeadList(BaseModel):
    """A page of leads, highest score first."""

    items: list[LeadSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class RecommendationDecisionCreate(BaseModel):
    """A person's decision on one of a lead's recommendations, with the reason."""

    recommendation: str = Field(
        min_length=1,
        max_length=500,
        description="The recommendation's action, as the lead lists it.",
    )
    followed: bool = Field(description="True if followed, False if overridden.")
    reason: str = Field(min_length=1, max_length=2000, description="Why (recorded).")


class OverrideReviewCreate(BaseModel):
    """A second person's review of a lead's overrides: agreed or not, and why."""

    model_config = ConfigDict(extra="forbid")

    agree: bool = Field(description="True if the override stands, False if it should not have.")
    reason: str = Field(min_length=1, max_length=2000, description="Why (recorded).")


class LeadCloseRequest(BaseModel):
    """A person's decision to close a lead, with the reason (recorded in its history)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        max_length=2000,
        pattern=policy_schemas.NOT_BLANK,
        description="Why the lead is closed (required, not blank; recorded and audited).",
    )

    @field_validator("reason", mode="before")
    @classmethod
    def _not_blank(cls, value: object) -> object:
        # Before the pattern check, so a blank reason says what is missing in words.
        if isinstance(value, str) and not re.search(policy_schemas.NOT_BLANK, value):
            raise ValueError("give the reason the lead is closed: it is recorded")
        return value.strip() if isinstance(value, str) else value
