"""Rebuild the record index from the lake (installs that ingested before it, or a new AOR table)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, delete, text

from immigrationos.audit import service as audit_service
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.records import index
from immigrationos.records.models import Record, RecordKey, RecordVersion
from immigrationos.sources import duck, lake
from immigrationos.sources import flows as sources_flows
from immigrationos.sources.contract import PERSON_SOURCES, SOURCES

Progress = Callable[[str, int, int], None]


@dataclass
class ReindexReport:
    """What a rebuild of the index wrote, per source."""

    records: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        """Return the records, versions and keys written over all sources."""
        return {
            "records": sum(self.records.values()),
            "versions": sum(self.versions.values()),
            "keys": sum(self.keys.values()),
        }


def lake_versions(lake_dir: Path, source: str) -> pl.DataFrame:
    """Return every version of every record of a source in the lake, by record and version."""
    glob = lake.parquet_glob(lake_dir, source)
    if glob is None:
        return pl.DataFrame()
    spec = SOURCES[source]
    columns = ", ".join([*spec.column_names, *lake.PROVENANCE_COLUMNS])
    with duck.cursor() as con:
        return con.sql(
            f"SELECT {columns} FROM read_parquet('{glob}', union_by_name = true, "
            f"hive_partitioning = false) ORDER BY {spec.key}, _version"
        ).pl()


def reindex(
    engine: Engine | None = None,
    lake_dir: Path | None = None,
    progress: Progress | None = None,
    *,
    run_by: str | None = None,
) -> ReindexReport:
    """Rebuild the whole record index from the lake, in one transaction; return the counts.

    The lake's write lock is held throughout, so no ingest runs meanwhile. Searches see
    the old index until the new one commits (on PostgreSQL they wait for it: TRUNCATE).
    The rebuild and its audit event (``records.reindex``) commit together.
    """
    engine = engine or get_engine()
    lake_dir = (lake_dir or get_settings().resolved_lake_dir).resolve()
    run_by = run_by or sources_flows.default_operator()
    report = ReindexReport()
    with lake.locked(lake_dir), session_scope(engine) as session:
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            session.execute(text("TRUNCATE record_keys, records, record_versions"))
        else:
            for table in (RecordKey, Record, RecordVersion):
                session.execute(delete(table))
        for done, source in enumerate(PERSON_SOURCES):
            if progress:
                progress(source, done, len(PERSON_SOURCES))
            rows = lake_versions(lake_dir, source)
            counts = index.index_rows(session=session, source=source, rows=rows, truncated=postgres)
            report.records[source] = counts.records
            report.versions[source] = counts.versions
            report.keys[source] = counts.keys
        audit_service.append(
            session=session,
            actor=run_by,
            action="records.reindex",
            resource_type="record_index",
            resource_id=str(lake_dir),
            client="cli",
            details={"lake_dir": str(lake_dir), **report.totals},
        )
        session.commit()
    if progress:
        progress("done", len(PERSON_SOURCES), len(PERSON_SOURCES))
    return report


def vacuum(engine: Engine | None = None) -> None:
    """VACUUM ANALYZE the index tables on PostgreSQL (after a large ingest); no-op on SQLite.

    Searches read their candidates from indexes alone only where the visibility map says
    the rows are visible to all; autovacuum sets it a while after a large load, this at once.
    """
    engine = engine or get_engine()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("records", "record_keys", "record_versions"):
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
