"""The lookups every evaluation shares, written to one SQLite file and read by key.

A targeting run shares two lookups between every person's evaluation: the Numident
holder of each SSN (``OwnerInfo``) and the index of clearing records that finds near
misses (``elsewhere.NameIndex``). In this process they are dictionaries. Spark's
executors must not each hold them whole: at 10,000,000 records the two take about 7 GiB,
and every Python worker unpickled its own copy of a broadcast (two workers and the driver
did not fit in 21 GiB). So the driver writes them once to a file (``write``) and the
executors open it read-only (``IndexFile``, ``FileOwners``): each reads by key what its
persons ask for, and the operating system's page cache is shared by every worker on a
machine. What is pickled and broadcast is the file's path alone.

On a cluster the file is shipped with ``SparkContext.addFile`` (``spark/targeting.py``);
an executor on a machine where the driver's path does not exist opens Spark's copy of it
(``SparkFiles``), by the same name.

Answers are those of the dictionaries they were written from, in the same order: a
person's clearing records in the order they were added (``rowid``), owners by SSN.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.elsewhere import (
    Key,
    NameIndex,
    NearMisses,
    index_entries,
    kept_record,
    payload_text,
    slips,
)
from immigrationos.targeting.records import PersonRecord

# Rows handed to SQLite per executemany call while writing.
WRITE_BATCH = 50_000

_SCHEMA = """
CREATE TABLE owners (ssn TEXT PRIMARY KEY, info TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE numbers (number TEXT NOT NULL, person TEXT NOT NULL);
CREATE TABLE named (
    sound TEXT NOT NULL, family TEXT NOT NULL, born INTEGER NOT NULL,
    person TEXT NOT NULL, a_numbers TEXT NOT NULL
);
CREATE TABLE days (
    sound TEXT NOT NULL, born INTEGER NOT NULL, person TEXT NOT NULL, families TEXT NOT NULL
);
CREATE TABLE records (
    person TEXT NOT NULL, source TEXT NOT NULL, record_id TEXT NOT NULL, payload TEXT NOT NULL
);
"""
# Built after the rows are in: one sort each, not an index kept up row by row.
_INDEXES = """
CREATE INDEX ix_numbers ON numbers (number);
CREATE INDEX ix_named ON named (sound, family, born);
CREATE INDEX ix_days ON days (sound, born);
CREATE INDEX ix_records ON records (person);
"""
_TABLES = {
    "number": "INSERT INTO numbers VALUES (?, ?)",
    "key": "INSERT INTO named VALUES (?, ?, ?, ?, ?)",
    "day": "INSERT INTO days VALUES (?, ?, ?, ?)",
    "record": "INSERT INTO records VALUES (?, ?, ?, ?)",
}


class LookupFileError(RuntimeError):
    """The lookup file could not be written or opened; the path and the cause are named."""


def _owner_json(info: OwnerInfo) -> str:
    out = dataclasses.asdict(info)
    for name in ("birth_date", "death_date"):
        if out[name] is not None:
            out[name] = out[name].isoformat()
    return json.dumps(out, separators=(",", ":"))


def _owner(text: str) -> OwnerInfo:
    out = json.loads(text)
    for name in ("birth_date", "death_date"):
        if out[name] is not None:
            out[name] = dt.date.fromisoformat(out[name])
    return OwnerInfo(**out)


def _row(kind: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return an index entry as the file stores it: dates as ordinals, tuples as JSON."""
    if kind == "key":
        sound, family, born, person, numbers = row
        return sound, family, born.toordinal(), person, json.dumps(list(numbers))
    if kind == "day":
        sound, born, person, families = row
        return sound, born.toordinal(), person, json.dumps(list(families))
    return row


class LookupWriter:
    """A lookup file written as a run reads the records (``add``, as ``NameIndex.add``),
    then the SSN owners (``finish``), so that the index is never held in memory whole.

    Raises (every method):
        LookupFileError: the file exists already, or could not be written; a file left
            unfinished is removed.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.path.exists():
            raise LookupFileError(f"lookup file {self.path} exists already; not overwritten")
        self._batches: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in _TABLES}
        with self._failing():
            self._db: sqlite3.Connection | None = sqlite3.connect(self.path)
            self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            self._db.executescript(_SCHEMA)

    @contextmanager
    def _failing(self) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError, TypeError, ValueError) as exc:
            self.abort()
            raise LookupFileError(f"lookup file {self.path} could not be written: {exc}") from exc

    def _put(self, kind: str, row: tuple[Any, ...]) -> None:
        batch = self._batches[kind]
        batch.append(_row(kind, row))
        if len(batch) >= WRITE_BATCH:
            self._flush(kind)

    def _flush(self, kind: str) -> None:
        if self._db is None:
            raise LookupFileError(f"lookup file {self.path} is closed")
        self._db.executemany(_TABLES[kind], self._batches[kind])
        self._batches[kind].clear()

    def add(
        self,
        person_id: str,
        record: PersonRecord,
        text: str | None = None,
        *,
        withheld_citizenship: bool = False,
    ) -> None:
        """Write what the index keeps of one record of ``person_id`` (``index_entries``)."""
        with self._failing():
            entries = index_entries(
                person_id, record, text, withheld_citizenship=withheld_citizenship
            )
            for kind, row in entries:
                if kind == "record" and row[3] is None:
                    row = (*row[:3], payload_text(record))
                self._put(kind, row)

    def finish(self, owners: Mapping[str, OwnerInfo]) -> Path:
        """Write the owners, index the tables, close the file; return its path."""
        with self._failing():
            for kind in _TABLES:
                self._flush(kind)
            assert self._db is not None
            self._db.executemany(
                "INSERT INTO owners VALUES (?, ?)",
                ((ssn, _owner_json(info)) for ssn, info in owners.items()),
            )
            self._db.executescript(_INDEXES)
            self._db.commit()
            self._db.close()
            self._db = None
        return self.path

    def abort(self) -> None:
        """Close and remove the unfinished file."""
        if getattr(self, "_db", None) is not None:
            assert self._db is not None
            self._db.close()
            self._db = None
        self.path.unlink(missing_ok=True)


def write(path: Path, owners: Mapping[str, OwnerInfo], index: NameIndex) -> Path:
    """Write the SSN owners and an index held in memory to a new file at ``path``.

    Raises:
        LookupFileError: ``path`` exists already, or the file could not be written (the
            partial file is removed).
    """
    writer = LookupWriter(path)
    with writer._failing():
        for kind, row in index.entries():
            writer._put(kind, row)
    return writer.finish(owners)


def _located(path: Path) -> Path:
    """Return ``path``, or Spark's copy of the file shipped under its name (``addFile``)."""
    if path.exists():
        return path
    try:
        from pyspark import SparkFiles  # an executor on another machine than the driver
    except ImportError:  # pragma: no cover - pyspark is a dependency of the project
        raise LookupFileError(f"lookup file {path} not found") from None
    try:
        shipped = Path(SparkFiles.get(path.name))
    except Exception as exc:  # no SparkContext or no file shipped in this process
        raise LookupFileError(f"lookup file {path} not found ({exc})") from exc
    if not shipped.exists():
        raise LookupFileError(f"lookup file {path} not found here nor as Spark's {shipped}")
    return shipped


class _Reader:
    """A read-only connection to the file, opened on first use in each process (a
    connection is not pickled: an executor opens its own)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path, self._db = state["path"], None

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self._db is None:
            where = _located(self.path)
            # immutable: no locks and no change checks; the file is written once, before.
            self._db = sqlite3.connect(
                f"file:{where}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
        return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close this process's connection (opened again on the next use)."""
        if self._db is not None:
            self._db.close()
            self._db = None


class FileOwners(_Reader, Mapping[str, OwnerInfo]):
    """The SSN owners of a lookup file: a read-only mapping, SSN to ``OwnerInfo``."""

    def __getitem__(self, ssn: str) -> OwnerInfo:
        rows = self._query("SELECT info FROM owners WHERE ssn = ?", (ssn,))
        if not rows:
            raise KeyError(ssn)
        return _owner(rows[0][0])

    def __iter__(self) -> Iterator[str]:
        return iter([ssn for (ssn,) in self._query("SELECT ssn FROM owners ORDER BY ssn")])

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM owners")[0][0])


class IndexFile(_Reader, NearMisses):
    """The ``NameIndex`` of a lookup file: the same near misses, read by key."""

    def _holders(self, numbers: Iterable[str]) -> Iterable[str]:
        wanted = sorted(numbers)
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))  # placeholders only: the values are parameters
        rows = self._query(f"SELECT person FROM numbers WHERE number IN ({marks})", wanted)
        return [person for (person,) in rows]

    def _named(
        self, key: Key, born: dt.date
    ) -> Iterable[tuple[dt.date, Sequence[tuple[str, tuple[str, ...]]]]]:
        days = sorted({born.toordinal(), *(d.toordinal() for d in slips(born))})
        # 1 January is an unknown day and month: any date of that year may be the person's.
        year = (
            (born.toordinal(), dt.date(born.year, 12, 31).toordinal())
            if (born.month, born.day) == (1, 1)
            else (1, 0)
        )
        marks = ",".join("?" * len(days))  # placeholders only: the values are parameters
        rows = self._query(
            "SELECT born, person, a_numbers FROM named WHERE sound = ? AND family = ? "
            f"AND (born IN ({marks}) OR born BETWEEN ? AND ?) ORDER BY rowid",
            (*key, *days, *year),
        )
        out: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
        for day, person, numbers in rows:
            out.setdefault(day, []).append((person, tuple(json.loads(numbers))))
        return [(dt.date.fromordinal(day), entries) for day, entries in out.items()]

    def _born_on(self, sound: str, born: dt.date) -> Iterable[tuple[str, tuple[str, ...]]]:
        rows = self._query(
            "SELECT person, families FROM days WHERE sound = ? AND born = ? ORDER BY rowid",
            (sound, born.toordinal()),
        )
        return [(person, tuple(json.loads(families))) for person, families in rows]

    def records_of(self, person_id: str) -> list[PersonRecord]:
        rows = self._query(
            "SELECT source, record_id, payload FROM records WHERE person = ? ORDER BY rowid",
            (person_id,),
        )
        return [kept_record(source, rid, text) for source, rid, text in rows]
