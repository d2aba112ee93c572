"""The legal deadlines a case's transitions start, and the alerts of those not yet met.

- **Custody decision, 48 hours** (8 CFR 287.3(d)): an arrest without a warrant is
  followed within 48 hours by the decision whether the person stays in custody or is
  released. Started by ``record_arrest``; met by ``detain``, ``release_on_recognizance``
  or ``release_to_atd``.
- **Removal period, 90 days** (INA 241(a)(1)(A)-(B), 8 U.S.C. 1231(a)(1)): the removal of
  a person ordered removed within 90 days of the order becoming final. Started by
  ``record_final_order`` (the day the final order is recorded on the case); met by
  ``record_removal``.
- **Post-order custody review** (8 CFR 241.4(k)): a person still detained when the
  removal period ends has their custody reviewed before it ends (90 days), again about
  three months later (HQ review, 241.4(k)(2)(ii)) and at least every year after
  (241.4(k)(2)(iii)). Started by ``record_final_order`` when the case's last custody
  decision was to detain; met by a recorded custody review, which starts the next one
  while detention continues.

A case that ends (removed, self-departed, relief, US citizen, identity error, closed)
moots whatever is still open. Nothing here commits: the case flow that takes the
transition commits the deadlines with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.cases.machine import TERMINAL, CaseState
from immigrationos.cases.models import Case, CaseEvent
from immigrationos.custody.models import CustodyDeadline

CUSTODY_DECISION = "CUSTODY_DECISION"
REMOVAL_PERIOD = "REMOVAL_PERIOD"
CUSTODY_REVIEW = "POST_ORDER_CUSTODY_REVIEW"

CUSTODY_DECISION_HOURS = 48
REMOVAL_PERIOD_DAYS = 90
# 8 CFR 241.4(k): before the removal period ends, three months later, then yearly.
REVIEW_AFTER_DAYS = (90, 90, 365)

BASIS = {
    CUSTODY_DECISION: "8 CFR 287.3(d): custody decision within 48 hours of the arrest",
    REMOVAL_PERIOD: "INA 241(a)(1) (8 U.S.C. 1231(a)(1)): 90-day removal period from the "
    "final order",
    CUSTODY_REVIEW: "8 CFR 241.4(k): post-order custody review of a person still detained",
}
# How long before it is due a deadline shows as DUE (its alert).
WARN_BEFORE = {
    CUSTODY_DECISION: dt.timedelta(hours=12),
    REMOVAL_PERIOD: dt.timedelta(days=14),
    CUSTODY_REVIEW: dt.timedelta(days=14),
}
CUSTODY_DECISIONS = ("detain", "release_on_recognizance", "release_to_atd")
OPEN, MET, MOOT = "OPEN", "MET", "MOOT"
OVERDUE, DUE, UPCOMING = "OVERDUE", "DUE", "UPCOMING"
_TERMINAL = frozenset(s.value for s in TERMINAL)


def aware(moment: dt.datetime) -> dt.datetime:
    """Return a stored time as UTC-aware (SQLite hands back naive times)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class DeadlineView:
    """A deadline as it stands at ``now``: its row's values and its alert."""

    id: int
    case_id: str
    field_office: str | None
    kind: str
    sequence: int
    basis: str
    started_by: str
    starts_at: dt.datetime
    due_at: dt.datetime
    status: str
    alert: str | None  # OPEN only: OVERDUE, DUE or UPCOMING
    seconds_left: int | None  # OPEN only; negative when overdue
    closed_at: dt.datetime | None
    closed_by: str | None
    closed_with: str | None
    note: str | None


def alert_of(deadline: CustodyDeadline, now: dt.datetime) -> str | None:
    """Return the alert of a deadline at ``now``: OVERDUE, DUE, UPCOMING, or None when closed."""
    if deadline.status != OPEN:
        return None
    due = aware(deadline.due_at)
    if due <= now:
        return OVERDUE
    if due - now <= WARN_BEFORE[deadline.kind]:
        return DUE
    return UPCOMING


def view(deadline: CustodyDeadline, now: dt.datetime) -> DeadlineView:
    """Return a deadline with its alert at ``now``."""
    left = int((aware(deadline.due_at) - now).total_seconds()) if deadline.status == OPEN else None
    return DeadlineView(
        id=deadline.id,
        case_id=deadline.case_id,
        field_office=deadline.field_office,
        kind=deadline.kind,
        sequence=deadline.sequence,
        basis=deadline.basis,
        started_by=deadline.started_by,
        starts_at=aware(deadline.starts_at),
        due_at=aware(deadline.due_at),
        status=deadline.status,
        alert=alert_of(deadline, now),
        seconds_left=left,
        closed_at=None if deadline.closed_at is None else aware(deadline.closed_at),
        closed_by=deadline.closed_by,
        closed_with=deadline.closed_with,
        note=deadline.note,
    )


def _open(
    session: Session,
    case: Case,
    kind: str,
    started_by: str,
    starts: dt.datetime,
    due: dt.datetime,
    sequence: int = 1,
) -> CustodyDeadline:
    deadline = CustodyDeadline(
        case_id=case.case_id,
        field_office=case.field_office,
        kind=kind,
        sequence=sequence,
        basis=BASIS[kind],
        started_by=started_by,
        starts_at=starts,
        due_at=due,
        status=OPEN,
    )
    session.add(deadline)
    return deadline


def open_deadlines(session: Session, case_id: str) -> list[CustodyDeadline]:
    """Return a case's deadlines not yet met, by due time."""
    query = (
        select(CustodyDeadline)
        .where(CustodyDeadline.case_id == case_id, CustodyDeadline.status == OPEN)
        .order_by(CustodyDeadline.due_at, CustodyDeadline.id)
    )
    return list(session.scalars(query))


def _close(
    found: Iterable[CustodyDeadline], status: str, actor: str, how: str, at: dt.datetime
) -> list[CustodyDeadline]:
    closed = []
    for deadline in found:
        deadline.status, deadline.closed_at = status, at
        deadline.closed_by, deadline.closed_with = actor, how
        closed.append(deadline)
    return closed


def last_custody_decision(session: Session, case_id: str) -> str | None:
    """Return the case's last custody decision (``detain`` or a release), or None."""
    query = (
        select(CaseEvent.transition)
        .where(CaseEvent.case_id == case_id, CaseEvent.transition.in_(CUSTODY_DECISIONS))
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def on_transition(
    session: Session,
    case: Case,
    transition: str,
    to_state: str,
    actor: str,
    at: dt.datetime,
) -> list[CustodyDeadline]:
    """Start and meet the deadlines of a transition just taken; return those it touched.

    Call it in the transition's transaction, after its event is added (the custody
    decision is read from the history). Flushes.
    """
    touched: list[CustodyDeadline] = []
    pending = open_deadlines(session, case.case_id)
    if to_state in _TERMINAL:
        met = [d for d in pending if transition == "record_removal" and d.kind == REMOVAL_PERIOD]
        touched += _close(met, MET, actor, transition, at)
        touched += _close([d for d in pending if d not in met], MOOT, actor, transition, at)
    elif transition == "record_arrest":
        due = at + dt.timedelta(hours=CUSTODY_DECISION_HOURS)
        touched.append(_open(session, case, CUSTODY_DECISION, transition, at, due))
    elif transition in CUSTODY_DECISIONS:
        decided = [d for d in pending if d.kind == CUSTODY_DECISION]
        touched += _close(decided, MET, actor, transition, at)
    elif to_state == CaseState.FINAL_ORDER.value:
        due = at + dt.timedelta(days=REMOVAL_PERIOD_DAYS)
        touched.append(_open(session, case, REMOVAL_PERIOD, transition, at, due))
        if last_custody_decision(session, case.case_id) == "detain":
            review_due = at + dt.timedelta(days=REVIEW_AFTER_DAYS[0])
            touched.append(_open(session, case, CUSTODY_REVIEW, transition, at, review_due))
    session.flush()
    return touched


def record_review(
    session: Session,
    case: Case,
    *,
    continue_detention: bool,
    actor: str,
    note: str,
    at: dt.datetime,
) -> tuple[CustodyDeadline | None, CustodyDeadline | None]:
    """Meet the case's open post-order custody review; start the next while detention goes on.

    Returns the review met (None when none was open) and the next one (None on release).
    """
    reviews = [d for d in open_deadlines(session, case.case_id) if d.kind == CUSTODY_REVIEW]
    if not reviews:
        return None, None
    met = reviews[0]
    _close([met], MET, actor, "custody_review", at)
    met.note = note
    following = None
    if continue_detention and case.state not in _TERMINAL:
        step = REVIEW_AFTER_DAYS[min(met.sequence, len(REVIEW_AFTER_DAYS) - 1)]
        following = _open(
            session, case, CUSTODY_REVIEW, "custody_review", at,
            at + dt.timedelta(days=step), sequence=met.sequence + 1,
        )  # fmt: skip
    session.flush()
    return met, following


def deadlines_of_case(session: Session, case_id: str, now: dt.datetime) -> list[DeadlineView]:
    """Return every deadline of a case (met, mooted and open), by due time, with alerts."""
    query = (
        select(CustodyDeadline)
        .where(CustodyDeadline.case_id == case_id)
        .order_by(CustodyDeadline.due_at, CustodyDeadline.id)
    )
    return [view(d, now) for d in session.scalars(query)]


def deadlines_due(
    session: Session,
    offices: frozenset[str] | None,
    now: dt.datetime,
    *,
    include_upcoming: bool = False,
) -> list[DeadlineView]:
    """Return the open deadlines of ``offices`` (None: all) that are overdue or due, soonest first.

    The alerts of a field office: OVERDUE (past due and not met) and DUE (within its
    warning window: 12 hours for a custody decision, 14 days for the 90-day periods);
    ``include_upcoming`` adds the rest of the open ones.
    """
    query = select(CustodyDeadline).where(CustodyDeadline.status == OPEN)
    if offices is not None:
        query = query.where(CustodyDeadline.field_office.in_(sorted(offices)))
    found = [view(d, now) for d in session.scalars(query)]
    wanted = {OVERDUE, DUE, UPCOMING} if include_upcoming else {OVERDUE, DUE}
    return sorted(
        (v for v in found if v.alert in wanted), key=lambda v: (v.due_at, v.case_id, v.id)
    )
