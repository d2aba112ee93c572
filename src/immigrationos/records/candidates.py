"""The candidate reads of a search: by identifier, by name keys, by birth date.

Each returns the few columns a search scores on, from indexes that cover them. On
PostgreSQL lists travel as one array parameter (``= ANY``), so each statement's text
stays the same and is prepared once per connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    any_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from immigrationos.records import normalize, scoring
from immigrationos.records.models import Record, RecordKey

RECORDS = Record.__table__
KEYS = RecordKey.__table__
# A scoped search (offices or sources) whose ranked keys were cut reads this many times more.
WIDEN = 8


@dataclass(slots=True)
class Candidate:
    """What a search reads of a record before it ranks it."""

    id: int
    source: str
    record_id: str
    given: str | None
    family: str | None
    birth_date: date | None
    kinds: set[str] = field(default_factory=set)


COLUMNS = (
    RECORDS.c.id,
    RECORDS.c.source,
    RECORDS.c.record_id,
    RECORDS.c.given_name,
    RECORDS.c.family_name,
    RECORDS.c.birth_date,
)


def postgres(session: Session) -> bool:
    """Return whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """Return ``column IN values``: one array parameter on PostgreSQL, a list elsewhere."""
    if postgres(session):
        element = BigInteger() if column.type.python_type is int else String()
        return column == any_(literal(list(values), ARRAY(element)))
    return column.in_(list(values))


def add(found: dict[int, Candidate], rows: Sequence[Any], with_kind: bool = False) -> None:
    """Add rows (COLUMNS, then the key kind when ``with_kind``) to the candidates by id."""
    for row in rows:
        candidate = found.get(row[0])
        if candidate is None:
            candidate = found[row[0]] = Candidate(row[0], row[1], row[2], row[3], row[4], row[5])
        if with_kind:
            candidate.kinds.add(row[6])


def by_identifier(
    session: Session, values: Sequence[str], scope: list[ColumnElement[bool]], limit: int
) -> dict[int, Candidate]:
    """Return the records holding any identifier of any kind equal to one of ``values``."""
    query = (
        select(*COLUMNS, KEYS.c.kind)
        .select_from(KEYS.join(RECORDS, RECORDS.c.id == KEYS.c.record_pk))
        .where(
            one_of(session, KEYS.c.kind, normalize.IDENTIFIER_KINDS),
            one_of(session, KEYS.c.value, values),
            *scope,
        )
        .order_by(RECORDS.c.source, RECORDS.c.record_id)
        .limit(limit)
    )
    found: dict[int, Candidate] = {}
    add(found, session.execute(query).all(), with_kind=True)
    return found


def born_near(birth_date: date, days: int = 0) -> ColumnElement[bool]:
    """Return a clause: born on ``birth_date`` as dirty records write it (or ``days`` around)."""
    near: ColumnElement[bool] = RECORDS.c.birth_date.in_(scoring.near_birth_dates(birth_date))
    if days:
        span = timedelta(days=days)
        near = or_(near, RECORDS.c.birth_date.between(birth_date - span, birth_date + span))
    return near


def by_birth_date(
    session: Session,
    birth_date: date,
    scope: list[ColumnElement[bool]],
    limit: int,
    *,
    days: int = 0,
) -> dict[int, Candidate]:
    """Return records born on ``birth_date`` as dirty records write it (or ``days`` around)."""
    near = born_near(birth_date, days)
    query = select(*COLUMNS).where(near, *scope).order_by(RECORDS.c.id).limit(limit)
    found: dict[int, Candidate] = {}
    add(found, session.execute(query).all())
    return found


def by_name(
    session: Session,
    query: normalize.NameQuery,
    scope: list[ColumnElement[bool]],
    limit: int,
    *,
    scoped: bool,
) -> dict[int, Candidate]:
    """Return the records sharing most name keys with the query, at most ``limit`` of them.

    Keys are counted per record in the key index alone (weighted as the query weighs
    them: the sound of both words twice), and only the best-counted records are read.
    When ``scoped`` (offices or sources narrow the search) and the cut left too few in
    scope, the read is widened and repeated.
    """
    found: dict[int, Candidate] = {}
    if query.prefixes:
        # One word: first the records of that very family name, then those sounding alike.
        exact_family = select(*COLUMNS).where(
            one_of(session, RECORDS.c.family_name, query.family_names), *scope
        )
        add(found, session.execute(exact_family.limit(limit)).all())
        matches: ColumnElement[bool] = or_(
            *[and_(KEYS.c.value >= p, KEYS.c.value < p[:-1] + ";") for p in query.prefixes]
        )
        weight: Any = literal(1)
    else:
        matches = one_of(session, KEYS.c.value, sorted(query.keys))
        double = sorted(k for k, w in query.keys.items() if w > 1)
        weight = case((one_of(session, KEYS.c.value, double), 2), else_=1)
    cut = limit
    while True:
        counted = (
            select(
                KEYS.c.record_pk.label("pk"),
                func.sum(weight).label("weight"),
                func.count().over().label("total"),
            )
            .where(KEYS.c.kind == normalize.NAME_KIND, matches)
            .group_by(KEYS.c.record_pk)
            .order_by(func.sum(weight).desc(), KEYS.c.record_pk)
            .limit(cut)
            .subquery()
        )
        # Outer join: every counted record comes back (out of scope ones as nulls), so the
        # total is known even when none is in scope.
        rows = session.execute(
            select(*COLUMNS, counted.c.total)
            .select_from(counted.outerjoin(RECORDS, and_(RECORDS.c.id == counted.c.pk, *scope)))
            .order_by(counted.c.weight.desc(), counted.c.pk)
        ).all()
        total = rows[0][-1] if rows else 0
        in_scope = [row for row in rows if row[0] is not None]
        if not scoped or len(in_scope) >= limit or total <= cut:
            break
        cut *= WIDEN
    add(found, in_scope[: max(0, limit - len(found))] if query.prefixes else in_scope)
    return found
