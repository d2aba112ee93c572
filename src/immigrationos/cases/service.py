"""Data access of cases. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from immigrationos.cases.machine import OPEN_STATES
from immigrationos.cases.models import Case, CaseEvent


def new_case_id() -> str:
    """Return a fresh case ID: ``C`` and ten upper-case hex digits."""
    return "C" + uuid.uuid4().hex[:10].upper()


def get_case(*, session: Session, case_id: str) -> Case | None:
    """Return a case by ID, or None."""
    return session.get(Case, case_id)


def case_of_lead(*, session: Session, lead_id: str) -> Case | None:
    """Return the case opened from a lead, or None."""
    return session.scalars(select(Case).where(Case.lead_id == lead_id)).one_or_none()


def add_case(*, session: Session, case: Case) -> Case:
    """Add a case and flush it."""
    session.add(case)
    session.flush()
    return case


def add_event(*, session: Session, event: CaseEvent) -> CaseEvent:
    """Add a case event and flush it."""
    session.add(event)
    session.flush()
    return event


def events_of(*, session: Session, case_id: str) -> list[CaseEvent]:
    """Return a case's history, oldest first."""
    query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(session.scalars(query))


def write_if_current(
    *, session: Session, case_id: str, seen_version: int, values: Mapping[str, Any]
) -> bool:
    """Update a case only if it is still at ``seen_version``; bump the version; say if it was.

    The version is compared in the UPDATE itself, so that of two writers at once the
    second finds no row (PostgreSQL re-reads the row once the first commits).
    """
    result = session.execute(
        update(Case)
        .where(Case.case_id == case_id, Case.version == seen_version)
        .values(**values, version=seen_version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list holds: by state, office, officer and area (None: all offices)."""

    state: str | None = None
    field_office: str | None = None
    officer: str | None = None
    offices: frozenset[str] | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        """Return the conditions a case of this list meets."""
        found: list[ColumnElement[bool]] = []
        if self.state is not None:
            found.append(Case.state == self.state)
        if self.field_office is not None:
            found.append(Case.field_office == self.field_office)
        if self.officer is not None:
            found.append(Case.assigned_officer == self.officer)
        if self.offices is not None:
            found.append(Case.field_office.in_(sorted(self.offices)))
        return found


def count_cases(*, session: Session, where: CaseFilter) -> int:
    """Return how many cases a list holds."""
    query = select(func.count()).select_from(Case).where(*where.clauses())
    return int(session.execute(query).scalar_one())


def list_cases(*, session: Session, where: CaseFilter, offset: int, limit: int) -> list[Case]:
    """Return a page of cases, most recently changed first (then by ID)."""
    query = (
        select(Case)
        .where(*where.clauses())
        .order_by(Case.updated_at.desc(), Case.case_id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def case_ids_in(
    *, session: Session, states: frozenset[str], offices: frozenset[str] | None
) -> list[str]:
    """Return the IDs of the cases in ``states`` (of ``offices``; None: all), by ID."""
    query = select(Case.case_id).where(Case.state.in_(sorted(states))).order_by(Case.case_id)
    if offices is not None:
        query = query.where(Case.field_office.in_(sorted(offices)))
    return list(session.scalars(query))


def open_cases_by_officer(
    *, session: Session, offices: frozenset[str] | None
) -> dict[str | None, int]:
    """Return the number of open cases per assigned officer (None: not assigned)."""
    query = (
        select(Case.assigned_officer, func.count())
        .where(Case.state.in_(sorted(s.value for s in OPEN_STATES)))
        .group_by(Case.assigned_officer)
    )
    if offices is not None:
        query = query.where(Case.field_office.in_(sorted(offices)))
    return {officer: int(n) for officer, n in session.execute(query)}
