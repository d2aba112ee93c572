"""Tables of generated legal documents (migration 0015): one row per document of a case.

A document is generated from its case and the facts that may be served on the person
(``facts.py``), numbered per form and year (``I-200-2026-000001``), and stored with its
PDF and the SHA-256 of that PDF. It is a ``DRAFT`` (watermarked) until a role the form
names signs it; signing renders it again from the same facts without the watermark and
stores the new bytes, the new hash, who signed and when. ``draft_sha256`` keeps the hash
of the draft that was reviewed.
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
from immigrationos.resolution.models import PERSON_ID_LENGTH

DOCUMENT_ID_LENGTH = 11  # "D" and ten characters
DOCUMENT_STATES = ("DRAFT", "SIGNED")
FORM_CODES = ("I-862", "I-200", "I-213", "I-286", "I-247A", "I-871", "I-205")


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
