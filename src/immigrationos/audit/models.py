"""Tables of the audit log: hash-chained events and the checkpoints of verification runs.

Both tables are append-only: migration 0003 installs triggers that refuse UPDATE and
DELETE (and, on PostgreSQL, TRUNCATE). A later migration that rebuilds either table on
SQLite (``batch_alter_table``) drops those triggers and must create them again.

On PostgreSQL ``audit_events`` is partitioned by ranges of ``seq`` (migration 0025):
``AUDIT_PARTITION_EVENTS`` events a partition, the next one created when the log enters
a range (``service.append``), the guard on every partition.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base

GENESIS_HASH = "0" * 64
# Events of one partition of audit_events on PostgreSQL; migration 0025 says the same.
AUDIT_PARTITION_EVENTS = 5_000_000


class Outcome(StrEnum):
    """How an audited action ended."""

    SUCCESS = "SUCCESS"
    DENIED = "DENIED"
    FAILURE = "FAILURE"


class AuditEvent(Base):
    """One audited action, chained to the one before it by SHA-256.

    ``hash`` covers every other column and ``prev_hash`` (the previous event's hash;
    64 zeros for the first event), so an edited, removed or reordered event breaks
    the chain at that ``seq``.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint("outcome IN ('SUCCESS', 'DENIED', 'FAILURE')", name="outcome_known"),
        Index("ix_audit_events_resource", "resource_type", "resource_id"),
        {"postgresql_partition_by": "RANGE (seq)"},
    )

    # Assigned by the log (last seq + 1, read under a lock): gap-free, never a sequence.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # A user id, or ``operator:<user>@<host>`` for command-line use.
    actor: Mapped[str] = mapped_column(String(200), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(40), nullable=True)
    action: Mapped[str] = mapped_column(String(80), index=True)  # e.g. record.read
    resource_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resource_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str] = mapped_column(String(10))
    client: Mapped[str] = mapped_column(String(200))  # IP address or host, or "cli"
    details: Mapped[str] = mapped_column(Text)  # canonical JSON: sorted keys, no whitespace
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The head of the chain as a verification run found it intact.

    A later log whose tail is shorter than a checkpoint, or whose event at a
    checkpoint's ``seq`` has another hash, has been truncated or rewritten.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The signed statement of this checkpoint (``audit.signing``), for an outside party.
    statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    signature: Mapped[str | None] = mapped_column(Text, nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
