"""Tables of targeting (migration 0009): runs, leads and the history of every lead.

A lead is one person's, with all of that person's violations (exports.md); its ID is
minted once from the person it was first raised on and never changes. When the person
is merged into another, the lead follows the person's current ID; when it cannot (the
surviving person has a lead of its own, or the person's records are gone) it is retired:
``retired_at`` is set and it is no longer the person's current lead. A person has at
most one current lead (``flows.target`` keeps it so). JSON columns are canonical JSON.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base
from immigrationos.resolution.models import PERSON_ID_LENGTH, PK_TYPE

LEAD_STATES = ("OPEN", "HELD", "SUPPRESSED", "CLOSED")
# FOLLOWED / OVERRODE: a person followed or overrode one of the lead's recommendations.
LEAD_EVENT_KINDS = (
    "CREATED", "STATE", "SCORE", "MOVED", "RETIRED", "CLOSED", "FOLLOWED", "OVERRODE",
    "REVIEWED",
)  # fmt: skip
RUN_STATUSES = ("COMPLETED", "FAILED")
LEAD_ID_LENGTH = 11  # "L" and ten characters


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class TargetingRun(Base):
    """One targeting run: who ran it, under which purpose and policy, and what it changed."""

    __tablename__ = "targeting_runs"
    __table_args__ = (CheckConstraint(_in("status", RUN_STATUSES), name="status_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    as_of: Mapped[date] = mapped_column(Date)
    purpose_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    run_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    policy_version: Mapped[str] = mapped_column(String(100))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    withheld_sources: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    persons: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[str] = mapped_column(Text, default="{}")  # JSON: leads by state, violation


class Lead(Base):
    """One person's lead: state, score, priority, and the full evaluation behind them.

    ``score`` and ``priority`` are empty when the evaluation carries no score (a
    SUPPRESSED lead is not scored). ``priority`` is the name of the policy factor that
    adds the most points (the policy has no categories of its own). A CLOSED lead was
    closed by a person (``closed_by``, ``closed_reason``); runs re-evaluate it but never
    reopen it.
    """

    __tablename__ = "leads"
    __table_args__ = (
        CheckConstraint(_in("state", LEAD_STATES), name="state_known"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        Index("ix_leads_person_id", "person_id"),
        Index("ix_leads_state_score", "state", "score"),
        Index("ix_leads_field_office", "field_office"),
    )

    lead_id: Mapped[str] = mapped_column(String(LEAD_ID_LENGTH), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    state: Mapped[str] = mapped_column(String(12))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    priority: Mapped[str | None] = mapped_column(String(100), nullable=True)
    violations: Mapped[str] = mapped_column(Text)  # JSON list
    safeguards: Mapped[str] = mapped_column(Text)  # JSON list of those that fired
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of "source:record_id"
    # The distinct sources of ``evidence``, a sorted JSON list: the queue decides by them,
    # in SQL, which leads a purpose may be served (migration 0025).
    evidence_sources: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    evaluation: Mapped[str] = mapped_column(Text)  # Evaluation.to_json()
    policy_version: Mapped[str] = mapped_column(String(100))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_run: Mapped[str] = mapped_column(ForeignKey("targeting_runs.id"))
    updated_run: Mapped[str] = mapped_column(ForeignKey("targeting_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# The queue's order (migration 0011): highest score first, unscored last, then by lead ID.
# The -1 is a literal, not a bound parameter, so that a query's ORDER BY matches the
# indexed expression (SQLite only uses an expression index for the very same expression).
LEAD_RANK = func.coalesce(Lead.score, literal_column("-1"))
Index("ix_leads_rank", LEAD_RANK.desc(), Lead.lead_id)
Index("ix_leads_state_rank", Lead.state, LEAD_RANK.desc(), Lead.lead_id)
# The queue's count of current leads by evidence sources, from the index alone (0025).
Index(
    "ix_leads_current_sources",
    Lead.evidence_sources,
    postgresql_where=Lead.retired_at.is_(None),
    sqlite_where=Lead.retired_at.is_(None),
)


class LeadEvent(Base):
    """One change of a lead: created, state or score changed, moved, retired, closed; or
    a person following or overriding one of its recommendations (``reason`` names it).

    ``run_id`` is the targeting run that made it (None for a person's decision).
    """

    __tablename__ = "lead_events"
    __table_args__ = (CheckConstraint(_in("kind", LEAD_EVENT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(LEAD_ID_LENGTH), index=True)
    run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    from_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    from_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
