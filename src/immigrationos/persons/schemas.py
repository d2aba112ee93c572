"""API shapes of persons: search hits, a person's profile, timeline and links; judgements,
the review queue and resolution runs.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator

from immigrationos.apikit.types import UtcDateTime
from immigrationos.records.schemas import Withheld


class PersonHit(BaseModel):
    """A person found by a search, ranked by its best-matching record."""

    person_id: str
    display_name: str = Field(description="The name of the person's best-matching record.")
    birth_date: date | None
    field_office: str | None
    confidence: float = Field(description="0 to 1: the weakest link holding the person.")
    score: float = Field(description="0 to 1: how closely the best record matches the query.")
    matched_on: list[str]
    records_matched: int = Field(description="How many of the person's records matched.")
    sources: list[str] = Field(description="The sources of the records that matched.")


class PersonSearchResult(BaseModel):
    """A page of persons, best first, and what the policy withheld."""

    items: list[PersonHit]
    total: int
    limit: int
    offset: int
    next_offset: int | None
    withheld: list[Withheld]
    sources_searched: list[str]


class SeenValue(BaseModel):
    """A value the person's records give, how often, from which sources."""

    value: str
    records: int
    sources: list[str]


class SeenDate(BaseModel):
    """A birth date the person's records give, how often, from which sources."""

    value: date
    records: int
    sources: list[str]


class AddressSeen(BaseModel):
    """An address of the person, the dates of the records that give it, and their sources."""

    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    first_seen: date | None
    last_seen: date | None
    records: int
    sources: list[str]


class SourcePresent(BaseModel):
    """A source holding records of the person."""

    source: str
    records: int


class PersonRead(BaseModel):
    """A person's profile, built from the records the caller may see under the purpose."""

    person_id: str
    status: str = Field(description="ACTIVE, MERGED (see merged_into) or RETIRED.")
    merged_into: str | None = Field(description="The person this one became, if merged.")
    current_person_id: str | None = Field(
        description="The active person this ID stands for now (itself when active)."
    )
    confidence: float
    field_office: str | None
    best_name: str | None
    given_name: str | None
    family_name: str | None
    other_names: list[SeenValue]
    birth_dates: list[SeenDate]
    sex: str | None
    identifiers: dict[str, list[SeenValue]] = Field(
        description="By kind (SSN, A_NUMBER, PASSPORT, ...): each value and its sources."
    )
    addresses: list[AddressSeen]
    sources: list[SourcePresent]
    records: int = Field(description="How many of the person's records are shown.")
    withheld: list[Withheld] = Field(
        description="Records of the person the policy withheld (where their existence may be told)."
    )
    created_run: str
    updated_run: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


class TimelineEntry(BaseModel):
    """One record of the person at its date."""

    date: dt.date | None
    date_field: str | None = Field(description="The record's field the date comes from.")
    source: str
    record_id: str
    version: int
    withdrawn: bool
    display_name: str
    field_office: str | None
    summary: str


class PersonTimeline(BaseModel):
    """A page of a person's records in date order (undated last)."""

    person_id: str
    items: list[TimelineEntry]
    total: int
    limit: int
    offset: int
    next_offset: int | None
    withheld: list[Withheld]


class ExplanationStepRead(BaseModel):
    """One bar of the waterfall: a comparison, the level reached, its weight (log2)."""

    comparison: str
    level: str
    weight: float
    left: str | None = None
    right: str | None = None


class ExplanationRead(BaseModel):
    """Why two records link: prior weight plus each comparison's weight is the match weight."""

    prior_weight: float
    steps: list[ExplanationStepRead]
    match_weight: float
    match_probability: float


class LinkRead(BaseModel):
    """A link between two of the person's records, with its explanation."""

    unique_id_l: str
    unique_id_r: str
    match_weight: float
    match_probability: float
    explanation: ExplanationRead | dict[str, Any]


class PersonLinks(BaseModel):
    """The links that hold a person together, strongest first."""

    person_id: str
    confidence: float
    items: list[LinkRead]
    withheld: int = Field(description="Links left out because a record is withheld.")


class Verdict(StrEnum):
    """A reviewer's decision on two records or persons."""

    SAME = "SAME"
    DIFFERENT = "DIFFERENT"
    UNSURE = "UNSURE"


class JudgementCreate(BaseModel):
    """Two records or persons, whether they are one person, and why."""

    model_config = {"extra": "forbid"}

    left: str = Field(
        min_length=1,
        max_length=200,
        description="A record 'source:record_id' or a person ID.",
    )
    right: str = Field(
        min_length=1,
        max_length=200,
        description="A record 'source:record_id' or a person ID.",
    )
    verdict: Verdict
    reason: str = Field(
        min_length=1, max_length=4000, description="What shows it (required, not blank)."
    )

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give a reason: what shows the verdict")
        return value.strip()


class JudgementRead(BaseModel):
    """A judgement on record."""

    model_config = {"from_attributes": True}

    id: str
    left_kind: str
    left_ref: str
    right_kind: str
    right_ref: str
    verdict: str
    reason: str
    purpose_id: str | None
    made_by: str
    made_at: UtcDateTime
    superseded_by: str | None


class ReviewItemRead(BaseModel):
    """A link for a reviewer to judge."""

    person_id: str
    unique_id_l: str
    unique_id_r: str
    match_weight: float
    match_probability: float
    uncertainty: float = Field(description="1 at the run's threshold, 0 at certainty.")


class ReviewQueue(BaseModel):
    """A page of the review queue (it has no total: judging changes it)."""

    items: list[ReviewItemRead]
    limit: int
    offset: int
    next_offset: int | None
    order: str


class RunRead(BaseModel):
    """A resolution run and what it changed."""

    model_config = {"from_attributes": True}

    id: str
    started_at: UtcDateTime
    finished_at: UtcDateTime | None
    backend: str
    threshold: float
    purpose_id: str | None
    run_by: str
    status: str
    records: int
    persons: int
    links: int
    flags: int
    created: int
    merged: int
    split: int
    retired: int
    error: str | None
