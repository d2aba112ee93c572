"""Record search and record pages over the index. Flushes, never commits.

Hot paths use SQLAlchemy Core selects (no ORM objects): a search reads only the columns
it scores on and ranks in Python (``rank``); what is shown of a hit and its payload
(``search``, ``summaries``) are read afterwards, only for the hits that need them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from immigrationos.records import candidates, normalize, scoring
from immigrationos.records.models import Record
from immigrationos.records.models import RecordVersion as RecordVersionRow
from immigrationos.sources.contract import SOURCES

RECORDS = Record.__table__
VERSIONS = RecordVersionRow.__table__

# Weights of the criteria in a hit's score (the mean of those asked for).
W_IDENTIFIER, W_NAME, W_BIRTH_DATE = 3.0, 2.0, 1.0
# Candidates read per search, as a multiple of max_candidates (at least MIN_CANDIDATE_ROWS).
CANDIDATE_FACTOR, MIN_CANDIDATE_ROWS = 1.5, 200
# A name with a birth date scores everyone born near that date, up to this many.
BIRTH_WINDOW_ROWS = 5000


class RecordMatch(NamedTuple):
    """One ranked search result, as ranked: which record, how well it matched and on what.

    A named tuple: a search makes hundreds, and a frozen dataclass is slow to build.
    """

    id: int
    source: str
    record_id: str
    birth_date: date | None
    score: float  # 0..1, higher is better
    matched_on: tuple[str, ...]  # e.g. ("name", "birth_date", "SSN")


@dataclass(frozen=True)
class HitSummary:
    """One search result as a list shows it: a current record, how well it matched, on what."""

    id: int
    source: str
    record_id: str
    version: int
    display_name: str
    birth_date: date | None
    sex: str | None
    state: str | None
    field_office: str | None
    score: float  # 0..1, higher is better
    matched_on: tuple[str, ...]  # e.g. ("name", "birth_date", "SSN")


@dataclass(frozen=True)
class RecordHit(HitSummary):
    """One search result with its record's payload, parsed when first read."""

    payload_json: str = field(repr=False)

    @cached_property
    def payload(self) -> dict[str, Any]:
        """Return the record's fields as ingested (the payload)."""
        result: dict[str, Any] = json.loads(self.payload_json)
        return result


@dataclass(frozen=True)
class RecordRow:
    """The current state of one record, for its page."""

    id: int
    source: str
    record_id: str
    version: int
    change: str
    withdrawn: bool
    display_name: str
    birth_date: date | None
    sex: str | None
    state: str | None
    zip: str | None
    field_office: str | None
    batch_id: str
    ingested_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class RecordVersion:
    """One version of a record, with its provenance."""

    source: str
    record_id: str
    version: int
    change: str
    batch_id: str
    row_hash: str
    source_file: str
    line_number: int | None
    ingested_at: datetime
    payload: dict[str, Any]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _check(
    name: str | None,
    birth_date: date | None,
    identifier: str | None,
    sources: Sequence[str] | None,
    max_candidates: int,
) -> None:
    if name is None and birth_date is None and identifier is None:
        raise ValueError("search needs at least one of name, birth_date or identifier")
    if birth_date is not None and (
        not isinstance(birth_date, date) or isinstance(birth_date, datetime)
    ):
        raise ValueError(f"birth_date must be a date, not {type(birth_date).__name__}")
    if max_candidates < 1:
        raise ValueError(f"max_candidates must be at least 1, not {max_candidates}")
    if sources is not None:
        unknown = sorted(set(sources) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown source(s): {', '.join(unknown)}")


def _scope(
    sources: Sequence[str] | None, offices: Sequence[str] | None, include_withdrawn: bool
) -> candidates.Scope:
    return candidates.Scope(
        sources=tuple(sorted(set(sources))) if sources is not None else None,
        offices=tuple(sorted(set(offices))) if offices is not None else None,
        include_withdrawn=include_withdrawn,
    )


Ranked = list[tuple[float, tuple[str, ...], candidates.Candidate]]
NAME_ONLY = ("name",)


def _rank(
    found: dict[int, candidates.Candidate],
    scorer: scoring.NameScorer | None,
    birth_date: date | None,
    kinds: dict[int, set[str]] | None = None,
) -> Ranked:
    """Return the candidates that match, with score and criteria met, best first.

    ``kinds`` (an identifier search): the identifier kinds each candidate holds equal
    to the one asked for; every candidate is kept, a name and birth date only rank them.
    """
    ranked: Ranked = []
    if scorer is not None and birth_date is None and kinds is None:
        # A name alone, the commonest search: the score is the name's (the mean of one).
        score = scorer.score
        for candidate in found.values():
            similarity = score(candidate[candidates.GIVEN], candidate[candidates.FAMILY])
            if similarity >= scoring.MIN_NAME_SCORE:
                ranked.append((round(W_NAME * similarity / W_NAME, 6), NAME_ONLY, candidate))
        ranked.sort(key=_best_first)
        return ranked
    by_identifier = kinds is not None
    for candidate in found.values():
        total = weight = 0.0
        matched: list[str] = []
        if scorer is not None:
            similarity = scorer.score(candidate[candidates.GIVEN], candidate[candidates.FAMILY])
            if similarity >= scoring.MIN_NAME_SCORE:
                matched.append("name")
            elif not by_identifier:
                continue
            total, weight = total + W_NAME * similarity, weight + W_NAME
        if birth_date is not None:
            nearness = scoring.birth_date_score(birth_date, candidate[candidates.BIRTH_DATE])
            if nearness > 0:
                matched.append("birth_date")
            elif not by_identifier:
                continue
            total, weight = total + W_BIRTH_DATE * nearness, weight + W_BIRTH_DATE
        if kinds is not None:
            matched.extend(sorted(kinds[candidate[candidates.ID]]))
            total, weight = total + W_IDENTIFIER, weight + W_IDENTIFIER
        ranked.append((round(total / weight, 6), tuple(matched), candidate))
    ranked.sort(key=_best_first)
    return ranked


def _best_first(hit: tuple[float, tuple[str, ...], candidates.Candidate]) -> tuple[Any, ...]:
    return (-hit[0], hit[2][candidates.SOURCE], hit[2][candidates.RECORD_ID])


def search(
    *,
    session: Session,
    name: str | None = None,
    birth_date: date | None = None,
    identifier: str | None = None,
    sources: Sequence[str] | None = None,
    offices: Sequence[str] | None = None,
    include_withdrawn: bool = False,
    max_candidates: int = 500,
) -> list[RecordHit]:
    """Return current records matching a name, birth date and/or identifier, best first.

    The hits of ``rank`` (see it for the arguments), each with what a list shows of it
    and its payload.
    """
    matches = rank(
        session=session,
        name=name,
        birth_date=birth_date,
        identifier=identifier,
        sources=sources,
        offices=offices,
        include_withdrawn=include_withdrawn,
        max_candidates=max_candidates,
    )
    rows = _details(session, matches, with_payload=True)
    return [
        RecordHit(*_summary_fields(match, rows[match.id]), rows[match.id][5]) for match in matches
    ]


def summaries(
    *, session: Session, matches: Sequence[RecordMatch], payloads_of: Collection[int] = ()
) -> tuple[list[HitSummary], dict[int, dict[str, Any]]]:
    """Return what a list shows of ``matches`` (from ``rank``), in their order.

    Returns:
        The summaries, and the payloads of the matches whose ids are in ``payloads_of``
        (read in the same statement), by id.
    """
    rows = _details(session, matches, with_payload=bool(payloads_of))
    shown = [HitSummary(*_summary_fields(match, rows[match.id])) for match in matches]
    found = {m.id: json.loads(rows[m.id][5]) for m in matches if m.id in payloads_of}
    return shown, found


def rank(
    *,
    session: Session,
    name: str | None = None,
    birth_date: date | None = None,
    identifier: str | None = None,
    sources: Sequence[str] | None = None,
    offices: Sequence[str] | None = None,
    include_withdrawn: bool = False,
    max_candidates: int = 500,
) -> list[RecordMatch]:
    """Return current records matching a name, birth date and/or identifier, best first.

    Args:
        name: a person's name, words in any order (given and family swapped still
            match), tolerant of phonetic variants (GARSIA, JONATHON), a typo in a word
            (the first letter of each word is trusted), accents, hyphens, particles and
            a missing second surname; ranked by Jaro-Winkler similarity, so the exact
            spelling comes first. One word searches family names (that spelling first,
            then those sounding alike).
        birth_date: alone, the records born on that day (or with day and month swapped, or
            the year off by one); with a name, it narrows the name's matches to records
            whose birth date is that or near it (up to ten days off; records without one
            are left out), and then any spelling of the name close enough is found.
        identifier: any identifier (SSN, ITIN, A-number with or without its A, passport,
            I-94, FBI, receipt, licence, state ID, EIN, ...); dashes and spaces ignored.
            It selects the records; a name and birth date given with it only rank them.
        sources: only these sources (all by default).
        offices: only records of these field offices; None for every area (records
            without a location included), an empty sequence for nothing.
        include_withdrawn: also records withdrawn from their source.
        max_candidates: the most hits returned (the caller filters and paginates).

    Returns:
        Hits, best first (score, then source and record id).

    Raises:
        ValueError: no criterion, a name or identifier without letters or digits, an
            unknown source, or max_candidates below 1.
    """
    _check(name, birth_date, identifier, sources, max_candidates)
    name_query = normalize.query_keys(name) if name is not None else None
    values = normalize.identifier_candidates(identifier) if identifier is not None else None
    if (offices is not None and not offices) or (sources is not None and not sources):
        return []
    scope = _scope(sources, offices, include_withdrawn)
    read = max(MIN_CANDIDATE_ROWS, int(CANDIDATE_FACTOR * max_candidates))
    scorer = scoring.NameScorer(name_query.words) if name_query is not None else None
    if values is not None:
        ranks = name is not None or birth_date is not None
        found, kinds = candidates.by_identifier(
            session, values, scope, read if ranks else max_candidates
        )
        ranked = _rank(found, scorer, birth_date, kinds)
    elif name_query is not None and birth_date is not None:
        # Few people share a birth date: score the names of all born near it, so a name
        # too mistyped for its keys is found too. Where too many are (a large
        # population), the name keys choose among them instead.
        found = candidates.by_birth_date(
            session, birth_date, scope, BIRTH_WINDOW_ROWS, days=scoring.DAYS_OFF
        )
        if len(found) >= BIRTH_WINDOW_ROWS:
            near = replace(scope, born=birth_date, days=scoring.DAYS_OFF)
            found = candidates.by_name(session, name_query, near, read, scoped=True)
        ranked = _rank(found, scorer, birth_date)
    elif name_query is not None:
        scoped = sources is not None or offices is not None
        found = candidates.by_name(session, name_query, scope, read, scoped=scoped)
        ranked = _rank(found, scorer, None)
    else:
        assert birth_date is not None
        found = candidates.by_birth_date(session, birth_date, scope, read)
        ranked = _rank(found, None, birth_date)
    return [
        RecordMatch(c[0], c[1], c[2], c[5], score, matched)
        for score, matched, c in ranked[:max_candidates]
    ]


DETAILS = (
    RECORDS.c.version,
    RECORDS.c.display_name,
    RECORDS.c.sex,
    RECORDS.c.state,
    RECORDS.c.field_office,
)


def _details(
    session: Session, matches: Sequence[RecordMatch], *, with_payload: bool
) -> dict[int, Any]:
    """Return the DETAILS (then the payload text) of ``matches``, by id."""
    if not matches:
        return {}
    pg = candidates.postgres(session)
    query = candidates.statement(
        ("details", pg, with_payload),
        lambda: select(
            RECORDS.c.id, *DETAILS, *([RECORDS.c.payload] if with_payload else [])
        ).where(candidates.any_of(pg, RECORDS.c.id, "ids")),
    )
    rows = session.execute(query, {"ids": [match.id for match in matches]}).all()
    return {row[0]: row[1:] for row in rows}


SummaryFields = tuple[
    int, str, str, int, str, date | None, str | None, str | None, str | None, float, tuple[str, ...]
]


def _summary_fields(match: RecordMatch, row: Any) -> SummaryFields:
    """Return the fields of a HitSummary, in order, of a match and its DETAILS."""
    version, display_name, sex, state, field_office = row[:5]
    return (
        match.id,
        match.source,
        match.record_id,
        version,
        display_name,
        match.birth_date,
        sex,
        state,
        field_office,
        match.score,
        match.matched_on,
    )


def name_keys_present(*, session: Session, keys: Collection[str]) -> frozenset[str]:
    """Return which of the name keys (``normalize`` ``P``/``I``/``J`` keys) a current record has.

    One read of the key index; person search asks it which other spellings of a name are
    worth a search of their own.
    """
    if not keys:
        return frozenset()
    pg = candidates.postgres(session)
    present = candidates.statement(
        ("name_keys_present", pg),
        lambda: (
            select(candidates.KEYS.c.value)
            .where(
                candidates.KEYS.c.kind == normalize.NAME_KIND,
                candidates.any_of(pg, candidates.KEYS.c.value, "values"),
            )
            .distinct()
        ),
    )
    return frozenset(session.execute(present, {"values": sorted(keys)}).scalars())


def get_record(*, session: Session, source: str, record_id: str) -> RecordRow | None:
    """Return the current state of one record (withdrawn ones too), or None."""
    row = session.execute(
        select(RECORDS).where(RECORDS.c.source == source, RECORDS.c.record_id == record_id)
    ).one_or_none()
    if row is None:
        return None
    m = row._mapping
    return RecordRow(
        id=m["id"],
        source=m["source"],
        record_id=m["record_id"],
        version=m["version"],
        change=m["change"],
        withdrawn=bool(m["withdrawn"]),
        display_name=m["display_name"],
        birth_date=m["birth_date"],
        sex=m["sex"],
        state=m["state"],
        zip=m["zip"],
        field_office=m["field_office"],
        batch_id=m["batch_id"],
        ingested_at=_utc(m["ingested_at"]),
        payload=json.loads(m["payload"]),
    )


def list_versions(*, session: Session, source: str, record_id: str) -> list[RecordVersion]:
    """Return every version of one record, oldest first (empty when there is none)."""
    rows = session.execute(
        select(VERSIONS)
        .where(VERSIONS.c.source == source, VERSIONS.c.record_id == record_id)
        .order_by(VERSIONS.c.version)
    ).all()
    return [
        RecordVersion(
            source=m["source"],
            record_id=m["record_id"],
            version=m["version"],
            change=m["change"],
            batch_id=m["batch_id"],
            row_hash=m["row_hash"],
            source_file=m["source_file"],
            line_number=m["line_number"],
            ingested_at=_utc(m["ingested_at"]),
            payload=json.loads(m["payload"]),
        )
        for m in (row._mapping for row in rows)
    ]


def count_records(
    *, session: Session, source: str | None = None, include_withdrawn: bool = True
) -> int:
    """Return how many records the index holds (of one source; withdrawn ones included)."""
    query = select(func.count()).select_from(RECORDS)
    if source is not None:
        query = query.where(RECORDS.c.source == source)
    if not include_withdrawn:
        query = query.where(RECORDS.c.withdrawn == false())
    return int(session.execute(query).scalar_one())
