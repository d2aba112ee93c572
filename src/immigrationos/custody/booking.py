"""Booking after an arrest: a record like Form I-213, prefilled from the case, completed by
the officer, with identity and citizenship asked again before the person is booked.

``open_booking`` creates the record of a case in ``arrest``: biographics from the
person's records (each value with the records it rests on), charges by INA section from
the violations of the case's lead. ``complete_booking`` adds what only the officer knows:
how the person was encountered, property, health and medical needs, minor children and
the arrangements made for them (ICE Directive 11064.3), counsel of record (Form G-28),
the identity confirmed again and the answer to the citizenship question. Any claim of US
citizenship, or any indicator of it on the person's records (the safeguards evaluated
again), halts the booking and the case to ``citizenship_review`` (ICE Directive
16001.2); an identity the officer cannot confirm halts it to ``safeguard_review``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.cases import flows as cases_flows
from immigrationos.cases import recheck
from immigrationos.cases.flows import CaseError
from immigrationos.cases.machine import CaseState
from immigrationos.cases.models import Case
from immigrationos.custody import flows as custody_flows
from immigrationos.custody import removal as custody_removal
from immigrationos.custody.models import Booking
from immigrationos.db.engine import session_scope
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.records import PersonRecord

DIRECTIVE_CITIZENSHIP = "ICE Directive 16001.2"
DIRECTIVE_PARENTS = "ICE Directive 11064.3"
# The charge each violation of targeting supports, by INA section (the officer confirms).
CHARGES: dict[str, tuple[str, str]] = {
    "OVERSTAY": (
        "INA 237(a)(1)(B)",
        "remained in the United States longer than permitted after admission",
    ),
    "PRESENT_WITHOUT_ADMISSION": (
        "INA 212(a)(6)(A)(i)",
        "present in the United States without being admitted or paroled",
    ),
    "UNAUTHORIZED_EMPLOYMENT": (
        "INA 237(a)(1)(C)(i)",
        "failed to maintain the nonimmigrant status admitted in (unauthorized employment)",
    ),
    "IDENTITY_FRAUD": (
        "INA 237(a)(3)(D)",
        "falsely represented, or used another person's identity documents or number",
    ),
    "FINAL_ORDER_UNEXECUTED": (
        "INA 241(a)",
        "subject to a final order of removal not yet executed",
    ),
    "REENTRY_AFTER_REMOVAL": (
        "INA 241(a)(5); INA 212(a)(9)(C)(i)(II)",
        "reentered without admission after removal: the prior order is reinstated",
    ),
}
# Fields that hold each biographic, by source, in order of preference.
BIOGRAPHIC_FIELDS: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name",),
    "family_name": ("family_name",),
    "birth_date": ("birth_date",),
    "sex": ("sex",),
    "nationality": ("citizenship_country", "nationality", "country_of_citizenship"),
    "a_number": ("a_number",),
    "passport_number": ("passport_number",),
}
COUNTRY_OF_BIRTH_FIELDS = ("country_of_birth",)


@dataclass
class BookingCompletion:
    """What the officer records to complete a booking."""

    encounter: str
    identity_confirmed: bool
    identity_method: str
    citizenship_claim: bool
    citizenship_statement: str | None = None
    parent_or_guardian: bool = False
    minor_children: list[dict[str, Any]] = field(default_factory=list)
    property_items: list[dict[str, Any]] = field(default_factory=list)
    health: dict[str, Any] = field(default_factory=dict)
    counsel: dict[str, Any] | None = None
    charges: list[dict[str, Any]] | None = None  # None: keep the prefilled charges
    country_of_birth: str | None = None
    a_number: str | None = None


@dataclass(frozen=True)
class BookingOutcome:
    """A completed or halted booking, and the case's state after it."""

    booking: Booking
    case_state: str
    halted: bool
    detail: str


def _values(records: Iterable[PersonRecord], fields: Sequence[str]) -> list[dict[str, Any]]:
    """Return each distinct value of ``fields`` on the records, with the records naming it."""
    found: dict[str, list[str]] = {}
    for r in records:
        for name in fields:
            value = r.upper(name)
            if value:
                found.setdefault(value, []).append(r.ref)
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [{"value": v, "records": sorted(refs)} for v, refs in ranked]


def biographics(records: Sequence[PersonRecord]) -> dict[str, list[dict[str, Any]]]:
    """Return the biographics of a person's records: each field's values and their records."""
    usable = [r for r in records if r.source != "tips"]  # an allegation is not a record of them
    found = {name: _values(usable, fields) for name, fields in BIOGRAPHIC_FIELDS.items()}
    found["country_of_birth"] = _values(usable, COUNTRY_OF_BIRTH_FIELDS)
    return found


def charges_of(violations: Iterable[str]) -> list[dict[str, str]]:
    """Return the charges by INA section the lead's violations support."""
    charges = []
    for violation in violations:
        section = CHARGES.get(violation)
        if section is not None:
            charges.append({"section": section[0], "title": section[1], "violation": violation})
    return charges


def _first(found: dict[str, list[dict[str, Any]]], name: str) -> str | None:
    values = found.get(name) or []
    return str(values[0]["value"]) if values else None


def booking_of_case(session: Session, case_id: str) -> Booking | None:
    """Return the booking of a case, or None."""
    return session.scalars(select(Booking).where(Booking.case_id == case_id)).one_or_none()


def _detach(session: Session, booking: Booking) -> Booking:
    session.refresh(booking)
    session.expunge(booking)
    return booking


def open_booking(
    engine: Engine, *, principal: Principal, purpose_id: str | None, case_id: str
) -> Booking:
    """Create the booking record of an arrested person's case, prefilled; audit it."""
    with session_scope(engine) as session:
        ctx = custody_flows.context(session, principal, purpose_id)
        case = custody_flows.visible_case(session, principal, case_id)
        if case.state != CaseState.ARREST.value:
            raise CaseError(
                409, "not-at-arrest",
                f"case {case_id} is {case.state}: a booking follows the arrest (state arrest)",
            )  # fmt: skip
        _assigned_or_supervisor(case, principal)
        existing = booking_of_case(session, case_id)
        if existing is not None:
            raise CaseError(
                409, "booking-exists", f"case {case_id} is booking {existing.booking_id}"
            )
        now = custody_flows.now_utc()
        records, _withheld = custody_removal.person_records(
            session, ctx, case.person_id, now.date()
        )
        found = biographics(records)
        lead = targeting_service.get_lead(session=session, lead_id=case.lead_id)
        violations = json.loads(lead.violations) if lead is not None else []
        booking = Booking(
            booking_id="B" + uuid.uuid4().hex[:10].upper(),
            case_id=case_id,
            person_id=case.person_id,
            field_office=case.field_office,
            state="DRAFT",
            a_number=_first(found, "a_number"),
            country_of_birth=_first(found, "country_of_birth"),
            biographics=json.dumps(found, sort_keys=True),
            charges=json.dumps(charges_of(violations)),
            property_items="[]",
            health="{}",
            minor_children="[]",
            created_by=principal.actor,
            created_at=now,
        )
        session.add(booking)
        session.flush()
        custody_flows.audit(
            session, principal, "custody.booking.create", "booking", booking.booking_id,
            purpose_id, {"case_id": case_id, "person_id": case.person_id,
                         "charges": [c["section"] for c in charges_of(violations)]},
        )  # fmt: skip
        session.commit()
        return _detach(session, booking)


def _assigned_or_supervisor(case: Case, principal: Principal) -> None:
    if principal.role == "OFFICER" and case.assigned_officer != principal.actor:
        raise CaseError(
            403, "not-assigned-officer",
            f"case {case.case_id} is assigned to another officer; they or a supervisor book it",
        )  # fmt: skip


def _validate(data: BookingCompletion) -> None:
    if not data.encounter.strip():
        raise CaseError(422, "encounter-required", "say how the person was encountered")
    if not data.identity_method.strip():
        raise CaseError(422, "identity-method-required", "say how the identity was confirmed")
    if data.parent_or_guardian:
        if not data.minor_children:
            raise CaseError(
                422, "children-required",
                f"a parent or guardian of minor children: list each child and the arrangement "
                f"made for them ({DIRECTIVE_PARENTS})",
            )  # fmt: skip
        missing = [
            i
            for i, c in enumerate(data.minor_children)
            if not str(c.get("arrangement") or "").strip()
        ]
        if missing:
            raise CaseError(
                422, "arrangement-required",
                f"record the care arrangement of every minor child (children {missing} have "
                f"none; {DIRECTIVE_PARENTS})",
            )  # fmt: skip
    if data.counsel is not None and not str(data.counsel.get("name") or "").strip():
        raise CaseError(422, "counsel-name-required", "counsel of record (G-28) needs a name")


def complete_booking(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    data: BookingCompletion,
) -> BookingOutcome:
    """Complete a booking after identity and citizenship are asked again; halt on either.

    A claim of US citizenship, or a citizenship indicator on the records, halts the
    booking and the case to ``citizenship_review``; an identity not confirmed, or another
    safeguard that no longer clears the person, halts them to ``safeguard_review``.
    """
    _validate(data)
    with session_scope(engine) as session:
        ctx = custody_flows.context(session, principal, purpose_id)
        case = custody_flows.visible_case(session, principal, case_id)
        _assigned_or_supervisor(case, principal)
        booking = booking_of_case(session, case_id)
        if booking is None:
            raise CaseError(404, "booking-not-found", f"case {case_id} has no booking: open one")
        if booking.state != "DRAFT":
            raise CaseError(
                409, "booking-not-draft", f"booking {booking.booking_id} is {booking.state}"
            )
        if case.state != CaseState.ARREST.value:
            raise CaseError(409, "not-at-arrest", f"case {case_id} is {case.state}, not arrest")
        now = custody_flows.now_utc()
        booking.encounter = data.encounter.strip()
        booking.identity_confirmed = data.identity_confirmed
        booking.identity_method = data.identity_method.strip()
        booking.citizenship_claim = data.citizenship_claim
        booking.citizenship_statement = data.citizenship_statement
        booking.parent_or_guardian = data.parent_or_guardian
        booking.minor_children = json.dumps(data.minor_children, sort_keys=True)
        booking.property_items = json.dumps(data.property_items, sort_keys=True)
        booking.health = json.dumps(data.health, sort_keys=True)
        booking.counsel = None if data.counsel is None else json.dumps(data.counsel, sort_keys=True)
        if data.charges is not None:
            booking.charges = json.dumps(data.charges, sort_keys=True)
        if data.country_of_birth:
            booking.country_of_birth = data.country_of_birth.strip().upper()
        if data.a_number:
            booking.a_number = data.a_number.strip().upper()
        verdict = recheck.evaluate(session, ctx, case.person_id, now.date(), case.lead_id)
        halt = _halt_verdict(data, verdict)
        details = {
            "case_id": case_id, "identity_confirmed": data.identity_confirmed,
            "citizenship_claim": data.citizenship_claim,
            "parent_or_guardian": data.parent_or_guardian,
            "minor_children": len(data.minor_children), "counsel": data.counsel is not None,
        }  # fmt: skip
        if halt is not None:
            booking.state, booking.halt_reason = "HALTED", halt.detail
            custody_flows.audit(
                session, principal, "custody.booking.halt", "booking", booking.booking_id,
                purpose_id, {**details, "review": halt.halt, "reason": halt.detail},
            )  # fmt: skip
            outcome = cases_flows.halt_for_review(
                session, principal, purpose_id, case, "booking halted", halt,
                [halt.as_check()],
            )  # fmt: skip
            with session_scope(engine) as fresh:
                stored = booking_of_case(fresh, case_id)
                assert stored is not None
                fresh.expunge(stored)
            return BookingOutcome(stored, outcome.case.state, True, halt.detail)
        booking.state = "COMPLETED"
        booking.completed_by, booking.completed_at = principal.actor, now
        custody_flows.audit(
            session, principal, "custody.booking.complete", "booking", booking.booking_id,
            purpose_id, details,
        )  # fmt: skip
        session.commit()
        return BookingOutcome(_detach(session, booking), case.state, False, "booked")


def _halt_verdict(data: BookingCompletion, verdict: recheck.Recheck) -> recheck.Recheck | None:
    """Return the review the booking's answers or the records call for, or None."""
    if data.citizenship_claim:
        said = f": {data.citizenship_statement}" if data.citizenship_statement else ""
        return recheck.Recheck(
            verdict.person_id, verdict.lead_state, "citizenship",
            f"the person claims US citizenship at booking{said}; investigate before anything "
            f"else ({DIRECTIVE_CITIZENSHIP})", verdict.safeguards,
        )  # fmt: skip
    if verdict.halt == "citizenship":
        return recheck.Recheck(
            verdict.person_id, verdict.lead_state, "citizenship",
            f"a citizenship indicator on the records at booking: {verdict.detail} "
            f"({DIRECTIVE_CITIZENSHIP})", verdict.safeguards,
        )  # fmt: skip
    if not data.identity_confirmed:
        return recheck.Recheck(
            verdict.person_id, verdict.lead_state, "safeguards",
            f"the identity was not confirmed at booking ({data.identity_method})",
            verdict.safeguards,
        )  # fmt: skip
    if verdict.halt is not None:
        return verdict
    return None
