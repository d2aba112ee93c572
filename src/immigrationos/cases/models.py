"""Tables of cases (migration 0012): a case per accepted lead, and the history of each case.

A case is one person's, opened from one OPEN lead (at most one case per lead). Its
``state`` follows the transition table of ``machine.py``; ``version`` grows by one with
every change, and a change names the version its author saw (optimistic locking: of two
people acting at once, the second is refused). ``halted_from`` is the state a case was
in when the safeguards halted it (a resume returns it there).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.cases.machine import CaseState
from immigrationos.db.base import Base
from immigrationos.resolution.models import PERSON_ID_LENGTH, PK_TYPE
from immigrationos.targeting.models import LEAD_ID_LENGTH

CASE_ID_LENGTH = 11  # "C" and ten characters
STATE_LENGTH = 24
CASE_STATES = tuple(s.value for s in CaseState)
# CREATED: opened from a lead; ASSIGNED: given to an officer; TRANSITION: a person moved it;
# HALTED: the safeguards refused a transition and moved it to a review.
CASE_EVENT_KINDS = ("CREATED", "ASSIGNED", "TRANSITION", "HALTED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Case(Base):
    """One person's case: where it stands, who works it, and the version last written."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("state", CASE_STATES), name="state_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_cases_office_state", "field_office", "state"),
        Index("ix_cases_officer_state", "assigned_officer", "state"),
        Index("ix_cases_person_id", "person_id"),
    )

    case_id: Mapped[str] = mapped_column(String(CASE_ID_LENGTH), primary_key=True)
    # One case per lead.
    lead_id: Mapped[str] = mapped_column(
        String(LEAD_ID_LENGTH), ForeignKey("leads.lead_id"), unique=True
    )
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state: Mapped[str] = mapped_column(String(STATE_LENGTH))
    halted_from: Mapped[str | None] = mapped_column(String(STATE_LENGTH), nullable=True)
    assigned_officer: Mapped[str | None] = mapped_column(String(36), nullable=True)
    assigned_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseEvent(Base):
    """One change of a case: who, in which role, from and to which state, why, and the
    checks that ran with their outcome (JSON list of ``{name, passed, detail}``)."""

    __tablename__ = "case_events"
    __table_args__ = (CheckConstraint(_in("kind", CASE_EVENT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    transition: Mapped[str | None] = mapped_column(String(40), nullable=True)
    from_state: Mapped[str | None] = mapped_column(String(STATE_LENGTH), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(STATE_LENGTH), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    checks: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    version: Mapped[int] = mapped_column(Integer)  # the case's version after the change
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
