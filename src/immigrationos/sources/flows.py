"""Ingest: read each contract source of a folder, validate, version, write the lake.

One flow owns the transaction of each batch: the batch row, its reconciliation and
its quarantined rows are committed together, and only then is the batch's Parquet
moved from staging into the lake. A failure leaves neither half behind.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import models as audit_models
from immigrationos.audit import service as audit_service
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.records import index as records_index
from immigrationos.sources import lake
from immigrationos.sources import service as sources_service
from immigrationos.sources.contract import SOURCE_NAMES, SOURCES, SourceSpec
from immigrationos.sources.models import IngestBatch, IngestRun
from immigrationos.sources.reader import CsvFileError, SplitFile, split_csv
from immigrationos.sources.validate import reason_code, validate

Progress = Callable[[str, int, int], None]


class IngestError(RuntimeError):
    """An ingest that could not run at all (no folder, no source file in it)."""


@dataclass
class SourceReport:
    """What happened to one source file."""

    source: str
    file: str
    status: str
    batch_id: str
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    note: str | None = None


@dataclass
class IngestReport:
    """What one ingest run did, per source."""

    run_id: str
    input_dir: str
    run_by: str
    snapshot: bool
    started_at: str
    finished_at: str
    sources: list[SourceReport]

    @property
    def totals(self) -> dict[str, int]:
        """Return rows read, accepted and quarantined over all sources."""
        return {
            "rows_read": sum(s.rows_read for s in self.sources),
            "accepted": sum(s.accepted for s in self.sources),
            "quarantined": sum(s.quarantined for s in self.sources),
        }

    def to_json(self) -> str:
        """Return the report as JSON (per source: read, accepted, quarantined by reason)."""
        payload = asdict(self)
        payload["totals"] = self.totals
        return json.dumps(payload, indent=2, sort_keys=False)


def default_operator() -> str:
    """Return who runs a command-line job: IMOS_OPERATOR, else the OS user and host."""
    configured = get_settings().operator
    if configured:
        return configured
    return f"operator:{getpass.getuser()}@{socket.gethostname()}"


def _now() -> datetime:
    return datetime.now(UTC)


def discover(input_dir: Path) -> list[tuple[SourceSpec, Path]]:
    """Return the contract sources present in a folder, in contract order."""
    if not input_dir.is_dir():
        raise IngestError(f"{input_dir} is not a folder")
    found = [(SOURCES[n], input_dir / SOURCES[n].file_name) for n in SOURCE_NAMES]
    present = [(spec, path) for spec, path in found if path.is_file()]
    if not present:
        expected = ", ".join(s.file_name for s in SOURCES.values())
        raise IngestError(f"{input_dir} holds no contract source file (expected any of {expected})")
    return present


def ingest_directory(
    input_dir: Path,
    *,
    snapshot: bool = False,
    engine: Engine | None = None,
    lake_dir: Path | None = None,
    run_by: str | None = None,
    progress: Progress | None = None,
    sources: list[str] | None = None,
) -> IngestReport:
    """Ingest every contract source file in ``input_dir``; return the per-source report.

    Args:
        input_dir: folder holding ``<source>.csv`` files.
        snapshot: the delivery is a full snapshot of each source in it: records the
            lake holds but the file no longer does are marked withdrawn (never deleted).
        engine: database (the configured one by default).
        lake_dir: lake folder (the configured one by default).
        run_by: who runs the ingest (recorded on the run and every batch).
        progress: called with (source, done, total) as sources complete.
        sources: only these sources (all present ones by default).
    """
    engine = engine or get_engine()
    lake_dir = (lake_dir or get_settings().resolved_lake_dir).resolve()
    run_by = run_by or default_operator()
    present = discover(input_dir)
    if sources is not None:
        unknown = sorted(set(sources) - set(SOURCES))
        if unknown:
            raise IngestError(f"unknown source(s): {', '.join(unknown)}")
        present = [(spec, path) for spec, path in present if spec.name in sources]
    run = IngestRun(
        id=str(uuid.uuid4()),
        input_dir=str(input_dir.resolve()),
        run_by=run_by,
        snapshot=snapshot,
        started_at=_now(),
        status="RUNNING",
    )
    with session_scope(engine) as session:
        sources_service.add_run(session=session, run=run)
        session.commit()
    reports: list[SourceReport] = []
    with lake.locked(lake_dir):
        _recover(engine, lake_dir)
        try:
            for done, (spec, path) in enumerate(present):
                if progress:
                    progress(spec.name, done, len(present))
                reports.append(_ingest_file(engine, lake_dir, run, spec, path, snapshot))
            if progress:
                progress("done", len(present), len(present))
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}"
            _finish_run(engine, run.id, "FAILED", message)
            audit_flows.record(
                engine,
                actor=run_by,
                action="ingest.run",
                resource_type="ingest_run",
                resource_id=run.id,
                outcome=audit_models.Outcome.FAILURE,
                client="cli",
                details={"input_dir": run.input_dir, "error": message},
            )
            raise
    finished = _finish_run(engine, run.id, "COMPLETED", None)
    return IngestReport(
        run_id=run.id,
        input_dir=run.input_dir,
        run_by=run_by,
        snapshot=snapshot,
        started_at=run.started_at.isoformat(),
        finished_at=finished.isoformat(),
        sources=reports,
    )


def _audit_batch(session: Session, batch: IngestBatch) -> None:
    """Record the batch in the audit log, in the batch's own transaction."""
    audit_service.append(
        session=session,
        actor=batch.run_by,
        action="ingest.batch",
        resource_type="ingest_batch",
        resource_id=batch.id,
        client="cli",
        details={
            "source": batch.source,
            "file": batch.source_file,
            "sha256": batch.file_sha256,
            "status": batch.status,
            "rows_read": batch.rows_read,
            "accepted": batch.rows_accepted,
            "quarantined": batch.rows_quarantined,
            "new": batch.rows_new,
            "changed": batch.rows_changed,
            "withdrawn": batch.rows_withdrawn,
        },
    )


def _finish_run(engine: Engine, run_id: str, status: str, error: str | None) -> datetime:
    finished = _now()
    with session_scope(engine) as session:
        run = sources_service.get_run(session=session, run_id=run_id)
        if run is not None:
            run.status, run.finished_at, run.error = status, finished, error
            session.commit()
    return finished


def _recover(engine: Engine, lake_dir: Path) -> None:
    """Finish or drop batches an interrupted ingest left in staging."""
    with session_scope(engine) as session:
        for batch_id in lake.staged_batches(lake_dir):
            batch = session.get(IngestBatch, batch_id)
            if batch is not None and batch.status == "COMPLETED":
                lake.publish(lake_dir, batch.source, batch_id)
            else:
                lake.discard(lake_dir, batch_id)


def _frame_for_contract(spec: SourceSpec, header: list[str], fields: pl.DataFrame) -> pl.DataFrame:
    """Return the contract's columns (absent optional ones as nulls) plus line and raw text."""
    missing = [c.name for c in spec.columns if c.name not in header]
    return fields.with_columns([pl.lit(None, dtype=pl.Utf8).alias(n) for n in missing]).select(
        [*spec.column_names, "_line_number", "_raw_text"]
    )


def _quarantine_frame(
    batch_id: str, spec: SourceSpec, file_name: str, rejected: pl.DataFrame
) -> pl.DataFrame:
    return rejected.select(
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(spec.name).alias("source"),
        pl.lit(file_name).alias("source_file"),
        pl.col("_line_number").cast(pl.Int64).alias("line_number"),
        pl.col("record_id").cast(pl.Utf8),
        reason_code(pl.col("_reason")).alias("reason_code"),
        pl.col("_reason").alias("reason"),
        pl.col("_raw_text").alias("raw_text"),
    ).sort("line_number")


def _ingest_file(
    engine: Engine,
    lake_dir: Path,
    run: IngestRun,
    spec: SourceSpec,
    path: Path,
    snapshot: bool,
) -> SourceReport:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    batch_id = str(uuid.uuid4())
    started = _now()
    batch = IngestBatch(
        id=batch_id,
        run_id=run.id,
        source=spec.name,
        source_file=str(path.resolve()),
        file_sha256=sha,
        file_bytes=len(data),
        snapshot=snapshot,
        run_by=run.run_by,
        started_at=started,
        status="COMPLETED",
        rows_read=0,
        rows_accepted=0,
        rows_quarantined=0,
        rows_new=0,
        rows_changed=0,
        rows_unchanged=0,
        rows_withdrawn=0,
    )
    with session_scope(engine) as session:
        earlier = sources_service.find_identical_batch(
            session=session, source=spec.name, file_sha256=sha, snapshot=snapshot
        )
        if earlier is not None and (earlier.lake_path is None or Path(earlier.lake_path).exists()):
            batch.status, batch.identical_to = "IDENTICAL", earlier.id
            batch.note = f"identical to batch {earlier.id}: nothing to do"
            batch.finished_at = _now()
            sources_service.add_batch(session=session, batch=batch)
            _audit_batch(session, batch)
            session.commit()
            return SourceReport(spec.name, path.name, "IDENTICAL", batch_id, note=batch.note)
    try:
        report, quarantine, lake_rows = _prepare(lake_dir, batch, spec, path, data, snapshot)
    except Exception:
        lake.discard(lake_dir, batch_id)
        raise
    staged = lake_rows.height > 0
    try:
        with session_scope(engine) as session:
            batch.finished_at = _now()
            sources_service.add_batch(session=session, batch=batch)
            sources_service.add_quarantine(session=session, rows=quarantine)
            # The record index lands with its batch or not at all.
            records_index.index_rows(session=session, source=spec.name, rows=lake_rows)
            _audit_batch(session, batch)
            session.commit()
    except Exception:
        lake.discard(lake_dir, batch_id)
        raise
    if staged:
        lake.publish(lake_dir, spec.name, batch_id)
    return report


def _prepare(
    lake_dir: Path,
    batch: IngestBatch,
    spec: SourceSpec,
    path: Path,
    data: bytes,
    snapshot: bool,
) -> tuple[SourceReport, pl.DataFrame, pl.DataFrame]:
    """Validate and version a file; stage its lake rows; fill the batch's counts.

    Returns the report, the quarantined rows and the lake rows staged (for the index).
    """
    try:
        split = split_csv(data)
    except CsvFileError as exc:
        raise IngestError(f"{path}: {exc}") from exc
    header = split.header
    required_missing = [c.name for c in spec.columns if not c.optional and c.name not in header]
    ignored = [h for h in header if h not in spec.column_names]
    notes = []
    if ignored:
        batch.ignored_columns = ",".join(ignored)
        notes.append(f"columns not in the contract ignored: {', '.join(ignored)}")
    if required_missing:
        why = f"the file lacks the contract column(s) {', '.join(required_missing)}"
        rejected = pl.concat(
            [
                split.fields.select("_line_number", "_raw_text"),
                split.bad_shape.select("_line_number", "_raw_text"),
            ]
        ).with_columns(
            pl.lit(None, pl.Utf8).alias("record_id"),
            pl.lit(why).alias("_reason"),
        )
        accepted = pl.DataFrame()
        notes.append(why)
    else:
        optional_missing = [c.name for c in spec.columns if c.name not in header]
        if optional_missing:
            notes.append(f"optional column(s) absent, read as empty: {', '.join(optional_missing)}")
        checked = validate(spec, _frame_for_contract(spec, header, split.fields))
        accepted = checked.accepted
        rejected = pl.concat(
            [
                checked.rejected,
                split.bad_shape.select(
                    "_line_number",
                    "_raw_text",
                    pl.lit(None, pl.Utf8).alias("record_id"),
                    "_reason",
                ),
            ],
            how="vertical_relaxed",
        )
    quarantine = _quarantine_frame(batch.id, spec, path.name, rejected)
    batch.rows_read = split.records
    batch.rows_accepted = accepted.height
    batch.rows_quarantined = quarantine.height
    if batch.rows_read != batch.rows_accepted + batch.rows_quarantined:
        raise IngestError(
            f"{path}: {batch.rows_read} rows read but {batch.rows_accepted} accepted and "
            f"{batch.rows_quarantined} quarantined; refusing to lose rows"
        )

    lake_rows, counts = _versioned(
        lake_dir, spec, batch, accepted, split_keys(spec, split), snapshot
    )
    batch.rows_new, batch.rows_changed, batch.rows_unchanged, batch.rows_withdrawn = counts
    staged = lake_rows.height > 0
    if staged:
        lake.stage(lake_dir, spec.name, batch.id, lake_rows)
        batch.lake_path = str(lake.batch_dir(lake_dir, spec.name, batch.id))
    batch.note = "; ".join(notes) or None
    by_reason = (
        dict(quarantine.group_by("reason_code").len().sort("reason_code").iter_rows())
        if quarantine.height
        else {}
    )
    report = SourceReport(
        source=spec.name,
        file=path.name,
        status="COMPLETED",
        batch_id=batch.id,
        rows_read=batch.rows_read,
        accepted=batch.rows_accepted,
        quarantined=batch.rows_quarantined,
        new=batch.rows_new,
        changed=batch.rows_changed,
        unchanged=batch.rows_unchanged,
        withdrawn=batch.rows_withdrawn,
        quarantined_by_reason={str(k): int(v) for k, v in by_reason.items()},
        note=batch.note,
    )
    return report, quarantine, lake_rows


def split_keys(spec: SourceSpec, split: SplitFile) -> pl.Series:
    """Return every key the delivery holds, including rows quarantined for other reasons."""
    key = spec.key or "record_id"
    if key not in split.fields.columns:
        return pl.Series(key, [], dtype=pl.Utf8)
    return split.fields.get_column(key).str.strip_chars().drop_nulls().unique()


def lake_columns(spec: SourceSpec) -> list[str]:
    """Return the columns of a source's lake rows: the contract's, then provenance."""
    return [*spec.column_names, *lake.PROVENANCE_COLUMNS]


def _versioned(
    lake_dir: Path,
    spec: SourceSpec,
    batch: IngestBatch,
    accepted: pl.DataFrame,
    delivered_keys: pl.Series,
    snapshot: bool,
) -> tuple[pl.DataFrame, tuple[int, int, int, int]]:
    """Compare accepted rows with the lake; return the rows to write and the counts.

    Returns rows NEW, CHANGED or REINSTATED (and, for a snapshot, WITHDRAWN copies of
    records no longer delivered), and (new, changed, unchanged, withdrawn).
    """
    key = spec.key or "record_id"
    latest = lake.latest_versions(lake_dir, spec.name)
    provenance = [
        pl.lit(batch.id).alias("_batch_id"),
        pl.lit(Path(batch.source_file).name).alias("_source_file"),
        pl.lit(batch.started_at).dt.replace_time_zone(None).alias("_ingested_at"),
    ]
    if accepted.height:
        joined = accepted.join(
            latest.rename({"_row_hash": "_prev_hash", "_change": "_prev_change"}),
            on=key,
            how="left",
        )
        change = (
            pl.when(pl.col("_version").is_null())
            .then(pl.lit("NEW"))
            .when(pl.col("_prev_change") == "WITHDRAWN")
            .then(pl.lit("REINSTATED"))
            .when(pl.col("_prev_hash") != pl.col("_row_hash"))
            .then(pl.lit("CHANGED"))
            .otherwise(pl.lit(None, pl.Utf8))
        )
        joined = joined.with_columns(change.alias("_change"))
        new = int((joined["_change"] == "NEW").sum())
        changed = int(joined["_change"].is_in(["CHANGED", "REINSTATED"]).sum())
        unchanged = joined.height - new - changed
        written = joined.filter(pl.col("_change").is_not_null()).with_columns(
            (pl.col("_version").fill_null(0) + 1).alias("_version"), *provenance
        )
        written = written.select(lake_columns(spec))
    else:
        new = changed = unchanged = 0
        written = pl.DataFrame()
    withdrawn_rows = pl.DataFrame()
    if snapshot and latest.height:
        gone = latest.filter(
            (pl.col("_change") != "WITHDRAWN") & ~pl.col(key).is_in(delivered_keys.implode())
        )
        if gone.height:
            previous = lake.latest_rows(lake_dir, spec.name, gone.get_column(key))
            withdrawn_rows = previous.with_columns(
                (pl.col("_version") + 1).alias("_version"),
                pl.lit("WITHDRAWN").alias("_change"),
                pl.lit(None, pl.Int64).alias("_line_number"),
                *provenance,
            ).select(lake_columns(spec))
    frames = [f for f in (written, withdrawn_rows) if f.height]
    rows = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
    return rows, (new, changed, unchanged, withdrawn_rows.height)
