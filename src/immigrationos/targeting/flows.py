"""Targeting runs and lead decisions: evaluate every resolved person, keep one lead each.

``target`` reads the lookups every evaluation shares (the SSN owners and the index of
records that can clear someone, from every person's records of those sources), then the
active persons ``PART_PERSONS`` at a time: their records and links in bulk. It applies
the data-use policy of the operator's purpose (a withheld source is read by no detector;
a source with record rules is filtered record by record), evaluates each person
(``evaluate.evaluate_person``) and upserts leads in one transaction with their history
and the run's audit event (``targeting.run``). The run never holds every person's
records: its memory is the shared lookups and one part.

- a person with a finding and no lead gets one (CREATED); an existing lead is updated,
  with an event when its state or score changes, and none otherwise;
- a lead whose person was merged into another follows the person's current ID (MOVED),
  unless that person already has a lead: then it is retired (RETIRED), as is a lead
  whose person is gone or has no finding any more;
- a CLOSED lead (a person's decision, ``close_lead``) is re-evaluated but stays CLOSED.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.oversight import replay
from immigrationos.oversight import signoff as oversight_signoff
from immigrationos.oversight import switch as oversight_switch
from immigrationos.policy import engine as policy_engine
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import Use, UseContext
from immigrationos.policy.errors import PurposeError
from immigrationos.sources.contract import PERSON_SOURCES
from immigrationos.targeting import batch
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.elsewhere import CLEARING_SOURCES, NearMisses
from immigrationos.targeting.evaluate import Evaluation
from immigrationos.targeting.leads import (
    canon,
    evidence_of,
    fired_safeguards,
    lead_values,
    mint_lead_id,
    priority_of,
    same_evaluation,
    ssn_owners,
    state_reason,
)
from immigrationos.targeting.models import Lead, LeadEvent, TargetingRun
from immigrationos.targeting.policy import PriorityPolicy, load_policy
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.safeguards import (
    NO_CITIZENSHIP_FIELDS,
    Effect,
    LeadState,
    shows_citizenship,
)

# Told (persons done, persons in all) as the evaluation goes.
Progress = batch.Progress
ANALYSIS = "targeting"
# Persons read and evaluated at a time: a run holds their records, never every person's
# (the lookups every evaluation shares are read once, from ``SHARED_SOURCES``).
PART_PERSONS = 50_000
SHARED_SOURCES = CLEARING_SOURCES | {"ssa_numident"}
LEAD_COLUMNS = (
    "person_id", "state", "score", "priority", "violations", "safeguards", "evidence",
    "evaluation", "policy_version", "policy_sha256", "as_of", "field_office", "updated_run",
    "updated_at",
)  # fmt: skip


class TargetingError(ValueError):
    """A targeting run that cannot run or a lead decision that cannot be made; says why."""


@dataclass(frozen=True)
class TargetRunSummary:
    """What a targeting run evaluated and changed."""

    run_id: str
    as_of: dt.date
    persons: int
    leads: int
    created: int
    changed: int
    retired: int
    by_state: dict[str, int]
    by_violation: dict[str, int]
    withheld_sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass
class _Changes:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    changed: int = 0
    retired: int = 0


def _context(session: Session, principal: Principal, purpose_id: str | None) -> UseContext:
    if not purpose_id:
        raise TargetingError(
            "targeting reads person data and runs only under a declared purpose: give "
            "--purpose (a BATCH purpose for a targeting run; see imos purposes)"
        )
    try:
        return policy_service.load_context(
            session=session, principal=principal, purpose_id=purpose_id
        )
    except PurposeError as exc:
        raise TargetingError(str(exc)) from exc


def _signed_off(session: Session, policy: PriorityPolicy) -> None:
    """Refuse a policy version no independent reviewer signed off (oversight/signoff.py)."""
    try:
        oversight_signoff.require_signed(session, policy)
    except oversight_signoff.SignOffError as exc:
        raise TargetingError(str(exc)) from exc


@dataclass(frozen=True)
class LawfulCut:
    """What a purpose may use of each source (``lawful_cut``), applied to records by person."""

    ctx: UseContext
    policy: Any
    withheld: frozenset[str]
    filtered: frozenset[str]
    notes: tuple[str, ...]

    def usable(self, record: PersonRecord) -> bool:
        """Return whether the purpose may use ``record``."""
        return record.source not in self.withheld and (
            record.source not in self.filtered
            or self.policy.decide_record(
                self.ctx, record.source, record.payload, Use.ANALYSE
            ).allowed
        )

    def apply(self, records_of: dict[str, list[PersonRecord]], as_of: dt.date) -> frozenset[str]:
        """Drop from ``records_of`` (in place) what the purpose may not use.

        Returns the persons one of whose dropped records shows US citizenship
        (``safeguards.shows_citizenship``): the platform reads a withheld record for that
        alone, so that it can protect, never incriminate.
        """
        protected: set[str] = set()
        for pid, rs in records_of.items():
            kept: list[PersonRecord] = []
            dropped: list[PersonRecord] = []
            for r in rs:
                (kept if self.usable(r) else dropped).append(r)
            records_of[pid] = kept
            if dropped and shows_citizenship(dropped, as_of):
                protected.add(pid)
        return frozenset(protected)


def lawful_cut(ctx: UseContext, sources: Sequence[str]) -> LawfulCut:
    """Return what the purpose of ``ctx`` may use of each of ``sources`` (the data-use plan)."""
    policy = policy_engine.get_policy()
    plan = policy.plan_batch(ctx, sorted(sources), ANALYSIS)
    return LawfulCut(
        ctx=ctx,
        policy=policy,
        withheld=frozenset(plan.withheld),
        filtered=frozenset(plan.record_rules),
        notes=tuple(plan.describe()),
    )


def lawful_records(
    ctx: UseContext,
    records_of: dict[str, list[PersonRecord]],
    as_of: dt.date,
) -> tuple[frozenset[str], list[str], frozenset[str]]:
    """Drop what the purpose may not use.

    Returns the withheld sources, the notes saying so, and the persons one of whose
    dropped records shows US citizenship (``safeguards.shows_citizenship``): the platform
    reads a withheld record for that alone, so that it can protect, never incriminate.
    """
    cut = lawful_cut(ctx, sorted({r.source for rs in records_of.values() for r in rs}))
    protected = cut.apply(records_of, as_of)
    return cut.withheld, list(cut.notes), protected


def _shared_lookups(
    session: Session, cut: LawfulCut, lookups: batch.SharedLookups, as_of: dt.date
) -> tuple[Mapping[str, OwnerInfo], NearMisses]:
    """Return the SSN owners and the index of near misses of every person's usable records.

    Streamed, ``READ_CHUNK`` records at a time into ``lookups`` (``batch.shared_lookups``:
    in memory, each record kept as its stored text, or in a file on Spark), never every
    person's parsed records at once.

    A record the purpose may not use that shows US citizenship (``shows_citizenship``, as
    of ``as_of``) is indexed too, by its names and numbers, but kept by its reference
    alone (``WithheldCitizenship``): a person it may belong to is held, never shown what
    it says.
    """
    owners: dict[str, OwnerInfo] = {}
    # Sources the purpose withholds or filters record by record that can show citizenship.
    shielding = (cut.withheld | cut.filtered) - NO_CITIZENSHIP_FIELDS
    for part in targeting_service.record_parts(session=session, sources=SHARED_SOURCES | shielding):
        numident: dict[str, list[PersonRecord]] = defaultdict(list)
        for pid, record, text in part:
            if not cut.usable(record):
                if shows_citizenship([record], as_of):
                    lookups.add(pid, record, withheld_citizenship=True)
                continue
            if record.source == "ssa_numident":
                numident[pid].append(record)
            if record.source in SHARED_SOURCES:
                lookups.add(pid, record, text)
        ssn_owners(numident, owners)
    return lookups.ready(owners)


def _part_progress(progress: Progress | None, start: int, total: int) -> Progress | None:
    """Return a part's progress told to ``progress`` as the run's: (persons done, in all)."""
    if progress is None:
        return None
    tell = progress

    def told(done: int, _in_part: int) -> None:
        tell(start + done, total)

    return told


def _event(
    lead: Mapping[str, Any],
    kind: str,
    run_id: str | None,
    actor: str,
    now: dt.datetime,
    reason: str,
    **values: Any,
) -> dict[str, Any]:
    return {
        "lead_id": lead["lead_id"],
        "run_id": run_id,
        "kind": kind,
        "person_id": values.pop("person_id", lead["person_id"]),
        "from_state": values.pop("from_state", None),
        "to_state": values.pop("to_state", None),
        "from_score": values.pop("from_score", None),
        "to_score": values.pop("to_score", None),
        "reason": reason,
        "actor": actor,
        "at": now,
    }


def _current_id(person_id: str, active: Mapping[str, Any], merged: Mapping[str, str]) -> str | None:
    """Return the active person ``person_id`` stands for now (following merges), or None."""
    seen: set[str] = set()
    current: str | None = person_id
    while current is not None and current not in seen:
        if current in active:
            return current
        seen.add(current)
        current = merged.get(current)
    return None


def _place_old_leads(
    leads: dict[str, dict[str, Any]],
    active: Mapping[str, Any],
    merged: Mapping[str, str],
    changes: _Changes,
    run_id: str,
    actor: str,
    now: dt.datetime,
) -> dict[str, dict[str, Any]]:
    """Return the current lead of each active person; move or retire the others."""
    by_person: dict[str, dict[str, Any]] = {}
    # The lead already on the person first, then the oldest: it keeps the person.
    ordered = sorted(
        leads.values(),
        key=lambda lead: (lead["person_id"] not in active, lead["created_at"], lead["lead_id"]),
    )
    for lead in ordered:
        current = _current_id(lead["person_id"], active, merged)
        if current is None or current in by_person:
            why = (
                f"person {lead['person_id']} is gone (its records were resolved elsewhere)"
                if current is None
                else f"person {lead['person_id']} is now {current}, which has lead "
                f"{by_person[current]['lead_id']}"
            )
            changes.retired += 1
            changes.updates.append(
                {**lead, "retired_at": now, "updated_run": run_id, "updated_at": now}
            )
            changes.events.append(_event(lead, "RETIRED", run_id, actor, now, why))
            continue
        if current != lead["person_id"]:
            changes.events.append(
                _event(
                    lead,
                    "MOVED",
                    run_id,
                    actor,
                    now,
                    f"person {lead['person_id']} was merged into {current}",
                    person_id=current,
                )
            )
            lead = {**lead, "person_id": current, "_moved": True}
        by_person[current] = lead
    return by_person


def _apply(
    person_id: str,
    office: str | None,
    evaluation: Evaluation,
    lead: dict[str, Any] | None,
    taken: set[str],
    changes: _Changes,
    run_id: str,
    actor: str,
    now: dt.datetime,
) -> str | None:
    """Record the evaluation on the person's lead; return the lead's state now (None: no lead)."""
    ruled_out = [
        s for s in evaluation.safeguards if s.effect is Effect.SUPPRESS and s.applies_to is None
    ]
    if evaluation.state is None and lead is not None and ruled_out:
        # The detectors no longer find what the lead was raised on because of what the
        # safeguard saw (e.g. citizenship): the lead is SUPPRESSED, keeping its
        # violations and evidence, not quietly dropped.
        evaluation = dataclasses.replace(evaluation, state=LeadState.SUPPRESSED)
        values = lead_values(evaluation, person_id, office, run_id, now)
        values["violations"], values["evidence"] = lead["violations"], lead["evidence"]
        return _update(lead, values, evaluation, changes, run_id, actor, now, person_id)
    if evaluation.state is None:
        if lead is not None:
            changes.retired += 1
            changes.updates.append(
                {**lead, "retired_at": now, "updated_run": run_id, "updated_at": now}
            )
            changes.events.append(
                _event(lead, "RETIRED", run_id, actor, now, "no violation is found any more")
            )
        return None
    values = lead_values(evaluation, person_id, office, run_id, now)
    if lead is None:
        lead_id = mint_lead_id(person_id, taken)
        taken.add(lead_id)
        row = {
            "lead_id": lead_id,
            **values,
            "closed_by": None,
            "closed_reason": None,
            "created_run": run_id,
            "created_at": now,
            "retired_at": None,
        }
        changes.inserts.append(row)
        changes.created += 1
        changes.events.append(
            _event(
                row,
                "CREATED",
                run_id,
                actor,
                now,
                f"{'|'.join(evaluation.violations)} found",
                to_state=row["state"],
                to_score=row["score"],
            )
        )
        return str(row["state"])
    return _update(lead, values, evaluation, changes, run_id, actor, now, person_id)


def _update(
    lead: dict[str, Any],
    values: dict[str, Any],
    evaluation: Evaluation,
    changes: _Changes,
    run_id: str,
    actor: str,
    now: dt.datetime,
    person_id: str,
) -> str:
    """Update an existing lead; record its state and score changes; return its state."""
    if lead["state"] == "CLOSED":
        values["state"] = "CLOSED"  # a person's decision: runs never reopen it
    elif lead.get("_contested"):
        values["state"] = "HELD"  # an open contest holds it until decided
    moved = bool(lead.get("_moved"))
    same = all(
        values[c] == lead[c]
        for c in LEAD_COLUMNS
        if c not in ("updated_run", "updated_at", "as_of", "evaluation")
    ) and same_evaluation(values["evaluation"], lead["evaluation"])
    if same and not moved:
        if values["as_of"] != lead["as_of"]:
            # Evaluated again at a later date with the same outcome: no event, new date.
            changes.updates.append({**lead, **values, "retired_at": None})
        return str(lead["state"])
    if values["state"] != lead["state"]:
        changes.events.append(
            _event(
                lead,
                "STATE",
                run_id,
                actor,
                now,
                state_reason(evaluation, values["state"]),
                person_id=person_id,
                from_state=lead["state"],
                to_state=values["state"],
            )
        )
    if values["score"] != lead["score"]:
        changes.events.append(
            _event(
                lead,
                "SCORE",
                run_id,
                actor,
                now,
                "score factors changed",
                person_id=person_id,
                from_score=lead["score"],
                to_score=values["score"],
            )
        )
    changes.changed += 1
    changes.updates.append({**lead, **values, "retired_at": None})
    return str(values["state"])


def target(
    engine: Engine,
    lake_dir: Any,
    *,
    principal: Principal,
    purpose_id: str | None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    policy: PriorityPolicy | None = None,
) -> TargetRunSummary:
    """Evaluate every resolved person as of a date and keep their leads; audit the run.

    Args:
        engine: the operational database.
        lake_dir: the lake (unused: the record index holds every current record's
            payload; kept so that every pipeline stage is called alike).
        principal: who runs it (recorded on the run and audited).
        purpose_id: the purpose it serves; the data-use policy applies under it.
        as_of: the date of the evaluation (today if None).
        progress: told (persons done, persons in all) as the evaluation goes.
        policy: the priority policy (the shipped default if None).

    Returns:
        What the run evaluated and changed, with the leads by state and violation.

    Raises:
        TargetingError: no purpose, a purpose that cannot be used, or nothing resolved.
    """
    del lake_dir
    clock = time.perf_counter()
    day = as_of or dt.datetime.now(dt.UTC).date()
    chosen = policy or load_policy()
    now = dt.datetime.now(dt.UTC)
    run_id = str(uuid.uuid4())
    with session_scope(engine) as session, batch.shared_lookups() as lookups:
        ctx = _context(session, principal, purpose_id)
        _signed_off(session, chosen)
        switch = oversight_switch.current(session)  # suspended: nothing is stored OPEN
        suspension, halted = switch.hold_reason(chosen.version), switch.detector_reasons()
        active = targeting_service.active_persons(session=session)
        if not active:
            raise TargetingError(
                "no resolved persons: resolve the ingested records first (imos resolve)"
            )
        persons = sorted(active)
        cut = lawful_cut(
            ctx, targeting_service.record_sources(session=session, known=PERSON_SOURCES)
        )
        withheld, notes = cut.withheld, list(cut.notes)
        # The lookups every person's evaluation shares, from the records that can own an
        # SSN or clear someone, of every person, read as the purpose may use them.
        owners, named_alike = _shared_lookups(session, cut, lookups, day)
        merged = targeting_service.merged_into(session=session)
        leads = targeting_service.current_leads(session=session)
        taken = targeting_service.all_lead_ids(session=session)
        run = TargetingRun(
            id=run_id,
            started_at=now,
            as_of=day,
            purpose_id=purpose_id,
            run_by=principal.actor,
            status="COMPLETED",
            policy_version=chosen.version,
            policy_sha256=chosen.sha256,
            withheld_sources=canon(sorted(withheld)),
        )
        targeting_service.add_run(session=session, run=run)
        changes = _Changes()
        by_person = _place_old_leads(leads, active, merged, changes, run_id, principal.actor, now)
        by_state: Counter[str] = Counter()
        by_violation: Counter[str] = Counter()
        total = len(active)
        evaluator = batch.PersonEvaluator(
            as_of=day, policy=chosen, owners=owners, named_alike=named_alike, weakest={},
            withheld=withheld, halted=halted, suspension=suspension,
        )  # fmt: skip
        try:
            # On this machine or on Spark (IMOS_ENGINE): the same evaluation of each
            # person, a part of the persons at a time (their records, links and leads).
            with batch.evaluating(evaluator) as evaluate_part:
                for start in range(0, total, PART_PERSONS):
                    chunk = persons[start : start + PART_PERSONS]
                    records_of = targeting_service.records_by_person(session=session, persons=chunk)
                    part = batch.Part(
                        records_of=records_of,
                        persons=chunk,
                        weakest=targeting_service.weakest_link_of_records(
                            session=session, persons=chunk
                        ),
                        protected=cut.apply(records_of, day),
                    )
                    told = _part_progress(progress, start, total)
                    evaluations = evaluate_part(part, told)
                    first = len(changes.inserts), len(changes.updates)
                    for pid in chunk:
                        evaluation = evaluations[pid]
                        state = _apply(
                            pid, active[pid], evaluation, by_person.get(pid), taken, changes,
                            run_id, principal.actor, now,
                        )  # fmt: skip
                        if state is not None:
                            by_state[state] += 1
                            by_violation.update(evaluation.violations)
                    replay.snapshot_run(
                        session, run_id=run_id, at=now, actor=principal.actor,
                        policy_version=chosen.version, policy_sha256=chosen.sha256, as_of=day,
                        rows=[*changes.inserts[first[0]:], *changes.updates[first[1]:]],
                        events=changes.events, records_of=records_of, weakest=part.weakest,
                    )  # fmt: skip
                    del records_of, part, evaluations
        except batch.BatchError as exc:
            raise TargetingError(f"targeting run stopped, no lead was changed: {exc}") from exc
        targeting_service.insert_leads(session=session, rows=changes.inserts)
        targeting_service.update_leads(
            session=session,
            rows=changes.updates,
            columns=(*LEAD_COLUMNS, "retired_at"),
        )
        targeting_service.insert_events(session=session, rows=changes.events)
        stats = {
            "by_state": dict(sorted(by_state.items())),
            "by_violation": dict(sorted(by_violation.items())),
            "notes": notes,
        }
        run.finished_at = dt.datetime.now(dt.UTC)
        run.persons = total
        run.created, run.changed, run.retired = changes.created, changes.changed, changes.retired
        run.stats = canon(stats)
        summary = TargetRunSummary(
            run_id=run_id,
            as_of=day,
            persons=total,
            leads=sum(by_state.values()),
            created=changes.created,
            changed=changes.changed,
            retired=changes.retired,
            by_state=dict(sorted(by_state.items())),
            by_violation=dict(sorted(by_violation.items())),
            withheld_sources=tuple(sorted(withheld)),
            notes=tuple(notes),
        )
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action="targeting.run",
            resource_type="targeting_run",
            resource_id=run_id,
            purpose=purpose_id,
            client=principal.client,
            details={
                "as_of": day.isoformat(),
                "policy_version": chosen.version,
                "policy_sha256": chosen.sha256,
                "persons": total,
                "created": changes.created,
                "changed": changes.changed,
                "retired": changes.retired,
                **stats,
                "withheld_sources": sorted(withheld),
                **({"suspension": suspension} if suspension else {}),
                **({"suspended_detectors": sorted(halted)} if halted else {}),
            },
        )
        session.commit()
    return TargetRunSummary(
        **{**summary.__dict__, "seconds": round(time.perf_counter() - clock, 3)}
    )


def close_lead(
    engine: Engine, *, principal: Principal, purpose_id: str | None, lead_id: str, reason: str
) -> Lead:
    """Close a lead as a person's decision, with the reason; audit it. Runs never reopen it."""
    if not reason.strip():
        raise TargetingError("closing a lead needs a reason")
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        # Locked (PostgreSQL): of two closes at once, the second sees the first's CLOSED.
        lead = session.execute(
            select(Lead).where(Lead.lead_id == lead_id).with_for_update()
        ).scalar_one_or_none()
        if lead is None or lead.retired_at is not None:
            raise TargetingError(f"no current lead {lead_id}")
        if lead.state == "CLOSED":
            raise TargetingError(f"lead {lead_id} is already closed ({lead.closed_reason})")
        before = lead.state
        lead.state, lead.closed_by, lead.closed_reason = "CLOSED", principal.actor, reason
        lead.updated_at = now
        session.add(
            LeadEvent(
                lead_id=lead_id,
                run_id=None,
                kind="CLOSED",
                person_id=lead.person_id,
                from_state=before,
                to_state="CLOSED",
                from_score=lead.score,
                to_score=lead.score,
                reason=reason,
                actor=principal.actor,
                at=now,
            )
        )
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action="leads.close",
            resource_type="lead",
            resource_id=lead_id,
            purpose=purpose_id,
            client=principal.client,
            details={"person_id": lead.person_id, "from_state": before, "reason": reason},
        )
        session.commit()
        session.refresh(lead)
        session.expunge(lead)
    return lead


__all__ = [
    "TargetRunSummary",
    "TargetingError",
    "close_lead",
    "evidence_of",
    "fired_safeguards",
    "mint_lead_id",
    "priority_of",
    "ssn_owners",
    "target",
]
