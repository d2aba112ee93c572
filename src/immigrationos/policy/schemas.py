"""Shapes of purposes, authorizations, grants and disclosures going in and out."""

from __future__ import annotations

import re
from datetime import date

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from immigrationos.apikit.types import UtcDateTime
from immigrationos.policy.kinds import (
    IRC_6103_KINDS,
    AuthorizationKind,
    Grant,
    PurposeKind,
    RecipientType,
    SubjectKind,
)
from immigrationos.policy.policyfile import PolicyMeta, SourcePolicy
from immigrationos.policy.subjects import normalise_subject
from immigrationos.sources.contract import SOURCES, USPS_CODES

IRS_SOURCES = ("irs_w2", "irs_itin")
DMV_SOURCE = "dmv_licenses"


# "Holds a visible character": not whitespace, not a control character. The same
# pattern in the OpenAPI schema (ECMA regex) and in the validator (Python regex), with
# the characters the two engines disagree on about whitespace excluded explicitly.
NOT_BLANK = "[^\\s\\x00-\\x1f\\x7f-\\x9f\\ufeff]"
_VISIBLE = re.compile(NOT_BLANK)


def _required(value: str) -> str:
    if not _VISIBLE.search(value):
        raise ValueError("must hold a visible character")
    return value.strip()


class PurposeCreate(BaseModel):
    """A purpose to declare: what it is, its reference, and why the data is needed."""

    model_config = ConfigDict(extra="forbid")

    kind: PurposeKind
    reference: str = Field(max_length=200, pattern=NOT_BLANK)
    title: str = Field(max_length=200, pattern=NOT_BLANK)
    justification: str = Field(max_length=4000, pattern=NOT_BLANK)
    # Office-scoped users: one of their offices (their only one when omitted).
    field_office: str | None = Field(default=None, max_length=200)

    _check = field_validator("reference", "title", "justification")(_required)


class PurposeRead(BaseModel):
    """A declared purpose."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    reference: str
    title: str
    justification: str
    field_office: str | None
    created_by: str
    created_at: UtcDateTime
    closed_at: UtcDateTime | None
    closed_by: str | None


class Subject(BaseModel):
    """A person or record an authorization names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: SubjectKind
    value: str

    @field_validator("value")
    @classmethod
    def _normalise(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        return value if kind is None else normalise_subject(kind, value)


class AuthorizationCreate(BaseModel):
    """An authorization to record: the instrument, what and whom it covers, until when."""

    model_config = ConfigDict(extra="forbid")

    kind: AuthorizationKind
    reference: str = Field(max_length=200, pattern=NOT_BLANK)
    issued_by: str = Field(max_length=200, pattern=NOT_BLANK)
    issued_on: date
    expires_on: date | None = None
    sources: list[str] = Field(min_length=1)
    purpose_ids: list[str] = Field(min_length=1)
    subjects: list[Subject] = Field(min_length=1)
    states: list[str] = Field(default_factory=list)

    _check = field_validator("reference", "issued_by")(_required)

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SOURCES]
        if unknown:
            raise ValueError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
        return list(dict.fromkeys(value))

    @field_validator("states")
    @classmethod
    def _known_states(cls, value: list[str]) -> list[str]:
        states = [s.strip().upper() for s in value]
        unknown = [s for s in states if s not in USPS_CODES]
        if unknown:
            raise ValueError(f"not USPS state codes: {', '.join(unknown)}")
        return list(dict.fromkeys(states))

    @field_validator("purpose_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        ids = list(dict.fromkeys(v.strip() for v in value if v.strip()))
        if not ids:
            raise ValueError("name at least one purpose (its id)")
        return ids

    @model_validator(mode="after")
    def _coherent(self) -> AuthorizationCreate:
        if self.expires_on is not None and self.expires_on < self.issued_on:
            raise ValueError(f"expires_on {self.expires_on} is before issued_on {self.issued_on}")
        if self.kind in IRC_6103_KINDS:
            other = [s for s in self.sources if s not in IRS_SOURCES]
            if other:
                raise ValueError(
                    f"a {self.kind.value} covers IRS sources only ({', '.join(IRS_SOURCES)}), "
                    f"not {', '.join(other)}"
                )
        if DMV_SOURCE in self.sources and not self.states:
            raise ValueError(
                f"an authorization covering {DMV_SOURCE} must name the state(s) it covers"
            )
        return self


class AuthorizationRead(BaseModel):
    """A recorded authorization."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    reference: str
    issued_by: str
    issued_on: date
    expires_on: date | None
    sources: list[str]
    purpose_ids: list[str]
    subjects: list[dict[str, str]]
    states: list[str]
    recorded_by: str
    recorded_at: UtcDateTime
    revoked_at: UtcDateTime | None
    revoked_by: str | None
    revoked_reason: str | None


class AccessGrantCreate(BaseModel):
    """A special access to give a user, and why."""

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(max_length=36, pattern=NOT_BLANK)
    grant: Grant
    reason: str = Field(max_length=1000, pattern=NOT_BLANK)

    _check = field_validator("user_id", "reason")(_required)


class AccessGrantRead(BaseModel):
    """A special access given to a user."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str
    grant: str
    reason: str
    granted_by: str
    granted_at: UtcDateTime
    revoked_at: UtcDateTime | None
    revoked_by: str | None


class DisclosureItemRead(BaseModel):
    """One record of a disclosure."""

    model_config = ConfigDict(from_attributes=True)

    source: str
    record_id: str
    subject_key: str
    fields: list[str]


class DisclosureRead(BaseModel):
    """A disclosure outside the agency, with its records."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    disclosed_by: str
    disclosed_at: UtcDateTime
    recipient: str
    recipient_type: RecipientType
    purpose_id: str
    legal_basis: str
    items: list[DisclosureItemRead]


class AccountingEntry(BaseModel):
    """One disclosure in the accounting of one subject (Privacy Act, 5 U.S.C. § 552a(c)).

    The subject's own copy leaves out who disclosed and the internal purpose
    (``disclosed_by`` and ``purpose_id`` are None there) and every record whose
    existence must not be revealed to them.
    """

    disclosure_id: str
    disclosed_at: UtcDateTime
    recipient: str
    recipient_type: str
    legal_basis: str
    disclosed_by: str | None
    purpose_id: str | None
    items: list[DisclosureItemRead]


class RevocationRequest(BaseModel):
    """Why an authorization or a grant is taken back."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=1000, pattern=NOT_BLANK)

    _check = field_validator("reason")(_required)


class PolicyRead(BaseModel):
    """The data-use policy in force: where it comes from, and each source's rules."""

    origin: str
    policy: PolicyMeta
    sources: dict[str, SourcePolicy]
