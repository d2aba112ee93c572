"""Self-departure: the counts the dashboard shows, by field office and ISO week.

A confirmed departure moves an open case to ``self_departed`` in the re-check of open
cases after new records (``cases.flows.recheck_open_cases``), or a person records it
(``record_self_departure``). Either way the case's history holds the transition, which
is what is counted here: counts only, no person data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.cases.models import Case, CaseEvent
from immigrationos.custody.deadlines import aware

TRANSITION = "record_self_departure"


@dataclass(frozen=True)
class WeeklyCount:
    """Self-departures of one field office in one ISO week (``2026-W48``)."""

    field_office: str | None
    week: str
    week_start: dt.date
    self_departures: int
    automatic: int  # moved by the re-check on a confirmed departure record


def iso_week(moment: dt.datetime) -> tuple[str, dt.date]:
    """Return the ISO week label of a time and the Monday it starts on."""
    year, week, weekday = moment.isocalendar()
    return f"{year}-W{week:02d}", moment.date() - dt.timedelta(days=weekday - 1)


def self_departures_by_week(
    session: Session,
    offices: frozenset[str] | None,
    since: dt.datetime | None = None,
) -> list[WeeklyCount]:
    """Return the self-departures of ``offices`` (None: all) per office and week, latest first."""
    query = (
        select(Case.field_office, CaseEvent.at, CaseEvent.checks, CaseEvent.reason)
        .join(Case, Case.case_id == CaseEvent.case_id)
        .where(CaseEvent.kind == "TRANSITION", CaseEvent.transition == TRANSITION)
    )
    if offices is not None:
        query = query.where(Case.field_office.in_(sorted(offices)))
    counts: Counter[tuple[str | None, str, dt.date]] = Counter()
    automatic: Counter[tuple[str | None, str, dt.date]] = Counter()
    for office, at, _checks, reason in session.execute(query):
        moment = aware(at)
        if since is not None and moment < since:
            continue
        week, start = iso_week(moment)
        key = (office, week, start)
        counts[key] += 1
        if reason is not None and reason.startswith("confirmed departure:"):
            automatic[key] += 1
    rows = [
        WeeklyCount(office, week, start, n, automatic[(office, week, start)])
        for (office, week, start), n in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r.week_start.toordinal(), r.field_office or ""))
