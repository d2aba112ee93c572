"""Data access for ingest runs, batches and quarantine. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from immigrationos.sources.models import IngestBatch, IngestRun, QuarantinedRow


def find_identical_batch(
    *, session: Session, source: str, file_sha256: str, snapshot: bool
) -> IngestBatch | None:
    """Return an earlier completed batch of the same file (and, for a snapshot, as a snapshot)."""
    query = select(IngestBatch).where(
        IngestBatch.source == source,
        IngestBatch.file_sha256 == file_sha256,
        IngestBatch.status == "COMPLETED",
    )
    if snapshot:
        query = query.where(IngestBatch.snapshot.is_(True))
    return session.scalars(query.order_by(IngestBatch.started_at).limit(1)).first()


def add_run(*, session: Session, run: IngestRun) -> IngestRun:
    """Add an ingest run."""
    session.add(run)
    session.flush()
    return run


def add_batch(*, session: Session, batch: IngestBatch) -> IngestBatch:
    """Add a batch (the database checks that its counts reconcile)."""
    session.add(batch)
    session.flush()
    return batch


def add_quarantine(*, session: Session, rows: pl.DataFrame, chunk: int = 5000) -> int:
    """Insert quarantined rows (batch_id, source, source_file, line_number, record_id,
    reason_code, reason, raw_text); return how many."""
    count = 0
    for frame in rows.iter_slices(chunk):
        records = frame.to_dicts()
        if records:
            session.execute(insert(QuarantinedRow), records)
            count += len(records)
    session.flush()
    return count


def get_run(*, session: Session, run_id: str) -> IngestRun | None:
    """Return one ingest run."""
    return session.get(IngestRun, run_id)


def _batch_filters(query: Any, source: str | None, status: str | None, run_id: str | None) -> Any:
    if source:
        query = query.where(IngestBatch.source == source)
    if status:
        query = query.where(IngestBatch.status == status)
    if run_id:
        query = query.where(IngestBatch.run_id == run_id)
    return query


def list_batches(
    *,
    session: Session,
    source: str | None = None,
    status: str | None = None,
    run_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[IngestBatch]:
    """Return the latest batches, newest first, optionally of one source, status or run."""
    query = _batch_filters(select(IngestBatch), source, status, run_id)
    query = (
        query.order_by(IngestBatch.started_at.desc(), IngestBatch.id).limit(limit).offset(offset)
    )
    return session.scalars(query).all()


def count_batches(
    *,
    session: Session,
    source: str | None = None,
    status: str | None = None,
    run_id: str | None = None,
) -> int:
    """Return how many batches the filters of ``list_batches`` match."""
    query = _batch_filters(select(func.count()).select_from(IngestBatch), source, status, run_id)
    return int(session.execute(query).scalar_one())


def get_batch(*, session: Session, batch_id: str) -> IngestBatch | None:
    """Return one batch."""
    return session.get(IngestBatch, batch_id)


def quarantine_reasons(*, session: Session, batch_id: str) -> dict[str, int]:
    """Return a batch's quarantined rows counted by reason code."""
    rows = session.execute(
        select(QuarantinedRow.reason_code, func.count())
        .where(QuarantinedRow.batch_id == batch_id)
        .group_by(QuarantinedRow.reason_code)
    ).all()
    return {code: int(n) for code, n in rows}


def list_quarantine(
    *,
    session: Session,
    batch_id: str,
    reason_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[QuarantinedRow]:
    """Return a batch's quarantined rows in file order, optionally of one reason code."""
    query = select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id)
    if reason_code:
        query = query.where(QuarantinedRow.reason_code == reason_code)
    return session.scalars(
        query.order_by(QuarantinedRow.line_number).limit(limit).offset(offset)
    ).all()
