"""Custody use cases outside the case machine: custody reviews, removal facts, detentions.

Each flow owns its transaction: the change and its audit event (``custody.review``,
``custody.removal_fact``, ``custody.detention``) commit together or not at all. A refusal
raises ``cases.flows.CaseError`` (the status, a kind and why) for the caller to audit.
The transitions themselves (arrest, custody decision, final order, removal) stay in the
case machine, which starts and meets the deadlines (``custody/deadlines.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.cases import service as cases_service
from immigrationos.cases.flows import CaseError, is_open, not_found
from immigrationos.cases.machine import HALTED as HALTED_STATES
from immigrationos.cases.machine import CaseState
from immigrationos.cases.models import Case
from immigrationos.custody import deadlines as custody_deadlines
from immigrationos.custody import removal as custody_removal
from immigrationos.custody.models import (
    REMOVAL_FACT_KINDS,
    Booking,
    CounselNotice,
    Detention,
    RemovalFact,
)
from immigrationos.db.engine import session_scope
from immigrationos.persons.access import in_area
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import UseContext
from immigrationos.policy.errors import PurposeError

HALTED = frozenset(s.value for s in HALTED_STATES)
IN_CUSTODY = frozenset(
    {CaseState.ARREST.value, CaseState.CUSTODY_DECISION.value, CaseState.DETAINED.value}
)
# After a final order the machine does not say where the person is held: a case from
# there on is in custody when its last custody decision was to detain.
AFTER_ORDER = frozenset(
    {
        CaseState.IN_PROCEEDINGS.value,
        CaseState.FINAL_ORDER.value,
        CaseState.REMOVAL_SCHEDULED.value,
    }
)


def now_utc() -> dt.datetime:
    """Return the time now, in UTC."""
    return dt.datetime.now(dt.UTC)


def context(session: Session, principal: Principal, purpose_id: str | None) -> UseContext:
    """Return the caller's use context under a purpose (custody data is person data)."""
    if not purpose_id:
        raise CaseError(
            428, "purpose-required", "custody records are person data: declare a purpose"
        )
    try:
        return policy_service.load_context(
            session=session, principal=principal, purpose_id=purpose_id
        )
    except PurposeError as exc:
        raise CaseError(403, "purpose-refused", str(exc), "PURPOSE_REFUSED") from exc


def visible_case(session: Session, principal: Principal, case_id: str) -> Case:
    """Return a case in the caller's area; 404 as a missing one otherwise."""
    case = cases_service.get_case(session=session, case_id=case_id)
    if case is None:
        raise not_found(case_id, principal)
    if not in_area(principal, case.field_office):
        raise not_found(case_id, principal, "AREA_OF_RESPONSIBILITY")
    return case


def audit(
    session: Session,
    principal: Principal,
    action: str,
    resource_type: str,
    resource_id: str | None,
    purpose_id: str | None,
    details: dict[str, Any],
) -> None:
    """Append a custody audit event in the flow's transaction."""
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose_id,
        client=principal.client,
        details=details,
    )


def in_custody(session: Session, case: Case) -> bool:
    """Return whether the case's person is held: arrested, awaiting or after a detain decision.

    A case halted for a review is where it was halted: a review does not release anyone.
    """
    state = case.halted_from if case.state in HALTED and case.halted_from else case.state
    if state in IN_CUSTODY:
        return True
    if state in AFTER_ORDER:
        return custody_deadlines.last_custody_decision(session, case.case_id) == "detain"
    return False


@dataclass(frozen=True)
class ReviewOutcome:
    """A custody review: the deadline it met and the next one it started (None: released)."""

    met: custody_deadlines.DeadlineView
    following: custody_deadlines.DeadlineView | None


def record_custody_review(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    continue_detention: bool,
    reason: str,
    now: dt.datetime | None = None,
) -> ReviewOutcome:
    """Record a post-order custody review (8 CFR 241.4(k)); meet its deadline; audit it."""
    reason = reason.strip()
    if not reason:
        raise CaseError(422, "reason-required", "a custody review needs its reason")
    at = now or now_utc()
    with session_scope(engine) as session:
        context(session, principal, purpose_id)
        case = visible_case(session, principal, case_id)
        met, following = custody_deadlines.record_review(
            session, case, continue_detention=continue_detention, actor=principal.actor,
            note=reason, at=at,
        )  # fmt: skip
        if met is None:
            raise CaseError(
                409, "no-review-due",
                f"case {case_id} has no post-order custody review open: one starts with a "
                "final order while the person is detained",
            )  # fmt: skip
        audit(
            session, principal, "custody.review", "case", case_id, purpose_id,
            {"continue_detention": continue_detention, "reason": reason,
             "met": met.id, "next_due": None if following is None else str(following.due_at)},
        )  # fmt: skip
        session.commit()
        result = ReviewOutcome(
            custody_deadlines.view(met, at),
            None if following is None else custody_deadlines.view(following, at),
        )
    return result


def record_removal_fact(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    kind: str,
    day: dt.date,
    reason: str,
) -> RemovalFact:
    """Record a legal fact deciding removal (appeal waived, motion to reopen, stay); audit it."""
    if kind not in REMOVAL_FACT_KINDS:
        raise CaseError(422, "removal-fact-unknown", f"{kind!r} is not one of {REMOVAL_FACT_KINDS}")
    reason = reason.strip()
    if not reason:
        raise CaseError(422, "reason-required", f"{kind} needs its reason (the order, the filing)")
    with session_scope(engine) as session:
        context(session, principal, purpose_id)
        case = visible_case(session, principal, case_id)
        if not is_open(case):
            raise CaseError(409, "case-closed", f"case {case_id} is {case.state}: it is over")
        fact = RemovalFact(
            case_id=case_id, kind=kind, day=day, reason=reason, recorded_by=principal.actor,
            recorded_role=principal.role, recorded_at=now_utc(),
        )  # fmt: skip
        session.add(fact)
        session.flush()
        audit(
            session, principal, "custody.removal_fact", "case", case_id, purpose_id,
            {"kind": kind, "day": day.isoformat(), "reason": reason},
        )  # fmt: skip
        session.commit()
        session.refresh(fact)
        session.expunge(fact)
    return fact


def removal_eligibility(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    as_of: dt.date | None = None,
) -> custody_removal.Eligibility:
    """Return whether the case's person may be removed now, and on what basis; audit the read."""
    with session_scope(engine) as session:
        ctx = context(session, principal, purpose_id)
        case = visible_case(session, principal, case_id)
        found = custody_removal.check_case(session, ctx, case, as_of or now_utc().date())
        audit(
            session, principal, "custody.removal_eligibility", "case", case_id, purpose_id,
            {"person_id": case.person_id, **found.as_check()},
        )  # fmt: skip
        session.commit()
    return found


def record_detention(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    facility_name: str,
    facility_address: str,
    facility_phone: str | None = None,
    facility_code: str | None = None,
    now: dt.datetime | None = None,
) -> Detention:
    """Record the facility a detained person is held in (ending the previous stay); audit it."""
    at = now or now_utc()
    with session_scope(engine) as session:
        context(session, principal, purpose_id)
        case = visible_case(session, principal, case_id)
        if not in_custody(session, case):
            raise CaseError(
                409, "not-in-custody",
                f"case {case_id} is {case.state}: its person is not held, so not placed",
            )  # fmt: skip
        previous = current_detention(session, case_id)
        if previous is not None:
            previous.released_at = at
        stay = Detention(
            case_id=case_id, facility_code=facility_code, facility_name=facility_name,
            facility_address=facility_address, facility_phone=facility_phone,
            booked_in_at=at, recorded_by=principal.actor,
        )  # fmt: skip
        session.add(stay)
        session.flush()
        notice = None
        if previous is not None:
            notice = notify_counsel_of_transfer(session, principal, case_id, previous, stay)
        audit(
            session, principal, "custody.detention", "case", case_id, purpose_id,
            {"facility": facility_name, "code": facility_code,
             "transfer_from": None if previous is None else previous.facility_name,
             "counsel_notified": notice is not None},
        )  # fmt: skip
        session.commit()
        session.refresh(stay)
        session.expunge(stay)
    return stay


def current_detention(session: Session, case_id: str) -> Detention | None:
    """Return the facility stay of a case not yet ended, or None."""
    query = (
        select(Detention)
        .where(Detention.case_id == case_id, Detention.released_at.is_(None))
        .order_by(Detention.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def notify_counsel_of_transfer(
    session: Session, principal: Principal, case_id: str, before: Detention, after: Detention
) -> CounselNotice | None:
    """Record the notice owed to counsel of record (G-28) of a transfer; None: no counsel.

    Nothing is sent: the record says to whom, what and when, and the case lists it.
    """
    booking = session.scalars(select(Booking).where(Booking.case_id == case_id)).one_or_none()
    if booking is None or not booking.counsel:
        return None
    counsel = json.loads(booking.counsel)
    body = (
        f"Your client (case {case_id}, A-number {booking.a_number or 'unknown'}) was "
        f"transferred on {after.booked_in_at:%Y-%m-%d %H:%M} UTC from {before.facility_name} "
        f"({before.facility_address}) to {after.facility_name} ({after.facility_address}"
        f"{', tel. ' + after.facility_phone if after.facility_phone else ''})."
    )
    notice = CounselNotice(
        case_id=case_id, recipient=json.dumps(counsel, sort_keys=True),
        subject=f"Transfer of your client to {after.facility_name}", body=body,
        created_by=principal.actor, created_at=after.booked_in_at,
    )  # fmt: skip
    session.add(notice)
    session.flush()
    return notice


def counsel_notices(session: Session, case_id: str) -> list[CounselNotice]:
    """Return the notices to counsel recorded on a case, oldest first."""
    query = select(CounselNotice).where(CounselNotice.case_id == case_id)
    return list(session.scalars(query.order_by(CounselNotice.id)))
