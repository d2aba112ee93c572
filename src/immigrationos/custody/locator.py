"""The detainee locator: where a person is held, by A-number and country of birth.

It answers as ICE's public Online Detainee Locator System does: both the A-number and
the country of birth must match the booking of the person (neither alone finds anyone);
a match held in custody answers with the facility's name, address and telephone (or
that the facility is not yet recorded); a match no longer held answers "not in custody";
no match answers nothing, in the same words whether the A-number is unknown or the
country does not match. Every question is audited, answered or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.cases import service as cases_service
from immigrationos.custody import flows as custody_flows
from immigrationos.custody.models import Booking

A_NUMBER = re.compile(r"^A?([0-9]{8,9})$")
FOUND_IN_CUSTODY, NOT_IN_CUSTODY, NO_MATCH = "IN_CUSTODY", "NOT_IN_CUSTODY", "NO_MATCH"


@dataclass(frozen=True)
class LocatorAnswer:
    """What the locator says: IN_CUSTODY (with the facility, if recorded), NOT_IN_CUSTODY or
    NO_MATCH. ``case_id`` is for the audit log, never shown to the public."""

    status: str
    facility_name: str | None = None
    facility_address: str | None = None
    facility_phone: str | None = None
    field_office: str | None = None
    case_id: str | None = None
    message: str = ""


def normalize_a_number(value: str) -> str | None:
    """Return an A-number as ``A`` and nine digits (eight-digit ones padded), or None."""
    match = A_NUMBER.match(value.strip().upper().replace("-", "").replace(" ", ""))
    return None if match is None else "A" + match.group(1).rjust(9, "0")


def locate(session: Session, a_number: str, country_of_birth: str) -> LocatorAnswer:
    """Return where the person of this A-number and country of birth is held, if anywhere.

    Both inputs are required and must both match one booking. Does not audit: the caller
    audits the question with the answer.
    """
    number = normalize_a_number(a_number)
    country = country_of_birth.strip().upper()
    nothing = LocatorAnswer(
        NO_MATCH, message="no detainee matches this A-number and country of birth"
    )
    if number is None or not country:
        return nothing
    bookings = session.scalars(
        select(Booking)
        .where(Booking.a_number == number, Booking.country_of_birth == country)
        .order_by(Booking.created_at.desc())
    ).all()
    for booking in bookings:
        case = cases_service.get_case(session=session, case_id=booking.case_id)
        if case is None:
            continue
        if not custody_flows.in_custody(session, case):
            continue
        stay = custody_flows.current_detention(session, case.case_id)
        if stay is None:
            return LocatorAnswer(
                FOUND_IN_CUSTODY, field_office=case.field_office, case_id=case.case_id,
                message=f"in ICE custody; facility not yet recorded: call the "
                f"{case.field_office or 'field office'}",
            )  # fmt: skip
        return LocatorAnswer(
            FOUND_IN_CUSTODY, stay.facility_name, stay.facility_address, stay.facility_phone,
            case.field_office, case.case_id, "in ICE custody",
        )  # fmt: skip
    if bookings:
        return LocatorAnswer(
            NOT_IN_CUSTODY, case_id=bookings[0].case_id, message="not in ICE custody"
        )
    return nothing
