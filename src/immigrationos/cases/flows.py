"""Case use cases: accept a lead, assign an officer, move a case along its state machine.

Each flow owns its transaction: the change, its history event and its audit event
(``cases.create``, ``cases.assign``, ``cases.transition``, ``cases.halt``) commit together
or not at all. A refusal raises :class:`CaseError` with the HTTP status, a kind and the
words that say what was wrong; the caller audits it. Every transition re-evaluates the
safeguards on the case's person (``recheck``); when they no longer clear the person, a
transition that advances enforcement is refused and the case is halted for a review, and
that halt is committed (the outcome says so).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth import service as auth_service
from immigrationos.auth.principal import Principal
from immigrationos.cases import machine, recheck
from immigrationos.cases import service as cases_service
from immigrationos.cases.machine import CaseState, Check, Transition
from immigrationos.cases.models import Case, CaseEvent
from immigrationos.custody import deadlines as custody_deadlines
from immigrationos.custody import removal as custody_removal
from immigrationos.db.engine import session_scope
from immigrationos.oversight import replay
from immigrationos.oversight import switch as oversight_switch
from immigrationos.persons.access import in_area
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import UseContext
from immigrationos.policy.errors import PurposeError
from immigrationos.targeting import service as targeting_service

S_CITIZENSHIP = CaseState.CITIZENSHIP_REVIEW.value
SELF_DEPARTURE = machine.BY_NAME["record_self_departure"]


class CaseError(ValueError):
    """A case change that cannot be made: the HTTP status, a kind, and why."""

    def __init__(self, status: int, kind: str, detail: str, rule: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.rule = status, kind, detail, rule


@dataclass(frozen=True)
class TransitionOutcome:
    """What a transition did: the case as it is now, its new event, and whether it halted."""

    case: Case
    event: CaseEvent
    halted: bool
    recheck: recheck.Recheck


def not_found(case_id: str, principal: Principal, rule: str | None = None) -> CaseError:
    """Return the 404 of a case: the same words whether it is missing or out of the area."""
    where = "" if principal.area() is None else " in your area of responsibility"
    return CaseError(404, "case-not-found", f"no case {case_id} is available to you{where}", rule)


def _context(session: Session, principal: Principal, purpose_id: str | None) -> UseContext:
    if not purpose_id:
        raise CaseError(428, "purpose-required", "cases are person data: declare a purpose")
    try:
        return policy_service.load_context(
            session=session, principal=principal, purpose_id=purpose_id
        )
    except PurposeError as exc:
        raise CaseError(403, "purpose-refused", str(exc), "PURPOSE_REFUSED") from exc


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    case_id: str,
    purpose_id: str | None,
    details: dict[str, Any],
) -> None:
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type="case",
        resource_id=case_id,
        purpose=purpose_id,
        client=principal.client,
        details=details,
    )


def _event(case: Case, principal: Principal, kind: str, **values: Any) -> CaseEvent:
    checks = values.pop("checks", [])
    return CaseEvent(
        case_id=case.case_id,
        kind=kind,
        actor=principal.actor,
        actor_role=principal.role,
        checks=json.dumps(checks, sort_keys=True),
        at=dt.datetime.now(dt.UTC),
        **values,
    )


def _detach(session: Session, *rows: Any) -> None:
    for row in rows:
        session.refresh(row)
        session.expunge(row)


def _visible_case(session: Session, principal: Principal, case_id: str) -> Case:
    case = cases_service.get_case(session=session, case_id=case_id)
    if case is None:
        raise not_found(case_id, principal)
    if not in_area(principal, case.field_office):
        raise not_found(case_id, principal, "AREA_OF_RESPONSIBILITY")
    return case


def _stale(case: Case, seen: int) -> CaseError:
    return CaseError(
        409,
        "case-version-stale",
        f"case {case.case_id} is at version {case.version}, not {seen}: someone changed it "
        "since you read it; read it again and decide on what it is now",
    )


def accept_lead(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    lead_id: str,
    reason: str | None = None,
    as_of: dt.date | None = None,
) -> Case:
    """Open a case from an OPEN lead after the safeguards clear its person again; audit it."""
    with session_scope(engine) as session:
        ctx = _context(session, principal, purpose_id)
        lead = targeting_service.get_lead(session=session, lead_id=lead_id)
        if lead is None or not in_area(principal, lead.field_office):
            where = "" if principal.area() is None else " in your area of responsibility"
            raise CaseError(
                404, "lead-not-found", f"no lead {lead_id} is available to you{where}",
                None if lead is None else "AREA_OF_RESPONSIBILITY",
            )  # fmt: skip
        if lead.retired_at is not None:
            raise CaseError(
                409, "lead-not-open",
                f"lead {lead_id} is retired (no longer its person's current lead); "
                "accept the person's current lead instead",
            )  # fmt: skip
        if lead.state != "OPEN":
            why = {
                "HELD": "held by a safeguard until a person reviews it",
                "SUPPRESSED": "suppressed by a safeguard: no enforcement action",
                "CLOSED": f"closed by {lead.closed_by}: {lead.closed_reason}",
            }.get(lead.state, lead.state)
            fired = ", ".join(json.loads(lead.safeguards)) or "none"
            raise CaseError(
                409, "lead-not-open",
                f"lead {lead_id} is {lead.state} ({why}; safeguards: {fired}); only an OPEN "
                "lead can become a case",
            )  # fmt: skip
        existing = cases_service.case_of_lead(session=session, lead_id=lead_id)
        if existing is not None:
            raise CaseError(
                409, "case-exists", f"lead {lead_id} is already case {existing.case_id}"
            )
        frozen = oversight_switch.current(session).frozen_reason(
            lead.policy_version, json.loads(lead.violations)
        )  # the stop switch freezes the queue (oversight/switch.py)
        if frozen is not None:
            raise CaseError(
                409, "targeting-suspended", f"lead {lead_id} cannot become a case: {frozen}"
            )
        verdict = recheck.evaluate(session, ctx, lead.person_id, as_of or _today(), lead_id)
        if verdict.halt is not None:
            raise CaseError(
                409, "lead-not-open",
                f"lead {lead_id} cannot become a case: the safeguards, evaluated again on "
                f"the person's current records, refuse it ({verdict.detail})",
            )  # fmt: skip
        now = dt.datetime.now(dt.UTC)
        case = Case(
            case_id=cases_service.new_case_id(),
            lead_id=lead_id,
            person_id=verdict.person_id or lead.person_id,
            field_office=lead.field_office,
            state=machine.FIRST_STATE.value,
            version=1,
            created_by=principal.actor,
            created_at=now,
            updated_at=now,
        )
        cases_service.add_case(session=session, case=case)
        event = _event(
            case, principal, "CREATED", transition="accept_lead", to_state=case.state,
            reason=reason, checks=[verdict.as_check()], version=1,
        )  # fmt: skip
        cases_service.add_event(session=session, event=event)
        _audit(
            session, principal, "cases.create", case.case_id, purpose_id,
            {"lead_id": lead_id, "person_id": case.person_id, "reason": reason},
        )  # fmt: skip
        try:
            session.commit()
        except IntegrityError as exc:  # another analyst accepted it at the same moment
            raise CaseError(409, "case-exists", f"lead {lead_id} was just accepted") from exc
        _detach(session, case)
    return case


def assign(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    officer_id: str,
    version: int,
    reason: str | None = None,
) -> Case:
    """Assign a case to an officer of its field office, at the version seen; audit it."""
    with session_scope(engine) as session:
        _context(session, principal, purpose_id)
        case = _visible_case(session, principal, case_id)
        if case.state in {s.value for s in machine.TERMINAL}:
            raise CaseError(409, "case-closed", f"case {case_id} is {case.state}: it is over")
        if case.version != version:
            raise _stale(case, version)
        officer = auth_service.get_user(session=session, user_id=officer_id)
        if officer is None or officer.role != "OFFICER" or officer.disabled:
            raise CaseError(
                400, "officer-not-eligible",
                f"{officer_id} is not an enabled OFFICER account; cases go to officers",
            )  # fmt: skip
        if case.field_office is None or case.field_office not in officer.offices:
            raise CaseError(
                400, "officer-not-eligible",
                f"officer {officer.username} does not work {case.field_office or 'this case'}"
                f"'s area (their offices: {', '.join(officer.offices) or 'none'})",
            )  # fmt: skip
        before = case.assigned_officer
        now = dt.datetime.now(dt.UTC)
        values = {"assigned_officer": officer.id, "assigned_by": principal.actor, "updated_at": now}
        if not cases_service.write_if_current(
            session=session, case_id=case_id, seen_version=version, values=values
        ):
            session.rollback()
            raise _stale(_visible_case(session, principal, case_id), version)
        check = {"name": "OFFICER_ELIGIBLE", "passed": True, "detail": officer.username}
        event = _event(
            case, principal, "ASSIGNED", from_state=case.state, to_state=case.state,
            reason=reason, checks=[check], version=version + 1,
        )  # fmt: skip
        cases_service.add_event(session=session, event=event)
        _audit(
            session, principal, "cases.assign", case_id, purpose_id,
            {"officer": officer.id, "previous": before, "reason": reason, "version": version + 1},
        )  # fmt: skip
        session.commit()
        _detach(session, case)
    return case


def _run_checks(
    case: Case, move: Transition, principal: Principal, verdict: recheck.Recheck
) -> list[dict[str, Any]]:
    ran: list[dict[str, Any]] = []
    for check in move.checks:
        if check is Check.ASSIGNED_OFFICER:
            if case.assigned_officer is None:
                raise CaseError(
                    409, "case-not-assigned",
                    f"{move.name} needs an assigned officer: a supervisor assigns case "
                    f"{case.case_id} first",
                )  # fmt: skip
            if principal.role == "OFFICER" and principal.actor != case.assigned_officer:
                raise CaseError(
                    403, "not-assigned-officer",
                    f"case {case.case_id} is assigned to another officer; only they or a "
                    "supervisor may take it further",
                )  # fmt: skip
            ran.append({"name": check.value, "passed": True, "detail": case.assigned_officer})
        elif check is Check.SAFEGUARDS:
            ran.append(verdict.as_check())
    return ran


def _refuse_move(case: Case, move: Transition | None, name: str, principal: Principal) -> None:
    if move is None:
        names = ", ".join(t.name for t in machine.available(case.state)) or "none"
        raise CaseError(
            400, "transition-unknown",
            f"there is no transition {name!r}; from {case.state}: {names}",
        )  # fmt: skip
    if machine.SYSTEM in move.roles:
        raise CaseError(
            403, "transition-not-allowed", f"{name} is taken by the platform, never by a person"
        )
    if principal.role not in move.roles and not principal.is_operator:
        raise CaseError(
            403, "transition-not-allowed",
            f"{name} is for {', '.join(sorted(move.roles))}, not {principal.role}",
        )  # fmt: skip
    if case.state not in move.sources:
        names = ", ".join(t.name for t in machine.available(case.state)) or "none (it is over)"
        raise CaseError(
            409, "transition-not-available",
            f"case {case.case_id} is {case.state}; {name} leaves only "
            f"{', '.join(sorted(s.value for s in move.sources))}. From {case.state}: {names}",
        )  # fmt: skip


def move(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    transition: str,
    version: int,
    reason: str | None = None,
    as_of: dt.date | None = None,
) -> TransitionOutcome:
    """Take a transition at the version seen, after its checks; halt the case if they say so.

    Raises:
        CaseError: the case is not visible, the transition unknown, not the caller's, not
            open from this state, without a required reason, or the version is stale.
    """
    reason = reason.strip() if reason and reason.strip() else None
    with session_scope(engine) as session:
        ctx = _context(session, principal, purpose_id)
        case = _visible_case(session, principal, case_id)
        chosen = machine.transition(transition)
        _refuse_move(case, chosen, transition, principal)
        assert chosen is not None
        if chosen.reason_required and reason is None:
            raise CaseError(
                422, "reason-required",
                f"{transition} needs a reason: give it in 'reason' (recorded and audited)",
            )  # fmt: skip
        if case.version != version:
            raise _stale(case, version)
        verdict = recheck.evaluate(session, ctx, case.person_id, as_of or _today(), case.lead_id)
        checks = _run_checks(case, chosen, principal, verdict)
        if verdict.halt is not None and chosen.advances:
            cause = f"{chosen.name} refused"
            return _halt(session, principal, purpose_id, case, cause, verdict, checks, version)
        if Check.REMOVAL_ELIGIBLE in chosen.checks:
            eligibility = custody_removal.check_case(session, ctx, case, as_of or _today())
            checks.append(eligibility.as_check())
            if not eligibility.eligible:
                raise CaseError(
                    409, "removal-not-eligible",
                    f"{transition} refused for case {case_id}: {eligibility.detail}",
                )  # fmt: skip
        target = machine.target_of(chosen, case.halted_from)
        now = dt.datetime.now(dt.UTC)
        values = {"state": target.value, "halted_from": None, "updated_at": now}
        if not cases_service.write_if_current(
            session=session, case_id=case_id, seen_version=version, values=values
        ):
            session.rollback()
            raise _stale(_visible_case(session, principal, case_id), version)
        event = _event(
            case, principal, "TRANSITION", transition=chosen.name, from_state=case.state,
            to_state=target.value, reason=reason, checks=checks, version=version + 1,
        )  # fmt: skip
        cases_service.add_event(session=session, event=event)
        replay.snapshot_case_event(session, case=case, event=event, as_of=as_of or _today())
        deadlines = custody_deadlines.on_transition(
            session, case, chosen.name, target.value, principal.actor, now
        )
        _audit(
            session, principal, "cases.transition", case_id, purpose_id,
            {"transition": chosen.name, "from_state": case.state, "to_state": target.value,
             "reason": reason, "checks": checks, "version": version + 1,
             "deadlines": [{"kind": d.kind, "status": d.status} for d in deadlines]},
        )  # fmt: skip
        session.commit()
        _detach(session, case, event)
    return TransitionOutcome(case, event, False, verdict)


def _halt(
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    case: Case,
    cause: str,
    verdict: recheck.Recheck,
    checks: list[dict[str, Any]],
    version: int,
) -> TransitionOutcome:
    """Move the case to the review the safeguards call for; ``cause`` says what led there."""
    halt = (
        machine.HALT_FOR_CITIZENSHIP
        if verdict.halt == "citizenship"
        else machine.HALT_FOR_SAFEGUARDS
    )
    target = halt.target
    assert target is not None
    halted_from = case.halted_from if case.state in machine.HALTED else case.state
    if case.state == target.value:
        # Already in that review (a resume the safeguards still refuse): nothing moves.
        raise CaseError(
            409, "case-halted",
            f"case {case.case_id} stays in {case.state}: {verdict.detail}",
        )  # fmt: skip
    values = {"state": target.value, "halted_from": halted_from,
              "updated_at": dt.datetime.now(dt.UTC)}  # fmt: skip
    if not cases_service.write_if_current(
        session=session, case_id=case.case_id, seen_version=version, values=values
    ):
        session.rollback()
        raise _stale(_visible_case(session, principal, case.case_id), version)
    why = f"{cause}: {verdict.detail}"
    event = _event(
        case, principal, "HALTED", transition=halt.name, from_state=case.state,
        to_state=target.value, reason=why, checks=checks, version=version + 1,
    )  # fmt: skip
    cases_service.add_event(session=session, event=event)
    replay.snapshot_case_event(session, case=case, event=event, as_of=_today())
    _audit(
        session, principal, "cases.halt", case.case_id, purpose_id,
        {"cause": cause, "from_state": case.state, "to_state": target.value,
         "review": "CITIZENSHIP_REVIEW" if verdict.halt == "citizenship" else "SAFEGUARD_REVIEW",
         "reason": why, "checks": checks, "version": version + 1},
    )  # fmt: skip
    session.commit()
    _detach(session, case, event)
    return TransitionOutcome(case, event, True, verdict)


def recheck_open_cases(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    as_of: dt.date | None = None,
) -> list[TransitionOutcome]:
    """Evaluate the safeguards again on every open case the caller may see; halt as needed.

    The step to run after new records arrive (ingest, resolution, a targeting run): a
    citizenship record then halts the case at once, not only at its next transition.
    Each case is checked and halted in its own transaction; a case someone changes at the
    same moment is left to that change, which runs the same check. A confirmed departure
    (an I-94 departure, a confirmed self-reported departure) moves a case not in custody
    to ``self_departed`` instead of halting it (the outcome's ``halted`` is False).
    """
    day = as_of or _today()
    with session_scope(engine) as session:
        _context(session, principal, purpose_id)
        area = principal.area()
        case_ids = cases_service.case_ids_in(
            session=session,
            states=frozenset(s.value for s in machine.OPEN_STATES - {S_CITIZENSHIP}),
            offices=None if area is None else frozenset(area),
        )
    halted: list[TransitionOutcome] = []
    for case_id in case_ids:
        with session_scope(engine) as session:
            ctx = _context(session, principal, purpose_id)
            case = cases_service.get_case(session=session, case_id=case_id)
            if case is None or case.state == S_CITIZENSHIP or not is_open(case):
                continue
            verdict = recheck.evaluate(session, ctx, case.person_id, day, case.lead_id)
            if verdict.halt is None:
                continue
            departed = verdict.departure is not None and verdict.halt != "citizenship"
            if departed and case.state in SELF_DEPARTURE.sources:
                halted.append(_self_departed(session, principal, purpose_id, case, verdict))
                continue
            cause = "safeguards re-evaluated on new records"
            checks = [verdict.as_check()]
            try:
                outcome = _halt(
                    session, principal, purpose_id, case, cause, verdict, checks, case.version
                )
            except CaseError:
                continue  # already in that review, or changed meanwhile
            halted.append(outcome)
    return halted


def _self_departed(
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    case: Case,
    verdict: recheck.Recheck,
) -> TransitionOutcome:
    """Move a case to ``self_departed`` on the person's confirmed departure; audit it."""
    departure = verdict.departure
    assert departure is not None
    target = SELF_DEPARTURE.target
    assert target is not None
    now = dt.datetime.now(dt.UTC)
    values = {"state": target.value, "halted_from": None, "updated_at": now}
    if not cases_service.write_if_current(
        session=session, case_id=case.case_id, seen_version=case.version, values=values
    ):
        session.rollback()
        raise _stale(_visible_case(session, principal, case.case_id), case.version)
    evidence = ", ".join(departure.evidence)
    why = f"confirmed departure: {departure.kind} on {departure.day} ({evidence})"
    checks = [verdict.as_check()]
    event = _event(
        case, principal, "TRANSITION", transition=SELF_DEPARTURE.name, from_state=case.state,
        to_state=target.value, reason=why, checks=checks, version=case.version + 1,
    )  # fmt: skip
    cases_service.add_event(session=session, event=event)
    deadlines = custody_deadlines.on_transition(
        session, case, SELF_DEPARTURE.name, target.value, principal.actor, now
    )
    _audit(
        session, principal, "cases.transition", case.case_id, purpose_id,
        {"transition": SELF_DEPARTURE.name, "from_state": case.state, "to_state": target.value,
         "reason": why, "checks": checks, "version": case.version + 1, "automatic": True,
         "departure": {"kind": departure.kind, "day": str(departure.day),
                       "evidence": list(departure.evidence)},
         "deadlines": [{"kind": d.kind, "status": d.status} for d in deadlines]},
    )  # fmt: skip
    session.commit()
    _detach(session, case, event)
    return TransitionOutcome(case, event, False, verdict)


def halt_for_review(
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    case: Case,
    cause: str,
    verdict: recheck.Recheck,
    checks: list[dict[str, Any]],
) -> TransitionOutcome:
    """Halt a case for the review ``verdict`` calls for, in the caller's session; commit.

    For steps outside the table that find what the safeguards guard against (a citizenship
    claim at booking): what the caller added to the session commits with the halt.
    """
    return _halt(session, principal, purpose_id, case, cause, verdict, checks, case.version)


def is_open(case: Case) -> bool:
    """Return whether a case is still open (not in a terminal state)."""
    return CaseState(case.state) in machine.OPEN_STATES
