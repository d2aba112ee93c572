"""Placement of the detained persons of a caller's area: the list, a proposal, the decision.

``detained`` lists the cases of the caller's area whose person is held
(``custody.flows.in_custody``), each with the sex on the records the purpose may use (the
booking's biographics, ``custody.booking.biographics``), the stay they are in, if any, and
where they are now: the current facility's place in the listing, else their case's field
office (an arrested person not yet placed is held at the office's hold room).

``propose`` runs the min-cost flow (``custody.placement.place``) over the persons chosen,
with the security level (A-D) a person gives each one: no record holds it, it is a
classification made at intake. The beds of each facility are its beds less the persons
held there now who are not in the proposal. A person whose sex the records do not say, or
who has no level, or whose place is unknown, is not placed, with the reason.

``record_placements`` records the placements a person accepts as their decision, with the
reason: in one transaction each chosen facility is checked again (eligible for the person,
a bed free) by the same flow run over that facility alone, the person's stay there is
recorded (ending the previous one, notifying counsel of record of a transfer) and the
``custody.placement`` event, with the reason, distance and explanation, is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.cases import service as cases_service
from immigrationos.cases.flows import CaseError
from immigrationos.cases.models import Case
from immigrationos.custody import booking as custody_booking
from immigrationos.custody import flows as custody_flows
from immigrationos.custody import placement
from immigrationos.custody import removal as custody_removal
from immigrationos.custody.models import Detention
from immigrationos.custody.sites import SECURITY_LEVELS, SEXES, Site, build_sites
from immigrationos.db.engine import session_scope
from immigrationos.persons.access import in_area
from immigrationos.policy.engine import UseContext
from immigrationos.reference import facilities as reference_facilities
from immigrationos.reference import field_offices

# The states a held person's case can be in (custody.flows.in_custody decides).
HELD_STATES = custody_flows.IN_CUSTODY | custody_flows.AFTER_ORDER | custody_flows.HALTED


@dataclass(frozen=True)
class Detainee:
    """A detained person of the caller's area, as the placement needs them."""

    case_id: str
    person_id: str
    field_office: str | None
    state: str
    sex: str | None
    sex_note: str  # what the records say of the sex, in words
    facility_code: str | None
    facility_name: str | None
    held_since: dt.datetime | None
    origin: str  # where the person is now, in words
    lat: float | None
    lon: float | None

    @property
    def awaiting(self) -> bool:
        """Return whether the person is held but not yet placed in a facility."""
        return self.facility_name is None


@dataclass(frozen=True)
class Proposal:
    """A placement proposal: each placement, and who is not placed and why."""

    placements: tuple[placement.Placement, ...]
    unplaced: tuple[placement.Unplaced, ...]
    total_distance_km: float
    seconds: float
    levels: dict[str, str]


@dataclass(frozen=True)
class Choice:
    """A placement a person accepts: the case, the facility, the level it was proposed for."""

    case_id: str
    facility_code: str
    security_level: str


def _sex(records: Sequence[Any]) -> tuple[str | None, str]:
    values = sorted(
        {str(v["value"]).upper()[:1] for v in custody_booking.biographics(records)["sex"]}
    )
    if len(values) == 1 and values[0] in SEXES:
        return values[0], f"{values[0]} on the records"
    if not values:
        return None, "the records you may read do not say"
    return None, f"the records disagree ({', '.join(values)})"


def occupied_beds(session: Session, moving: Iterable[str] = ()) -> dict[str, int]:
    """Return the persons held now per facility code, leaving out the cases in ``moving``."""
    query = (
        select(Detention.facility_code, func.count())
        .where(Detention.released_at.is_(None), Detention.facility_code.is_not(None))
        .group_by(Detention.facility_code)
    )
    excluded = sorted(set(moving))
    if excluded:
        query = query.where(Detention.case_id.not_in(excluded))
    return {str(code): int(n) for code, n in session.execute(query)}


def _detainee(
    session: Session, ctx: UseContext, case: Case, sites: dict[str, Site], as_of: dt.date
) -> Detainee:
    records, _withheld = custody_removal.person_records(session, ctx, case.person_id, as_of)
    sex, note = _sex(records)
    stay = custody_flows.current_detention(session, case.case_id)
    site = None if stay is None or stay.facility_code is None else sites.get(stay.facility_code)
    if site is not None and site.lat is not None and site.lon is not None:
        origin, lat, lon = f"held at {site.name}", site.lat, site.lon
    else:
        try:
            office = field_offices.get_field_office(case.field_office or "")
            origin = f"not yet placed: at {office.name}"
            if stay is not None:
                origin = (
                    f"held at {stay.facility_name} (not in the listing: taken as {office.name})"
                )
            lat, lon = office.lat, office.lon
        except KeyError:
            origin, lat, lon = "nowhere known: the case has no known field office", None, None
    return Detainee(
        case.case_id, case.person_id, case.field_office, case.state, sex, note,
        None if stay is None else stay.facility_code,
        None if stay is None else stay.facility_name,
        None if stay is None else stay.booked_in_at, origin, lat, lon,
    )  # fmt: skip


def detained(
    session: Session,
    ctx: UseContext,
    principal: Principal,
    as_of: dt.date,
    case_ids: Iterable[str] | None = None,
) -> list[Detainee]:
    """Return the held persons of the caller's area (of ``case_ids``, if given), by case ID."""
    area = principal.area()
    ids = cases_service.case_ids_in(
        session=session, states=HELD_STATES, offices=None if area is None else frozenset(area)
    )
    if case_ids is not None:
        wanted = set(case_ids)
        ids = [i for i in ids if i in wanted]
    sites = {s.code: s for s in build_sites()}
    found = []
    for case_id in ids:
        case = cases_service.get_case(session=session, case_id=case_id)
        if case is None or not in_area(principal, case.field_office):
            continue
        if custody_flows.in_custody(session, case):
            found.append(_detainee(session, ctx, case, sites, as_of))
    return found


def _person(who: Detainee, level: str | None) -> placement.DetainedPerson | str:
    """Return the person to place, or why they cannot be placed."""
    if who.sex is None:
        return f"sex unknown: {who.sex_note}; complete the booking's biographics"
    if level not in SECURITY_LEVELS:
        return "no security level (A-D) given: classify the person first"
    if who.lat is None or who.lon is None:
        return f"where the person is now is unknown ({who.origin})"
    return placement.DetainedPerson(who.case_id, who.sex, level, who.lat, who.lon)


def propose(session: Session, detainees: list[Detainee], levels: dict[str, str]) -> Proposal:
    """Return the placement of the detainees at least total distance, and who is left out.

    Args:
        session: to count the beds taken by persons outside the proposal.
        detainees: the persons to place (a person held somewhere frees that bed).
        levels: case ID -> security level A-D, as classified by the user.
    """
    persons: list[placement.DetainedPerson] = []
    missing: list[placement.Unplaced] = []
    for who in detainees:
        found = _person(who, levels.get(who.case_id))
        if isinstance(found, str):
            missing.append(placement.Unplaced(who.case_id, found))
        else:
            persons.append(found)
    sites = build_sites(occupied=occupied_beds(session, [d.case_id for d in detainees]))
    result = placement.place(persons, sites)
    return Proposal(
        placements=result.placements,
        unplaced=(*missing, *result.unplaced),
        total_distance_km=result.total_distance_km,
        seconds=result.seconds,
        levels={k: v for k, v in levels.items() if v in SECURITY_LEVELS},
    )


def _address(code: str) -> str:
    for facility in reference_facilities.load_facilities():
        if facility.code == code:
            return f"{facility.address}, {facility.city}, {facility.state} {facility.zip}"
    return "address not in the listing"


def _checked(
    session: Session, detainees: list[Detainee], choices: list[Choice]
) -> list[placement.Placement]:
    """Return the chosen placements, each explained; refuse one that no longer holds."""
    by_case = {d.case_id: d for d in detainees}
    sites = {
        s.code: s
        for s in build_sites(occupied=occupied_beds(session, [c.case_id for c in choices]))
    }
    per_site: dict[str, list[placement.DetainedPerson]] = defaultdict(list)
    for choice in choices:
        who = by_case.get(choice.case_id)
        if who is None:
            raise CaseError(
                409, "not-in-custody", f"case {choice.case_id}: its person is not held now"
            )
        if choice.facility_code not in sites:
            raise CaseError(
                422, "facility-unknown",
                f"case {choice.case_id}: facility {choice.facility_code!r} is not in the listing",
            )  # fmt: skip
        if who.facility_code == choice.facility_code:
            raise CaseError(
                409, "placement-unchanged",
                f"case {choice.case_id}: already held at {who.facility_name}",
            )  # fmt: skip
        person = _person(who, choice.security_level)
        if isinstance(person, str):
            raise CaseError(422, "placement-invalid", f"case {choice.case_id}: {person}")
        why = sites[choice.facility_code].ineligibility(person.sex, person.security_level)
        if why is not None:
            raise CaseError(
                409, "placement-refused",
                f"case {choice.case_id}: {sites[choice.facility_code].name} {why}",
            )  # fmt: skip
        per_site[choice.facility_code].append(person)
    done: dict[str, placement.Placement] = {}
    for code, persons in per_site.items():
        # The same flow over that facility alone: the beds free, the distance, the why.
        result = placement.place(persons, (sites[code],))
        if result.unplaced:
            first = result.unplaced[0]
            raise CaseError(
                409, "placement-refused",
                f"case {first.person_id}: {sites[code].name} cannot take the person now "
                f"({first.reason}); compute a new proposal",
            )  # fmt: skip
        done.update({p.person_id: p for p in result.placements})
    return [done[c.case_id] for c in choices]


def record_placements(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    choices: list[Choice],
    reason: str,
    now: dt.datetime | None = None,
) -> list[Detention]:
    """Record the accepted placements with the reason, all or none; audit each."""
    reason = reason.strip()
    if not reason:
        raise CaseError(422, "reason-required", "a placement needs its reason")
    if not choices:
        raise CaseError(422, "placement-empty", "choose at least one placement to record")
    if len({c.case_id for c in choices}) != len(choices):
        raise CaseError(422, "placement-invalid", "a case is chosen twice")
    at = now or custody_flows.now_utc()
    with session_scope(engine) as session:
        ctx = custody_flows.context(session, principal, purpose_id)
        for choice in choices:
            custody_flows.visible_case(session, principal, choice.case_id)
        held = detained(session, ctx, principal, at.date(), [c.case_id for c in choices])
        checked = _checked(session, held, choices)
        stays = []
        for choice, chosen in zip(choices, checked, strict=True):
            stays.append(_move(session, principal, purpose_id, choice, chosen, reason, at))
        session.commit()
        for stay in stays:
            session.refresh(stay)
        session.expunge_all()
    return stays


def _move(
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    choice: Choice,
    chosen: placement.Placement,
    reason: str,
    at: dt.datetime,
) -> Detention:
    before = custody_flows.current_detention(session, choice.case_id)
    if before is not None:
        before.released_at = at
    stay = Detention(
        case_id=choice.case_id, facility_code=chosen.facility_code,
        facility_name=chosen.facility_name, facility_address=_address(chosen.facility_code),
        booked_in_at=at, recorded_by=principal.actor,
    )  # fmt: skip
    session.add(stay)
    session.flush()
    notice = (
        None
        if before is None
        else custody_flows.notify_counsel_of_transfer(
            session, principal, choice.case_id, before, stay
        )
    )
    custody_flows.audit(
        session, principal, "custody.placement", "case", choice.case_id, purpose_id,
        {"reason": reason, "facility": chosen.facility_name, "code": chosen.facility_code,
         "security_level": choice.security_level, "distance_km": chosen.distance_km,
         "explanation": chosen.eligible_because,
         "nearer_full": chosen.nearer_full, "nearer_ineligible": chosen.nearer_ineligible,
         "transfer_from": None if before is None else before.facility_name,
         "counsel_notified": notice is not None},
    )  # fmt: skip
    return stay
