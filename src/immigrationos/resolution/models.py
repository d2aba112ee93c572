"""Tables of resolved identity (migration 0007): runs, persons, memberships, links, events.

A resolution run's clusters become persons with stable IDs (``resolution.identity``);
``person_records`` holds the current membership of every resolved record (replaced by
each run), ``person_links`` the links that hold each person together with their
explanations, ``person_events`` the merges, splits, creations and retirements that later
stages follow, ``identity_judgements`` the reviewers' decisions the next run honours.
JSON columns are canonical JSON text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base

# An integer key that is BIGINT on PostgreSQL and SQLite's rowid alias on SQLite.
PK_TYPE = BigInteger().with_variant(Integer, "sqlite")

RUN_STATUSES = ("COMPLETED", "FAILED")
PERSON_STATUSES = ("ACTIVE", "MERGED", "RETIRED")
EVENT_KINDS = ("CREATED", "MERGED", "SPLIT", "RETIRED")
VERDICTS = ("SAME", "DIFFERENT", "UNSURE")
REF_KINDS = ("RECORD", "PERSON")
PERSON_ID_LENGTH = 11  # "P" and ten characters
REF_LENGTH = 200  # "source:record_id"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ResolutionRun(Base):
    """One resolution run: who ran it, under which purpose, with what, and what it changed."""

    __tablename__ = "resolution_runs"
    __table_args__ = (CheckConstraint(_in("status", RUN_STATUSES), name="status_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    backend: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[float] = mapped_column(Float)
    purpose_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    run_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    records: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    links: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    split: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[str] = mapped_column(Text, default="{}")  # the backend's own figures
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The trained model the run scored with (JSON; migration 0008): a new batch is
    # linked with it (``resolve_flows.link_new``) instead of training again.
    model: Mapped[str | None] = mapped_column(Text, nullable=True)


class Person(Base):
    """A resolved person: a stable ID, its best identity fields, area and confidence.

    ``status`` is ACTIVE, MERGED (``merged_into`` names the person it became) or RETIRED
    (its records are gone). Best-name fields are the most common among the person's
    records (ties: the more authoritative source); served profiles are recomputed from
    the records the reader may see.
    """

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint(_in("status", PERSON_STATUSES), name="status_known"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
        Index("ix_persons_field_office", "field_office"),
        Index("ix_persons_confidence", "status", "confidence"),
    )

    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    merged_into: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(400), nullable=True)
    given_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    family_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    confidence: Mapped[float] = mapped_column(Float)
    records: Mapped[int] = mapped_column(Integer)
    sources: Mapped[str] = mapped_column(Text)  # JSON list of the sources present
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_run: Mapped[str] = mapped_column(ForeignKey("resolution_runs.id"))
    updated_run: Mapped[str] = mapped_column(ForeignKey("resolution_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PersonRecord(Base):
    """The current membership of one source record in one person (one person per record).

    ``run_id`` is the run that put the record in this person. No foreign key to
    ``persons``: a run loads 550,000 memberships with COPY, a per-row key check would
    triple that, and the run writes both from the same frame in one transaction.
    """

    __tablename__ = "person_records"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    run_id: Mapped[str] = mapped_column(String(36))


class PersonLink(Base):
    """A link that holds a person together: two records, their weight and its explanation.

    ``run_id`` is the run that found it. No foreign key to ``persons``, for the reason
    ``PersonRecord`` gives.
    """

    __tablename__ = "person_links"
    __table_args__ = (Index("ix_person_links_match_probability", "match_probability", "id"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36))
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    unique_id_l: Mapped[str] = mapped_column(String(REF_LENGTH))
    unique_id_r: Mapped[str] = mapped_column(String(REF_LENGTH))
    match_weight: Mapped[float] = mapped_column(Float)
    match_probability: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)  # JSON: the waterfall


class IdentityJudgement(Base):
    """A reviewer's decision that two records or persons are the same, different, or unclear.

    The pair is stored in sorted order (``left_ref`` < ``right_ref``); a newer judgement
    of the same pair supersedes the older one (``superseded_by``).
    """

    __tablename__ = "identity_judgements"
    __table_args__ = (
        CheckConstraint(_in("verdict", VERDICTS), name="verdict_known"),
        CheckConstraint(_in("left_kind", REF_KINDS), name="left_kind_known"),
        CheckConstraint(_in("right_kind", REF_KINDS), name="right_kind_known"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint("left_ref <> right_ref", name="two_sides"),
        Index("ix_identity_judgements_pair", "left_ref", "right_ref"),
        Index("ix_identity_judgements_right_ref", "right_ref"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    left_kind: Mapped[str] = mapped_column(String(8))
    left_ref: Mapped[str] = mapped_column(String(REF_LENGTH))
    right_kind: Mapped[str] = mapped_column(String(8))
    right_ref: Mapped[str] = mapped_column(String(REF_LENGTH))
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    purpose_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class PersonEvent(Base):
    """What a run did to a person ID: CREATED, MERGED (others into it), SPLIT or RETIRED.

    ``from_ids`` became ``into_ids`` (JSON lists): a merge lists the surviving ID and the
    IDs merged into it, a split the parts the person's records went to.
    """

    __tablename__ = "person_events"
    __table_args__ = (CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("resolution_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    from_ids: Mapped[str] = mapped_column(Text)
    into_ids: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ResolutionFlag(Base):
    """Something a run noticed and refused to link through (e.g. one SSN, many identities)."""

    __tablename__ = "resolution_flags"

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("resolution_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    unique_ids: Mapped[str] = mapped_column(Text)  # JSON list of "source:record_id"
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
