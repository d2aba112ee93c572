"""Records of other persons that may be this person's: named alike and born near.

Resolution keeps apart two records whose birth dates disagree beyond a typo, or whose
names are written too differently, and it should: most such pairs are two people. But
some are one person mistyped, and when the record left elsewhere is the one that
clears a finding (the removal that executed an order, the extension or grant that
makes a stay lawful), the finding alone is wrong. ``NameIndex.alike`` finds, for a
person, the records of other persons that could be theirs (a record of a source that
can clear someone, its given and family names sounding like one of the person's names,
in either order, its birth date within a year of one of theirs (or the same day with the
decade mistyped: 1989 for 1999), and no A-number of its own that tells it apart; or,
whatever its name and date, one of the person's own A-numbers: an A-number is issued
once, to one person);
``evaluate.evaluate_person`` then asks, record by record, whether it would clear a
finding, and ``LOW_IDENTITY_CONFIDENCE`` holds each finding one would clear, naming
it, until a person confirms who is who.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz.distance import DamerauLevenshtein

from immigrationos.records.normalize import skeleton, tokens
from immigrationos.targeting.records import PersonRecord

# Sources whose records can clear a finding (an admission, a departure or removal, a
# benefit, a court outcome, a citizenship record).
CLEARING_SOURCES = frozenset(
    (
        "cbp_i94",
        "enforcement_events",
        "uscis_benefits",
        "eoir_cases",
        "ssa_numident",
        "dos_passports",
        "dmv_licenses",
    )
)
# Birth dates farther apart than this are two people: for a person known by one record
# (nothing confirms their date) a year; for a person whose records agree on a date, a
# mistyped day or month (a mistyped year, same day and month, counts as near).
DAYS_ALONE = 365
DAYS_CONFIRMED = 45
# The most records of others looked at for one person (the nearest birth dates first):
# a name so common that more are alike says little about any one of them.
MOST = 4

Key = tuple[str, str]


def _keys(record: PersonRecord) -> set[Key]:
    given, family = tokens(record.text("given_name")), tokens(record.text("family_name"))
    if not given or not family:
        return set()
    g, f = skeleton(given[0]), skeleton(family[0])
    return {(g, f), (f, g)}


def _near(born: dt.date | None, dates: set[dt.date], days: int) -> int | None:
    """Return how many days ``born`` is from the nearest of ``dates``; None if too far.

    A mistyped year (same day and month, a year off) and the day and month swapped count
    as near as a few days.
    """
    if born is None or not dates:
        return None
    gaps = []
    for d in dates:
        gaps.append(abs((born - d).days))
        if (born.month, born.day) == (d.month, d.day) and abs(born.year - d.year) == 1:
            gaps.append(1)
        if (born.month, born.day) == (d.month, d.day) and _decade_typo(born.year, d.year):
            gaps.append(2)
        if born.day <= 12 and d.day <= 12 and (born.month, born.day) == (d.day, d.month):
            gaps.append(0 if born.year == d.year else 366)
    gap = min(gaps)
    return gap if gap <= days else None


def _decade_typo(a: int, b: int) -> bool:
    """Return whether two years differ in their tens digit alone (1989 for 1999)."""
    x, y = f"{a:04d}", f"{b:04d}"
    return x[:2] == y[:2] and x[3] == y[3] and x[2] != y[2]


def _a_numbers(records: Iterable[PersonRecord]) -> set[str]:
    return {"".join(ch for ch in a if ch.isdigit()) for r in records if (a := r.text("a_number"))}


class NameIndex:
    """The records of every person that can clear someone, by the sound of their names."""

    def __init__(self, records_of: Mapping[str, Sequence[PersonRecord]]) -> None:
        self._by_key: dict[Key, list[tuple[str, PersonRecord]]] = defaultdict(list)
        self._by_a_number: dict[str, list[tuple[str, PersonRecord]]] = defaultdict(list)
        for pid, records in records_of.items():
            for r in records:
                if r.source in CLEARING_SOURCES:
                    g, f = tokens(r.text("given_name")), tokens(r.text("family_name"))
                    if g and f:
                        self._by_key[(skeleton(g[0]), skeleton(f[0]))].append((pid, r))
                    for number in _a_numbers([r]):
                        self._by_a_number[number].append((pid, r))

    def alike(self, person_id: str, records: Iterable[PersonRecord]) -> list[PersonRecord]:
        """Return up to ``MOST`` records of other persons that could be this person's."""
        own = list(records)
        days = DAYS_ALONE if len(own) == 1 else DAYS_CONFIRMED
        keys = set().union(*(_keys(r) for r in own)) if own else set()
        dates = {d for r in own if (d := r.date("birth_date")) is not None}
        numbers = _a_numbers(own)
        found: dict[str, tuple[int, PersonRecord]] = {}
        # A record under one of the person's own A-numbers, whatever its name or date (an
        # alias, a birth date mistyped beyond a typo): an A-number is issued to one person.
        for number in numbers:
            for pid, r in self._by_a_number.get(number, ()):
                if pid != person_id:
                    found[r.ref] = (-1, r)
        for key in keys:
            for pid, r in self._by_key.get(key, ()):
                if pid == person_id or r.ref in found:
                    continue
                theirs = _a_numbers([r])
                if (
                    numbers
                    and theirs
                    and not any(
                        DamerauLevenshtein.distance(a, b) <= 1 for a in numbers for b in theirs
                    )
                ):
                    continue
                gap = _near(r.date("birth_date"), dates, days)
                if gap is not None:
                    found[r.ref] = (gap, r)
        ranked = sorted(found.values(), key=lambda pair: (pair[0], pair[1].ref))
        return [r for _, r in ranked[:MOST]]
