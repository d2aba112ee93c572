"""The keys clustering checks before each union: issued numbers, shared SSNs, judgements.

- every Numident record's SSN (two Numident SSNs are two people), the issued SSN any
  other record carries (a record under another holder's number is not theirs), and
  the SSNs records carry that Numident does not show issued (a number more than a
  typo from a person's own is not theirs);
- every A-number (two more than a typo apart are two people);
- cannot-link tokens: a shared SSN's holder against the identities only using the number
  (``shared_ssn``), and each reviewer's DIFFERENT pair;
- birth dates, for the chaining guard;
- where a record says the person comes from (``origin``): a birthplace (Numident, a US
  passport, a USCIS application; a US state or territory is the US), or a foreign
  citizenship or nationality stated on an immigration, court, enforcement or ITIN
  record. A person born in the US is a US citizen by birth, and one is born in one
  country: a record only names and dates tie to a person and that says otherwise is
  someone else's, unless an identifier says so (see ``cluster``). A FinCEN report's ID
  country is left out: a US-born dual national may show a foreign ID at a bank.

A US passport renewal is issued a new number, so two passport numbers in
``dos_passports`` do not tell two people apart and are not a key here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

import polars as pl

from immigrationos.resolution.cluster import BORN, NATIONAL, RecordKeys
from immigrationos.sources.contract import US_BIRTH_PLACES

NUMIDENT = "ssa_numident"
# Sources whose stated country is a citizenship or nationality of the person.
NATIONALITY_SOURCES = (
    "cbp_i94",
    "uscis_benefits",
    "eoir_cases",
    "enforcement_events",
    "irs_itin",
    "cbp_home_departures",
)
US = "USA"
T = TypeVar("T")


def _column_map(frame: pl.DataFrame, column: str) -> dict[int, Any]:
    """Return ``rid -> value`` of the records where ``column`` is not empty."""
    present = frame.select("rid", column).filter(pl.col(column).is_not_null())
    return dict(
        zip(present.get_column("rid").to_list(), present.get_column(column).to_list(), strict=True)
    )


class ByRow(Mapping[int, T]):
    """``rid -> value`` over a list indexed by ``rid`` (None: no value); read-only.

    A dict of ten million records costs some 100 bytes an entry on top of its values;
    a list costs 8, and equal values share one object (``by_row``).
    """

    __slots__ = ("_values",)

    def __init__(self, values: list[T | None]) -> None:
        self._values = values

    def __getitem__(self, rid: int) -> T:
        value = self.get(rid)
        if value is None:
            raise KeyError(rid)
        return value

    def get(self, rid: int, default: Any = None) -> Any:
        """Return the value of record ``rid``, ``default`` when it has none."""
        if 0 <= rid < len(self._values):
            value = self._values[rid]
            if value is not None:
                return value
        return default

    def __iter__(self) -> Iterator[int]:
        return (rid for rid, value in enumerate(self._values) if value is not None)

    def __len__(self) -> int:
        return sum(value is not None for value in self._values)


def by_row(frame: pl.DataFrame, column: str) -> Mapping[int, Any]:
    """Return ``rid -> value`` of the records where ``column`` is not empty (a ``ByRow``).

    Each distinct value is one Python object, however many records hold it.
    """
    # Two columns are taken before filtering: a filter copies every column it keeps.
    present = (
        frame.select("rid", column)
        .filter(pl.col(column).is_not_null())
        .select("rid", pl.col(column).rank("dense").cast(pl.Int64).alias("code"))
    )
    distinct = frame.get_column(column).drop_nulls().unique().sort().to_list()
    size = 0 if frame.height == 0 else int(frame.get_column("rid").max()) + 1  # type: ignore[arg-type]
    values: list[Any] = [None] * size
    for rid, code in zip(
        present.get_column("rid").to_list(), present.get_column("code").to_list(), strict=True
    ):
        values[rid] = distinct[code - 1]
    return ByRow(values)


def reviewer_pairs(
    pairs: Iterable[tuple[str, str]], rid_of: Mapping[str, int]
) -> list[tuple[int, int]]:
    """Return judged pairs as row indices, those naming a record not in the frame left out."""
    found = []
    for left, right in pairs:
        a, b = rid_of.get(left), rid_of.get(right)
        if a is not None and b is not None and a != b:
            found.append((a, b))
    return sorted(found)


def record_keys(
    frame: pl.DataFrame, shared_tokens: pl.DataFrame, cannot_link: Iterable[tuple[int, int]]
) -> RecordKeys:
    """Return the cluster keys of the frame's records.

    Args:
        frame: normalised records with ``rid``, ``source``, ``ssn``, ``a_number``,
            ``birth_date``.
        shared_tokens: ``rid, token`` from ``shared_ssn.find_shared_ssns``.
        cannot_link: reviewers' DIFFERENT pairs as row indices.
    """
    tokens: dict[int, list[int]] = {}
    for rid, token in shared_tokens.select("rid", "token").iter_rows():
        tokens.setdefault(rid, []).append(token)
    first = 1 + max((abs(t) for t in shared_tokens.get_column("token").to_list()), default=0)
    for offset, (a, b) in enumerate(cannot_link):
        tokens.setdefault(a, []).append(first + offset)
        tokens.setdefault(b, []).append(-(first + offset))
    # Only the columns each key reads are filtered: a filter copies every column it keeps,
    # and at ten million records a copy of the whole frame is gigabytes.
    ssns = frame.select("rid", "source", pl.col("ssn").cast(pl.Utf8))
    numident = ssns.filter(pl.col("source") == NUMIDENT)
    issued = numident.get_column("ssn").drop_nulls().unique()
    others = ssns.filter((pl.col("source") != NUMIDENT) & pl.col("ssn").is_not_null())
    del ssns
    carrying = pl.col("ssn").is_in(issued.implode())
    return RecordKeys(
        numident_ssn=by_row(numident, "ssn"),
        issued_ssn=by_row(others.filter(carrying), "ssn"),
        unissued_ssn=by_row(others.filter(~carrying), "ssn"),
        a_number=by_row(frame.select("rid", pl.col("a_number").cast(pl.Utf8)), "a_number"),
        tokens=tokens,
        birth_date=by_row(frame.select("rid", "birth_date"), "birth_date"),
        origin=by_row(frame.select("rid", _origin(frame).alias("origin")), "origin"),
    )


def origins(frame: pl.DataFrame) -> dict[int, str]:
    """Return ``rid -> BORN|NATIONAL + country`` for the records saying where a person is from.

    A birthplace wins over a stated nationality on the same record; a US citizenship
    stated on an I-94 (class USC) says nothing against a US birth and is left out.
    """
    return _column_map(frame.select("rid", _origin(frame).alias("origin")), "origin")


def _origin(frame: pl.DataFrame) -> pl.Expr:
    """Return the expression of a record's origin (see :func:`origins`)."""
    empty = pl.lit(None, pl.Utf8)
    born = (
        pl.col("birth_place").str.strip_chars().str.to_uppercase()
        if "birth_place" in frame.columns
        else empty
    )
    country = (
        pl.when(pl.col("source").is_in(NATIONALITY_SOURCES)).then(
            pl.col("citizenship_country").str.strip_chars().str.to_uppercase()
        )
        if "citizenship_country" in frame.columns
        else empty
    )
    origin = (
        pl.when(born.is_in(list(US_BIRTH_PLACES)))
        .then(pl.lit(BORN + US))
        .when(born.str.len_chars() > 0)
        .then(pl.lit(BORN) + born)
        .when((country.str.len_chars() > 0) & (country != US))
        .then(pl.lit(NATIONAL) + country)
    )
    return origin
