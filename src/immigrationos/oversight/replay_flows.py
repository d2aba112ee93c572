"""Replay a past decision: what it rested on then, beside what the platform decides today.

A decision is named by its kind and ID:

- ``lead`` (a lead ID): the lead's latest decision by a targeting run, or the one in
  force at ``at``;
- ``lead-event`` (a lead event ID; ``safeguard`` is the same): the decision in force
  when the event happened (a safeguard holding or suppressing the lead is a STATE event;
  a person's FOLLOWED / OVERRODE / CLOSED is judged on the decision they saw);
- ``case-event`` (a case event ID): a case transition;
- ``snapshot`` (a snapshot ID).

*Then* comes from the decision snapshot (``oversight.replay``): the records at the
versions used, read back from ``record_versions``, the links, the policy version and
SHA-256, the outcome. A decision older than the snapshots is reconstructed as far as the
platform can: the records the person holds now, at the versions ingested by then (later
records left out), the run's policy version, and today's links; ``source`` and ``notes``
say so. *Today* is ``targeting.evaluate.evaluate_person`` on the person's current records
under the caller's purpose and the policy in force, as a case re-check does it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.cases import recheck
from immigrationos.cases.models import Case, CaseEvent
from immigrationos.oversight.replay import DecisionSnapshot, lead_outcome, members_of
from immigrationos.persons import service as persons_service
from immigrationos.policy.engine import UseContext
from immigrationos.records.models import Record, RecordKey, RecordVersion
from immigrationos.records.normalize import identifier
from immigrationos.resolution import service as resolution_service
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.evaluate import evaluate_person
from immigrationos.targeting.leads import ssn_owners
from immigrationos.targeting.models import Lead, LeadEvent, TargetingRun
from immigrationos.targeting.policy import PriorityPolicy, load_policy
from immigrationos.targeting.records import PersonRecord, from_stored

KINDS = ("lead", "lead-event", "safeguard", "case-event", "snapshot")
SSN_FIELDS = ("ssn", "employee_tin")


class ReplayError(LookupError):
    """A decision that cannot be replayed: unknown kind, or nothing found by that ID."""


@dataclass(frozen=True)
class ReplayRecord:
    """One record as a side of the replay saw it."""

    ref: str
    version: int | None
    change: str | None
    ingested_at: dt.datetime | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class ReplaySide:
    """A decision's inputs and outcome, then or today."""

    at: dt.datetime
    as_of: dt.date
    person_id: str | None
    policy_version: str
    policy_sha256: str
    records: list[ReplayRecord]
    links: dict[str, float]
    outcome: dict[str, Any]


@dataclass(frozen=True)
class Replay:
    """A past decision as it stood when made, beside today's, and what differs."""

    kind: str
    decision_id: str
    subject_id: str
    field_office: str | None
    source: str  # "snapshot" or "reconstructed"
    then: ReplaySide
    today: ReplaySide
    differences: list[str]
    notes: list[str] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)


# -- then -----------------------------------------------------------------------------------


def _versions(session: Session, refs: list[tuple[str, int | None]]) -> list[ReplayRecord]:
    """Return the records at the given versions (the payload ``record_versions`` keeps)."""
    out = []
    for ref, version in refs:
        source, _, record_id = ref.partition(":")
        row = None
        if version is not None:
            row = session.get(RecordVersion, (source, record_id, version))
        out.append(
            ReplayRecord(
                ref=ref,
                version=version,
                change=row.change if row else None,
                ingested_at=row.ingested_at if row else None,
                payload=json.loads(row.payload) if row and row.payload else {},
            )
        )
    return out


def _as_of_then(session: Session, refs: list[str], at: dt.datetime) -> list[tuple[str, int | None]]:
    """Return, of the given records, the version each had at ``at`` (none yet: left out)."""
    out: list[tuple[str, int | None]] = []
    for ref in refs:
        source, _, record_id = ref.partition(":")
        versions = session.execute(
            select(RecordVersion.version, RecordVersion.ingested_at, RecordVersion.change)
            .where(RecordVersion.source == source, RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version)
        ).all()
        known = [v for v, when, _ in versions if _aware(when) <= at]
        if known:
            out.append((ref, known[-1]))
    return out


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _from_snapshot(session: Session, snap: DecisionSnapshot) -> ReplaySide:
    refs = [(r["ref"], r.get("version")) for r in json.loads(snap.records)]
    return ReplaySide(
        at=_aware(snap.at),
        as_of=snap.as_of,
        person_id=snap.person_id,
        policy_version=snap.policy_version,
        policy_sha256=snap.policy_sha256,
        records=_versions(session, refs),
        links=json.loads(snap.links),
        outcome=json.loads(snap.outcome),
    )


def _snapshot_at(
    session: Session, kind: str, subject_id: str, at: dt.datetime | None
) -> DecisionSnapshot | None:
    query = select(DecisionSnapshot).where(
        DecisionSnapshot.kind == kind, DecisionSnapshot.subject_id == subject_id
    )
    if at is not None:
        query = query.where(DecisionSnapshot.at <= at)
    return session.execute(
        query.order_by(DecisionSnapshot.at.desc(), DecisionSnapshot.id.desc()).limit(1)
    ).scalar_one_or_none()


def snapshots_of(session: Session, kind: str, subject_id: str) -> list[dict[str, Any]]:
    """Return every snapshot of a lead or case, oldest first (ID, time, policy, outcome)."""
    rows = session.execute(
        select(DecisionSnapshot)
        .where(DecisionSnapshot.kind == kind, DecisionSnapshot.subject_id == subject_id)
        .order_by(DecisionSnapshot.at, DecisionSnapshot.id)
    ).scalars()
    return [
        {
            "snapshot_id": s.id,
            "at": _aware(s.at),
            "policy_version": s.policy_version,
            "records": len(json.loads(s.records)),
            "state": json.loads(s.outcome).get("state") or json.loads(s.outcome).get("to_state"),
        }
        for s in rows
    ]


def _reconstructed(session: Session, lead: Lead, at: dt.datetime, run_id: str | None) -> ReplaySide:
    """Return the lead's decision at ``at`` as far as the platform can tell without a snapshot."""
    run = session.get(TargetingRun, run_id) if run_id else None
    records, links = members_of(session, lead.person_id)
    then = _as_of_then(session, [r["ref"] for r in records], at)
    return ReplaySide(
        at=at,
        as_of=run.as_of if run else lead.as_of,
        person_id=lead.person_id,
        policy_version=run.policy_version if run else lead.policy_version,
        policy_sha256=run.policy_sha256 if run else lead.policy_sha256,
        records=_versions(session, then),
        links=links,
        outcome={"lead_id": lead.lead_id, "state": None, "score": None},
    )


# -- today ----------------------------------------------------------------------------------


def _owners(session: Session, records: list[PersonRecord]) -> dict[str, OwnerInfo]:
    """Return the Numident holders of the SSNs the person's records name."""
    ssns = {
        value
        for r in records
        for name in SSN_FIELDS
        if (value := identifier("SSN", r.text(name))) is not None
    }
    if not ssns:
        return {}
    rows = session.execute(
        select(Record.source, Record.record_id, Record.payload)
        .join(RecordKey, RecordKey.record_pk == Record.id)
        .where(
            RecordKey.kind == "SSN",
            RecordKey.value.in_(sorted(ssns)),
            Record.source == "ssa_numident",
            Record.withdrawn.is_(False),
        )
    )
    numident = [PersonRecord(s, rid, json.loads(p)) for s, rid, p in rows]
    holders = resolution_service.persons_of_records(session=session, refs=[r.ref for r in numident])
    by_person: dict[str, list[PersonRecord]] = {}
    for r in numident:
        by_person.setdefault(holders.get(r.ref, r.ref), []).append(r)
    return ssn_owners(by_person)


def today_of(
    session: Session,
    ctx: UseContext,
    person_id: str,
    policy: PriorityPolicy | None = None,
    as_of: dt.date | None = None,
) -> ReplaySide:
    """Return what the platform decides of a person today (merges followed)."""
    now = dt.datetime.now(dt.UTC)
    day = as_of or now.date()
    chosen = policy or load_policy()
    current = resolution_service.current_person_id(session=session, person_id=person_id)
    if current is None:
        return ReplaySide(now, day, None, chosen.version, chosen.sha256, [], {},
                          {"state": None, "note": f"person {person_id} is gone"})  # fmt: skip
    stored = from_stored(persons_service.records_of_person(session=session, person_id=current))
    records_of = {current: stored}
    withheld, _notes, protected = targeting_flows.lawful_records(ctx, records_of, day)
    members, links = members_of(session, current)
    evaluation = evaluate_person(
        records_of[current],
        day,
        ssn_owner=_owners(session, records_of[current]),
        link_probability={k: v for k, v in links.items() if v < 1.0},
        policy=chosen,
        withheld_sources=withheld,
        person_id=current,
        withheld_citizenship=current in protected,
    )
    plain = evaluation.to_dict()
    state = evaluation.state.value if evaluation.state is not None else None
    outcome = lead_outcome(
        {
            "lead_id": None,
            "state": state,
            "score": evaluation.score.score if evaluation.score is not None else None,
            "violations": json.dumps(list(evaluation.violations)),
            "evaluation": json.dumps(plain),
        }
    )
    outcome["case_check"] = recheck.verdict(evaluation, current).as_check()
    used = {r.ref for r in records_of[current]}
    return ReplaySide(
        at=now,
        as_of=day,
        person_id=current,
        policy_version=chosen.version,
        policy_sha256=chosen.sha256,
        records=_versions(session, [(m["ref"], m["version"]) for m in members if m["ref"] in used]),
        links=links,
        outcome=outcome,
    )


def _differences(then: ReplaySide, today: ReplaySide) -> list[str]:
    out = []
    old = {r.ref: r.version for r in then.records}
    new = {r.ref: r.version for r in today.records}
    for ref in sorted(new.keys() - old.keys()):
        out.append(f"record {ref} is new since the decision")
    for ref in sorted(old.keys() - new.keys()):
        out.append(f"record {ref} is no longer the person's (or is withheld now)")
    for ref in sorted(old.keys() & new.keys()):
        if old[ref] != new[ref]:
            out.append(f"record {ref} changed: version {old[ref]} then, {new[ref]} today")
    if then.person_id != today.person_id:
        out.append(f"person {then.person_id} then, {today.person_id} today")
    if (then.policy_version, then.policy_sha256) != (today.policy_version, today.policy_sha256):
        out.append(f"policy {then.policy_version} then, {today.policy_version} today")
    for key in ("state", "score"):
        before = then.outcome.get(key, then.outcome.get(f"lead_{key}"))
        if before != today.outcome.get(key):
            out.append(f"{key} {before} then, {today.outcome.get(key)} today")
    fired_then = {s["name"] for s in then.outcome.get("safeguards", [])}
    fired_now = {s["name"] for s in today.outcome.get("safeguards", [])}
    for name in sorted(fired_now - fired_then):
        out.append(f"safeguard {name} fires today, not then")
    for name in sorted(fired_then - fired_now):
        out.append(f"safeguard {name} fired then, not today")
    return out


# -- the entry point ------------------------------------------------------------------------


def _lead(session: Session, lead_id: str) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise ReplayError(f"no lead {lead_id}")
    return lead


def replay(
    session: Session,
    ctx: UseContext,
    kind: str,
    decision_id: str,
    *,
    at: dt.datetime | None = None,
    policy: PriorityPolicy | None = None,
    as_of: dt.date | None = None,
) -> Replay:
    """Return a past decision as it stood when made, beside what the platform decides today.

    Args:
        ctx: the caller's purpose (today's evaluation applies the data-use policy under it).
        kind: ``lead``, ``lead-event`` (or ``safeguard``), ``case-event`` or ``snapshot``.
        decision_id: the lead, event or snapshot ID.
        at: for ``lead``, the decision in force at that time (the latest if None).
        policy: today's priority policy (the shipped one if None).
        as_of: the date of today's evaluation (today if None).

    Raises:
        ReplayError: an unknown kind, or no such decision.
    """
    if kind not in KINDS:
        raise ReplayError(f"no decision kind {kind!r}; kinds: {', '.join(KINDS)}")
    notes: list[str] = []
    snap: DecisionSnapshot | None
    if kind == "snapshot":
        snap = session.get(DecisionSnapshot, int(decision_id)) if decision_id.isdigit() else None
        if snap is None:
            raise ReplayError(f"no snapshot {decision_id}")
        kind = "lead" if snap.kind == "LEAD" else "case-event"
        subject = snap.subject_id
    elif kind == "case-event":
        event = session.get(CaseEvent, int(decision_id)) if decision_id.isdigit() else None
        if event is None:
            raise ReplayError(f"no case event {decision_id}")
        subject = event.case_id
        snap = session.execute(
            select(DecisionSnapshot).where(
                DecisionSnapshot.kind == "CASE", DecisionSnapshot.event_id == event.id
            )
        ).scalar_one_or_none()
    else:
        if kind == "lead":
            subject, when, run_id = decision_id, at, None
        else:
            lead_event = session.get(LeadEvent, int(decision_id)) if decision_id.isdigit() else None
            if lead_event is None:
                raise ReplayError(f"no lead event {decision_id}")
            subject, when, run_id = lead_event.lead_id, _aware(lead_event.at), lead_event.run_id
            if lead_event.run_id is None:
                notes.append(
                    f"{lead_event.kind} by {lead_event.actor}: {lead_event.reason} — judged "
                    "on the decision in force then, shown here"
                )
        snap = _snapshot_at(session, "LEAD", subject, when)
        if snap is None:
            lead = _lead(session, subject)
            moment = when or _aware(lead.updated_at)
            then = _reconstructed(session, lead, moment, run_id or lead.updated_run)
            notes.append(
                "no snapshot was written for this decision (it predates them): the records "
                "are the person's current ones at the versions ingested by then, later "
                "records left out; the links are today's; the outcome is not known"
            )
            today = today_of(session, ctx, lead.person_id, policy, as_of)
            return Replay(
                kind, decision_id, subject, lead.field_office, "reconstructed", then, today,
                _differences(then, today), notes, snapshots_of(session, "LEAD", subject),
            )  # fmt: skip
    if snap is None:
        raise ReplayError(
            f"case event {decision_id} predates the decision snapshots: it cannot be replayed"
        )
    then = _from_snapshot(session, snap)
    today = today_of(session, ctx, snap.person_id, policy, as_of)
    office = then.outcome.get("field_office")
    if kind == "case-event":
        case = session.get(Case, subject)
        office = case.field_office if case is not None else office
    return Replay(
        kind, decision_id, subject, office, "snapshot", then, today,
        _differences(then, today), notes,
        snapshots_of(session, snap.kind, subject),
    )  # fmt: skip
