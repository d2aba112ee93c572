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
