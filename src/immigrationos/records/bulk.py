"""Bulk writes of the record index on a session's own connection, inside its transaction.

PostgreSQL is written with COPY (psycopg 3), SQLite with executemany. Flushes, never
commits: the caller's transaction holds everything written here.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl
from sqlalchemy import text
from sqlalchemy.orm import Session

CHUNK_ROWS = 100_000
STAGE = "_records_stage"
# PostgreSQL's statistics are renewed when a call grows the records by this share.
ANALYZE_GROWTH = 0.2
# SQLite's page cache while loading (KiB): random inserts into large key indexes spill a
# small cache to the log over and over. The connection's own size is restored after.
SQLITE_LOAD_CACHE_KIB = 256 * 1024
_STAGE_TYPES = {"version": "INTEGER", "withdrawn": "BOOLEAN", "birth_date": "DATE"}


def _csv_chunks(frame: pl.DataFrame) -> Iterator[bytes]:
    for part in frame.iter_slices(CHUNK_ROWS):
        buffer = io.BytesIO()
        part.write_csv(buffer, include_header=False)
        yield buffer.getvalue()


class Loader:
    """COPY or executemany into the index tables, and the record upsert; a context manager."""

    def __init__(self, session: Session, *, truncated: bool = False) -> None:
        """Write through ``session``; ``truncated``: the tables were emptied in this transaction."""
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        # Rows copied into tables truncated in the same transaction are written frozen and
        # all-visible: no later vacuum pass, and index-only scans from the first search.
        self.copy_options = "FORMAT csv, FREEZE" if truncated else "FORMAT csv"
        self._cache_size: int | None = None
        self._sqlite: Any = None

    def __enter__(self) -> Loader:
        if not self.postgres:
            # On the driver's connection: a pragma is no statement of the transaction.
            self._sqlite = self._dbapi()
            self._cache_size = int(self._sqlite.execute("PRAGMA cache_size").fetchone()[0])
            self._sqlite.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._sqlite is not None and self._cache_size is not None:
            self._sqlite.execute(f"PRAGMA cache_size = {self._cache_size}")

    def execute(self, sql: str, **params: Any) -> Any:
        """Execute one statement in the session's transaction; return its result."""
        return self.session.execute(text(sql), params)

    def _dbapi(self) -> Any:
        return self.session.connection().connection.dbapi_connection

    def _wire(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Return the frame with dates and times as the driver and SQLAlchemy store them."""
        casts = []
        for name, dtype in frame.schema.items():
            if dtype == pl.Datetime:
                fmt = "%Y-%m-%d %H:%M:%S%.6f" + ("+00" if self.postgres else "")
                casts.append(pl.col(name).dt.strftime(fmt))
            elif dtype == pl.Date:
                casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        return frame.with_columns(casts) if casts else frame

    def append(self, table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
        """Insert the rows of ``frame`` (its ``columns``, in order) into ``table``."""
        if frame.height == 0:
            return
        frame = self._wire(frame.select(columns))
        names = ", ".join(columns)
        # COPY FREEZE is refused on a partitioned table: record_versions on PostgreSQL (0025).
        options = self.copy_options if table not in (STAGE, "record_versions") else "FORMAT csv"
        if self.postgres:
            with (
                self._dbapi().cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN WITH ({options})") as copy,
            ):
                for chunk in _csv_chunks(frame):
                    copy.write(chunk)
            return
        marks = ", ".join("?" for _ in columns)
        cursor = self._dbapi().cursor()
        try:
            for part in frame.iter_slices(CHUNK_ROWS):
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})", part.iter_rows()
                )
        finally:
            cursor.close()

    def source_is_empty(self, source: str) -> bool:
        """Return whether the index holds no record of ``source`` yet."""
        found = self.execute("SELECT 1 FROM records WHERE source = :source LIMIT 1", source=source)
        return found.first() is None

    def _new_ids(self, count: int) -> list[int]:
        if self.postgres:
            rows = self.execute(
                "SELECT nextval(pg_get_serial_sequence('records', 'id')) "
                "FROM generate_series(1, :n)",
                n=count,
            )
            return sorted(int(r[0]) for r in rows)
        start = int(self.execute("SELECT coalesce(max(id), 0) FROM records").scalar_one())
        return list(range(start + 1, start + 1 + count))

    def insert_records(self, columns: Sequence[str], records: pl.DataFrame) -> pl.DataFrame:
        """Insert records none of which is indexed yet; return their record_id and record_pk."""
        ids = pl.Series("id", self._new_ids(records.height), dtype=pl.Int64)
        self.append("records", ["id", *columns], records.with_columns(ids))
        return pl.DataFrame({"record_id": records.get_column("record_id"), "record_pk": ids})

    def upsert_records(self, columns: Sequence[str], records: pl.DataFrame) -> pl.DataFrame:
        """Insert or update records and drop their old keys; return record_id and record_pk."""
        self.execute(f"DROP TABLE IF EXISTS {STAGE}")
        typed = ", ".join(f"{c} {self._stage_type(c)}" for c in columns)
        self.execute(f"CREATE TEMPORARY TABLE {STAGE} ({typed})")
        self.append(STAGE, columns, records)
        self.execute(
            "DELETE FROM record_keys WHERE record_pk IN (SELECT r.id FROM records r "
            f"JOIN {STAGE} s ON r.source = s.source AND r.record_id = s.record_id)"
        )
        names = ", ".join(columns)
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in columns if c not in ("source", "record_id")
        )
        rows = self.execute(
            f"INSERT INTO records ({names}) SELECT {names} FROM {STAGE} WHERE true "
            f"ON CONFLICT (source, record_id) DO UPDATE SET {updates} RETURNING record_id, id"
        ).all()
        self.execute(f"DROP TABLE {STAGE}")
        return pl.DataFrame(
            [tuple(r) for r in rows],
            schema={"record_id": pl.Utf8, "record_pk": pl.Int64},
            orient="row",
        )

    def _stage_type(self, column: str) -> str:
        if column == "ingested_at":
            return "TIMESTAMP WITH TIME ZONE" if self.postgres else "TEXT"
        return _STAGE_TYPES.get(column, "TEXT")

    def refresh_statistics(self, written: int) -> None:
        """On PostgreSQL, ANALYZE the index when this call grew it much (plans depend on it)."""
        if not self.postgres or written == 0:
            return
        estimate = self.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'records'::regclass"
        ).scalar_one()
        if written >= ANALYZE_GROWTH * max(float(estimate), 0.0):
            self.execute("ANALYZE records, record_keys, record_versions")
