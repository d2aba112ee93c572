"""Tables of approved operations (migration 0014): the request, its teams and targets, every
decision on it, and the routes planned for its teams.

An operation is requested by one user and approved by a supervisor who is not that user
(two-person rule); a stop near a sensitive location needs the requester's justification
and a second approval by another supervisor (``approvals_needed`` 2). ``version`` grows by
one with every change of the operation, and a change names the version its author saw
(optimistic locking). Every decision (request, approval, rejection, cancellation,
execution, a target dropped by the safeguards) is a row of ``operation_decisions`` with
who, in which role, and why.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.cases.models import CASE_ID_LENGTH
from immigrationos.db.base import Base
from immigrationos.resolution.models import PERSON_ID_LENGTH, PK_TYPE

OPERATION_ID_LENGTH = 11  # "O" and ten characters
OPERATION_STATUSES = ("REQUESTED", "APPROVED", "REJECTED", "CANCELLED", "EXECUTED")
# INCLUDED: in the operation; DROPPED: out of it, with the reason (the safeguards halted
# its case, or the case moved on before approval).
TARGET_STATUSES = ("INCLUDED", "DROPPED")
DECISION_KINDS = (
    "REQUESTED",
    "APPROVED",
    "REJECTED",
    "CANCELLED",
    "EXECUTED",
    "TARGET_DROPPED",
    "PLANNED",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Operation(Base):
    """One enforcement operation: where, when, who asked, where it stands, and its version."""

    __tablename__ = "operations"
    __table_args__ = (
        CheckConstraint(_in("status", OPERATION_STATUSES), name="status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("approvals_needed IN (1, 2)", name="approvals_needed_known"),
        CheckConstraint("shift_start_s < shift_end_s", name="shift_ordered"),
        Index("ix_operations_office_status", "field_office", "status"),
        Index("ix_operations_day", "day"),
    )

    operation_id: Mapped[str] = mapped_column(String(OPERATION_ID_LENGTH), primary_key=True)
    field_office: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    shift_start_s: Mapped[int] = mapped_column(Integer)
    shift_end_s: Mapped[int] = mapped_column(Integer)
    service_s: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_role: Mapped[str] = mapped_column(String(20))
    request_reason: Mapped[str] = mapped_column(Text)
    # The requester's justification for stops near sensitive locations (None: none near).
    sensitive_justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    approvals_needed: Mapped[int] = mapped_column(Integer)
    # The supervisors who approved it, in order (the second only when two are needed).
    first_approver: Mapped[str | None] = mapped_column(String(200), nullable=True)
    second_approver: Mapped[str | None] = mapped_column(String(200), nullable=True)
    planned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    plan_distance_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OperationTeam(Base):
    """A team of the operation: its vehicle's seats, its start office and its officers."""

    __tablename__ = "operation_teams"
    __table_args__ = (
        UniqueConstraint("operation_id", "team_id"),
        CheckConstraint("seats >= 0", name="seats_non_negative"),
    )

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    operation_id: Mapped[str] = mapped_column(ForeignKey("operations.operation_id"), index=True)
    team_id: Mapped[str] = mapped_column(String(20))
    seats: Mapped[int] = mapped_column(Integer)
    start_office: Mapped[str] = mapped_column(String(200))
    office_lat: Mapped[float] = mapped_column(Float)
    office_lon: Mapped[float] = mapped_column(Float)
    officers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of user IDs
    # Filled by planning: when the team leaves and is back, and its road distance.
    leave_office_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    back_office_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    distance_m: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OperationTarget(Base):
    """A case the operation targets: where its person is believed to be, how surely, and
    whether it is still in the operation (and its place on a team's route)."""

    __tablename__ = "operation_targets"
    __table_args__ = (
        UniqueConstraint("operation_id", "case_id"),
        CheckConstraint(_in("status", TARGET_STATUSES), name="status_known"),
        Index("ix_operation_targets_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    operation_id: Mapped[str] = mapped_column(ForeignKey("operations.operation_id"), index=True)
    case_id: Mapped[str] = mapped_column(String(CASE_ID_LENGTH), ForeignKey("cases.case_id"))
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    status: Mapped[str] = mapped_column(String(10))
    dropped_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    street: Mapped[str | None] = mapped_column(String(200), nullable=True)
    city: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    zip: Mapped[str | None] = mapped_column(String(10), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    # zip, city, state or none (reference.geocode), and what it rests on.
    address_confidence: Mapped[str] = mapped_column(String(10))
    address_note: Mapped[str] = mapped_column(Text)
    # JSON list of the sensitive locations within their radius: {id, name, category, metres}.
    sensitive: Mapped[str] = mapped_column(Text, default="[]")
    # Filled by planning: the team and place on its route, the times, or why not routed.
    team_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    arrival_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    start_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    departure_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    persons_on_board: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unrouted_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class OperationDecision(Base):
    """One decision on an operation: who, in which role, what, why, and the version after."""

    __tablename__ = "operation_decisions"
    __table_args__ = (CheckConstraint(_in("kind", DECISION_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    operation_id: Mapped[str] = mapped_column(ForeignKey("operations.operation_id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(CASE_ID_LENGTH), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
