"""Removal flights: created, filled by assignment, manifested, executed.

A flight (destination country, date, seats, departure site) is filled from the open cases
the caller may see in ``final_order`` or ``removal_scheduled`` that are on no manifest:
each case must be for a person whose country (their nationality on the records) is the
flight's, with a travel document ready for it (``travel_documents.not_ready``) and a
basis for removal (``custody/removal.py``). The seats go by ``custody/flights.py``'s
assignment (at equal readiness, who has been held longest first). A case in
``final_order`` given a seat is moved through ``schedule_removal``
(``cases.flows.move``: the safeguards and removal eligibility run again); a case the
machine refuses or halts is left out, with the reason. Executing the flight moves each
manifested case through ``record_removal`` to ``removed`` (closing it); a case refused
there (its safeguards no longer clear the person, a stay) is dropped from the manifest
with the reason and stays where it is.

A supervisor may cancel a PLANNED flight (filled or not) with a reason: each manifested
seat is released (``CANCELLED``, with the reason), the manifest is void, and each case on
board stays in the state it is in (``removal_scheduled`` or ``final_order``, both in the
removal queue a later flight fills from), with an audit event of its own on the case.
An executed or already cancelled flight refuses.

A flight carries a version: filling, executing and cancelling name the version seen, so
two people acting on one flight at once never both succeed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.cases import flows as cases_flows
from immigrationos.cases import recheck
from immigrationos.cases.flows import CaseError
from immigrationos.cases.machine import CaseState
from immigrationos.cases.models import Case
from immigrationos.custody import booking as custody_booking
from immigrationos.custody import flights as flight_assignment
from immigrationos.custody import flows as custody_flows
from immigrationos.custody import removal as custody_removal
from immigrationos.custody import travel_documents
from immigrationos.custody.models import Flight, FlightSeat
from immigrationos.db.engine import session_scope
from immigrationos.documents import render
from immigrationos.persons.access import in_area

TEMPLATES = Path(__file__).parent / "templates"
FILLABLE = (CaseState.FINAL_ORDER.value, CaseState.REMOVAL_SCHEDULED.value)
ON_BOARD = ("MANIFESTED", "REMOVED")


@dataclass(frozen=True)
class LeftOut:
    """A case not given a seat (or dropped from the manifest), and why."""

    case_id: str
    reason: str


@dataclass
class FillOutcome:
    """What filling a flight did: the seats given and the cases left out."""

    flight: Flight
    seated: list[FlightSeat] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


@dataclass
class CancellationOutcome:
    """What cancelling a flight did: the flight as it is now and the cases released."""

    flight: Flight
    released: list[str] = field(default_factory=list)


@dataclass
class ExecutionOutcome:
    """What executing a flight did: the cases removed and the ones dropped."""

    flight: Flight
    removed: list[str] = field(default_factory=list)
    dropped: list[LeftOut] = field(default_factory=list)


def get_flight(session: Session, flight_id: str) -> Flight:
    """Return a flight; 404 when there is none."""
    flight = session.get(Flight, flight_id)
    if flight is None:
        raise CaseError(404, "flight-not-found", f"no removal flight {flight_id}")
    return flight


def seats_of(session: Session, flight_id: str) -> list[FlightSeat]:
    """Return a flight's seats in manifest order."""
    query = (
        select(FlightSeat).where(FlightSeat.flight_id == flight_id).order_by(FlightSeat.position)
    )
    return list(session.scalars(query))


def list_flights(session: Session) -> list[tuple[Flight, int]]:
    """Return every flight, soonest first, with the seats taken."""
    taken = (
        select(FlightSeat.flight_id, func.count().label("n"))
        .where(FlightSeat.status.in_(ON_BOARD))
        .group_by(FlightSeat.flight_id)
        .subquery()
    )
    query = (
        select(Flight, func.coalesce(taken.c.n, 0))
        .outerjoin(taken, taken.c.flight_id == Flight.flight_id)
        .order_by(Flight.departs, Flight.flight_id)
    )
    return [(f, int(n)) for f, n in session.execute(query)]


def _detach(session: Session, *rows: Any) -> None:
    for row in rows:
        session.refresh(row)
        session.expunge(row)


def create_flight(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    destination: str,
    departs: dt.date,
    seats: int,
    departure_site: str,
) -> Flight:
    """Create a removal flight; audit it."""
    country = destination.strip().upper()
    if len(country) != 3:
        raise CaseError(422, "country-required", "the destination: an ISO 3166 alpha-3 code")
    if seats < 0:
        raise CaseError(422, "seats-negative", f"a flight has 0 seats or more, not {seats}")
    if not departure_site.strip():
        raise CaseError(422, "site-required", "say where the flight departs from")
    with session_scope(engine) as session:
        custody_flows.context(session, principal, purpose_id)
        flight = Flight(
            flight_id="F" + uuid.uuid4().hex[:10].upper(), destination=country, departs=departs,
            seats=seats, departure_site=departure_site.strip(), state="PLANNED", version=1,
            created_by=principal.actor, created_at=custody_flows.now_utc(),
        )  # fmt: skip
        session.add(flight)
        session.flush()
        custody_flows.audit(
            session, principal, "custody.flight.create", "flight", flight.flight_id, purpose_id,
            {"destination": country, "departs": departs.isoformat(), "seats": seats,
             "departure_site": flight.departure_site},
        )  # fmt: skip
        session.commit()
        _detach(session, flight)
    return flight


def _claim(engine: Engine, flight_id: str, version: int, action: str) -> Flight:
    """Take the flight at the version seen (bumping it), or refuse: the optimistic lock."""
    with session_scope(engine) as session:
        flight = get_flight(session, flight_id)
        if flight.state != "PLANNED":
            raise CaseError(409, "flight-not-planned", f"flight {flight_id} is {flight.state}")
        if flight.version != version:
            raise CaseError(
                409, "flight-version-stale",
                f"flight {flight_id} is at version {flight.version}, not {version}: someone "
                f"changed it since you read it; read it again before you {action} it",
            )  # fmt: skip
        done = session.execute(
            update(Flight)
            .where(Flight.flight_id == flight_id, Flight.version == version)
            .values(version=version + 1)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise CaseError(409, "flight-version-stale", f"flight {flight_id} just changed")
        session.commit()
        _detach(session, flight)
    return flight


def _manifest_details(session: Session, case: Case, records: list[Any], doc: Any) -> dict[str, Any]:
    found = custody_booking.biographics(records)

    def first(name: str) -> str | None:
        values = found.get(name) or []
        return str(values[0]["value"]) if values else None

    stay = custody_flows.current_detention(session, case.case_id)
    return {
        "given_name": first("given_name"), "family_name": first("family_name"),
        "birth_date": first("birth_date"), "sex": first("sex"),
        "nationality": first("nationality"), "a_number": first("a_number"),
        "field_office": case.field_office,
        "travel_document": {"kind": doc.kind, "number": doc.number, "country": doc.country,
                            "expires_on": None if doc.expires_on is None
                            else doc.expires_on.isoformat()},
        "held_at": None if stay is None else stay.facility_name,
    }  # fmt: skip


def _candidates(
    session: Session, ctx: Any, principal: Principal, flight: Flight, day: dt.date
) -> tuple[list[flight_assignment.RemovalCandidate], dict[str, dict[str, Any]], list[LeftOut]]:
    """Return the cases that may take a seat, their manifest lines, and the ones left out."""
    on_board = select(FlightSeat.case_id).where(FlightSeat.status == "MANIFESTED")
    query = (
        select(Case)
        .where(Case.state.in_(FILLABLE), Case.case_id.not_in(on_board))
        .order_by(Case.case_id)
    )
    ready: list[flight_assignment.RemovalCandidate] = []
    lines: dict[str, dict[str, Any]] = {}
    left: list[LeftOut] = []
    for case in session.scalars(query):
        if not in_area(principal, case.field_office):
            continue
        records, _withheld = custody_removal.person_records(session, ctx, case.person_id, day)
        nationality = [v["value"] for v in custody_booking.biographics(records)["nationality"]]
        if flight.destination not in nationality:
            said = ", ".join(nationality) or "unknown"
            left.append(LeftOut(case.case_id, f"the person's country is {said}, not "
                                              f"{flight.destination}"))  # fmt: skip
            continue
        doc = travel_documents.of_case(session, case.case_id)
        why = travel_documents.not_ready(doc, flight.destination, flight.departs)
        if why is not None:
            left.append(LeftOut(case.case_id, why))
            continue
        eligibility = custody_removal.check_case(session, ctx, case, day)
        if not eligibility.eligible:
            left.append(LeftOut(case.case_id, eligibility.detail))
            continue
        lines[case.case_id] = {
            **_manifest_details(session, case, records, doc),
            "basis": eligibility.basis, "state": case.state, "version": case.version,
        }  # fmt: skip
        stay = custody_flows.current_detention(session, case.case_id)
        # At equal readiness, who has been held longest goes first (flights.py's order).
        ready.append(
            flight_assignment.RemovalCandidate(
                id=case.case_id, destination=flight.destination, ready_date=day,
                detained_since=None if stay is None else stay.booked_in_at.date(),
            )
        )  # fmt: skip
    return ready, lines, left


def fill_flight(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    flight_id: str,
    version: int,
    as_of: dt.date | None = None,
) -> FillOutcome:
    """Give the flight's free seats to eligible cases, scheduling their removal; audit it."""
    day = as_of or custody_flows.now_utc().date()
    with session_scope(engine) as session:
        ctx = custody_flows.context(session, principal, purpose_id)
    flight = _claim(engine, flight_id, version, "fill")
    with session_scope(engine) as session:
        taken = session.scalar(
            select(func.count()).where(
                FlightSeat.flight_id == flight_id, FlightSeat.status.in_(ON_BOARD)
            )
        )
        position = session.scalar(
            select(func.coalesce(func.max(FlightSeat.position), 0)).where(
                FlightSeat.flight_id == flight_id
            )
        )
        ready, lines, left = _candidates(session, ctx, principal, flight, day)
        session.rollback()
    free = max(flight.seats - int(taken or 0), 0)
    plan = flight_assignment.assign_flights(
        [flight_assignment.RemovalFlight(flight_id, flight.destination, flight.departs, free)],
        ready,
    )
    outcome = FillOutcome(flight)
    outcome.left_out = [*left, *(LeftOut(m.person_id, m.reason) for m in plan.not_assigned)]
    seat_cases: list[str] = []
    for case_id in plan.manifests.get(flight_id, ()):
        line = lines[case_id]
        if line["state"] == CaseState.FINAL_ORDER.value:
            try:
                moved = cases_flows.move(
                    engine, principal=principal, purpose_id=purpose_id, case_id=case_id,
                    transition="schedule_removal", version=line["version"],
                    reason=f"seat on removal flight {flight_id} to {flight.destination} "
                    f"on {flight.departs}", as_of=day,
                )  # fmt: skip
            except CaseError as exc:
                outcome.left_out.append(LeftOut(case_id, exc.detail))
                continue
            if moved.halted:
                outcome.left_out.append(
                    LeftOut(case_id, f"halted for review: {moved.recheck.detail}")
                )
                continue
        else:
            with session_scope(engine) as session:
                case = session.get(Case, case_id)
                assert case is not None
                verdict = recheck.evaluate(session, ctx, case.person_id, day, case.lead_id)
            if verdict.halt is not None:
                outcome.left_out.append(
                    LeftOut(case_id, f"the safeguards refuse it: {verdict.detail}")
                )
                continue
        seat_cases.append(case_id)
    with session_scope(engine) as session:
        now = custody_flows.now_utc()
        for case_id in seat_cases:
            position = int(position or 0) + 1
            line = {k: v for k, v in lines[case_id].items() if k not in ("state", "version")}
            case = session.get(Case, case_id)
            assert case is not None
            seat = FlightSeat(
                flight_id=flight_id, case_id=case_id, person_id=case.person_id,
                position=position, status="MANIFESTED", details=json.dumps(line, sort_keys=True),
                assigned_by=principal.actor, assigned_at=now,
            )  # fmt: skip
            session.add(seat)
            outcome.seated.append(seat)
        session.flush()
        custody_flows.audit(
            session, principal, "custody.flight.fill", "flight", flight_id, purpose_id,
            {"version": version + 1, "seated": seat_cases,
             "left_out": [{"case_id": x.case_id, "reason": x.reason} for x in outcome.left_out]},
        )  # fmt: skip
        session.commit()
        _detach(session, *outcome.seated)
        outcome.flight = get_flight(session, flight_id)
        session.expunge(outcome.flight)
    return outcome


def execute_flight(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    flight_id: str,
    version: int,
    as_of: dt.date | None = None,
) -> ExecutionOutcome:
    """Record the flight flown: each manifested case removed (closed) or dropped; audit it."""
    day = as_of or custody_flows.now_utc().date()
    with session_scope(engine) as session:
        custody_flows.context(session, principal, purpose_id)
    flight = _claim(engine, flight_id, version, "execute")
    outcome = ExecutionOutcome(flight)
    with session_scope(engine) as session:
        manifested = [
            (s.id, s.case_id) for s in seats_of(session, flight_id) if s.status == "MANIFESTED"
        ]
        versions = {
            c.case_id: c.version
            for c in session.scalars(
                select(Case).where(Case.case_id.in_([m[1] for m in manifested]))
            )
        }
    results: dict[int, tuple[str, str | None]] = {}
    for seat_id, case_id in manifested:
        try:
            moved = cases_flows.move(
                engine, principal=principal, purpose_id=purpose_id, case_id=case_id,
                transition="record_removal", version=versions[case_id],
                reason=f"removed on flight {flight_id} to {flight.destination} on "
                f"{flight.departs}", as_of=day,
            )  # fmt: skip
        except CaseError as exc:
            results[seat_id] = ("DROPPED", exc.detail)
            outcome.dropped.append(LeftOut(case_id, exc.detail))
            continue
        if moved.halted:
            why = f"halted for review: {moved.recheck.detail}"
            results[seat_id] = ("DROPPED", why)
            outcome.dropped.append(LeftOut(case_id, why))
            continue
        results[seat_id] = ("REMOVED", None)
        outcome.removed.append(case_id)
    with session_scope(engine) as session:
        for seat_id, (status, reason) in results.items():
            seat = session.get(FlightSeat, seat_id)
            assert seat is not None
            seat.status, seat.reason = status, reason
        stored = get_flight(session, flight_id)
        stored.state = "EXECUTED"
        stored.executed_by, stored.executed_at = principal.actor, custody_flows.now_utc()
        stored.version = stored.version + 1
        custody_flows.audit(
            session, principal, "custody.flight.execute", "flight", flight_id, purpose_id,
            {"removed": outcome.removed,
             "dropped": [{"case_id": x.case_id, "reason": x.reason} for x in outcome.dropped]},
        )  # fmt: skip
        session.commit()
        _detach(session, stored)
        outcome.flight = stored
    return outcome


def _refuse_cancel(flight: Flight, version: int) -> None:
    if flight.state == "EXECUTED":
        when = "" if flight.executed_at is None else f" on {flight.executed_at:%Y-%m-%d}"
        raise CaseError(
            409, "flight-executed",
            f"flight {flight.flight_id} was recorded flown{when}: an executed flight is not "
            "cancelled",
        )  # fmt: skip
    if flight.state == "CANCELLED":
        when = "" if flight.cancelled_at is None else f" on {flight.cancelled_at:%Y-%m-%d}"
        raise CaseError(
            409, "flight-cancelled",
            f"flight {flight.flight_id} was already cancelled{when}: {flight.cancel_reason}",
        )  # fmt: skip
    if flight.version != version:
        raise CaseError(
            409, "flight-version-stale",
            f"flight {flight.flight_id} is at version {flight.version}, not {version}: someone "
            "changed it since you read it; read it again before you cancel it",
        )  # fmt: skip


def cancel_flight(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    flight_id: str,
    version: int,
    reason: str,
) -> CancellationOutcome:
    """Cancel a PLANNED flight at the version seen: seats released, manifest void; audit it.

    Raises:
        CaseError: no reason, not a supervisor, no such flight, the flight executed or
            already cancelled, or the version seen is stale.
    """
    why = reason.strip()
    if not why:
        raise CaseError(422, "reason-required", "cancelling a flight needs a reason: give it")
    if principal.role != "SUPERVISOR":
        raise CaseError(
            403,
            "supervisor-required",
            f"a flight is cancelled by a SUPERVISOR, not {principal.role}",
        )
    with session_scope(engine) as session:
        custody_flows.context(session, principal, purpose_id)
        flight = get_flight(session, flight_id)
        _refuse_cancel(flight, version)
        now = custody_flows.now_utc()
        done = session.execute(
            update(Flight)
            .where(
                Flight.flight_id == flight_id, Flight.version == version,
                Flight.state == "PLANNED",
            )
            .values(
                state="CANCELLED", version=version + 1, cancelled_by=principal.actor,
                cancelled_at=now, cancel_reason=why,
            )
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if done.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise CaseError(409, "flight-version-stale", f"flight {flight_id} just changed")
        outcome = CancellationOutcome(flight)
        for seat in seats_of(session, flight_id):
            if seat.status != "MANIFESTED":
                continue
            seat.status, seat.reason = "CANCELLED", f"flight cancelled: {why}"
            case = session.get(Case, seat.case_id)
            assert case is not None
            outcome.released.append(seat.case_id)
            custody_flows.audit(
                session, principal, "custody.flight.seat_released", "case", seat.case_id,
                purpose_id,
                {"flight_id": flight_id, "reason": why, "state": case.state,
                 "version": case.version, "queue": case.state in FILLABLE},
            )  # fmt: skip
        custody_flows.audit(
            session, principal, "custody.flight.cancel", "flight", flight_id, purpose_id,
            {"version": version + 1, "reason": why, "released": outcome.released,
             "manifest": "void"},
        )  # fmt: skip
        session.commit()
        stored = get_flight(session, flight_id)
        _detach(session, stored)
        outcome.flight = stored
    return outcome


def manifest(
    engine: Engine, *, principal: Principal, purpose_id: str | None, flight_id: str, action: str
) -> dict[str, Any]:
    """Return a flight's manifest (the flight, its seats in order); audit the read."""
    with session_scope(engine) as session:
        custody_flows.context(session, principal, purpose_id)
        flight = get_flight(session, flight_id)
        seats = seats_of(session, flight_id)
        visible = [
            s for s in seats
            if in_area(principal, json.loads(s.details).get("field_office"))
        ]  # fmt: skip
        found = {
            "flight_id": flight.flight_id, "destination": flight.destination,
            "departs": flight.departs.isoformat(), "seats": flight.seats,
            "departure_site": flight.departure_site, "state": flight.state,
            "version": flight.version, "void": flight.state == "CANCELLED",
            "cancelled_by": flight.cancelled_by, "cancelled_at": flight.cancelled_at,
            "cancel_reason": flight.cancel_reason,
            "passengers": [
                {"position": s.position, "case_id": s.case_id, "person_id": s.person_id,
                 "status": s.status, "reason": s.reason, **json.loads(s.details)}
                for s in visible
            ],
        }  # fmt: skip
        custody_flows.audit(
            session, principal, action, "flight", flight_id, purpose_id,
            {"returned": [s.case_id for s in visible]},
        )  # fmt: skip
        session.commit()
    return found


def manifest_pdf(found: dict[str, Any]) -> bytes:
    """Return the manifest as a PDF (``custody/templates/manifest.html``)."""
    title = f"Removal flight manifest {found['flight_id']}"
    context: dict[str, Any] = {"flight": found}
    if found.get("void"):
        title = f"VOID - {title} (flight cancelled)"
        context["void_mark"] = f"VOID - FLIGHT CANCELLED: {found.get('cancel_reason') or ''}"
    return render.render_pdf("manifest.html", context, title=title, search=(str(TEMPLATES),))
