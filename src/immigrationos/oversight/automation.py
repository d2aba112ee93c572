"""Automation-bias signals: how each reviewer and each office goes along with the platform.

A decision is a person's answer to the platform's advice:

- a lead recommendation followed (``FOLLOWED``) or overridden (``OVERRODE``, with its
  reason) — ``targeting.decisions``;
- a case transition: one that advances enforcement (``machine.Transition.advances``)
  goes the way the lead's next step pointed; one that does not (a release, a closing, a
  referral to review) departs from it, with its reason.

The time spent on a decision runs from the first time the same person was shown the lead
or case (their earliest ``leads.read`` / ``cases.read`` audit event on it since their
previous decision on it) to the decision. A decision with no such read was taken without
opening what it decides on.

A reviewer is flagged as rubber-stamping when, over at least ``min_decisions``, they
follow at least ``follow_rate`` of the recommendations with a median time under
``median_seconds`` (or without opening most of them). The thresholds are a
:class:`RubberStampRule`; the defaults are 20 decisions, 95 % and 30 seconds.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.audit.models import AuditEvent
from immigrationos.auth.models import User
from immigrationos.cases import machine
from immigrationos.cases.models import Case, CaseEvent
from immigrationos.targeting.models import Lead, LeadEvent

READ_ACTIONS = ("leads.read", "cases.read")


@dataclass(frozen=True)
class RubberStampRule:
    """When a reviewer's pattern of decisions is flagged as rubber-stamping."""

    min_decisions: int = 20
    follow_rate: float = 0.95
    median_seconds: float = 30.0
    unopened_share: float = 0.5  # decided without opening at least this share: flagged too


@dataclass(frozen=True)
class Decision:
    """One person's answer to the platform's advice."""

    actor: str
    office: str | None
    kind: str  # "recommendation" or "case"
    subject_id: str
    lead_id: str | None
    followed: bool
    at: dt.datetime
    reason: str | None
    seconds: float | None = None


@dataclass
class Signals:
    """The signals of one reviewer or one office."""

    name: str
    role: str | None = None
    offices: list[str] = field(default_factory=list)
    decisions: int = 0
    followed: int = 0
    overrode: int = 0
    unopened: int = 0
    median_seconds: float | None = None
    approval_rate: float | None = None
    override_reasons: list[tuple[str, int]] = field(default_factory=list)
    flagged: bool = False
    flags: list[str] = field(default_factory=list)
    reviewers: int = 0
    flagged_reviewers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AutomationReport:
    """Per reviewer and per office, with the rule that flagged them."""

    rule: RubberStampRule
    since: dt.datetime | None
    generated_at: dt.datetime
    reviewers: list[Signals]
    offices: list[Signals]

    @property
    def flagged(self) -> list[Signals]:
        """Return the reviewers flagged."""
        return [r for r in self.reviewers if r.flagged]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _lead_decisions(session: Session, since: dt.datetime | None) -> list[Decision]:
    query = (
        select(
            LeadEvent.actor,
            Lead.field_office,
            LeadEvent.lead_id,
            LeadEvent.kind,
            LeadEvent.at,
            LeadEvent.reason,
        )
        .join(Lead, Lead.lead_id == LeadEvent.lead_id)
        .where(LeadEvent.kind.in_(("FOLLOWED", "OVERRODE")))
    )
    if since is not None:
        query = query.where(LeadEvent.at >= since)
    return [
        Decision(
            actor,
            office,
            "recommendation",
            lead_id,
            lead_id,
            kind == "FOLLOWED",
            _aware(at),
            reason,
        )
        for actor, office, lead_id, kind, at, reason in session.execute(query)
    ]


def _case_decisions(session: Session, since: dt.datetime | None) -> list[Decision]:
    query = (
        select(
            CaseEvent.actor,
            Case.field_office,
            CaseEvent.case_id,
            Case.lead_id,
            CaseEvent.transition,
            CaseEvent.at,
            CaseEvent.reason,
        )
        .join(Case, Case.case_id == CaseEvent.case_id)
        .where(CaseEvent.kind == "TRANSITION")
    )
    if since is not None:
        query = query.where(CaseEvent.at >= since)
    out = []
    for actor, office, case_id, lead_id, name, at, reason in session.execute(query):
        move = machine.BY_NAME.get(name or "")
        if move is None:
            continue
        out.append(
            Decision(actor, office, "case", case_id, lead_id, move.advances, _aware(at), reason)
        )
    return out


def _reads(session: Session, actors: Iterable[str]) -> dict[tuple[str, str], list[dt.datetime]]:
    """Return the times each actor was shown each lead or case, sorted."""
    found: dict[tuple[str, str], list[dt.datetime]] = defaultdict(list)
    wanted = sorted(set(actors))
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.resource_id, AuditEvent.at).where(
                AuditEvent.action.in_(READ_ACTIONS),
                AuditEvent.outcome == "SUCCESS",
                AuditEvent.actor.in_(wanted[start : start + 500]),
            )
        )
        for actor, resource, at in rows:
            if resource:
                found[(actor, resource)].append(_aware(at))
    for times in found.values():
        times.sort()
    return found


def timed(
    decisions: Sequence[Decision], reads: dict[tuple[str, str], list[dt.datetime]]
) -> list[Decision]:
    """Return the decisions with the seconds from first being shown to deciding.

    The window opens after the same person's previous decision on the same subject, so
    a second decision on a lead read long ago is not credited with the earlier reading.
    """
    previous: dict[tuple[str, str], dt.datetime] = {}
    out = []
    for d in sorted(decisions, key=lambda d: d.at):
        key = (d.actor, d.subject_id)
        times = list(reads.get(key, []))
        if not times and d.lead_id and d.kind == "case":
            times = reads.get((d.actor, d.lead_id), [])
        start = previous.get(key)
        lo = bisect.bisect_right(times, start) if start is not None else 0
        hi = bisect.bisect_right(times, d.at)
        seconds = (d.at - times[lo]).total_seconds() if lo < hi else None
        previous[key] = d.at
        out.append(Decision(**{**d.__dict__, "seconds": seconds}))
    return out


def _summarise(name: str, decisions: Sequence[Decision], rule: RubberStampRule) -> Signals:
    found = Signals(name=name)
    found.decisions = len(decisions)
    found.followed = sum(d.followed for d in decisions)
    found.overrode = found.decisions - found.followed
    found.offices = sorted({d.office for d in decisions if d.office})
    times = [d.seconds for d in decisions if d.seconds is not None]
    found.unopened = found.decisions - len(times)
    found.median_seconds = round(statistics.median(times), 1) if times else None
    found.approval_rate = round(found.followed / found.decisions, 4) if decisions else None
    reasons = Counter((d.reason or "(no reason)") for d in decisions if not d.followed)
    found.override_reasons = reasons.most_common()
    if found.decisions < rule.min_decisions or found.approval_rate is None:
        return found
    if found.approval_rate >= rule.follow_rate:
        if found.median_seconds is not None and found.median_seconds < rule.median_seconds:
            found.flags.append(
                f"follows {found.approval_rate:.0%} of {found.decisions} recommendations with a "
                f"median of {found.median_seconds:g} s before deciding (rule: ≥ "
                f"{rule.follow_rate:.0%} over ≥ {rule.min_decisions} under {rule.median_seconds:g} s)"
            )
        if found.unopened / found.decisions >= rule.unopened_share:
            found.flags.append(
                f"follows {found.approval_rate:.0%} and decided {found.unopened} of "
                f"{found.decisions} without opening the lead or case"
            )
    found.flagged = bool(found.flags)
    return found


def signals(
    session: Session,
    *,
    rule: RubberStampRule | None = None,
    since: dt.datetime | None = None,
    office: str | None = None,
) -> AutomationReport:
    """Return the automation-bias signals of every reviewer and office (counts, no person data).

    Args:
        rule: when a reviewer is flagged (the defaults if None).
        since: only decisions from then on.
        office: only decisions on leads and cases of this field office.
    """
    chosen = rule or RubberStampRule()
    decisions = _lead_decisions(session, since) + _case_decisions(session, since)
    if office is not None:
        decisions = [d for d in decisions if d.office == office]
    decisions = timed(decisions, _reads(session, (d.actor for d in decisions)))
    by_actor: dict[str, list[Decision]] = defaultdict(list)
    by_office: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        by_actor[d.actor].append(d)
        by_office[d.office or "(no office)"].append(d)
    users = {
        u.id: (u.username, u.role)
        for u in session.execute(select(User).where(User.id.in_(sorted(by_actor)))).scalars()
    }
    reviewers = []
    for actor, theirs in by_actor.items():
        name, role = users.get(actor, (actor, None))
        found = _summarise(name, theirs, chosen)
        found.role = role
        reviewers.append(found)
    reviewers.sort(key=lambda s: (not s.flagged, s.name))
    flagged_of = {r.name for r in reviewers if r.flagged}
    offices = []
    for name, theirs in by_office.items():
        found = _summarise(name, theirs, chosen)
        names = {users.get(d.actor, (d.actor, None))[0] for d in theirs}
        found.reviewers = len(names)
        found.flagged_reviewers = sorted(names & flagged_of)
        found.flagged = found.flagged or bool(found.flagged_reviewers)
        offices.append(found)
    offices.sort(key=lambda s: (not s.flagged, s.name))
    return AutomationReport(chosen, since, dt.datetime.now(dt.UTC), reviewers, offices)
