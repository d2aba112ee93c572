"""Contest and correct: a challenge holds the leads it affects; a decision propagates.

``open_contest``: staff who received a challenge (from a person or their attorney) enter
it against a record, an identity link or a flag (a lead). The person's current leads are
HELD with a reason naming the contest (a targeting run keeps them so, ``contest_restrict``)
and their open cases are halted for review; one transaction with the audit event
(``contests.open``).

``contest_decide.decide_contest``: someone other than the one who entered it and other
than the analyst who accepted the lead (opened a case from it) upholds or rejects it,
with a reason.
Rejected, the leads go back to the state they were in. Upheld, the correction propagates:

- RECORD: the corrected values become a new version of the record (``record_versions``
  and the index's current row), which the profile and the next targeting run read;
- IDENTITY_LINK: a DIFFERENT judgement through ``resolution.flows.judge`` (audited
  there), so that the next resolution run splits the two sides;
- FLAG: the lead is CLOSED with the reason (runs never reopen a closed lead);
- a finding of a US citizen or an identity error restricts every record of the person
  from enforcement use, counts the encounter for the field office and opens an incident
  review; the leads are CLOSED and open cases halted for review.

Every change is kept in ``contest_changes`` with what stood before and after, and why;
the decision is audited (``contests.decide``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.cases import flows as cases_flows
from immigrationos.cases import recheck
from immigrationos.cases.models import Case
from immigrationos.db.engine import session_scope
from immigrationos.oversight import contest_service
from immigrationos.oversight.contest_models import (
    CONTEST_KINDS,
    FILED_BY,
    FINDINGS,
    Contest,
    ContestHold,
)
from immigrationos.persons import service as persons_service
from immigrationos.persons.access import in_area
from immigrationos.records.models import Record
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.judgement_flows import parse_side
from immigrationos.resolution.run_flows import ResolutionError
from immigrationos.targeting.models import Lead, LeadEvent


class ContestError(ValueError):
    """A contest that cannot be entered or decided: the HTTP status, a kind, and why."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


@dataclass(frozen=True)
class ContestClaim:
    """What the staff who received a challenge enter."""

    kind: str
    subject: str
    filed_by: str
    claimant: str
    claim: str
    evidence: str
    correction: dict[str, Any]


def canon(value: Any) -> str:
    """Return canonical JSON (sorted keys, no whitespace)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def utc_now() -> dt.datetime:
    """Return the time now, in UTC."""
    return dt.datetime.now(dt.UTC)


def audit(
    session: Session,
    principal: Principal,
    action: str,
    contest: Contest,
    purpose_id: str | None,
    details: dict[str, Any],
) -> None:
    """Append a contest's audit event to the caller's transaction."""
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type="contest",
        resource_id=contest.id,
        purpose=purpose_id,
        client=principal.client,
        details=details,
    )


def lead_event(lead: Lead, kind: str, before: str, reason: str, actor: str) -> LeadEvent:
    """Return a lead event of a contest's change of a lead (from ``before`` to its state now)."""
    return LeadEvent(
        lead_id=lead.lead_id, run_id=None, kind=kind, person_id=lead.person_id,
        from_state=before, to_state=lead.state, from_score=lead.score, to_score=lead.score,
        reason=reason, actor=actor, at=utc_now(),
    )  # fmt: skip


# -- what a contest is against ------------------------------------------------------------


def record_of(session: Session, ref: str) -> Record:
    """Return the indexed record ``source:record_id``; raise ContestError when there is none."""
    try:
        source, record_id = resolution_service.split_ref(ref)
    except ValueError as exc:
        raise ContestError(422, "contest-subject", f"{ref!r} is not 'source:record_id'") from exc
    row = session.execute(
        select(Record).where(Record.source == source, Record.record_id == record_id)
    ).scalar_one_or_none()
    if row is None:
        raise ContestError(404, "contest-subject", f"no record {ref} is in the record index")
    return row


def _persons_of_side(session: Session, ref: str) -> list[str]:
    try:
        side = parse_side(session, ref)
    except ResolutionError as exc:
        raise ContestError(422, "contest-subject", str(exc)) from exc
    if side.kind == "PERSON":
        return [side.ref]
    found = resolution_service.persons_of_records(session=session, refs=[side.ref])
    return list(found.values())


def _subject(session: Session, claim: ContestClaim) -> tuple[list[str], str | None]:
    """Return the persons a contest affects (the first is its person) and the office."""
    if claim.kind == "RECORD":
        row = record_of(session, claim.subject)
        fields = json.loads(row.payload)
        unknown = sorted(set(claim.correction) - set(fields))
        if not claim.correction or unknown:
            raise ContestError(
                422, "contest-correction",
                "a record contest names the corrected fields of the record as "
                f"{{field: value}}; {', '.join(unknown) or 'none given'} not among "
                f"{', '.join(sorted(fields))}",
            )  # fmt: skip
        persons = list(
            resolution_service.persons_of_records(session=session, refs=[claim.subject]).values()
        )
        return persons, row.field_office
    if claim.kind == "IDENTITY_LINK":
        left, sep, right = claim.subject.partition("|")
        if not sep or not left.strip() or not right.strip():
            raise ContestError(
                422, "contest-subject",
                "an identity-link contest names two records or persons as 'left|right'",
            )  # fmt: skip
        persons = list(
            dict.fromkeys(
                _persons_of_side(session, left.strip()) + _persons_of_side(session, right.strip())
            )
        )
        office = None
        if persons:
            person = persons_service.get_person(session=session, person_id=persons[0])
            office = person.field_office if person else None
        return persons, office
    lead = session.get(Lead, claim.subject.strip())
    if lead is None or lead.retired_at is not None:
        raise ContestError(404, "contest-subject", f"no current lead {claim.subject}")
    finding = claim.correction.get("finding")
    if finding is not None and finding not in FINDINGS:
        raise ContestError(
            422, "contest-correction", f"a finding is one of {', '.join(FINDINGS)}, not {finding!r}"
        )
    return [lead.person_id], lead.field_office


def _check_claim(claim: ContestClaim) -> None:
    if claim.kind not in CONTEST_KINDS:
        raise ContestError(422, "contest-kind", f"kind is one of {', '.join(CONTEST_KINDS)}")
    if claim.filed_by not in FILED_BY:
        raise ContestError(422, "contest-filed-by", f"filed_by is one of {', '.join(FILED_BY)}")
    for name in ("claimant", "claim", "evidence"):
        if not str(getattr(claim, name)).strip():
            raise ContestError(
                422, "contest-incomplete", f"a contest needs its {name}: say what it is"
            )


# -- opening: hold the leads --------------------------------------------------------------


def open_contest(
    engine: Engine, *, principal: Principal, claim: ContestClaim, purpose_id: str | None = None
) -> Contest:
    """Enter a contest, hold the person's leads, halt their open cases; audit it."""
    _check_claim(claim)
    now = utc_now()
    with session_scope(engine) as session:
        persons, office = _subject(session, claim)
        if not persons:
            raise ContestError(
                404, "contest-subject", f"{claim.subject} belongs to no resolved person"
            )
        if not in_area(principal, office):
            raise ContestError(
                404, "contest-subject", f"{claim.subject} is not in your area of responsibility"
            )
        contest = Contest(
            id=str(uuid.uuid4()), kind=claim.kind, subject=claim.subject.strip(),
            person_id=persons[0], field_office=office, filed_by=claim.filed_by,
            claimant=claim.claimant.strip(), claim=claim.claim.strip(),
            evidence=claim.evidence.strip(), correction=canon(claim.correction),
            status="OPEN", entered_by=principal.actor, entered_role=principal.role,
            entered_at=now,
        )  # fmt: skip
        session.add(contest)
        session.flush()
        why = f"held by contest {contest.id} ({claim.kind}): {contest.claim}"
        held = []
        for lead in contest_service.current_leads_of(session=session, person_ids=persons):
            if lead.state == "CLOSED":
                continue
            session.add(
                ContestHold(
                    contest_id=contest.id,
                    lead_id=lead.lead_id,
                    state_before=lead.state,
                    held_at=now,
                )
            )
            before, lead.state, lead.updated_at = lead.state, "HELD", now
            session.add(lead_event(lead, "STATE", before, why, principal.actor))
            held.append(lead.lead_id)
        audit(
            session, principal, "contests.open", contest, purpose_id,
            {"kind": claim.kind, "subject": contest.subject, "person_id": contest.person_id,
             "filed_by": claim.filed_by, "claim": contest.claim, "evidence": contest.evidence,
             "correction": claim.correction, "held_leads": held},
        )  # fmt: skip
        session.flush()
        cases = [
            c
            for c in contest_service.cases_of_leads(session=session, lead_ids=held)
            if cases_flows.is_open(c)
        ]
        session.commit()
        for case in cases:
            verdict = recheck.Recheck(
                case.person_id, "HELD", "safeguards", f"lead {case.lead_id} {why}", ()
            )
            halt_case(session, principal, case, f"contest {contest.id} opened", verdict)
        session.refresh(contest)
        session.expunge(contest)
    return contest


def halt_case(
    session: Session, principal: Principal, case: Case, cause: str, verdict: recheck.Recheck
) -> None:
    """Halt an open case for review (it commits); a case already in review stays there."""
    fresh = session.get(Case, case.case_id)
    if fresh is None or not cases_flows.is_open(fresh):
        return
    try:
        cases_flows.halt_for_review(
            session, principal, None, fresh, cause, verdict, [verdict.as_check()]
        )
    except cases_flows.CaseError:
        session.rollback()  # already in that review, or changed meanwhile
