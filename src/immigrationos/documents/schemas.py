"""What the API serves of legal documents, and what an officer enters into one."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from immigrationos.documents.forms import FORMS

# Charges by section of the Immigration and Nationality Act, as a Notice to Appear,
# a Record of Deportable/Inadmissible Alien and a warrant state them.
CHARGES: dict[str, str] = {
    "212(a)(6)(A)(i)": "an alien present in the United States without being admitted or "
    "paroled, or who arrived at a time or place other than as designated",
    "212(a)(7)(A)(i)(I)": "an immigrant not in possession of a valid entry document",
    "212(a)(9)(C)(i)(II)": "an alien ordered removed who entered or attempted to re-enter "
    "without being admitted",
    "237(a)(1)(B)": "an alien admitted as a nonimmigrant who remained in the United States "
    "for a time longer than permitted",
    "237(a)(1)(C)(i)": "an alien admitted as a nonimmigrant who failed to maintain the "
    "status in which admitted",
    "237(a)(2)(A)(i)": "convicted of a crime involving moral turpitude committed within five "
    "years after admission",
    "237(a)(2)(A)(iii)": "convicted of an aggravated felony",
    "237(a)(2)(B)(i)": "convicted of a violation of a law relating to a controlled substance",
}
# The charge a lead's violation suggests, when every record the lead rests on is servable.
CHARGE_OF_VIOLATION: dict[str, str] = {
    "OVERSTAY": "237(a)(1)(B)",
    "PRESENT_WITHOUT_ADMISSION": "212(a)(6)(A)(i)",
    "UNAUTHORIZED_EMPLOYMENT": "237(a)(1)(C)(i)",
    "REENTRY_AFTER_REMOVAL": "212(a)(9)(C)(i)(II)",
}
FormCode = Literal["I-862", "I-200", "I-213", "I-286", "I-247A", "I-871", "I-205"]
ServiceMethod = Literal[
    "IN_PERSON", "REGULAR_MAIL", "CERTIFIED_MAIL", "COUNSEL_OF_RECORD", "AGENCY"
]
ServiceOutcome = Literal["SERVED", "REFUSED", "FAILED"]
CustodyDetermination = Literal["DETAIN", "RELEASE_RECOGNIZANCE", "RELEASE_CONDITIONS"]


class DocumentEntries(BaseModel):
    """What the officer adds to the facts of the records (each form reads what it needs)."""

    model_config = ConfigDict(extra="forbid")

    charges: list[str] = Field(
        default_factory=list,
        max_length=8,
        description="Charges by INA section (see GET /api/v1/documents/forms); by default "
        "the lead's, when every record it rests on may be served on the person.",
    )
    narrative: str | None = Field(
        default=None,
        max_length=4000,
        description="I-213: how the person was encountered and arrested; other forms: "
        "remarks. Screened: it may not repeat what only a confidential record says.",
    )
    custody_determination: CustodyDetermination | None = Field(
        default=None, description="I-286: the decision (required there)."
    )
    bond_amount: int | None = Field(
        default=None, ge=1500, le=1_000_000, description="I-286, in USD."
    )
    immigration_court: str | None = Field(
        default=None, max_length=200, description="I-862: the immigration court's address."
    )
    hearing_date: dt.date | None = Field(
        default=None, description="I-862: the date of the hearing."
    )
    detaining_agency: str | None = Field(
        default=None, max_length=200, description="I-247A: the agency that holds the person."
    )
    removal_country: str | None = Field(
        default=None, max_length=60, description="I-205: the country of removal."
    )

    @field_validator("charges")
    @classmethod
    def _known_charges(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHARGES]
        if unknown:
            raise ValueError(
                f"unknown charges {unknown}: use INA sections of the catalogue "
                f"({', '.join(CHARGES)})"
            )
        return list(dict.fromkeys(value))


class DocumentCreate(BaseModel):
    """A request to generate a draft of a form for a case."""

    model_config = ConfigDict(extra="forbid")

    form: FormCode
    entries: DocumentEntries = Field(default_factory=lambda: DocumentEntries())
    based_on: str | None = Field(
        default=None,
        max_length=11,
        description="I-247A: the signed I-200 or I-205 behind it "
        "(default: the case's latest signed one).",
    )


class DocumentCreateForCase(DocumentCreate):
    """A request to generate a draft, naming its case."""

    case_id: str = Field(min_length=1, max_length=40)


class ServiceCreate(BaseModel):
    """The service of a signed document on its recipient, or a refused or failed attempt."""

    model_config = ConfigDict(extra="forbid")

    method: ServiceMethod = Field(
        description="IN_PERSON, REGULAR_MAIL, CERTIFIED_MAIL or COUNSEL_OF_RECORD (G-28) "
        "(8 CFR 103.8(a)(2), 8 CFR 1003.13); AGENCY for a detainer (I-247A) delivered to "
        "the law enforcement agency that holds the person."
    )
    outcome: ServiceOutcome = Field(
        default="SERVED", description="SERVED, or an attempt the recipient REFUSED or that FAILED."
    )
    served_at: dt.datetime = Field(
        description="When (with its time zone): not before the signature, not in the future."
    )
    recipient: str = Field(
        min_length=1, max_length=200, description="To whom: the person, counsel, the agency."
    )
    address: str | None = Field(
        default=None, max_length=400, description="Where (required for service by mail)."
    )
    tracking_number: str | None = Field(
        default=None, max_length=60, description="Certified mail: the article number."
    )
    reason: str | None = Field(
        default=None, max_length=2000, description="Why the attempt was refused or failed."
    )
    certificate: str | None = Field(
        default=None,
        max_length=4000,
        description="The officer's certificate of service (default: composed from the above).",
    )

    @field_validator("served_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("served_at needs its time zone (e.g. 2026-11-27T09:30:00Z)")
        return value.astimezone(dt.UTC)


class ServiceRead(BaseModel):
    """A recorded service (or attempt) of a document."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    document_id: str
    case_id: str
    method: str
    outcome: str
    served_at: dt.datetime
    recipient: str
    address: str | None
    tracking_number: str | None
    reason: str | None
    certificate: str
    served_by: str
    served_by_name: str
    served_role: str
    recorded_at: dt.datetime


class ServiceOutcomeRead(BaseModel):
    """What recording a service did: the record, and what it starts (if anything)."""

    service: ServiceRead
    effect: str | None = Field(
        default=None, description="What the service starts, or the step it leads to."
    )


class DocumentRead(BaseModel):
    """A document: its form, number, state, hash, and who generated and signed it."""

    document_id: str
    number: str
    form: str
    title: str
    case_id: str
    person_id: str
    field_office: str | None
    state: str
    based_on: str | None
    sha256: str = Field(description="SHA-256 of the PDF as stored now (signed or draft).")
    draft_sha256: str
    size: int
    generated_by: str
    generated_by_name: str
    generated_role: str
    generated_at: dt.datetime
    signed_by: str | None
    signed_by_name: str | None
    signed_role: str | None
    signed_at: dt.datetime | None
    basis: list[dict[str, Any]]
    download: str
    service_methods: list[str] = Field(
        default_factory=list,
        description="How this form may be served once signed (empty: it is never served).",
    )
    service: list[ServiceRead] = Field(
        default_factory=list, description="Its services and attempts, oldest first."
    )


class DocumentList(BaseModel):
    """A case's documents (or a page of them), newest first."""

    items: list[DocumentRead]
    total: int


class FormRead(BaseModel):
    """A form of the catalogue: who drafts and signs it, and when it may be generated."""

    code: str
    title: str
    generators: list[str]
    signers: list[str]
    case_states: list[str]
    precondition: str
    warrant: bool
    summary: str
    served_on: str | None
    service_methods: list[str]


class FormCatalogue(BaseModel):
    """The forms and the charges the platform knows."""

    forms: list[FormRead]
    charges: dict[str, str]


def form_reads() -> list[FormRead]:
    """Return the form table as the API serves it."""
    return [
        FormRead(
            code=f.code,
            title=f.title,
            generators=sorted(f.generators),
            signers=sorted(f.signers),
            case_states=sorted(s.value for s in f.states),
            precondition=f.gate.value,
            warrant=f.warrant,
            summary=f.summary,
            served_on=f.served_on,
            service_methods=list(f.service_methods),
        )
        for f in FORMS.values()
    ]
