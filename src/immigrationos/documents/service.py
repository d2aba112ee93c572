"""Data access of legal documents. Flushes, never commits."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from immigrationos.documents.models import DocumentService, LegalDocument


def new_document_id() -> str:
    """Return a fresh document ID: ``D`` and ten upper-case hex digits."""
    return "D" + uuid.uuid4().hex[:10].upper()


def number_of(form: str, year: int, sequence: int) -> str:
    """Return a document number: form, year and a six-digit sequence (``I-200-2026-000001``)."""
    return f"{form}-{year}-{sequence:06d}"


def next_sequence(*, session: Session, form: str, year: int) -> int:
    """Return the next sequence number of a form in a year (the unique number guards races)."""
    query = select(func.max(LegalDocument.sequence)).where(
        LegalDocument.form == form, LegalDocument.year == year
    )
    return int(session.execute(query).scalar_one() or 0) + 1


def get_document(*, session: Session, document_id: str) -> LegalDocument | None:
    """Return a document by ID, or None."""
    return session.get(LegalDocument, document_id)


def add_document(*, session: Session, document: LegalDocument) -> LegalDocument:
    """Add a document and flush it."""
    session.add(document)
    session.flush()
    return document


def documents_of_case(*, session: Session, case_id: str) -> list[LegalDocument]:
    """Return a case's documents, newest first."""
    query = (
        select(LegalDocument)
        .where(LegalDocument.case_id == case_id)
        .order_by(LegalDocument.generated_at.desc(), LegalDocument.number.desc())
    )
    return list(session.scalars(query))


def signed_warrants(
    *, session: Session, case_id: str, forms: frozenset[str]
) -> list[LegalDocument]:
    """Return a case's signed documents of ``forms``, latest signature first."""
    query = (
        select(LegalDocument)
        .where(
            LegalDocument.case_id == case_id,
            LegalDocument.form.in_(sorted(forms)),
            LegalDocument.state == "SIGNED",
        )
        .order_by(LegalDocument.signed_at.desc())
    )
    return list(session.scalars(query))


def add_service(*, session: Session, service: DocumentService) -> DocumentService:
    """Add a document's service record and flush it."""
    session.add(service)
    session.flush()
    return service


def services_of(*, session: Session, document_ids: list[str]) -> dict[str, list[DocumentService]]:
    """Return the services of documents (oldest first), by document ID."""
    found: dict[str, list[DocumentService]] = {d: [] for d in document_ids}
    if not document_ids:
        return found
    query = (
        select(DocumentService)
        .where(DocumentService.document_id.in_(document_ids))
        .order_by(DocumentService.served_at, DocumentService.id)
    )
    for row in session.scalars(query):
        found[row.document_id].append(row)
    return found
