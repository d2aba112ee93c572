"""Tables of custody (migration 0017): deadlines, bookings, removal facts, detentions.

- ``custody_deadlines``: each legal deadline a case's transition starts (the custody
  decision within 48 hours of arrest, the 90-day removal period, post-order custody
  reviews), its due time, and when and by what it was met (or mooted).
- ``custody_bookings``: the booking record of an arrest (like Form I-213), one per case.
- ``custody_removal_facts``: legal facts recorded on a case that decide whether removal
  may go ahead and that no source carries (an appeal waived, a motion to reopen, a stay).
- ``custody_detentions``: where a detained person is held (the detainee locator reads it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.cases.models import CASE_ID_LENGTH
from immigrationos.db.base import Base
from immigrationos.resolution.models import PERSON_ID_LENGTH, PK_TYPE

DEADLINE_KINDS = ("CUSTODY_DECISION", "REMOVAL_PERIOD", "POST_ORDER_CUSTODY_REVIEW")
DEADLINE_STATUSES = ("OPEN", "MET", "MOOT")
BOOKING_STATES = ("DRAFT", "HALTED", "COMPLETED")
REMOVAL_FACT_KINDS = (
    "APPEAL_WAIVED", "MOTION_TO_REOPEN_FILED", "MOTION_TO_REOPEN_DECIDED", "STAY_GRANTED",
    "STAY_LIFTED",
)  # fmt: skip
BOOKING_ID_LENGTH = 11  # "B" and ten characters


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class CustodyDeadline(Base):
    """A legal deadline of a case: what is due, by when, under which rule, and if it was met."""

    __tablename__ = "custody_deadlines"
    __table_args__ = (
        CheckConstraint(_in("kind", DEADLINE_KINDS), name="kind_known"),
        CheckConstraint(_in("status", DEADLINE_STATUSES), name="status_known"),
        Index("ix_custody_deadlines_office_status_due", "field_office", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), index=True
    )
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    # 1 for the first of a kind; post-order custody reviews repeat (2, 3, ...).
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    basis: Mapped[str] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(40))  # the transition that started it
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(8))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The transition (or ``custody_review``) that met or mooted it.
    closed_with: Mapped[str | None] = mapped_column(String(40), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Booking(Base):
    """The booking record of an arrest (like Form I-213), prefilled from the case and
    completed by the officer. JSON columns hold lists and objects (text, for SQLite)."""

    __tablename__ = "custody_bookings"
    __table_args__ = (
        CheckConstraint(_in("state", BOOKING_STATES), name="state_known"),
        Index("ix_custody_bookings_a_number", "a_number"),
    )

    booking_id: Mapped[str] = mapped_column(String(BOOKING_ID_LENGTH), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), unique=True
    )
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state: Mapped[str] = mapped_column(String(10))
    a_number: Mapped[str | None] = mapped_column(String(10), nullable=True)
    country_of_birth: Mapped[str | None] = mapped_column(String(3), nullable=True)
    biographics: Mapped[str] = mapped_column(Text, default="{}")
    encounter: Mapped[str | None] = mapped_column(Text, nullable=True)
    charges: Mapped[str] = mapped_column(Text, default="[]")
    property_items: Mapped[str] = mapped_column(Text, default="[]")
    health: Mapped[str] = mapped_column(Text, default="{}")
    # ICE Directive 11064.3: is the person a parent or legal guardian of a minor child, and
    # the arrangements made for each child.
    parent_or_guardian: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    minor_children: Mapped[str] = mapped_column(Text, default="[]")
    # Form G-28 counsel of record (notified of transfers).
    counsel: Mapped[str | None] = mapped_column(Text, nullable=True)
    identity_confirmed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    identity_method: Mapped[str | None] = mapped_column(Text, nullable=True)
    citizenship_claim: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    citizenship_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    halt_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RemovalFact(Base):
    """A legal fact of a case that decides whether removal may go ahead (recorded by LEGAL)."""

    __tablename__ = "custody_removal_facts"
    __table_args__ = (CheckConstraint(_in("kind", REMOVAL_FACT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_role: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Detention(Base):
    """A stay of a detained person in one facility (``released_at`` None: still there)."""

    __tablename__ = "custody_detentions"

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), index=True
    )
    facility_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    facility_name: Mapped[str] = mapped_column(String(300))
    facility_address: Mapped[str] = mapped_column(String(300))
    facility_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    booked_in_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(200))


# Migration 0018: travel documents, removal flights and their seats, counsel notices.
TRAVEL_DOCUMENT_STATUSES = ("NOT_REQUESTED", "REQUESTED", "ISSUED", "REFUSED")
TRAVEL_DOCUMENT_KINDS = ("TRAVEL_DOCUMENT", "PASSPORT")
FLIGHT_STATES = ("PLANNED", "EXECUTED", "CANCELLED")
SEAT_STATUSES = ("MANIFESTED", "REMOVED", "DROPPED", "CANCELLED")  # CANCELLED: 0022
FLIGHT_ID_LENGTH = 11  # "F" and ten characters


class TravelDocument(Base):
    """The travel document of a case's person: its status, the country and the dates.

    ``PASSPORT`` is a valid passport on record (ISSUED, with its expiry); ``TRAVEL_DOCUMENT``
    one requested from the consulate of the destination country. ``version`` grows with
    every change (optimistic locking).
    """

    __tablename__ = "custody_travel_documents"
    __table_args__ = (
        CheckConstraint(_in("status", TRAVEL_DOCUMENT_STATUSES), name="status_known"),
        CheckConstraint(_in("kind", TRAVEL_DOCUMENT_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(3))
    number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    requested_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    issued_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    refused_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Flight(Base):
    """A removal flight: destination country, date, seats, where it leaves from."""

    __tablename__ = "custody_flights"
    __table_args__ = (
        CheckConstraint(_in("state", FLIGHT_STATES), name="state_known"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    flight_id: Mapped[str] = mapped_column(String(FLIGHT_ID_LENGTH), primary_key=True)
    destination: Mapped[str] = mapped_column(String(3))
    departs: Mapped[dt.date] = mapped_column(Date)
    seats: Mapped[int] = mapped_column(Integer)
    departure_site: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    executed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    executed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Migration 0022: a supervisor's cancellation of a PLANNED flight, and why.
    cancelled_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class FlightSeat(Base):
    """A case on a flight's manifest: manifested, removed, or dropped (with the reason)."""

    __tablename__ = "custody_flight_seats"
    __table_args__ = (CheckConstraint(_in("status", SEAT_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    flight_id: Mapped[str] = mapped_column(
        String(FLIGHT_ID_LENGTH), ForeignKey("custody_flights.flight_id"), index=True
    )
    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    # What the manifest prints, fixed when the seat was given (JSON object).
    details: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CounselNotice(Base):
    """A notification to counsel of record (G-28) of a transfer: to whom, what, when.

    Recorded, never sent: the platform keeps what was to be told and when.
    """

    __tablename__ = "custody_counsel_notices"

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), index=True
    )
    recipient: Mapped[str] = mapped_column(Text)  # JSON: the counsel as booked
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


COLLATERAL_OUTCOMES = ("CLEARED", "HALTED")


class CollateralEncounter(Base):
    """A person encountered who was not a target, checked as a new lead before booking.

    ``outcome`` HALTED names the review (``citizenship``, ``identity``, ``safeguards``,
    ``no_violation``) and why; CLEARED means the same checks as a new lead pass.
    """

    __tablename__ = "custody_collateral_encounters"
    __table_args__ = (CheckConstraint(_in("outcome", COLLATERAL_OUTCOMES), name="outcome_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    encounter: Mapped[str] = mapped_column(Text)
    identity_confirmed: Mapped[bool] = mapped_column(Boolean)
    identity_method: Mapped[str] = mapped_column(Text)
    citizenship_claim: Mapped[bool] = mapped_column(Boolean)
    citizenship_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str] = mapped_column(String(8))
    review: Mapped[str | None] = mapped_column(String(20), nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    lead_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    safeguards: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Migration 0023: the operation the person was encountered in, and (CLEARED) the
    # person's own lead and case that the booking goes on.
    operation_id: Mapped[str | None] = mapped_column(
        String(11), ForeignKey("operations.operation_id"), nullable=True, index=True
    )
    lead_id: Mapped[str | None] = mapped_column(
        String(11), ForeignKey("leads.lead_id"), nullable=True
    )
    case_id: Mapped[str | None] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.case_id"), nullable=True
    )
