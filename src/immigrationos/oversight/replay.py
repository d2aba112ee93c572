"""Decision snapshots: what a decision rested on, written when it was made (migration 0021).

A lead's score and state and the safeguards behind them are rewritten by every targeting
run, and a person's records and identity links change with every ingest and resolution:
what the platform knew when it decided is otherwise lost. So each decision writes one
small row at the time it is made:

- a targeting run, for each lead it created or whose state or score it changed
  (``snapshot_run``: one call in ``targeting.flows.target``);
- a case transition (``snapshot_case_event``: one call in ``cases.flows.move``).

A row names the records by reference and version (``record_versions`` keeps every
version's payload), the identity links with their probabilities, the policy version and
SHA-256 in force, and the outcome (state, score, safeguards, recommendations, or the
transition with its checks). Nothing is copied that the platform keeps anyway, so a
snapshot costs a few hundred bytes. ``oversight.replay_flows`` reads them back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from immigrationos.db.base import Base
from immigrationos.db.refs import IN_CHUNK, by_source
from immigrationos.records.models import Record
from immigrationos.resolution.models import PERSON_ID_LENGTH, PK_TYPE, PersonLink, PersonRecord
from immigrationos.targeting.models import Lead
from immigrationos.targeting.records import PersonRecord as TargetRecord

SNAPSHOT_KINDS = ("LEAD", "CASE")
# The lead events that are a decision of the platform worth a snapshot.
DECIDING_EVENTS = frozenset(("CREATED", "STATE", "SCORE", "MOVED"))


class DecisionSnapshot(Base):
    """What one decision rested on, as it stood when it was made.

    ``subject_id`` is the lead or the case; ``event_id`` the case event (a transition).
    ``records`` is a JSON list of ``{"ref", "version"}``; ``links`` a JSON object
    ``ref -> weakest link probability``; ``outcome`` JSON of what was decided.
    """

    __tablename__ = "decision_snapshots"
    __table_args__ = (Index("ix_decision_snapshots_subject", "kind", "subject_id", "at"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    as_of: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(100))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    records: Mapped[str] = mapped_column(Text)
    links: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def record_versions(session: Session, refs: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Return the current version of each ``(source, record_id)``, by ``source:record_id``.

    Asked source by source through the unique index on (source, record_id)
    (``db.refs.by_source``); a list of pairs made SQLite scan every record.
    """
    found: dict[str, int] = {}
    for source, ids in by_source(refs, IN_CHUNK):
        rows = session.execute(
            select(Record.record_id, Record.version).where(
                Record.source == source, Record.record_id.in_(ids)
            )
        )
        for record_id, version in rows:
            found[f"{source}:{record_id}"] = int(version)
    return found


def _record_refs(
    records: Sequence[TargetRecord], versions: Mapping[str, int]
) -> list[dict[str, Any]]:
    return [{"ref": r.ref, "version": versions.get(r.ref)} for r in records]


def lead_outcome(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return what a lead row says was decided: state, score, safeguards, next steps."""
    evaluation = json.loads(row["evaluation"]) if row.get("evaluation") else {}
    return {
        "lead_id": row["lead_id"],
        "state": row["state"],
        "score": row["score"],
        "priority": row.get("priority"),
        "violations": json.loads(row["violations"]) if row.get("violations") else [],
        "safeguards": [
            {"name": s.get("name"), "effect": s.get("effect"), "reason": s.get("reason")}
            for s in evaluation.get("safeguards", [])
            if s.get("effect") not in (None, "NONE")
        ],
        "recommendations": [r.get("action") for r in evaluation.get("recommendations", [])],
        "field_office": row.get("field_office"),
    }


def snapshot_run(
    session: Session,
    *,
    run_id: str,
    at: datetime,
    actor: str,
    policy_version: str,
    policy_sha256: str,
    as_of: date,
    rows: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    records_of: Mapping[str, Sequence[TargetRecord]],
    weakest: Mapping[str, float],
) -> int:
    """Write a snapshot of every lead a targeting run decided anew; return how many.

    Args:
        rows: the lead rows the run inserted or updated (with their evaluation).
        events: the run's lead events; a lead with a CREATED, STATE, SCORE or MOVED
            event is a new decision (one with none kept its outcome: no snapshot).
        records_of: the records the run evaluated, by person (the lawful ones).
        weakest: the weakest link probability of each linked record.
    """
    decided = {e["lead_id"] for e in events if e["kind"] in DECIDING_EVENTS}
    chosen = [r for r in rows if r["lead_id"] in decided and not r.get("retired_at")]
    if not chosen:
        return 0
    refs = {
        (rec.source, rec.record_id) for r in chosen for rec in records_of.get(r["person_id"], ())
    }
    versions = record_versions(session, refs)
    values = []
    for r in chosen:
        records = records_of.get(r["person_id"], ())
        values.append(
            {
                "kind": "LEAD",
                "subject_id": r["lead_id"],
                "event_id": None,
                "run_id": run_id,
                "person_id": r["person_id"],
                "at": at,
                "as_of": as_of,
                "actor": actor,
                "policy_version": policy_version,
                "policy_sha256": policy_sha256,
                "records": _canon(_record_refs(records, versions)),
                "links": _canon({x.ref: weakest[x.ref] for x in records if x.ref in weakest}),
                "outcome": _canon(lead_outcome(r)),
            }
        )
    session.execute(insert(DecisionSnapshot), values)
    return len(values)


def members_of(session: Session, person_id: str) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Return a person's current records (with versions) and weakest link probabilities."""
    rows = session.execute(
        select(Record.source, Record.record_id, Record.version)
        .join(
            PersonRecord,
            (PersonRecord.source == Record.source) & (PersonRecord.record_id == Record.record_id),
        )
        .where(PersonRecord.person_id == person_id, Record.withdrawn.is_(False))
        .order_by(Record.source, Record.record_id)
    )
    records = [{"ref": f"{s}:{rid}", "version": int(v)} for s, rid, v in rows]
    weakest: dict[str, float] = defaultdict(lambda: 1.0)
    links = session.execute(
        select(PersonLink.unique_id_l, PersonLink.unique_id_r, PersonLink.match_probability).where(
            PersonLink.person_id == person_id
        )
    )
    for left, right, p in links:
        for ref in (left, right):
            weakest[ref] = min(weakest[ref], float(p))
    return records, dict(weakest)


def snapshot_case_event(
    session: Session,
    *,
    case: Any,
    event: Any,
    as_of: date,
) -> DecisionSnapshot:
    """Write the snapshot of a case transition: the person's records, links and checks.

    The policy in force for the person is the one their lead was last evaluated under.
    """
    records, links = members_of(session, case.person_id)
    lead = session.get(Lead, case.lead_id)
    policy_version = lead.policy_version if lead is not None else "unknown"
    policy_sha256 = lead.policy_sha256 if lead is not None else ""
    snapshot = DecisionSnapshot(
        kind="CASE",
        subject_id=case.case_id,
        event_id=event.id,
        run_id=None,
        person_id=case.person_id,
        at=event.at,
        as_of=as_of,
        actor=event.actor,
        policy_version=policy_version,
        policy_sha256=policy_sha256,
        records=_canon(records),
        links=_canon(links),
        outcome=_canon(
            {
                "case_id": case.case_id,
                "lead_id": case.lead_id,
                "transition": event.transition,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "reason": event.reason,
                "checks": json.loads(event.checks or "[]"),
                "field_office": case.field_office,
                "lead_state": lead.state if lead is not None else None,
                "lead_score": lead.score if lead is not None else None,
            }
        ),
    )
    session.add(snapshot)
    session.flush()
    return snapshot
