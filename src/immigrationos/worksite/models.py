"""Tables of worksite enforcement (migration 0013): I-9 audit runs, their findings, inspections.

An audit run keeps what was audited (the employer, mode, classification policy, audit
date), who ran it and when, its counts and, per form, the findings with the rule, the
citation and the classification the policy gave. The uploaded files themselves are not
kept: the findings name the file and row each rests on. An inspection is one employer's
Form I-9 inspection from the Notice of Inspection on; each notice issued is kept with
the SHA-256 of its PDF (and the PDF, so that what was served can be shown again).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base
from immigrationos.records.models import PK_TYPE

AUDIT_ID_LENGTH = 12  # "WA" and ten characters
INSPECTION_ID_LENGTH = 12  # "WI" and ten characters
MODES = ("self", "inspection")
INSPECTION_STATUSES = ("NOTICE_SERVED", "PRODUCED", "FINDINGS_ISSUED", "FINE_PROPOSED", "CLOSED")
# The notices of worksite.inspection.NoticeKind, as of this revision.
NOTICE_KINDS = (
    "notice_of_inspection", "compliance_letter", "technical_failures", "suspect_documents",
    "warning_notice", "intent_to_fine",
)  # fmt: skip


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class WorksiteAudit(Base):
    """One audit of an employer's Forms I-9: what, how, by whom, and the counts it found.

    ``employer`` is the audited employer as JSON (name, address, state, size, E-Verify);
    ``forms`` is JSON, one entry per form audited (form_id, source, employee_id,
    destroy_by); ``files`` the uploaded file names with their SHA-256.
    """

    __tablename__ = "worksite_audits"
    __table_args__ = (
        CheckConstraint(_in("mode", MODES), name="mode_known"),
        CheckConstraint("forms_audited >= 0 AND findings_count >= 0", name="counts_positive"),
        Index("ix_worksite_audits_office_created", "field_office", "created_at"),
    )

    audit_id: Mapped[str] = mapped_column(String(AUDIT_ID_LENGTH), primary_key=True)
    employer_name: Mapped[str] = mapped_column(String(400))
    employer: Mapped[str] = mapped_column(Text)  # JSON
    mode: Mapped[str] = mapped_column(String(12))
    policy: Mapped[str] = mapped_column(String(40))
    audit_date: Mapped[date] = mapped_column(Date)
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    purpose_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    forms_audited: Mapped[int] = mapped_column(Integer)
    forms_required: Mapped[int] = mapped_column(Integer)
    findings_count: Mapped[int] = mapped_column(Integer)
    substantive_count: Mapped[int] = mapped_column(Integer)
    technical_count: Mapped[int] = mapped_column(Integer)
    suspect_count: Mapped[int] = mapped_column(Integer)  # findings of the cross-checks
    read_errors: Mapped[int] = mapped_column(Integer)  # files or rows that could not be read
    forms: Mapped[str] = mapped_column(Text)  # JSON
    files: Mapped[str] = mapped_column(Text)  # JSON


class WorksiteFinding(Base):
    """One finding of an audit, as the rule and the classification policy gave it.

    ``form_id`` is empty for a finding about the employer as a whole (a pattern, a shared
    SSN); ``fields`` and ``mitigations`` are JSON lists; ``records`` names the government
    records an inspection cross-check rests on (``ssa_numident:<record_id>``).
    """

    __tablename__ = "worksite_findings"

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    audit_id: Mapped[str] = mapped_column(
        ForeignKey("worksite_audits.audit_id", ondelete="CASCADE"), index=True
    )
    form_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(400))
    employee_id: Mapped[str] = mapped_column(String(200))
    rule_id: Mapped[str] = mapped_column(String(60))
    citation: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    classification: Mapped[str] = mapped_column(String(20))
    policy: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text)  # JSON list
    mitigations: Mapped[str] = mapped_column(Text)  # JSON list
    guidance: Mapped[str] = mapped_column(Text)
    records: Mapped[str] = mapped_column(Text)  # JSON list


class WorksiteInspection(Base):
    """One employer's Form I-9 inspection: the notice served, production due, where it stands."""

    __tablename__ = "worksite_inspections"
    __table_args__ = (
        CheckConstraint(_in("status", INSPECTION_STATUSES), name="status_known"),
        Index("ix_worksite_inspections_office_created", "field_office", "created_at"),
    )

    inspection_id: Mapped[str] = mapped_column(String(INSPECTION_ID_LENGTH), primary_key=True)
    employer_name: Mapped[str] = mapped_column(String(400))
    employer: Mapped[str] = mapped_column(Text)  # JSON
    audit_id: Mapped[str | None] = mapped_column(
        ForeignKey("worksite_audits.audit_id"), nullable=True, index=True
    )
    noi_served_on: Mapped[date] = mapped_column(Date)
    production_due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    purpose_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    prior_violations: Mapped[int] = mapped_column(Integer, default=0)
    factors: Mapped[str] = mapped_column(Text, default="{}")  # JSON: fine factor -> effect
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorksiteNotice(Base):
    """One notice issued in an inspection: its kind, when and by whom, and its PDF's hash."""

    __tablename__ = "worksite_notices"
    __table_args__ = (CheckConstraint(_in("kind", NOTICE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    inspection_id: Mapped[str] = mapped_column(
        ForeignKey("worksite_inspections.inspection_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
