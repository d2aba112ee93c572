"""Deciding a contest: upheld or rejected by someone independent, and what follows.

Rejected, the leads the contest holds go back to the state they were in. Upheld, the
correction propagates (see ``contest_flows``): a record's new version, a DIFFERENT
judgement for the next resolution run, a closed lead; a US citizen or an identity error
found restricts the person's records, counts the encounter and opens an incident review.
Every change is kept with what stood before and after, and the decision is audited
(``contests.decide``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import uuid

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.cases import flows as cases_flows
from immigrationos.cases import recheck
from immigrationos.db.engine import session_scope
from immigrationos.oversight import contest_service
from immigrationos.oversight.contest_flows import (
    ContestError,
    audit,
    canon,
    halt_case,
    lead_event,
    record_of,
    utc_now,
)
from immigrationos.oversight.contest_models import (
    ERROR_KINDS,
    FINDINGS,
    Contest,
    ContestHold,
    IncidentReview,
    RecordRestriction,
)
from immigrationos.persons.access import in_area
from immigrationos.records.models import RecordVersion
from immigrationos.resolution import flows as resolution_flows
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.run_flows import ResolutionError
from immigrationos.targeting.models import Lead

OUTCOMES = ("UPHELD", "REJECTED")
# Index columns a corrected field also fills (the rest of a record lives in its payload).
DATE_COLUMNS = frozenset(("birth_date",))
TEXT_COLUMNS = {"sex": 1, "zip": 5, "state": 2}


def accepting_analysts(session: Session, contest_id: str) -> set[str]:
    """Return who accepted a held lead (opened a case from it)."""
    held = [h.lead_id for h in contest_service.holds_of(session=session, contest_id=contest_id)]
    return {c.created_by for c in contest_service.cases_of_leads(session=session, lead_ids=held)}


def _correct_record(
    session: Session, principal: Principal, contest: Contest, reason: str, now: dt.datetime
) -> None:
    """Write the corrected values as a new version of the record; keep before and after."""
    row = record_of(session, contest.subject)
    correction = json.loads(contest.correction)
    payload = json.loads(row.payload)
    before = {k: payload.get(k) for k in correction}
    payload.update(correction)
    text = canon(payload)
    row.version += 1
    row.change, row.payload, row.batch_id, row.ingested_at = "CHANGED", text, contest.id, now
    for name, value in correction.items():
        if name in DATE_COLUMNS:
            setattr(row, name, dt.date.fromisoformat(str(value)) if value else None)
        elif name in TEXT_COLUMNS:
            setattr(row, name, str(value)[: TEXT_COLUMNS[name]] if value else None)
    session.add(
        RecordVersion(
            source=row.source,
            record_id=row.record_id,
            version=row.version,
            change="CHANGED",
            batch_id=contest.id,
            row_hash=hashlib.md5(text.encode()).hexdigest(),
            source_file=f"contest:{contest.id}",
            line_number=None,
            ingested_at=now,
            payload=text,
        )
    )
    contest_service.add_change(
        session=session, contest_id=contest.id, kind="RECORD_VERSION",
        ref=f"{contest.subject}@{row.version}", before=canon(before), after=canon(correction),
        reason=reason, actor=principal.actor, at=now,
    )  # fmt: skip


def _release(
    session: Session,
    principal: Principal,
    contest: Contest,
    reason: str,
    now: dt.datetime,
    close: str | None,
) -> list[str]:
    """Release the contest's holds: back to the state before, or CLOSED with ``close``."""
    released = []
    for hold in contest_service.holds_of(session=session, contest_id=contest.id):
        if hold.released_at is not None:
            continue
        hold.released_at = now
        lead = session.get(Lead, hold.lead_id, with_for_update=True)
        if lead is None or lead.retired_at is not None or lead.state != "HELD":
            hold.state_after = lead.state if lead is not None else None
            continue
        others = session.execute(
            select(ContestHold.contest_id).where(
                ContestHold.lead_id == lead.lead_id,
                ContestHold.released_at.is_(None),
                ContestHold.contest_id != contest.id,
            )
        ).first()
        before = lead.state
        if close is not None:
            lead.state, lead.closed_by, lead.closed_reason = "CLOSED", principal.actor, close
            kind = "CLOSED"
        elif others is not None:
            hold.state_after = lead.state
            continue  # another open contest still holds it
        else:
            lead.state, kind = hold.state_before, "STATE"
        lead.updated_at = now
        hold.state_after = lead.state
        words = close or f"contest {contest.id} {contest.status.lower()}: {reason}"
        session.add(lead_event(lead, kind, before, words, principal.actor))
        contest_service.add_change(
            session=session, contest_id=contest.id, kind="LEAD", ref=lead.lead_id,
            before=canon({"state": before}), after=canon({"state": lead.state}),
            reason=words, actor=principal.actor, at=now,
        )  # fmt: skip
        released.append(lead.lead_id)
    return released


def _found_error(
    session: Session, principal: Principal, contest: Contest, reason: str, now: dt.datetime
) -> IncidentReview:
    """Restrict the person's records, count the encounter, open the incident review."""
    kind = str(contest.finding)
    refs = resolution_service.records_of(session=session, person_id=contest.person_id)
    restricted = []
    for ref in refs:
        source, record_id = resolution_service.split_ref(ref)
        restriction = RecordRestriction(
            source=source, record_id=record_id, contest_id=contest.id, kind=kind,
            reason=reason, restricted_by=principal.actor, restricted_at=now,
        )  # fmt: skip
        if contest_service.restrict(session=session, restriction=restriction):
            restricted.append(ref)
    contest_service.add_change(
        session=session, contest_id=contest.id, kind="RESTRICTION", ref=contest.person_id,
        before=canon({"restricted": []}), after=canon({"restricted": restricted}),
        reason=f"{kind}: kept only as the record of the error", actor=principal.actor, at=now,
    )  # fmt: skip
    count = contest_service.count_error(
        session=session, field_office=contest.field_office, kind=kind, at=now
    )
    incident = IncidentReview(
        id=str(uuid.uuid4()), contest_id=contest.id, kind=kind, person_id=contest.person_id,
        field_office=contest.field_office, status="OPEN",
        summary=f"{kind} found by contest {contest.id}: {reason}", opened_by=principal.actor,
        opened_at=now,
    )  # fmt: skip
    session.add(incident)
    contest_service.add_change(
        session=session, contest_id=contest.id, kind="INCIDENT", ref=incident.id,
        before=canon({}), after=canon({"status": "OPEN", "office_count": count}),
        reason=incident.summary, actor=principal.actor, at=now,
    )  # fmt: skip
    return incident


def _refuse_decider(session: Session, principal: Principal, contest: Contest) -> None:
    if contest.status != "OPEN":
        raise ContestError(
            409, "contest-decided",
            f"contest {contest.id} is already {contest.status} by {contest.decided_by}",
        )  # fmt: skip
    if principal.actor == contest.entered_by:
        raise ContestError(
            403, "contest-decider-not-independent",
            f"you entered contest {contest.id}: someone else decides it",
        )  # fmt: skip
    if principal.actor in accepting_analysts(session, contest.id):
        raise ContestError(
            403, "contest-decider-not-independent",
            f"you accepted a lead contest {contest.id} holds: someone else decides it",
        )  # fmt: skip


def decide_contest(
    engine: Engine,
    *,
    principal: Principal,
    contest_id: str,
    outcome: str,
    reason: str,
    finding: str | None = None,
    purpose_id: str | None = None,
) -> Contest:
    """Uphold or reject a contest with a reason; propagate an upheld correction; audit it.

    Args:
        engine: the operational database.
        principal: the decider: neither who entered it nor who accepted a held lead.
        contest_id: the contest.
        outcome: UPHELD or REJECTED.
        reason: why (required, kept on every change).
        finding: for an upheld contest, US_CITIZEN, IDENTITY_ERROR or FLAG_WRONG (a FLAG
            contest defaults to what was claimed, else FLAG_WRONG).
        purpose_id: when given, the open cases the caller may see are re-checked under it.

    Raises:
        ContestError: unknown contest or outcome, no reason, already decided, or a
            decider who is not independent.
    """
    if outcome not in OUTCOMES:
        raise ContestError(422, "contest-outcome", f"outcome is one of {', '.join(OUTCOMES)}")
    if not reason or not reason.strip():
        raise ContestError(422, "contest-reason", "a decision needs a reason: say what shows it")
    if finding is not None and finding not in FINDINGS:
        raise ContestError(422, "contest-finding", f"finding is one of {', '.join(FINDINGS)}")
    reason = reason.strip()
    with session_scope(engine) as session:
        contest = contest_service.get(session=session, contest_id=contest_id)
        if contest is None or not in_area(principal, contest.field_office):
            raise ContestError(404, "contest-not-found", f"no contest {contest_id} is available")
        _refuse_decider(session, principal, contest)
        claimed = json.loads(contest.correction).get("finding")
        if outcome == "UPHELD" and contest.kind == "FLAG":
            finding = finding or claimed or "FLAG_WRONG"
        elif outcome == "REJECTED":
            finding = None
        if outcome == "UPHELD" and contest.kind == "IDENTITY_LINK":
            left, _sep, right = contest.subject.partition("|")
            session.rollback()
            try:  # the judgement flow owns its transaction and audits the judgement
                resolution_flows.judge(
                    engine=engine, principal=principal, left=left.strip(), right=right.strip(),
                    verdict="DIFFERENT", reason=f"contest {contest_id} upheld: {reason}",
                    purpose_id=purpose_id,
                )  # fmt: skip
            except ResolutionError as exc:
                raise ContestError(409, "contest-judgement", str(exc)) from exc
            contest = contest_service.get(session=session, contest_id=contest_id)
            assert contest is not None
            _refuse_decider(session, principal, contest)
    return _decide(engine, principal, contest_id, outcome, reason, finding, purpose_id)


def _decide(
    engine: Engine,
    principal: Principal,
    contest_id: str,
    outcome: str,
    reason: str,
    finding: str | None,
    purpose_id: str | None,
) -> Contest:
    now = utc_now()
    with session_scope(engine) as session:
        contest = session.get(Contest, contest_id, with_for_update=True)
        assert contest is not None
        _refuse_decider(session, principal, contest)
        contest.status, contest.decided_by, contest.decided_role = (
            outcome, principal.actor, principal.role,
        )  # fmt: skip
        contest.decided_at, contest.decision_reason, contest.finding = now, reason, finding
        incident = None
        close = None
        if outcome == "UPHELD":
            if contest.kind == "RECORD":
                _correct_record(session, principal, contest, reason, now)
            elif contest.kind == "IDENTITY_LINK":
                contest_service.add_change(
                    session=session, contest_id=contest.id, kind="JUDGEMENT",
                    ref=contest.subject, before=canon({"verdict": None}),
                    after=canon({"verdict": "DIFFERENT"}),
                    reason=f"the next resolution run splits {contest.subject}",
                    actor=principal.actor, at=now,
                )  # fmt: skip
            if finding in ERROR_KINDS:
                incident = _found_error(session, principal, contest, reason, now)
            if contest.kind == "FLAG" or finding in ERROR_KINDS:
                close = f"contest {contest.id} upheld ({finding}): {reason}"
        released = _release(session, principal, contest, reason, now, close)
        held = [h.lead_id for h in contest_service.holds_of(session=session, contest_id=contest.id)]
        open_cases = [
            c
            for c in contest_service.cases_of_leads(session=session, lead_ids=held)
            if cases_flows.is_open(c)
        ]
        audit(
            session, principal, "contests.decide", contest, purpose_id,
            {"outcome": outcome, "reason": reason, "finding": finding, "released": released,
             "incident": incident.id if incident else None,
             "changes": [
                 {"kind": c.kind, "ref": c.ref, "before": json.loads(c.before),
                  "after": json.loads(c.after)}
                 for c in contest_service.changes_of(session=session, contest_id=contest.id)
             ]},
        )  # fmt: skip
        session.commit()
        if finding in ERROR_KINDS:
            for case in open_cases:
                halt = "citizenship" if finding == "US_CITIZEN" else "safeguards"
                verdict = recheck.Recheck(
                    case.person_id, "CLOSED", halt,
                    f"contest {contest.id} upheld: {finding} ({reason})", (),
                )  # fmt: skip
                halt_case(session, principal, case, f"contest {contest.id} upheld", verdict)
        session.refresh(contest)
        session.expunge(contest)
    if purpose_id and finding not in ERROR_KINDS:
        # A purpose the caller may not use: the next transition re-checks anyway.
        with contextlib.suppress(cases_flows.CaseError):
            cases_flows.recheck_open_cases(engine, principal=principal, purpose_id=purpose_id)
    return contest
