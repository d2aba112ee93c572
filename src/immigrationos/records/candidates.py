"""The candidate reads of a search: by identifier, by name keys, by birth date.

Each returns the few columns a search scores on, from indexes that cover them, as the
rows read (no object per candidate: most are dropped by the ranking).

Each statement is built once per shape (dialect, which filters, how many prefixes) with
every value a parameter, and reused: building and keying a statement costs SQLAlchemy
more than running it. On PostgreSQL lists travel as one array parameter (``= ANY``), so
each statement's text stays the same and is prepared once per connection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    false,
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

# What a search reads of a record before it ranks it: a row that starts with COLUMNS.
Candidate = Sequence[Any]
ID, SOURCE, RECORD_ID, GIVEN, FAMILY, BIRTH_DATE = range(6)
COLUMNS = (
    RECORDS.c.id,
    RECORDS.c.source,
    RECORDS.c.record_id,
    RECORDS.c.given_name,
    RECORDS.c.family_name,
    RECORDS.c.birth_date,
)
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}


def postgres(session: Session) -> bool:
    """Return whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def statement(key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
    """Return the statement of ``key`` (its shape), built by ``build`` the first time."""
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build()
    return found


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """Return ``column IN values``: one array parameter on PostgreSQL, a list elsewhere."""
    if postgres(session):
        element = BigInteger() if column.type.python_type is int else String()
        return column == any_(literal(list(values), ARRAY(element)))
    return column.in_(list(values))


def any_of(pg: bool, column: Any, name: str) -> ColumnElement[bool]:
    """Return ``column IN :name``, the list given at execution: an array on PostgreSQL."""
    if pg:
        element = BigInteger() if column.type.python_type is int else String()
        return column == any_(bindparam(name, type_=ARRAY(element)))
    return column.in_(bindparam(name, expanding=True))


def _limit(name: str = "limit") -> Any:
    return bindparam(name, type_=Integer())


@dataclass(frozen=True)
class Scope:
    """Which current records a search reads, and (``born``) near which birth date.

    ``sources`` and ``offices`` None for all, ``born`` None for any birth date; ``days``
    widens ``born`` to the days around it.
    """

    sources: tuple[str, ...] | None = None
    offices: tuple[str, ...] | None = None
    include_withdrawn: bool = False
    born: date | None = None
    days: int = 0

    @property
    def shape(self) -> tuple[bool, bool, bool, bool, bool]:
        """Return what the statement of this scope depends on (not the values)."""
        return (
            self.sources is None,
            self.offices is None,
            self.include_withdrawn,
            self.born is None,
            self.days > 0,
        )

    def clauses(self, pg: bool) -> list[ColumnElement[bool]]:
        """Return the scope's conditions, their values parameters (see ``params``)."""
        clauses: list[ColumnElement[bool]] = []
        if self.born is not None:
            # Born on the day as dirty records write it (scoring.near_birth_dates), or around.
            near: ColumnElement[bool] = RECORDS.c.birth_date.in_(
                bindparam("born_near", expanding=True)
            )
            if self.days > 0:
                around = RECORDS.c.birth_date.between(
                    bindparam("born_from", type_=RECORDS.c.birth_date.type),
                    bindparam("born_to", type_=RECORDS.c.birth_date.type),
                )
                near = or_(near, around)
            clauses.append(near)
        if self.sources is not None:
            clauses.append(any_of(pg, RECORDS.c.source, "scope_sources"))
        if self.offices is not None:
            clauses.append(any_of(pg, RECORDS.c.field_office, "scope_offices"))
        if not self.include_withdrawn:
            clauses.append(RECORDS.c.withdrawn == false())
        return clauses

    def params(self) -> dict[str, Any]:
        """Return the values of the scope's conditions."""
        params: dict[str, Any] = {}
        if self.born is not None:
            params["born_near"] = scoring.near_birth_dates(self.born)
        if self.born is not None and self.days > 0:
            span = timedelta(days=self.days)
            params["born_from"], params["born_to"] = self.born - span, self.born + span
        if self.sources is not None:
            params["scope_sources"] = list(self.sources)
        if self.offices is not None:
            params["scope_offices"] = list(self.offices)
        return params


def add(found: dict[int, Candidate], rows: Sequence[Any]) -> None:
    """Add rows (COLUMNS first) to the candidates by id; a record already found stays."""
    for row in rows:
        if row[0] not in found:
            found[row[0]] = row


def by_identifier(
    session: Session, values: Sequence[str], scope: Scope, limit: int
) -> tuple[dict[int, Candidate], dict[int, set[str]]]:
    """Return the records holding any identifier of any kind equal to one of ``values``.

    Returns:
        The candidates by id, and the kinds of identifier each holds equal to one.
    """
    pg = postgres(session)
    query = statement(
        ("identifier", pg, scope.shape),
        lambda: (
            select(*COLUMNS, KEYS.c.kind)
            .select_from(KEYS.join(RECORDS, RECORDS.c.id == KEYS.c.record_pk))
            .where(any_of(pg, KEYS.c.kind, "kinds"), any_of(pg, KEYS.c.value, "values"))
            .where(*scope.clauses(pg))
            .order_by(RECORDS.c.source, RECORDS.c.record_id)
            .limit(_limit())
        ),
    )
    params = {
        "kinds": list(normalize.IDENTIFIER_KINDS),
        "values": list(values),
        "limit": limit,
        **scope.params(),
    }
    found: dict[int, Candidate] = {}
    kinds: dict[int, set[str]] = {}
    for row in session.execute(query, params).all():
        found.setdefault(row[0], row)
        kinds.setdefault(row[0], set()).add(row[6])
    return found, kinds


def by_birth_date(
    session: Session,
    birth_date: date,
    scope: Scope,
    limit: int,
    *,
    days: int = 0,
) -> dict[int, Candidate]:
    """Return records born on ``birth_date`` as dirty records write it (or ``days`` around)."""
    near = replace(scope, born=birth_date, days=days)
    pg = postgres(session)
    query = statement(
        ("birth_date", pg, near.shape),
        lambda: select(*COLUMNS).where(*near.clauses(pg)).order_by(RECORDS.c.id).limit(_limit()),
    )
    rows = session.execute(query, {**near.params(), "limit": limit}).all()
    return {row[0]: row for row in rows}


def _matching(pg: bool, prefixes: int) -> tuple[ColumnElement[bool], Any]:
    """Return the condition on name keys of a query, and each matching key's weight."""
    if prefixes:
        ranges = [
            and_(KEYS.c.value >= bindparam(f"from_{i}"), KEYS.c.value < bindparam(f"to_{i}"))
            for i in range(prefixes)
        ]
        return or_(*ranges), literal(1)
    weight = case((any_of(pg, KEYS.c.value, "double"), 2), else_=1)
    return any_of(pg, KEYS.c.value, "keys"), weight


def _counted_in_scope(pg: bool, prefixes: int, scope: Scope) -> Select[Any]:
    """Return the best-counted records (``cut`` of them) in scope, with the total counted."""
    matches, weight = _matching(pg, prefixes)
    counted = (
        select(
            KEYS.c.record_pk.label("pk"),
            func.sum(weight).label("weight"),
            func.count().over().label("total"),
        )
        .where(KEYS.c.kind == normalize.NAME_KIND, matches)
        .group_by(KEYS.c.record_pk)
        .order_by(func.sum(weight).desc(), KEYS.c.record_pk)
        .limit(_limit("cut"))
        .subquery()
    )
    # Only the counted records in scope travel; each carries the total counted.
    return (
        select(*COLUMNS, counted.c.total)
        .select_from(counted.join(RECORDS, and_(RECORDS.c.id == counted.c.pk, *scope.clauses(pg))))
        .order_by(counted.c.weight.desc(), counted.c.pk)
    )


def _count_keyed(pg: bool, prefixes: int) -> Select[Any]:
    """Return how many records hold a matching name key."""
    matches, _ = _matching(pg, prefixes)
    keyed = (
        select(KEYS.c.record_pk)
        .where(KEYS.c.kind == normalize.NAME_KIND, matches)
        .group_by(KEYS.c.record_pk)
        .subquery()
    )
    return select(func.count()).select_from(keyed)


def by_name(
    session: Session,
    query: normalize.NameQuery,
    scope: Scope,
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
    pg = postgres(session)
    found: dict[int, Candidate] = {}
    params = scope.params()
    prefixes = len(query.prefixes)
    if prefixes:
        # One word: first the records of that very family name, then those sounding alike.
        exact_family = statement(
            ("family_name", pg, scope.shape),
            lambda: (
                select(*COLUMNS)
                .where(any_of(pg, RECORDS.c.family_name, "family_names"), *scope.clauses(pg))
                .limit(_limit())
            ),
        )
        family = {"family_names": list(query.family_names), "limit": limit}
        add(found, session.execute(exact_family, {**params, **family}).all())
        for i, prefix in enumerate(query.prefixes):
            params[f"from_{i}"], params[f"to_{i}"] = prefix, prefix[:-1] + ";"
    else:
        params["keys"] = sorted(query.keys)
        params["double"] = sorted(k for k, w in query.keys.items() if w > 1)
    counted = statement(
        ("name", pg, prefixes, scope.shape), lambda: _counted_in_scope(pg, prefixes, scope)
    )
    cut = limit
    while True:
        in_scope = session.execute(counted, {**params, "cut": cut}).all()
        if not scoped or len(in_scope) >= limit:
            break
        if in_scope:
            total = in_scope[0][-1]
        else:
            keyed = statement(("keyed", pg, prefixes), lambda: _count_keyed(pg, prefixes))
            total = session.execute(keyed, params).scalar_one()
        if total <= cut:
            break
        cut *= WIDEN
    add(found, in_scope[: max(0, limit - len(found))] if query.prefixes else in_scope)
    return found
