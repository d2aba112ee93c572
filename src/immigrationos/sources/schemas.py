"""API shapes of ingest: batches with their reconciliation, and quarantined rows."""

from __future__ import annotations

from pydantic import BaseModel, Field

from immigrationos.apikit.types import UtcDateTime
from immigrationos.sources.models import IngestBatch, QuarantinedRow


class Reconciliation(BaseModel):
    """Where every row read went: read = accepted + quarantined, accepted = new + changed + unchanged."""

    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    rows_new: int
    rows_changed: int
    rows_unchanged: int
    rows_withdrawn: int
    balanced: bool = Field(description="True when both equations hold (the database enforces it).")


class BatchRead(BaseModel):
    """One source file of an ingest run."""

    id: str
    run_id: str
    source: str
    source_file: str
    file_sha256: str
    file_bytes: int
    snapshot: bool
    run_by: str
    started_at: UtcDateTime
    finished_at: UtcDateTime | None
    status: str
    identical_to: str | None
    ignored_columns: list[str]
    note: str | None
    reconciliation: Reconciliation

    @classmethod
    def of(cls, batch: IngestBatch) -> BatchRead:
        """Return the API view of a batch."""
        rec = Reconciliation(
            rows_read=batch.rows_read,
            rows_accepted=batch.rows_accepted,
            rows_quarantined=batch.rows_quarantined,
            rows_new=batch.rows_new,
            rows_changed=batch.rows_changed,
            rows_unchanged=batch.rows_unchanged,
            rows_withdrawn=batch.rows_withdrawn,
            balanced=batch.rows_read == batch.rows_accepted + batch.rows_quarantined
            and batch.rows_accepted == batch.rows_new + batch.rows_changed + batch.rows_unchanged,
        )
        return cls(
            id=batch.id,
            run_id=batch.run_id,
            source=batch.source,
            source_file=batch.source_file,
            file_sha256=batch.file_sha256,
            file_bytes=batch.file_bytes,
            snapshot=batch.snapshot,
            run_by=batch.run_by,
            started_at=batch.started_at,
            finished_at=batch.finished_at,
            status=batch.status,
            identical_to=batch.identical_to,
            ignored_columns=batch.ignored_columns.split(",") if batch.ignored_columns else [],
            note=batch.note,
            reconciliation=rec,
        )


class BatchDetail(BatchRead):
    """A batch with its quarantined rows counted by reason."""

    quarantine_reasons: dict[str, int]


class QuarantinedRowRead(BaseModel):
    """A row that broke the contract: where it was, what it said, and why it was held."""

    id: int
    batch_id: str
    source: str
    source_file: str
    line_number: int
    record_id: str | None
    reason_code: str
    reason: str
    raw_text: str

    @classmethod
    def of(cls, row: QuarantinedRow) -> QuarantinedRowRead:
        """Return the API view of a quarantined row."""
        return cls(
            id=row.id,
            batch_id=row.batch_id,
            source=row.source,
            source_file=row.source_file,
            line_number=row.line_number,
            record_id=row.record_id,
            reason_code=row.reason_code,
            reason=row.reason,
            raw_text=row.raw_text,
        )
