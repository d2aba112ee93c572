"""Data access of worksite audits and inspections. Flushes, never commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from immigrationos.worksite.models import (
    WorksiteAudit,
    WorksiteFinding,
    WorksiteInspection,
    WorksiteNotice,
)


def new_audit_id() -> str:
    """Return a fresh audit ID: ``WA`` and ten upper-case hex digits."""
    return "WA" + uuid.uuid4().hex[:10].upper()


def new_inspection_id() -> str:
    """Return a fresh inspection ID: ``WI`` and ten upper-case hex digits."""
    return "WI" + uuid.uuid4().hex[:10].upper()


def _in_area(column: Any, offices: frozenset[str] | None) -> list[ColumnElement[bool]]:
    return [] if offices is None else [column.in_(sorted(offices))]


def add_audit(
    *, session: Session, audit: WorksiteAudit, findings: list[WorksiteFinding]
) -> WorksiteAudit:
    """Add an audit run with its findings and flush them."""
    session.add(audit)
    session.flush()
    session.add_all(findings)
    session.flush()
    return audit


def get_audit(*, session: Session, audit_id: str) -> WorksiteAudit | None:
    """Return an audit run by ID, or None."""
    return session.get(WorksiteAudit, audit_id)


def findings_of(*, session: Session, audit_id: str) -> list[WorksiteFinding]:
    """Return an audit's findings in the order they were found."""
    query = (
        select(WorksiteFinding)
        .where(WorksiteFinding.audit_id == audit_id)
        .order_by(WorksiteFinding.id)
    )
    return list(session.scalars(query))


def count_audits(*, session: Session, offices: frozenset[str] | None) -> int:
    """Return how many audit runs the offices hold (None: all)."""
    query = (
        select(func.count())
        .select_from(WorksiteAudit)
        .where(*_in_area(WorksiteAudit.field_office, offices))
    )
    return int(session.execute(query).scalar_one())


def list_audits(
    *, session: Session, offices: frozenset[str] | None, offset: int, limit: int
) -> list[WorksiteAudit]:
    """Return a page of audit runs, most recent first."""
    query = (
        select(WorksiteAudit)
        .where(*_in_area(WorksiteAudit.field_office, offices))
        .order_by(WorksiteAudit.created_at.desc(), WorksiteAudit.audit_id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def add_inspection(*, session: Session, inspection: WorksiteInspection) -> WorksiteInspection:
    """Add an inspection and flush it."""
    session.add(inspection)
    session.flush()
    return inspection


def get_inspection(*, session: Session, inspection_id: str) -> WorksiteInspection | None:
    """Return an inspection by ID, or None."""
    return session.get(WorksiteInspection, inspection_id)


def count_inspections(*, session: Session, offices: frozenset[str] | None) -> int:
    """Return how many inspections the offices hold (None: all)."""
    query = (
        select(func.count())
        .select_from(WorksiteInspection)
        .where(*_in_area(WorksiteInspection.field_office, offices))
    )
    return int(session.execute(query).scalar_one())


def list_inspections(
    *, session: Session, offices: frozenset[str] | None, offset: int, limit: int
) -> list[WorksiteInspection]:
    """Return a page of inspections, most recent first."""
    query = (
        select(WorksiteInspection)
        .where(*_in_area(WorksiteInspection.field_office, offices))
        .order_by(WorksiteInspection.created_at.desc(), WorksiteInspection.inspection_id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def add_notice(*, session: Session, notice: WorksiteNotice) -> WorksiteNotice:
    """Add a notice issued in an inspection and flush it."""
    session.add(notice)
    session.flush()
    return notice


def notices_of(*, session: Session, inspection_id: str) -> list[WorksiteNotice]:
    """Return the notices of an inspection, first issued first."""
    query = (
        select(WorksiteNotice)
        .where(WorksiteNotice.inspection_id == inspection_id)
        .order_by(WorksiteNotice.id)
    )
    return list(session.scalars(query))


def get_notice(*, session: Session, inspection_id: str, notice_id: int) -> WorksiteNotice | None:
    """Return one notice of an inspection, or None."""
    notice = session.get(WorksiteNotice, notice_id)
    if notice is None or notice.inspection_id != inspection_id:
        return None
    return notice
