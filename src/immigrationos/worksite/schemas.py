"""Worksite audits and inspections as the API, the CLI's JSON and the pages show them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from immigrationos.worksite.models import NOTICE_KINDS


class FindingRead(BaseModel):
    """One finding: the rule, its citation, the classification and the policy that gave it."""

    rule_id: str
    form_id: str = Field(description="Empty for a finding about the employer as a whole.")
    source: str = Field(description="The file and row (or PDF) the form came from.")
    employee_id: str = ""
    message: str
    fields: list[str] = Field(description="The form's fields the finding rests on.")
    citation: str
    category: str
    classification: str = Field(description="TECHNICAL, SUBSTANTIVE or NOT_A_VIOLATION.")
    policy: str = Field(description="The classification policy that classified it.")
    mitigations: list[str] = []
    guidance: str = ""
    records: list[str] = Field(
        default=[], description="Government records a cross-check rests on (source:record_id)."
    )


class FormResultRead(BaseModel):
    """One form audited: where it came from, its destroy-by date and its findings."""

    form_id: str
    source: str
    employee_id: str = ""
    destroy_by: date | None = None
    findings: list[FindingRead] = []


class ReadErrorRead(BaseModel):
    """A file, row or field that could not be read, with what was wrong."""

    source: str
    message: str


class AuditCounts(BaseModel):
    """The counts of an audit run."""

    forms_audited: int
    forms_required: int
    findings: int
    substantive: int
    technical: int
    suspect: int
    read_errors: int
    by_rule: dict[str, int] = {}


class AuditSummary(BaseModel):
    """An audit run without its findings (a row of the list)."""

    model_config = ConfigDict(from_attributes=True)

    audit_id: str
    employer_name: str
    mode: Literal["self", "inspection"]
    policy: str
    audit_date: date
    field_office: str | None = None
    created_by: str
    created_at: datetime
    forms_audited: int
    forms_required: int
    findings_count: int
    substantive_count: int
    technical_count: int
    suspect_count: int
    read_errors: int


class AuditRead(AuditSummary):
    """An audit run with every form and finding."""

    employer: dict[str, object]
    purpose_id: str | None = None
    files: list[dict[str, str]] = []
    forms: list[FormResultRead] = []
    employer_findings: list[FindingRead] = []
    errors: list[ReadErrorRead] = []
    counts: AuditCounts | None = None


class AuditList(BaseModel):
    """A page of audit runs, most recent first."""

    items: list[AuditSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class AuditReport(BaseModel):
    """The JSON of ``imos worksite audit --json``: the audit, per form, with its findings."""

    mode: str
    policy: str
    audit_date: date
    employer: dict[str, object]
    counts: AuditCounts
    forms: list[FormResultRead]
    employer_findings: list[FindingRead]
    errors: list[ReadErrorRead]


class InspectionCreate(BaseModel):
    """A Notice of Inspection served on an employer (production due in 3 business days)."""

    model_config = ConfigDict(extra="forbid")

    employer_name: str = Field(min_length=1, max_length=400)
    employer_address: str = Field(default="", max_length=400)
    employer_state: str = Field(default="", max_length=2)
    employee_count: int = Field(default=0, ge=0, le=10_000_000)
    everify: bool = False
    noi_served_on: date
    audit_id: str | None = Field(default=None, max_length=12)
    prior_violations: int = Field(default=0, ge=0, le=100)
    factors: dict[
        Literal["business_size", "good_faith", "seriousness", "unauthorized_workers", "history"],
        Literal["aggravating", "neutral", "mitigating"],
    ] = Field(default={}, description="The fine's five factors (unnamed: neutral).")


class InspectionAttach(BaseModel):
    """The audit of the forms the employer produced, attached to the inspection."""

    model_config = ConfigDict(extra="forbid")

    audit_id: str = Field(min_length=1, max_length=12)


class NoticeCreate(BaseModel):
    """A notice to issue in an inspection after the Notice of Inspection."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[
        "compliance_letter", "technical_failures", "suspect_documents", "warning_notice",
        "intent_to_fine",
    ]  # fmt: skip
    issued_on: date | None = None


class NoticeRead(BaseModel):
    """A notice issued: its kind, when and by whom, and the SHA-256 of its PDF."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    issued_on: date
    issued_by: str
    issued_at: datetime
    sha256: str


class TimelineStep(BaseModel):
    """One step of an inspection's timeline."""

    step: str
    due: date | None = None
    done: date | None = None
    note: str = ""


class InspectionRead(BaseModel):
    """An inspection: the employer, the notice served, what is due and what was issued."""

    inspection_id: str
    employer_name: str
    employer: dict[str, object]
    audit_id: str | None
    noi_served_on: date
    production_due: date
    status: str
    field_office: str | None
    purpose_id: str | None
    prior_violations: int
    factors: dict[str, str] = {}
    created_by: str
    created_at: datetime
    notices: list[NoticeRead] = []
    timeline: list[TimelineStep] = []


class InspectionList(BaseModel):
    """A page of inspections, most recent first."""

    items: list[InspectionRead]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class FineRead(BaseModel):
    """The fine computation of an inspection, as the penalty tables give it."""

    inspection_id: str
    audit_id: str
    computation: dict[str, object]


NOTICE_KIND_VALUES = NOTICE_KINDS
