"""Data access of contests: read and write contests, holds, changes, restrictions,
error counts and incident reviews. Flushes, never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.cases.models import Case
from immigrationos.oversight.contest_models import (
    Contest,
    ContestChange,
    ContestHold,
    ErrorEncounter,
    IncidentReview,
    RecordRestriction,
)
from immigrationos.targeting.models import Lead

UNKNOWN_OFFICE = "(no field office)"


def get(*, session: Session, contest_id: str) -> Contest | None:
    """Return a contest by ID, or None."""
    return session.get(Contest, contest_id)


def list_contests(
    *, session: Session, status: str | None = None, offices: Sequence[str] | None = None
) -> list[Contest]:
    """Return contests, newest first (only ``status``; only ``offices`` when given)."""
    query = select(Contest).order_by(Contest.entered_at.desc(), Contest.id)
    if status is not None:
        query = query.where(Contest.status == status)
    if offices is not None:
        query = query.where(Contest.field_office.in_(list(offices)))
    return list(session.scalars(query))


def holds_of(*, session: Session, contest_id: str) -> list[ContestHold]:
    """Return the leads a contest holds or held."""
    query = select(ContestHold).where(ContestHold.contest_id == contest_id)
    return list(session.scalars(query.order_by(ContestHold.lead_id)))


def changes_of(*, session: Session, contest_id: str) -> list[ContestChange]:
    """Return what a contest changed, in order."""
    query = select(ContestChange).where(ContestChange.contest_id == contest_id)
    return list(session.scalars(query.order_by(ContestChange.id)))


def incidents_of(*, session: Session, contest_id: str) -> list[IncidentReview]:
    """Return the incident reviews a contest opened."""
    query = select(IncidentReview).where(IncidentReview.contest_id == contest_id)
    return list(session.scalars(query))


def list_incidents(*, session: Session, status: str | None = None) -> list[IncidentReview]:
    """Return incident reviews, newest first."""
    query = select(IncidentReview).order_by(IncidentReview.opened_at.desc())
    if status is not None:
        query = query.where(IncidentReview.status == status)
    return list(session.scalars(query))


def error_counts(*, session: Session) -> list[ErrorEncounter]:
    """Return the count of US citizens and identity errors encountered, per field office."""
    query = select(ErrorEncounter).order_by(ErrorEncounter.field_office, ErrorEncounter.kind)
    return list(session.scalars(query))


def current_leads_of(*, session: Session, person_ids: Sequence[str]) -> list[Lead]:
    """Return the current (not retired) leads of persons, locked for the change (PostgreSQL)."""
    query = (
        select(Lead)
        .where(Lead.person_id.in_(sorted(set(person_ids))), Lead.retired_at.is_(None))
        .order_by(Lead.lead_id)
        .with_for_update()
    )
    return list(session.scalars(query))


def cases_of_leads(*, session: Session, lead_ids: Sequence[str]) -> list[Case]:
    """Return the cases opened from leads."""
    if not lead_ids:
        return []
    query = select(Case).where(Case.lead_id.in_(sorted(set(lead_ids))))
    return list(session.scalars(query.order_by(Case.case_id)))


def add_change(
    *,
    session: Session,
    contest_id: str,
    kind: str,
    ref: str,
    before: str,
    after: str,
    reason: str,
    actor: str,
    at: dt.datetime,
) -> ContestChange:
    """Record one thing a contest changed (``before``/``after``: canonical JSON)."""
    change = ContestChange(
        contest_id=contest_id, kind=kind, ref=ref, before=before, after=after, reason=reason,
        actor=actor, at=at,
    )  # fmt: skip
    session.add(change)
    session.flush()
    return change


def restrict(*, session: Session, restriction: RecordRestriction) -> bool:
    """Restrict a record unless it already is; return whether it was added."""
    key = (restriction.source, restriction.record_id)
    if session.get(RecordRestriction, key) is not None:
        return False
    session.add(restriction)
    session.flush()
    return True


def count_error(*, session: Session, field_office: str | None, kind: str, at: dt.datetime) -> int:
    """Add one to a field office's count of errors of ``kind``; return the count now."""
    office = field_office or UNKNOWN_OFFICE
    row = session.get(ErrorEncounter, (office, kind), with_for_update=True)
    if row is None:
        row = ErrorEncounter(field_office=office, kind=kind, count=0, updated_at=at)
        session.add(row)
    row.count += 1
    row.updated_at = at
    session.flush()
    return row.count
