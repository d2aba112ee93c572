"""Tables of contests (migration 0020): challenges, the leads they hold, what they changed.

A contest is entered by the staff who received it, on behalf of a person or their
attorney, against a record, an identity link or a flag (a lead). It holds the affected
leads until someone other than the analyst who accepted the lead (and other than the one
who entered it) decides it. ``contest_changes`` keeps, for every change an upheld contest
made, what stood before and after and why. A US citizen or an identity error found makes
the person's records restricted from enforcement use (``record_restrictions``), counted
per field office (``error_encounters``) and opens an incident review
(``incident_reviews``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base
from immigrationos.resolution.models import PERSON_ID_LENGTH, PK_TYPE
from immigrationos.targeting.models import LEAD_ID_LENGTH

CONTEST_KINDS = ("RECORD", "IDENTITY_LINK", "FLAG")
CONTEST_STATUSES = ("OPEN", "UPHELD", "REJECTED")
FILED_BY = ("PERSON", "ATTORNEY")
# What an upheld flag contest found: a US citizen, an identity error, or the flag was wrong.
FINDINGS = ("US_CITIZEN", "IDENTITY_ERROR", "FLAG_WRONG")
ERROR_KINDS = ("US_CITIZEN", "IDENTITY_ERROR")
CHANGE_KINDS = ("RECORD_VERSION", "JUDGEMENT", "LEAD", "CASE", "RESTRICTION", "INCIDENT")
INCIDENT_STATUSES = ("OPEN", "CLOSED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Contest(Base):
    """One challenge: what it is against, the claim and evidence, and how it was decided.

    ``subject`` is ``source:record_id`` (RECORD), ``left|right`` record or person refs
    (IDENTITY_LINK) or a lead ID (FLAG); ``correction`` is canonical JSON of what the
    claimant says is right (RECORD: ``{field: value}``; FLAG: ``{"finding": ...}``).
    """

    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint(_in("kind", CONTEST_KINDS), name="kind_known"),
        CheckConstraint(_in("status", CONTEST_STATUSES), name="status_known"),
        CheckConstraint(_in("filed_by", FILED_BY), name="filed_by_known"),
        Index("ix_contests_status", "status"),
        Index("ix_contests_person_id", "person_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(400))
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    filed_by: Mapped[str] = mapped_column(String(10))
    claimant: Mapped[str] = mapped_column(String(200))
    claim: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    correction: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(10))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_role: Mapped[str] = mapped_column(String(20))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    finding: Mapped[str | None] = mapped_column(String(20), nullable=True)


class ContestHold(Base):
    """A lead a contest holds: its state before, and when the decision released it."""

    __tablename__ = "contest_holds"

    contest_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(LEAD_ID_LENGTH), primary_key=True, index=True)
    state_before: Mapped[str] = mapped_column(String(12))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    state_after: Mapped[str | None] = mapped_column(String(12), nullable=True)


class ContestChange(Base):
    """One thing an upheld contest changed: what it was before, after, and why (JSON)."""

    __tablename__ = "contest_changes"
    __table_args__ = (CheckConstraint(_in("kind", CHANGE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(400))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RecordRestriction(Base):
    """A record kept only as the record of an error: no enforcement read, oversight may."""

    __tablename__ = "record_restrictions"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    restricted_by: Mapped[str] = mapped_column(String(200))
    restricted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ErrorEncounter(Base):
    """How many US citizens (or identity errors) a field office's work has encountered."""

    __tablename__ = "error_encounters"
    __table_args__ = (CheckConstraint(_in("kind", ERROR_KINDS), name="kind_known"),)

    field_office: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentReview(Base):
    """The review an error opens: which person, office and contest, and where it stands."""

    __tablename__ = "incident_reviews"
    __table_args__ = (
        CheckConstraint(_in("kind", ERROR_KINDS), name="kind_known"),
        CheckConstraint(_in("status", INCIDENT_STATUSES), name="status_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
