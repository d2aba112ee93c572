"""Tables of the ingest: runs, batches (one per source file) and quarantined rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from immigrationos.db.base import Base


class IngestRun(Base):
    """One ``imos ingest`` of a folder: who ran it, when, and how it ended."""

    __tablename__ = "ingest_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    input_dir: Mapped[str] = mapped_column(Text)
    run_by: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # RUNNING, COMPLETED, FAILED
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    batches: Mapped[list[IngestBatch]] = relationship(back_populates="run")


class IngestBatch(Base):
    """One source file of a run, with its reconciliation: read = accepted + quarantined."""

    __tablename__ = "ingest_batches"
    __table_args__ = (
        CheckConstraint("rows_read = rows_accepted + rows_quarantined", name="rows_reconcile"),
        CheckConstraint(
            "rows_accepted = rows_new + rows_changed + rows_unchanged", name="accepted_reconcile"
        ),
        Index("ix_ingest_batches_source_sha", "source", "file_sha256"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("ingest_runs.id"))
    source: Mapped[str] = mapped_column(String(40), index=True)
    source_file: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_bytes: Mapped[int] = mapped_column(BigInteger)
    snapshot: Mapped[bool] = mapped_column(Boolean, default=False)
    run_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # COMPLETED; IDENTICAL (the same file was ingested before: nothing to do); FAILED
    status: Mapped[str] = mapped_column(String(20))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_changed: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    ignored_columns: Mapped[str | None] = mapped_column(Text, nullable=True)
    identical_to: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lake_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    run: Mapped[IngestRun] = relationship(back_populates="batches")


class QuarantinedRow(Base):
    """A row that broke the contract: where it was, what it said, and why it was held."""

    __tablename__ = "quarantined_rows"
    __table_args__ = (Index("ix_quarantined_rows_batch_line", "batch_id", "line_number"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    source: Mapped[str] = mapped_column(String(40), index=True)
    source_file: Mapped[str] = mapped_column(Text)
    line_number: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason_code: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    raw_text: Mapped[str] = mapped_column(Text)
