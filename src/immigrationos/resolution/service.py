"""Data access of resolution: runs, memberships, persons, links, events, flags, judgements.

Flushes, never commits. Bulk writes go through the record index's loader (COPY on
PostgreSQL, executemany on SQLite) on the session's own connection and transaction.
"""

from __future__ import annotations

import functools
import io
import json
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import polars as pl
from sqlalchemy import (
    Table,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from immigrationos.persons import facts
from immigrationos.records import bulk, candidates
from immigrationos.records.models import Record
from immigrationos.resolution.models import (
    IdentityJudgement,
    Person,
    PersonEvent,
    PersonLink,
    PersonRecord,
    ResolutionFlag,
    ResolutionRun,
)
from immigrationos.sources import lake

RECORDS = Record.__table__
PERSONS = Person.__table__
PERSON_TABLE = cast(Table, Person.__table__)
MEMBERS = PersonRecord.__table__
LINKS = PersonLink.__table__
EVENTS = PersonEvent.__table__
FLAGS = ResolutionFlag.__table__
JUDGEMENTS = IdentityJudgement.__table__

READ_CHUNK = 100_000
IN_CHUNK = 5_000  # values per IN list (SQLite allows 32,766 parameters)
PERSON_STAGE = "_persons_stage"
MEMBER_TABLE = "person_records"
LINK_TABLE = "person_links"
KEY_STAGE = "_resolution_keys_stage"
PERSON_COLUMNS = (
    "person_id", "status", "merged_into", "display_name", "given_name", "family_name",
    "birth_date", "sex", "confidence", "records", "sources", "field_office", "created_run",
    "updated_run", "created_at", "updated_at",
)  # fmt: skip
# Kept from a person's first run when a later run rewrites it.
_KEPT_ON_UPDATE = ("person_id", "created_run", "created_at")
MEMBER_COLUMNS = ("source", "record_id", "person_id", "run_id")
LINK_COLUMNS = (
    "run_id", "person_id", "unique_id_l", "unique_id_r", "match_weight", "match_probability",
    "explanation",
)  # fmt: skip
EVENT_COLUMNS = ("run_id", "kind", "person_id", "from_ids", "into_ids", "at")
FLAG_COLUMNS = ("run_id", "kind", "value", "unique_ids", "detail")
FACT_SCHEMA = {
    "unique_id": pl.Utf8,
    "source": pl.Utf8,
    "record_id": pl.Utf8,
    "display_name": pl.Utf8,
    "given_name": pl.Utf8,
    "family_name": pl.Utf8,
    "birth_date": pl.Date,
    "sex": pl.Utf8,
    "field_office": pl.Utf8,
    "record_date": pl.Date,
    "rank": pl.Int32,
}


def split_ref(ref: str) -> tuple[str, str]:
    """Return the source and record_id of a ``source:record_id`` reference."""
    source, sep, record_id = ref.partition(":")
    if not sep or not source or not record_id:
        raise ValueError(f"{ref!r} is not a record reference 'source:record_id'")
    return source, record_id


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- runs ---------------------------------------------------------------------------------


def add_run(*, session: Session, run: ResolutionRun) -> ResolutionRun:
    """Add a run and flush it."""
    session.add(run)
    session.flush()
    return run


def get_run(*, session: Session, run_id: str) -> ResolutionRun | None:
    """Return a run by id, or None."""
    return session.get(ResolutionRun, run_id)


def list_runs(*, session: Session, limit: int = 50, offset: int = 0) -> list[ResolutionRun]:
    """Return runs, newest first."""
    query = (
        select(ResolutionRun)
        .order_by(ResolutionRun.started_at.desc(), ResolutionRun.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def count_runs(*, session: Session) -> int:
    """Return how many runs are on record."""
    return int(session.execute(select(func.count()).select_from(ResolutionRun)).scalar_one())


def latest_completed_run(*, session: Session) -> ResolutionRun | None:
    """Return the newest completed run, or None before the first."""
    query = (
        select(ResolutionRun)
        .where(ResolutionRun.status == "COMPLETED")
        .order_by(ResolutionRun.started_at.desc(), ResolutionRun.id)
        .limit(1)
    )
    return session.scalars(query).first()


# -- what a run starts from ----------------------------------------------------------------


def current_membership(*, session: Session) -> dict[str, str]:
    """Return the current person of every resolved record: ``source:record_id`` -> person ID."""
    rows = session.execute(
        select(MEMBERS.c.source, MEMBERS.c.record_id, MEMBERS.c.person_id).execution_options(
            yield_per=READ_CHUNK
        )
    )
    return {f"{source}:{record_id}": person for source, record_id, person in rows}


def all_person_ids(*, session: Session) -> set[str]:
    """Return every person ID ever used (merged and retired ones too)."""
    return set(session.scalars(select(PERSONS.c.person_id)))


def membership_frame(*, session: Session) -> pl.DataFrame:
    """Return the current membership as a frame: ``source, record_id, person_id``."""
    return read_frame(
        session,
        select(MEMBERS.c.source, MEMBERS.c.record_id, MEMBERS.c.person_id),
        dict.fromkeys(("source", "record_id", "person_id"), pl.Utf8),
    )


def read_frame(session: Session, query: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """Return the rows of a select as a frame of ``schema`` (its columns, in order).

    PostgreSQL hands the rows over with COPY (CSV), read by Polars; SQLite through the
    cursor in chunks. Either way in the session's transaction.
    """
    if candidates.postgres(session):
        dialect = session.get_bind().dialect
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        buffer = io.BytesIO()
        raw: Any = session.connection().connection.dbapi_connection  # psycopg 3
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy,
        ):
            for block in copy:
                buffer.write(block)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)
    result = session.execute(query.execution_options(yield_per=READ_CHUNK))
    parts = [
        pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
        for rows in result.partitions()
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _lake_facts(lake_dir: Path, sources: Sequence[str]) -> pl.DataFrame:
    """Return each current lake record's name as written and its record date."""
    schema = {
        "source": pl.Utf8,
        "record_id": pl.Utf8,
        "given_name": pl.Utf8,
        "family_name": pl.Utf8,
        "record_date": pl.Date,
    }
    parts = [pl.DataFrame(schema=schema)]
    for source in sources:
        column = facts.RECORD_DATE_COLUMNS.get(source)
        if column is None:
            continue
        rows = lake.current(lake_dir, source, ["record_id", "given_name", "family_name", column])
        if rows.height == 0 or column not in rows.columns:
            continue
        if column in facts.YEAR_COLUMNS:
            day = pl.date(pl.col(column).cast(pl.Int32, strict=False), 12, 31)
        else:
            day = pl.col(column).cast(pl.Date, strict=False)
        parts.append(
            rows.select(
                pl.lit(source).alias("source"),
                pl.col("record_id").cast(pl.Utf8),
                pl.col("given_name").cast(pl.Utf8),
                pl.col("family_name").cast(pl.Utf8),
                day.alias("record_date"),
            )
        )
    return pl.concat(parts, how="vertical")


def record_facts(*, session: Session, lake_dir: Path) -> pl.DataFrame:
    """Return what the index and the lake say of every record, for a person's best fields.

    Columns: ``FACT_SCHEMA``: from the record index the display name, birth date, sex
    and field office; from the lake (DuckDB over Parquet, far faster than reading JSON
    payloads) the names as written and the record date; the rank of the source.
    """
    schema = {
        "source": pl.Utf8,
        "record_id": pl.Utf8,
        "display_name": pl.Utf8,
        "birth_date": pl.Date,
        "sex": pl.Utf8,
        "field_office": pl.Utf8,
    }
    indexed = read_frame(session, select(*(RECORDS.c[c] for c in schema)), schema)
    sources = sorted(set(indexed.get_column("source")))
    ranks = pl.DataFrame(
        {"source": list(facts.SOURCE_RANK), "rank": list(facts.SOURCE_RANK.values())},
        schema={"source": pl.Utf8, "rank": pl.Int32},
    )
    return (
        indexed.join(_lake_facts(lake_dir, sources), on=["source", "record_id"], how="left")
        .join(ranks, on="source", how="left")
        .with_columns(
            (pl.col("source") + ":" + pl.col("record_id")).alias("unique_id"),
            pl.col("rank").fill_null(facts.UNRANKED),
        )
        .select(list(FACT_SCHEMA))
        .cast(FACT_SCHEMA)  # type: ignore[arg-type]
    )


# -- what a run writes ----------------------------------------------------------------------


def clear_table(*, session: Session, table: str) -> None:
    """Remove every row of ``person_records`` or ``person_links`` (a run rewrites them)."""
    if table not in (MEMBER_TABLE, LINK_TABLE):
        raise ValueError(f"{table} is not cleared by a run")
    session.flush()
    if candidates.postgres(session):
        session.execute(text(f"TRUNCATE {table}"))
    else:
        session.execute(text(f"DELETE FROM {table}"))


def _delete_keys(
    loader: bulk.Loader, table: str, keys: pl.DataFrame, types: dict[str, str]
) -> None:
    """Delete the rows of ``table`` whose key columns equal a row of ``keys``."""
    names = list(keys.columns)
    loader.execute(f"DROP TABLE IF EXISTS {KEY_STAGE}")
    loader.execute(
        f"CREATE TEMPORARY TABLE {KEY_STAGE} ("
        + ", ".join(f"{c} {types.get(c, 'TEXT')}" for c in names)
        + ")"
    )
    loader.append(KEY_STAGE, names, keys)
    # Without a key, SQLite scans the stage once per row of the table (seconds at 50k).
    loader.execute(f"CREATE INDEX {KEY_STAGE}_key ON {KEY_STAGE} ({', '.join(names)})")
    match = " AND ".join(f"s.{c} = {table}.{c}" for c in names)
    loader.execute(f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM {KEY_STAGE} s WHERE {match})")
    loader.execute(f"DROP TABLE {KEY_STAGE}")


def sync_memberships(*, session: Session, rows: pl.DataFrame, previous: pl.DataFrame) -> int:
    """Make ``person_records`` hold ``rows`` (``MEMBER_COLUMNS``); return the rows written.

    Only memberships that changed are written: a record that stays with its person
    keeps its row (and the run that put it there). ``previous`` is the current table.
    """
    same = ["source", "record_id", "person_id"]
    gone = previous.join(rows.select(same), on=same, how="anti")
    fresh = rows.join(previous.select(same), on=same, how="anti")
    session.flush()
    if previous.height and gone.height * 2 > previous.height:
        clear_table(session=session, table=MEMBER_TABLE)
        fresh = rows
    with bulk.Loader(session) as loader:
        if fresh is not rows and gone.height:
            _delete_keys(loader, MEMBER_TABLE, gone.select("source", "record_id"), {})
        loader.append(MEMBER_TABLE, MEMBER_COLUMNS, fresh.sort("source", "record_id"))
    return fresh.height


def _first_of_each(rows: pl.DataFrame, content: Sequence[str]) -> pl.DataFrame:
    """Return ``rows`` without repeats of ``content`` (the first of each kept, in order).

    Without copying: a multi-column ``unique`` or a filter copies every column, and a
    link's explanation makes the links gigabytes at 10M records. Rows are told apart
    by a hash of their content first; only rows sharing a hash are compared in full.
    """
    key = functools.reduce(operator.xor, (pl.col(c).hash(seed=i) for i, c in enumerate(content)))
    shared = rows.select(key.is_duplicated()).to_series()
    if not shared.any():
        return rows
    numbered = rows.with_row_index("_row")
    doubles = numbered.filter(shared)
    kept = doubles.unique(list(content), keep="first", maintain_order=True).get_column("_row")
    dropped = doubles.get_column("_row").filter(~doubles.get_column("_row").is_in(kept.implode()))
    return numbered.filter(~pl.col("_row").is_in(dropped.implode())).drop("_row")


# Stored explanations are compared this many links at a time (by ``id`` range), so that a
# rerun never holds every stored explanation at once (gigabytes at 10M records).
EXPLANATION_CHUNK = 100_000


@dataclass(frozen=True)
class LinksSynced:
    """What ``sync_links`` did: the links the run holds, and how many rows it wrote."""

    held: int
    written: int


def sync_links(*, session: Session, rows: pl.DataFrame) -> LinksSynced:
    """Make ``person_links`` hold ``rows`` (``LINK_COLUMNS``), repeats dropped.

    A link found again, same person, weights and explanation, keeps its row. The stored
    links are read without their explanations; only the explanations of stored links
    whose other fields match a new link are read, ``EXPLANATION_CHUNK`` at a time.
    """
    content = [c for c in LINK_COLUMNS if c != "run_id"]
    rows = _first_of_each(rows, content)
    fields = [c for c in content if c != "explanation"]
    schema = {
        "id": pl.Int64,
        "unique_id_l": pl.Utf8,
        "unique_id_r": pl.Utf8,
        "person_id": pl.Utf8,
        "match_weight": pl.Float64,
        "match_probability": pl.Float64,
    }
    old = read_frame(session, select(*(LINKS.c[c] for c in schema)), schema)
    if old.height == 0:  # the first run: every link is new, and nothing is copied
        gone_ids, fresh = old.get_column("id"), rows
    else:
        kept = _unchanged_links(session, old, rows.select(*fields), rows.get_column("explanation"))
        gone_ids = old.get_column("id").filter(~old.get_column("id").is_in(kept["id"].implode()))
        fresh = (
            rows.with_row_index("_row")
            .filter(~pl.col("_row").is_in(kept["_row"].implode()))
            .drop("_row")
        )
    session.flush()
    if old.height and gone_ids.len() * 2 > old.height:
        clear_table(session=session, table=LINK_TABLE)
        fresh = rows
    with bulk.Loader(session) as loader:
        if fresh is not rows and gone_ids.len():
            id_type = "BIGINT" if loader.postgres else "INTEGER"
            _delete_keys(loader, LINK_TABLE, gone_ids.to_frame(), {"id": id_type})
        loader.append(LINK_TABLE, LINK_COLUMNS, fresh)
    return LinksSynced(held=rows.height, written=fresh.height)


def _unchanged_links(
    session: Session, old: pl.DataFrame, new: pl.DataFrame, explanations: pl.Series
) -> pl.DataFrame:
    """Return ``id, _row``: each stored link equal to new row ``_row``, explanation included.

    ``old`` holds the stored links' ids and fields without explanations, ``new`` the new
    rows' fields in order, ``explanations`` their explanations. The stored explanations
    are read by ranges of ``id`` holding at most ``EXPLANATION_CHUNK`` links each.
    """
    pairs = old.join(new.with_row_index("_row"), on=new.columns, how="inner").select("id", "_row")
    ids = old.get_column("id").sort()
    kept: list[pl.DataFrame] = [pl.DataFrame(schema={"id": pl.Int64, "_row": pl.UInt32})]
    for start in range(0, ids.len() if pairs.height else 0, EXPLANATION_CHUNK):
        low, high = ids[start], ids[min(start + EXPLANATION_CHUNK, ids.len()) - 1]
        chunk = pairs.filter(pl.col("id").is_between(low, high))
        if chunk.height == 0:
            continue
        stored = read_frame(
            session,
            select(LINKS.c.id, LINKS.c.explanation).where(LINKS.c.id.between(low, high)),
            {"id": pl.Int64, "stored": pl.Utf8},
        )
        chunk = chunk.join(stored, on="id", how="inner")
        same = chunk.get_column("stored") == explanations.gather(chunk.get_column("_row"))
        kept.append(chunk.filter(same).select("id", "_row"))
    # New rows are unique, so a stored link equals one at most; a stored repeat (from
    # before repeats were dropped) leaves all but one of its rows gone.
    return pl.concat(kept).unique("_row", keep="first", maintain_order=True)


def _stage_type(column: str, postgres: bool) -> str:
    if column in ("created_at", "updated_at"):
        return "TIMESTAMP WITH TIME ZONE" if postgres else "TEXT"
    if column == "birth_date":
        return "DATE" if postgres else "TEXT"
    if column == "confidence":
        return "DOUBLE PRECISION" if postgres else "REAL"
    if column == "records":
        return "INTEGER"
    return "TEXT"


# Person fields a run compares to tell whether it changed the person.
COMPARED = (
    "person_id", "status", "display_name", "given_name", "family_name", "birth_date", "sex",
    "confidence", "records", "sources", "field_office",
)  # fmt: skip


def changed_persons(*, session: Session, persons: pl.DataFrame) -> pl.DataFrame:
    """Return the rows of ``persons`` that are new or differ from the stored person."""
    schema = {c: persons.schema[c] for c in COMPARED}
    stored = read_frame(
        session,
        select(*(PERSONS.c[c] for c in COMPARED)).where(PERSONS.c.status == "ACTIVE"),
        schema,
    )
    return persons.join(stored, on=list(COMPARED), how="anti", nulls_equal=True)


def upsert_persons(*, session: Session, persons: pl.DataFrame) -> None:
    """Insert new persons and rewrite existing ones (their first run and time are kept)."""
    if persons.height == 0:
        return
    session.flush()
    with bulk.Loader(session) as loader:
        typed = ", ".join(f"{c} {_stage_type(c, loader.postgres)}" for c in PERSON_COLUMNS)
        loader.execute(f"DROP TABLE IF EXISTS {PERSON_STAGE}")
        loader.execute(f"CREATE TEMPORARY TABLE {PERSON_STAGE} ({typed})")
        loader.append(PERSON_STAGE, PERSON_COLUMNS, persons)
        names = ", ".join(PERSON_COLUMNS)
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in PERSON_COLUMNS if c not in _KEPT_ON_UPDATE
        )
        loader.execute(
            f"INSERT INTO persons ({names}) SELECT {names} FROM {PERSON_STAGE} WHERE true "
            f"ON CONFLICT (person_id) DO UPDATE SET {updates}"
        )
        loader.execute(f"DROP TABLE {PERSON_STAGE}")


def end_persons(
    *, session: Session, ended: Sequence[tuple[str, str, str | None]], run_id: str, at: datetime
) -> None:
    """Mark persons MERGED (into another) or RETIRED: ``ended`` = (person, status, into)."""
    if not ended:
        return
    statement = (
        update(PERSON_TABLE)
        .where(PERSON_TABLE.c.person_id == bindparam("b_person"))
        .values(
            status=bindparam("b_status"),
            merged_into=bindparam("b_into"),
            updated_run=run_id,
            updated_at=at,
        )
    )
    session.execute(
        statement,
        [{"b_person": p, "b_status": s, "b_into": into} for p, s, into in ended],
    )


def append_rows(
    *, session: Session, table: str, columns: Sequence[str], rows: pl.DataFrame
) -> None:
    """Bulk-insert ``rows`` (their ``columns``, in order) into ``table``."""
    if rows.height == 0:
        return
    session.flush()
    with bulk.Loader(session) as loader:
        loader.append(table, columns, rows)


def set_run_outcome(*, session: Session, run: ResolutionRun, **values: Any) -> None:
    """Record what a run wrote (counts, status, end time) and flush."""
    for name, value in values.items():
        setattr(run, name, value)
    session.flush()


# -- persons and links ----------------------------------------------------------------------


def get_person(*, session: Session, person_id: str) -> Person | None:
    """Return a person by ID (merged and retired ones too), or None."""
    return session.get(Person, person_id)


def current_person_id(*, session: Session, person_id: str) -> str | None:
    """Return the active person an ID stands for now (following merges), or None."""
    seen: set[str] = set()
    current: str | None = person_id
    while current is not None and current not in seen:
        seen.add(current)
        person = session.get(Person, current)
        if person is None:
            return None
        if person.status == "ACTIVE":
            return person.person_id
        current = person.merged_into
    return None


def records_of(*, session: Session, person_id: str) -> list[str]:
    """Return the ``source:record_id`` of a person's records, sorted."""
    rows = session.execute(
        select(MEMBERS.c.source, MEMBERS.c.record_id).where(MEMBERS.c.person_id == person_id)
    )
    return sorted(f"{s}:{r}" for s, r in rows)


def records_of_persons(*, session: Session, person_ids: Sequence[str]) -> dict[str, list[str]]:
    """Return the records of each of ``person_ids`` (absent when it has none)."""
    found: dict[str, list[str]] = {}
    for chunk in _chunks(sorted(set(person_ids))):
        rows = session.execute(
            select(MEMBERS.c.person_id, MEMBERS.c.source, MEMBERS.c.record_id).where(
                candidates.one_of(session, MEMBERS.c.person_id, list(chunk))
            )
        )
        for person, source, record_id in rows:
            found.setdefault(person, []).append(f"{source}:{record_id}")
    return {p: sorted(refs) for p, refs in found.items()}


def persons_of_records(*, session: Session, refs: Sequence[str]) -> dict[str, str]:
    """Return the current person of each record reference that belongs to one."""
    wanted = sorted(set(refs))
    by_source: dict[str, list[str]] = {}
    for ref in wanted:
        source, record_id = split_ref(ref)
        by_source.setdefault(source, []).append(record_id)
    found = {}
    for source, ids in by_source.items():
        for chunk in _chunks(ids):
            rows = session.execute(
                select(MEMBERS.c.record_id, MEMBERS.c.person_id).where(
                    MEMBERS.c.source == source,
                    candidates.one_of(session, MEMBERS.c.record_id, list(chunk)),
                )
            )
            found.update({f"{source}:{rid}": person for rid, person in rows})
    return found


@dataclass(frozen=True)
class LinkRow:
    """A stored link with its explanation (JSON text)."""

    id: int
    person_id: str
    unique_id_l: str
    unique_id_r: str
    match_weight: float
    match_probability: float
    explanation: str


def _link(row: Any) -> LinkRow:
    m = row._mapping
    return LinkRow(
        id=int(m["id"]),
        person_id=m["person_id"],
        unique_id_l=m["unique_id_l"],
        unique_id_r=m["unique_id_r"],
        match_weight=float(m["match_weight"]),
        match_probability=float(m["match_probability"]),
        explanation=m["explanation"],
    )


_LINK_SELECT = select(
    LINKS.c.id,
    LINKS.c.person_id,
    LINKS.c.unique_id_l,
    LINKS.c.unique_id_r,
    LINKS.c.match_weight,
    LINKS.c.match_probability,
    LINKS.c.explanation,
)


def links_of(*, session: Session, person_id: str) -> list[LinkRow]:
    """Return the links holding a person together, strongest first."""
    rows = session.execute(
        _LINK_SELECT.where(LINKS.c.person_id == person_id).order_by(
            LINKS.c.match_probability.desc(), LINKS.c.id
        )
    )
    return [_link(r) for r in rows]


def links_by_closeness(
    *, session: Session, threshold: float, chunk: int = 500
) -> Iterator[LinkRow]:
    """Yield every link, the one whose probability is nearest ``threshold`` first.

    Two keyset scans of the probability index (upwards from the threshold and downwards
    from it), merged; a caller stops reading when it has enough.
    """
    up = _scan(session, threshold, chunk, upwards=True)
    down = _scan(session, threshold, chunk, upwards=False)
    above, below = next(up, None), next(down, None)
    while above is not None or below is not None:
        take_above = below is None or (
            above is not None
            and above.match_probability - threshold <= threshold - below.match_probability
        )
        if take_above:
            assert above is not None
            yield above
            above = next(up, None)
        else:
            assert below is not None
            yield below
            below = next(down, None)


def _scan(session: Session, threshold: float, chunk: int, *, upwards: bool) -> Iterator[LinkRow]:
    p, key = LINKS.c.match_probability, LINKS.c.id
    last: tuple[float, int] | None = None
    while True:
        query = _LINK_SELECT
        if upwards:
            query = query.where(p >= threshold)
            if last is not None:
                query = query.where(or_(p > last[0], (p == last[0]) & (key > last[1])))
            query = query.order_by(p.asc(), key.asc())
        else:
            query = query.where(p < threshold)
            if last is not None:
                query = query.where(or_(p < last[0], (p == last[0]) & (key > last[1])))
            query = query.order_by(p.desc(), key.asc())
        rows = [_link(r) for r in session.execute(query.limit(chunk))]
        yield from rows
        if len(rows) < chunk:
            return
        last = (rows[-1].match_probability, rows[-1].id)


def weakest_links(*, session: Session, chunk: int = 500) -> Iterator[LinkRow]:
    """Yield the weakest link of each active person, the least confident person first."""
    conf, key = PERSONS.c.confidence, PERSONS.c.person_id
    last: tuple[float, str] | None = None
    while True:
        query = select(key, conf).where(PERSONS.c.status == "ACTIVE", PERSONS.c.records > 1)
        if last is not None:
            query = query.where(or_(conf > last[0], (conf == last[0]) & (key > last[1])))
        persons = session.execute(query.order_by(conf.asc(), key.asc()).limit(chunk)).all()
        if not persons:
            return
        ids = [p for p, _ in persons]
        weakest: dict[str, LinkRow] = {}
        rows = session.execute(
            _LINK_SELECT.where(candidates.one_of(session, LINKS.c.person_id, ids)).order_by(
                LINKS.c.match_probability.asc(), LINKS.c.id
            )
        )
        for row in rows:
            link = _link(row)
            weakest.setdefault(link.person_id, link)
        yield from (weakest[p] for p in ids if p in weakest)
        if len(persons) < chunk:
            return
        last = (float(persons[-1][1]), persons[-1][0])


# -- events and flags -----------------------------------------------------------------------


def events_of(*, session: Session, person_id: str) -> list[PersonEvent]:
    """Return the events that name a person ID, oldest first."""
    query = select(PersonEvent).where(PersonEvent.person_id == person_id).order_by(PersonEvent.id)
    return list(session.scalars(query))


def flags_of_run(*, session: Session, run_id: str) -> list[ResolutionFlag]:
    """Return the flags a run raised."""
    query = (
        select(ResolutionFlag).where(ResolutionFlag.run_id == run_id).order_by(ResolutionFlag.id)
    )
    return list(session.scalars(query))


# -- judgements -----------------------------------------------------------------------------


def add_judgement(*, session: Session, judgement: IdentityJudgement) -> IdentityJudgement:
    """Add a judgement, superseding the current one of the same pair; flush."""
    current = current_judgement(
        session=session, left_ref=judgement.left_ref, right_ref=judgement.right_ref
    )
    session.add(judgement)
    session.flush()
    if current is not None:
        current.superseded_by = judgement.id
        session.flush()
    return judgement


def current_judgement(
    *, session: Session, left_ref: str, right_ref: str
) -> IdentityJudgement | None:
    """Return the judgement in force on a pair (stored sorted), or None."""
    query = select(IdentityJudgement).where(
        IdentityJudgement.left_ref == left_ref,
        IdentityJudgement.right_ref == right_ref,
        IdentityJudgement.superseded_by.is_(None),
    )
    return session.scalars(query).first()


def list_judgements(
    *, session: Session, ref: str | None = None, include_superseded: bool = False
) -> list[IdentityJudgement]:
    """Return judgements (those in force unless asked), newest first; of one side if given."""
    query = select(IdentityJudgement)
    if not include_superseded:
        query = query.where(IdentityJudgement.superseded_by.is_(None))
    if ref is not None:
        query = query.where(
            or_(IdentityJudgement.left_ref == ref, IdentityJudgement.right_ref == ref)
        )
    query = query.order_by(IdentityJudgement.made_at.desc(), IdentityJudgement.id)
    return list(session.scalars(query))


def flag_rows(run_id: str, flags: pl.DataFrame) -> pl.DataFrame:
    """Return a result's flags as ``resolution_flags`` rows (unique_ids as JSON text)."""
    if flags.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(FLAG_COLUMNS, pl.Utf8))
    ids = flags.get_column("unique_ids")
    if isinstance(ids.dtype, pl.List):
        encoded = [json.dumps(sorted(v or [])) for v in ids.to_list()]
    else:
        encoded = [_ids_text(v) for v in ids.cast(pl.Utf8).to_list()]
    return pl.DataFrame(
        {
            "run_id": [run_id] * flags.height,
            "kind": flags.get_column("kind").cast(pl.Utf8),
            "value": flags.get_column("value").cast(pl.Utf8),
            "unique_ids": encoded,
            "detail": flags.get_column("detail").cast(pl.Utf8),
        },
        schema=dict.fromkeys(FLAG_COLUMNS, pl.Utf8),
    )


def _ids_text(value: str | None) -> str:
    """Return a flag's records as a JSON list, from JSON or a ``|``- or comma-separated list."""
    if not value:
        return "[]"
    text_value = value.strip()
    if text_value.startswith("["):
        parsed = json.loads(text_value)
        return json.dumps(sorted(str(v) for v in parsed))
    parts = text_value.replace(",", "|").split("|")
    return json.dumps(sorted(p.strip() for p in parts if p.strip()))
