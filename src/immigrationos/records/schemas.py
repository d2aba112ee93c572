"""API shapes of records: search results, a record's page, its versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from immigrationos.apikit.types import UtcDateTime
from immigrationos.policy.kinds import RecipientType


class RecordSummary(BaseModel):
    """A search hit: who the record names, where, and why it matched."""

    source: str
    record_id: str
    version: int
    display_name: str
    birth_date: date | None
    sex: str | None
    state: str | None
    field_office: str | None
    score: float = Field(description="0 to 1: how closely the record matches the query.")
    matched_on: list[str] = Field(
        description="What matched: name, birth_date, or an identifier kind."
    )


class Withheld(BaseModel):
    """Matching records the data-use policy withheld from this search, and why."""

    source: str
    count: int
    rule: str
    reason: str
    citation: str


class SearchResult(BaseModel):
    """A page of search hits, best first, and what the policy withheld."""

    items: list[RecordSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None
    withheld: list[Withheld] = Field(
        description="Per source, hits the policy withheld (only where their existence may be told)."
    )
    sources_searched: list[str]


class RecordRead(BaseModel):
    """A record's current version with its provenance."""

    source: str
    record_id: str
    version: int
    change: str
    withdrawn: bool
    display_name: str
    birth_date: date | None
    sex: str | None
    state: str | None
    zip: str | None
    field_office: str | None
    batch_id: str
    ingested_at: UtcDateTime
    fields: dict[str, Any] = Field(description="The record's fields as the source gave them.")
    versions: int = Field(description="How many versions the record has (see /versions).")
    policy_rule: str = Field(description="The data-use rule under which it was served.")


class RecordVersionRead(BaseModel):
    """One version of a record, with where it came from."""

    version: int
    change: str
    batch_id: str
    row_hash: str
    source_file: str
    line_number: int | None
    ingested_at: UtcDateTime
    fields: dict[str, Any]


class SourceRead(BaseModel):
    """A source of the data contract and its rule under the data-use policy."""

    name: str
    title: str
    person_records: bool
    rule: str
    citation: str
    explanation: str


class RecordRef(BaseModel):
    """A record named by its source and record_id."""

    source: str = Field(max_length=40)
    record_id: str = Field(max_length=200)


class DisclosureCreate(BaseModel):
    """Records to disclose outside the agency, to whom, why and under which law."""

    model_config = {"extra": "forbid"}

    recipient: str = Field(min_length=1, max_length=300, description="Who receives the records.")
    recipient_type: RecipientType
    legal_basis: str = Field(
        min_length=1,
        max_length=1000,
        description="The law that allows it, e.g. 5 U.S.C. 552a(b)(7).",
    )
    records: list[RecordRef] = Field(min_length=1, max_length=500)
