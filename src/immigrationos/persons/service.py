"""Persons over the record index: a person's records, profile and timeline. Flushes, never
commits; the profile and timeline are pure functions of the records the caller may see.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.persons import facts
from immigrationos.records import candidates
from immigrationos.records.models import Record
from immigrationos.resolution.models import Person, PersonRecord

RECORDS = Record.__table__
MEMBERS = PersonRecord.__table__
IN_CHUNK = 5_000


@dataclass(frozen=True)
class PersonRecordRow:
    """One current record of a person, as the index holds it."""

    source: str
    record_id: str
    version: int
    withdrawn: bool
    display_name: str
    birth_date: date | None
    sex: str | None
    field_office: str | None
    payload: dict[str, Any]

    @property
    def ref(self) -> str:
        """Return the record's ``source:record_id``."""
        return f"{self.source}:{self.record_id}"

    @property
    def record_date(self) -> date | None:
        """Return the date the record stands at on the timeline."""
        return facts.record_date(self.source, self.payload)


_ROW_COLUMNS = (
    RECORDS.c.source,
    RECORDS.c.record_id,
    RECORDS.c.version,
    RECORDS.c.withdrawn,
    RECORDS.c.display_name,
    RECORDS.c.birth_date,
    RECORDS.c.sex,
    RECORDS.c.field_office,
    RECORDS.c.payload,
)


def _row(values: Sequence[Any]) -> PersonRecordRow:
    return PersonRecordRow(
        source=values[0],
        record_id=values[1],
        version=int(values[2]),
        withdrawn=bool(values[3]),
        display_name=values[4],
        birth_date=values[5],
        sex=values[6],
        field_office=values[7],
        payload=json.loads(values[8]),
    )


def get_person(*, session: Session, person_id: str) -> Person | None:
    """Return a person by ID (merged and retired ones too), or None."""
    return session.get(Person, person_id)


def persons_by_ids(*, session: Session, person_ids: Iterable[str]) -> dict[str, Person]:
    """Return the persons of ``person_ids`` that exist, by ID."""
    wanted = sorted(set(person_ids))
    found: dict[str, Person] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        query = select(Person).where(candidates.one_of(session, Person.person_id, chunk))
        found.update({p.person_id: p for p in session.scalars(query)})
    return found


def records_of_person(*, session: Session, person_id: str) -> list[PersonRecordRow]:
    """Return the current records of a person, by source and record_id."""
    query = (
        select(*_ROW_COLUMNS)
        .select_from(
            MEMBERS.join(
                RECORDS,
                (RECORDS.c.source == MEMBERS.c.source)
                & (RECORDS.c.record_id == MEMBERS.c.record_id),
            )
        )
        .where(MEMBERS.c.person_id == person_id)
        .order_by(RECORDS.c.source, RECORDS.c.record_id)
    )
    return [_row(r) for r in session.execute(query)]


def records_by_refs(*, session: Session, refs: Iterable[str]) -> dict[str, PersonRecordRow]:
    """Return the current records of ``source:record_id`` references that exist."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for ref in sorted(set(refs)):
        source, sep, record_id = ref.partition(":")
        if sep:
            by_source[source].append(record_id)
    found: dict[str, PersonRecordRow] = {}
    for source, ids in by_source.items():
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            query = select(*_ROW_COLUMNS).where(
                RECORDS.c.source == source, candidates.one_of(session, RECORDS.c.record_id, chunk)
            )
            for values in session.execute(query):
                row = _row(values)
                found[row.ref] = row
    return found


# -- the profile ----------------------------------------------------------------------------


@dataclass
class _Tally:
    records: int = 0
    sources: set[str] = field(default_factory=set)
    rank: int = facts.UNRANKED

    def add(self, source: str) -> None:
        self.records += 1
        self.sources.add(source)
        self.rank = min(self.rank, facts.source_rank(source))


@dataclass(frozen=True)
class Seen:
    """A value the records give, how many give it, and their sources."""

    value: Any
    records: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AddressSeen:
    """An address, the first and last dates of the records giving it, and their sources."""

    address: facts.Address
    first_seen: date | None
    last_seen: date | None
    records: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """What a person's records say, taken together."""

    best_name: str | None
    given_name: str | None
    family_name: str | None
    other_names: tuple[Seen, ...]
    birth_dates: tuple[Seen, ...]
    sex: str | None
    identifiers: dict[str, tuple[Seen, ...]]
    addresses: tuple[AddressSeen, ...]
    sources: tuple[tuple[str, int], ...]


def _ranked(tallies: dict[Any, _Tally], key: Any = str) -> list[Seen]:
    """Return values most given first (ties: the more authoritative source, then value)."""
    ordered = sorted(tallies.items(), key=lambda kv: (-kv[1].records, kv[1].rank, key(kv[0])))
    return [Seen(v, t.records, tuple(sorted(t.sources))) for v, t in ordered]


def profile(rows: Sequence[PersonRecordRow]) -> Profile:
    """Return the profile of a person from the records given (the ones the reader may see)."""
    names: dict[str, _Tally] = defaultdict(_Tally)
    parts: dict[str, tuple[str | None, str | None]] = {}
    births: dict[date, _Tally] = defaultdict(_Tally)
    sexes: dict[str, _Tally] = defaultdict(_Tally)
    ids: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    places: dict[facts.Address, _Tally] = defaultdict(_Tally)
    dates: dict[facts.Address, list[date]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (facts.source_rank(r.source), r.ref)):
        if row.display_name and row.display_name.strip():
            names[row.display_name].add(row.source)
            given, _middle, family = facts.name_parts(row.payload)
            parts.setdefault(row.display_name, (given, family))
        if row.birth_date is not None:
            births[row.birth_date].add(row.source)
        if row.sex:
            sexes[row.sex].add(row.source)
        for kind, value in facts.identifiers(row.source, row.payload):
            ids[(kind, value)].add(row.source)
        where = facts.address(row.payload)
        if where is not None:
            places[where].add(row.source)
            day = row.record_date
            if day is not None:
                dates[where].append(day)
    ranked_names = _ranked(names)
    best = ranked_names[0].value if ranked_names else None
    given, family = parts.get(best, (None, None)) if best else (None, None)
    by_kind: dict[str, dict[str, _Tally]] = defaultdict(dict)
    for (kind, value), tally in ids.items():
        by_kind[kind][value] = tally
    addresses = [
        AddressSeen(
            address=where,
            first_seen=min(dates[where]) if dates[where] else None,
            last_seen=max(dates[where]) if dates[where] else None,
            records=tally.records,
            sources=tuple(sorted(tally.sources)),
        )
        for where, tally in places.items()
    ]
    addresses.sort(key=lambda a: (a.last_seen or date.min, a.records), reverse=True)
    sexes_ranked = _ranked(sexes)
    return Profile(
        best_name=best,
        given_name=given,
        family_name=family,
        other_names=tuple(ranked_names[1:]),
        birth_dates=tuple(_ranked(births, key=lambda d: d.isoformat())),
        sex=sexes_ranked[0].value if sexes_ranked else None,
        identifiers={kind: tuple(_ranked(values)) for kind, values in sorted(by_kind.items())},
        addresses=tuple(addresses),
        sources=tuple(sorted(Counter(r.source for r in rows).items())),
    )


def timeline(rows: Sequence[PersonRecordRow]) -> list[PersonRecordRow]:
    """Return a person's records in date order (undated ones last), then by source."""
    return sorted(
        rows,
        key=lambda r: (r.record_date is None, r.record_date or date.min, r.source, r.record_id),
    )
