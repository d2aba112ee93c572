"""Tables of the record index (migration 0004): current records, their versions, search keys.

The lake stays the system of record; these tables are an index of it, filled in the same
transaction as each ingest batch and rebuildable from the lake (``records.flows.reindex``).
``census_tracts`` holds aggregates, not persons, and is never indexed here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base

# An integer key that is BIGINT on PostgreSQL and SQLite's rowid alias on SQLite.
PK_TYPE = BigInteger().with_variant(Integer, "sqlite")


class Record(Base):
    """The current state of one source record: its latest version and its search fields."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("source", "record_id"),
        Index("ix_records_birth_date", "birth_date"),
        Index("ix_records_field_office", "field_office"),
        Index("ix_records_family_name", "family_name"),
        # Covers what a search reads of its candidates, so it never visits the table.
        Index(
            "ix_records_search",
            "id",
            "withdrawn",
            "source",
            "field_office",
            "record_id",
            "given_name",
            "family_name",
            "birth_date",
        ),
    )

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(12))  # NEW, CHANGED, REINSTATED, WITHDRAWN
    withdrawn: Mapped[bool] = mapped_column(Boolean)
    batch_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(400))  # as written, upper case
    given_name: Mapped[str | None] = mapped_column(String(200), nullable=True)  # folded
    family_name: Mapped[str | None] = mapped_column(String(200), nullable=True)  # folded
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    state: Mapped[str | None] = mapped_column(String(2), nullable=True)
    zip: Mapped[str | None] = mapped_column(String(5), nullable=True)
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON of the contract fields
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RecordVersion(Base):
    """One version of one source record, as the lake holds it, with its provenance.

    Unique by (source, record_id, version): that is its primary key. On PostgreSQL the
    table is partitioned by source, one partition per contract source (migration 0025): a
    row of another source is refused.
    """

    __tablename__ = "record_versions"
    __table_args__ = ({"postgresql_partition_by": "LIST (source)"},)

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    change: Mapped[str] = mapped_column(String(12))
    batch_id: Mapped[str] = mapped_column(String(36))
    row_hash: Mapped[str] = mapped_column(String(32))
    source_file: Mapped[str] = mapped_column(Text)
    line_number: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: withdrawal
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[str] = mapped_column(Text)


class RecordKey(Base):
    """A search key of a current record: an identifier (kind SSN, A_NUMBER, ...) or a name key.

    Identifier values are normalised (``normalize.identifier``); name keys (kind NAME) are
    built by ``normalize.name_keys``. A record's keys are replaced when it changes. The
    primary key (kind, value, record_pk) is the lookup index: a search reads record ids
    from it alone, never the table.
    """

    __tablename__ = "record_keys"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    record_pk: Mapped[int] = mapped_column(
        PK_TYPE,
        ForeignKey("records.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
        index=True,
    )
