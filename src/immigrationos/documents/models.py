"""Tables of generated legal documents (migration 0015): one row per document of a case.

A document is generated from its case and the facts that may be served on the person
(``facts.py``), numbered per form and year (``I-200-2026-000001``), and stored with its
PDF and the SHA-256 of that PDF. It is a ``DRAFT`` (watermarked) until a role the form
names signs it; signing renders it again from the same facts without the watermark and
stores the new bytes, the new hash, who signed and when. ``draft_sha256`` keeps the hash
of the draft that was reviewed.

Migration 0022: once signed, each service of a document on its recipient (or each refused
or failed attempt) is a row of ``legal_document_services``: how (8 CFR 103.8 / 8 CFR
1003.13), when, by whom, to whom and where, and the officer's certificate of service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
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
from immigrationos.resolution.models import PERSON_ID_LENGTH, PK_TYPE

DOCUMENT_ID_LENGTH = 11  # "D" and ten characters
DOCUMENT_STATES = ("DRAFT", "SIGNED")
FORM_CODES = ("I-862", "I-200", "I-213", "I-286", "I-247A", "I-871", "I-205")
# How a document reaches its recipient: the methods of 8 CFR 103.8(a)(2) / 8 CFR 1003.13
# (in person, regular or certified mail, on counsel of record), and for a detainer its
# delivery to the law enforcement agency that holds the person.
SERVICE_METHODS = ("IN_PERSON", "REGULAR_MAIL", "CERTIFIED_MAIL", "COUNSEL_OF_RECORD", "AGENCY")
SERVICE_OUTCOMES = ("SERVED", "REFUSED", "FAILED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class LegalDocument(Base):
    """One generated document: its form, number, case, PDF and hash, and its signature."""

    __tablename__ = "legal_documents"
    __table_args__ = (
        CheckConstraint(_in("state", DOCUMENT_STATES), name="state_known"),
        CheckConstraint(_in("form", FORM_CODES), name="form_known"),
        CheckConstraint(
            "(state = 'DRAFT' AND signed_by IS NULL) OR "
            "(state = 'SIGNED' AND signed_by IS NOT NULL AND signed_at IS NOT NULL)",
            name="signature_matches_state",
        ),
        Index("ix_legal_documents_case_form", "case_id", "form"),
    )

    document_id: Mapped[str] = mapped_column(String(DOCUMENT_ID_LENGTH), primary_key=True)
    # Per form and year: "I-247A-2026-000001".
    number: Mapped[str] = mapped_column(String(32), unique=True)
    form: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state: Mapped[str] = mapped_column(String(8))
    # The warrant a detainer rests on (an I-247A needs a signed I-200 or I-205).
    based_on: Mapped[str | None] = mapped_column(
        ForeignKey("legal_documents.document_id"), nullable=True
    )
    # JSON: the served facts the document was made of, the officer's entries, and the
    # checks that cleared it (what allowed it: a final order, a prior removal, a warrant).
    facts: Mapped[str] = mapped_column(Text)
    entries: Mapped[str] = mapped_column(Text, default="{}")
    basis: Mapped[str] = mapped_column(Text, default="[]")
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    draft_sha256: Mapped[str] = mapped_column(String(64))
    generated_by: Mapped[str] = mapped_column(String(200))
    generated_by_name: Mapped[str] = mapped_column(String(200))
    generated_role: Mapped[str] = mapped_column(String(20))
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_by_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DocumentService(Base):
    """One service of a signed document, or one refused or failed attempt, and by whom."""

    __tablename__ = "legal_document_services"
    __table_args__ = (
        CheckConstraint(_in("method", SERVICE_METHODS), name="method_known"),
        CheckConstraint(_in("outcome", SERVICE_OUTCOMES), name="outcome_known"),
        CheckConstraint("outcome = 'SERVED' OR reason IS NOT NULL", name="attempt_has_reason"),
    )

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("legal_documents.document_id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(8))
    served_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recipient: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    certificate: Mapped[str] = mapped_column(Text)
    served_by: Mapped[str] = mapped_column(String(200))
    served_by_name: Mapped[str] = mapped_column(String(200))
    served_role: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
