"""The lake: Parquet files of accepted source rows, one folder per source and batch.

Layout::

    <lake>/<source>/batch=<batch_id>/rows.parquet   accepted rows, typed, with provenance
    <lake>/_staging/<batch_id>/...                 a batch being written (never read)

Each row carries its provenance (``_batch_id``, ``_source_file``, ``_line_number``,
``_row_hash``, ``_ingested_at``) and its place in the record's history
(``_version`` from 1, ``_change`` NEW, CHANGED, REINSTATED or WITHDRAWN). Nothing is
rewritten or deleted: the current state of a record is its highest version, and a
record whose highest version is WITHDRAWN is no longer current. DuckDB reads the lake
(and so will Spark: it is plain partitioned Parquet).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from immigrationos.sources import duck
from immigrationos.sources.contract import SOURCES, SourceSpec

PROVENANCE_COLUMNS = (
    "_batch_id",
    "_source_file",
    "_line_number",
    "_row_hash",
    "_ingested_at",
    "_version",
    "_change",
)
CHANGE_KINDS = ("NEW", "CHANGED", "REINSTATED", "WITHDRAWN")


class LakeError(RuntimeError):
    """The lake is not in a state the platform can use."""


def source_dir(lake: Path, source: str) -> Path:
    """Return the folder of one source in the lake."""
    return lake / source


def batch_dir(lake: Path, source: str, batch_id: str) -> Path:
    """Return the folder of one batch of one source."""
    return source_dir(lake, source) / f"batch={batch_id}"


def staging_dir(lake: Path, batch_id: str) -> Path:
    """Return the staging folder of a batch being written."""
    return lake / "_staging" / batch_id


@contextmanager
def locked(lake: Path) -> Iterator[None]:
    """Hold the lake's write lock: one ingest writes at a time."""
    lake.mkdir(parents=True, exist_ok=True)
    with open(lake / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stage(lake: Path, source: str, batch_id: str, rows: pl.DataFrame) -> Path:
    """Write a batch's rows to its staging folder; return the folder to publish."""
    folder = staging_dir(lake, batch_id) / source / f"batch={batch_id}"
    folder.mkdir(parents=True, exist_ok=True)
    rows.write_parquet(folder / "rows.parquet", compression="zstd", statistics=True)
    return folder


def publish(lake: Path, source: str, batch_id: str) -> Path:
    """Move a staged batch into the lake (an atomic rename); return its folder."""
    staged = staging_dir(lake, batch_id) / source / f"batch={batch_id}"
    final = batch_dir(lake, source, batch_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, final)
    shutil.rmtree(staging_dir(lake, batch_id), ignore_errors=True)
    return final


def discard(lake: Path, batch_id: str) -> None:
    """Remove a batch's staging folder (the batch failed or was not committed)."""
    shutil.rmtree(staging_dir(lake, batch_id), ignore_errors=True)


def staged_batches(lake: Path) -> list[str]:
    """Return the ids of batches left in staging by an interrupted ingest."""
    folder = lake / "_staging"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def parquet_glob(lake: Path, source: str) -> str | None:
    """Return the glob of a source's Parquet files, or None when it has none yet."""
    folder = source_dir(lake, source)
    if not folder.exists() or not any(folder.glob("batch=*/rows.parquet")):
        return None
    return str(folder / "batch=*" / "rows.parquet")


def _scan(con: duckdb.DuckDBPyConnection, lake: Path, spec: SourceSpec) -> str | None:
    glob = parquet_glob(lake, spec.name)
    if glob is None:
        return None
    return f"read_parquet('{glob}', union_by_name = true, hive_partitioning = false)"


def latest_versions(lake: Path, source: str) -> pl.DataFrame:
    """Return each record's latest version: key, ``_row_hash``, ``_version``, ``_change``."""
    spec = SOURCES[source]
    key = spec.key or "record_id"
    empty = pl.DataFrame(
        schema={key: pl.Utf8, "_row_hash": pl.Utf8, "_version": pl.Int64, "_change": pl.Utf8}
    )
    with duck.cursor() as con:
        scan = _scan(con, lake, spec)
        if scan is None:
            return empty
        return con.sql(
            f"""
            SELECT {key}, _row_hash, _version, _change FROM {scan}
            QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _version DESC) = 1
            """
        ).pl()


def current(lake: Path, source: str, columns: list[str] | None = None) -> pl.DataFrame:
    """Return the current rows of a source: latest version per record, withdrawn left out."""
    spec = SOURCES[source]
    key = spec.key or "record_id"
    wanted = ", ".join(columns) if columns else "* EXCLUDE (_rn)"
    with duck.cursor() as con:
        scan = _scan(con, lake, spec)
        if scan is None:
            return pl.DataFrame(schema={c: pl.Utf8 for c in (columns or spec.column_names)})
        return con.sql(
            f"""
            SELECT {wanted} FROM (
                SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY _version DESC) AS _rn
                FROM {scan}
            ) WHERE _rn = 1 AND _change <> 'WITHDRAWN'
            ORDER BY {key}
            """
        ).pl()


def history(lake: Path, source: str, record_id: str) -> pl.DataFrame:
    """Return every version of one record, oldest first."""
    spec = SOURCES[source]
    key = spec.key or "record_id"
    with duck.cursor() as con:
        scan = _scan(con, lake, spec)
        if scan is None:
            return pl.DataFrame()
        return con.sql(
            f"SELECT * FROM {scan} WHERE {key} = ? ORDER BY _version", params=[record_id]
        ).pl()


def latest_rows(lake: Path, source: str, keys: pl.Series) -> pl.DataFrame:
    """Return the full latest version of the given records (to copy into a withdrawal)."""
    spec = SOURCES[source]
    key = spec.key or "record_id"
    with duck.cursor() as con:
        scan = _scan(con, lake, spec)
        if scan is None:
            return pl.DataFrame()
        wanted = pl.DataFrame({key: keys})  # noqa: F841 - read by DuckDB's replacement scan
        return con.sql(
            f"""
            SELECT t.* FROM {scan} t JOIN wanted USING ({key})
            QUALIFY row_number() OVER (PARTITION BY t.{key} ORDER BY t._version DESC) = 1
            """
        ).pl()
