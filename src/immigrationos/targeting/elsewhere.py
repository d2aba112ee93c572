"""Other persons that may be this person: near misses of entity resolution.

Resolution keeps apart two records whose birth dates disagree, or whose names are written
too differently, and it should: most such pairs are two people. But some are one person
mistyped, and when the record left elsewhere is the one that clears a finding (the
removal that executed an order, the extension or grant that makes a stay lawful, the
naturalization of a citizen whose old I-94 was resolved alone), the finding alone is
wrong. ``NameIndex.alike`` finds, for a person, the near misses among the other resolved
persons, each by something the records show:

- a record under one of the person's own A-numbers or passport numbers, whatever its name
  and date (an A-number is issued once, to one person; so is a passport number);
- a record named alike (given and family names sounding like one of the person's, in
  either order) born the same day, whatever its A-number (an encounter not matched to
  the person's A-file opens a duplicate one), or on a date one slip of a clerk away
  (``birth_slip``) with no A-number of its own that tells it apart. A given name sounds
  alike through its canonical form too (LOU is LOUIS, which sounds as LUIS; LUPE is
  GUADALUPE), and a family name with its particles joined (DE LEON as DELEON); a name
  in several words also run together (XIU YING as XIUYING, JIAN GUO as JIANGUO) and a
  family name through its transliteration's canonical spelling (NG as WU);
- a record born the very same day, its given name sounding alike and its family name
  one typed character away (MARTINED for MARTINEZ), whatever its A-number.

Only records of a source that can clear someone are looked at, and only the ``MOST``
nearest other persons; each brings every such record of theirs (if that person is this
one, their removal recorded under an alias birth date is this person's removal too).
``evaluate.evaluate_person`` then asks, record by record, whether it would clear a
finding, and ``LOW_IDENTITY_CONFIDENCE`` holds each finding one would clear, naming it,
until a person confirms who is who.
"""

from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein

from immigrationos.records.normalize import skeleton, tokens
from immigrationos.resolution.names import family_table, given_table, surname_units
from immigrationos.targeting.detectors import base
from immigrationos.targeting.records import PersonRecord, WithheldCitizenship

# Sources whose records can clear a finding: every source a detector needs because it can
# clear someone (an admission, a departure, self-reported and confirmed, or a removal, a
# benefit, a court outcome, a citizenship record), and licences, which can show
# citizenship.
CLEARING_SOURCES = base.CLEARING_SOURCES | {"dmv_licenses"}
# The most other persons looked at for one person (the nearest first): a name so common
# that more are alike says little about any one of them.
MOST = 4
# A clerk writes a day past the 28th as the 28th when the month or year is mistyped.
SAFE_DAY = 28
# The rank of a near miss by document number: before any by name and birth date.
BY_NUMBER = -1
# A family name one typed character from another is a near miss only from this length: two
# short surnames a letter apart (LI, LU; DIAZ, DIEZ is allowed) are mostly two names.
TYPO_MIN_LENGTH = 4

Key = tuple[str, str]
# The payload text of a withheld record of another person that shows US citizenship: none
# is kept (``WithheldCitizenship``).
WITHHELD = "\x00withheld"


@lru_cache(maxsize=200_000)
def given_keys(given: str | None) -> tuple[str, ...]:
    """Return the sounds of a given name: its first word's, that word's canonical form's
    (LOU: LOUIS), and, of a name in several words, the words run together (XIU-YING and
    XIU YING as XIUYING: pinyin written with and without a break)."""
    words = tokens(given)
    if not words:
        return ()
    sounds = [skeleton(words[0]), skeleton(given_table().canonical(words[0]))]
    if len(words) > 1:
        sounds.append(skeleton("".join(words)))
    return tuple(dict.fromkeys(sounds))


@lru_cache(maxsize=200_000)
def family_words(family: str | None) -> tuple[str, ...]:
    """Return a family name's first word, its first surname with particles joined (DE LEON
    as DELEON), of a name in several words all of them run together (JIAN GUO as JIANGUO:
    a given name in pinyin written where the family name goes), and the first word's
    canonical spelling in resolution's transliteration table (NG and WOO as WU, CHEUNG as
    ZHANG).

    Cached, so that the index holds one tuple per distinct family name, not per record.
    """
    words = tokens(family)
    if not words:
        return ()
    first = surname_units(" ".join(words))[0].replace("_", "")
    canonical = family_table().canonical(words[0])
    return tuple(dict.fromkeys((words[0], first, "".join(words), canonical)))


def _names(record: PersonRecord) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return a record's given-name sounds and family words, or two empty tuples."""
    sounds, family = given_keys(record.text("given_name")), family_words(record.text("family_name"))
    if not sounds or not family:
        return (), ()
    return sounds, family


def _pairs(sounds: Sequence[str], families: Sequence[str]) -> set[Key]:
    """Return the name keys of given-name sounds and family words, in either order."""
    out: set[Key] = set()
    for g in sounds:
        for f in families:
            sf = skeleton(f)
            out.update(((g, sf), (sf, g)))
    return out


def one_typo(a: str, b: str) -> bool:
    """Return whether two family words are one typed character apart, and long enough."""
    return (
        a != b and min(len(a), len(b)) >= TYPO_MIN_LENGTH and DamerauLevenshtein.distance(a, b) <= 1
    )


def birth_slip(a: dt.date, b: dt.date) -> bool:
    """Return whether one birth date may be the other with one slip of a clerk.

    The slips of a birth date copied by hand: day and month swapped (a DD/MM date read as
    MM/DD); the day off by one or by ten; the month off by one; the year off by one, by a
    decade (1989 for 1999, 1994 for 2004) or with its last two digits transposed (1978 for
    1987); an unknown day and month recorded as 1 January of the year. With the month or
    the year mistyped, a day past the 28th may be written as the 28th (30 June 1998 as
    28 June 1997). Two dates apart otherwise, even by a few days, are two people.
    """
    if a == b:
        return False
    if abs((a - b).days) in (1, 10):
        return True
    if a.year == b.year and a.day <= 12 and b.day <= 12 and (a.month, a.day) == (b.day, b.month):
        return True
    if a.year == b.year and (1, 1) in ((a.month, a.day), (b.month, b.day)):
        return True
    same_day = min(a.day, SAFE_DAY) == min(b.day, SAFE_DAY)
    if a.year == b.year and same_day and abs(a.month - b.month) == 1:
        return True
    if a.month != b.month or not same_day:
        return False
    return abs(a.year - b.year) in (1, 10) or _decade(a.year, b.year) or _swapped(a.year, b.year)


def _decade(a: int, b: int) -> bool:
    """Return whether two years differ in their tens digit alone (1989 for 1999)."""
    x, y = f"{a:04d}", f"{b:04d}"
    return x[:2] == y[:2] and x[3] == y[3] and x[2] != y[2]


def _swapped(a: int, b: int) -> bool:
    """Return whether two years differ by their last two digits transposed (1978, 1987)."""
    x, y = f"{a:04d}", f"{b:04d}"
    return x != y and x[:2] == y[:2] and x[2:] == y[3] + y[2]


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _shifted(day: dt.date, days: int) -> dt.date | None:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def _years(year: int) -> set[int]:
    """Return the years one slip from ``year``: one or ten off, the decade's digit
    mistyped, the last two digits transposed (``birth_slip``)."""
    out = {year - 10, year - 1, year + 1, year + 10}
    century, tens, units = divmod(year, 100)[0], (year // 10) % 10, year % 10
    out.update(century * 100 + t * 10 + units for t in range(10))
    out.add(century * 100 + units * 10 + tens)
    out.discard(year)
    return {y for y in out if dt.MINYEAR <= y <= dt.MAXYEAR}


@lru_cache(maxsize=100_000)
def slips(a: dt.date) -> frozenset[dt.date]:
    """Return every date one slip of a clerk away from ``a`` (``birth_slip(a, b)``), but
    for the dates of its year when ``a`` is 1 January (an unknown day and month: any date
    of that year, which the caller looks up by year).

    Enumerated, a few dozen dates, so that the records named alike are looked up by the
    dates they may be born on, not every record under a common name compared in turn.
    """
    days = [a.day] if a.day < SAFE_DAY else list(range(SAFE_DAY, 32))
    found = [_shifted(a, n) for n in (-10, -1, 1, 10)]
    found.append(_date(a.year, a.day, a.month) if a.day <= 12 else None)
    found.append(_date(a.year, 1, 1))
    found += [
        _date(a.year, a.month + m, d) for m in (-1, 1) if 1 <= a.month + m <= 12 for d in days
    ]
    found += [_date(y, a.month, d) for y in _years(a.year) for d in days]
    return frozenset(b for b in found if b is not None and birth_slip(a, b))


def _near_dates(born: dt.date, bucket: Mapping[dt.date, object]) -> Iterator[dt.date]:
    """Yield the dates of ``bucket`` that are ``born`` or one slip of it."""
    if born in bucket:
        yield born
    for b in slips(born):
        if b in bucket:
            yield b
    if (born.month, born.day) == (1, 1):
        yield from (b for b in bucket if b.year == born.year and b != born)


def _plain(value: Any) -> str:
    """Return a payload value JSON does not hold (a date) as text, as the lake stores it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"a record's payload holds a {type(value).__name__}, not JSON")


def kept_record(source: str, record_id: str, text: str) -> PersonRecord:
    """Return a record kept by an index as its payload's text (``WITHHELD``: a withheld
    record that shows US citizenship, kept by its reference alone)."""
    if text == WITHHELD:
        return WithheldCitizenship(source, record_id, {})
    return PersonRecord(source, record_id, json.loads(text))


def payload_text(record: PersonRecord) -> str:
    """Return a record's payload as JSON text, its dates as ISO text (as the lake has them)."""
    return json.dumps(dict(record.payload), default=_plain)


def _a_numbers(records: Iterable[PersonRecord]) -> set[str]:
    return {"".join(ch for ch in a if ch.isdigit()) for r in records if (a := r.text("a_number"))}


def _passport(record: PersonRecord) -> str:
    """Return a record's passport number, folded to capitals and digits ('' if none)."""
    return "".join(ch for ch in (record.text("passport_number") or "").upper() if ch.isalnum())


class NearMisses(ABC):
    """How near misses are found (``alike``), whatever holds the index: ``NameIndex`` in
    this process's memory, ``lookup_file.IndexFile`` in a file read by key.

    A subclass answers three lookups and ``records_of``; ``alike`` is the same for both.
    """

    @abstractmethod
    def _holders(self, numbers: Iterable[str]) -> Iterable[str]:
        """Return the persons holding a clearing record under one of these numbers
        (A-numbers as digits, passport numbers as ``P:`` and the number)."""

    @abstractmethod
    def _named(
        self, key: Key, born: dt.date
    ) -> Iterable[tuple[dt.date, Sequence[tuple[str, tuple[str, ...]]]]]:
        """Return, per birth date that is ``born`` or one slip of it (``_near_dates``),
        the (person, A-numbers) of the clearing records under name ``key`` born then."""

    @abstractmethod
    def _born_on(self, sound: str, born: dt.date) -> Iterable[tuple[str, tuple[str, ...]]]:
        """Return the (person, family words) of the clearing records born on ``born`` whose
        given name has the sound ``sound``."""

    @abstractmethod
    def records_of(self, person_id: str) -> list[PersonRecord]:
        """Return the clearing records of a person, as they were added."""

    def alike(self, person_id: str, records: Iterable[PersonRecord]) -> list[PersonRecord]:
        """Return the clearing records of up to ``MOST`` other persons that may be this one.

        Nearest first: persons holding a record under one of this person's A-numbers or
        passport numbers, then persons holding a record named alike and born the same day
        or one slip away (by days between the birth dates), or born the same day with the
        family name one typed character away.
        """
        own = list(records)
        names = [_names(r) for r in own]
        keys = set().union(*(_pairs(*n) for n in names)) if own else set()
        dates = {d for r in own if (d := r.date("birth_date")) is not None}
        numbers = _a_numbers(own)
        nearest: dict[str, int] = {}
        # A record under one of the person's own A-numbers or passport numbers, whatever
        # its name or date (an alias, a given name changed at naturalization, a birth date
        # mistyped beyond a slip): the number was issued to one person.
        for pid in self._holders(_numbers(own)):
            if pid != person_id:
                nearest[pid] = BY_NUMBER
        # Looked up by the birth dates the person's own make near, never by scanning every
        # record under a common name: the cost stays the same as the records grow.
        for key in keys:
            for own_date in dates:
                for born, entries in self._named(key, own_date):
                    gap = abs((born - own_date).days)
                    for pid, theirs in entries:
                        if pid == person_id or nearest.get(pid, gap + 1) <= gap:
                            continue
                        if (
                            gap != 0
                            and numbers
                            and theirs
                            and not any(
                                DamerauLevenshtein.distance(a, b) <= 1
                                for a in numbers
                                for b in theirs
                            )
                        ):
                            # Its own A-number tells it apart, unless it is named alike and
                            # born the very same day: one person given a second A-file by an
                            # encounter not matched to the first (a duplicate A-file).
                            continue
                        nearest[pid] = gap
        # Born the very same day, the given name sounding alike, the family name one typed
        # character away (MARTINED for MARTINEZ): whatever its A-number, as a duplicate
        # A-file born the same day is.
        sounds = {g for gs, _ in names for g in gs}
        families = {f for _, fs in names for f in fs}
        for g in sounds:
            for born in dates:
                for pid, theirs_f in self._born_on(g, born):
                    if pid == person_id or nearest.get(pid, 1) <= 0:
                        continue
                    if any(one_typo(a, b) for a in families for b in theirs_f):
                        nearest[pid] = 0
        kept = sorted(nearest, key=lambda pid: (nearest[pid], pid))[:MOST]
        return [r for pid in kept for r in self.records_of(pid)]


def index_entries(
    person_id: str,
    record: PersonRecord,
    text: str | None = None,
    *,
    withheld_citizenship: bool = False,
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Yield what an index of near misses keeps of one record of ``person_id`` (nothing
    unless its source can clear someone), entry by entry, as ``NameIndex.entries`` gives
    them back: the record itself (with ``text``, its stored JSON, or None: ``payload_text``
    writes the payload), then a key per given-name sound and family-name sound (with its birth date and
    A-numbers), a day per given-name sound (with the family words), a number per A-number
    or passport number.

    ``withheld_citizenship``: the record is withheld from the purpose and shows US
    citizenship (of any source): it is found by its names and numbers as any other, but
    kept by its reference alone, as a ``WithheldCitizenship`` (entry ``("record",
    (person, source, record ID, None))`` with ``withheld`` true: ``WITHHELD``)."""
    if withheld_citizenship:
        yield "record", (person_id, record.source, record.record_id, WITHHELD)
    elif record.source in CLEARING_SOURCES:
        yield "record", (person_id, record.source, record.record_id, text)
    else:
        return
    sounds, families = _names(record)
    born = record.date("birth_date")
    if sounds and born is not None:  # a record with no birth date is near no one
        numbers = tuple(sorted(_a_numbers([record])))
        heard = dict.fromkeys(skeleton(f) for f in families)  # each sound once
        for g in sounds:
            for sf in heard:
                yield "key", (g, sf, born, person_id, numbers)
            yield "day", (g, born, person_id, families)
    for number in _numbers([record]):
        yield "number", (number, person_id)


class NameIndex(NearMisses):
    """The records of every person that can clear someone, by names and document numbers.

    Built from every person's records at once (``NameIndex(records_of)``) or record by
    record (``add``). A record added with its stored JSON text is kept as that text and
    read again only when another person asks for it (``alike``): a targeting run holds
    the clearing records of every person here, and text takes a third of the memory of
    the parsed record. The index itself keeps, per name key and birth date, only the
    person and the A-numbers it compares: ``alike`` looks up the dates one slip from the
    person's own (``slips``), so its cost does not grow with the records under a common
    name.
    """

    def __init__(self, records_of: Mapping[str, Sequence[PersonRecord]] | None = None) -> None:
        # name key -> birth date -> (person, A-numbers) of the records named so and born so.
        self._by_key: dict[Key, dict[dt.date, list[tuple[str, tuple[str, ...]]]]] = defaultdict(
            dict
        )
        self._by_number: dict[str, list[str]] = defaultdict(list)
        # (given-name sound, birth date) -> (person, family words): family-name typos.
        self._by_day: dict[tuple[str, dt.date], list[tuple[str, tuple[str, ...]]]] = defaultdict(
            list
        )
        self._clearing: dict[str, list[PersonRecord | tuple[str, str, str]]] = defaultdict(list)
        for pid, records in (records_of or {}).items():
            for r in records:
                self.add(pid, r)

    def add(
        self,
        person_id: str,
        record: PersonRecord,
        text: str | None = None,
        *,
        withheld_citizenship: bool = False,
    ) -> None:
        """Index one record of ``person_id`` (ignored unless its source can clear someone,
        or it is withheld and shows US citizenship: ``index_entries``).

        ``text``: the record's payload as stored JSON (``json.loads(text)`` gives the
        payload); the record is then kept as text, not as the parsed record.
        """
        entries = index_entries(person_id, record, text, withheld_citizenship=withheld_citizenship)
        for kind, row in entries:
            if kind == "record":
                kept = record if text is None and row[3] != WITHHELD else row[1:]
                self._clearing[person_id].append(kept)
            elif kind == "key":
                g, sf, born, pid, numbers = row
                self._by_key[(g, sf)].setdefault(born, []).append((pid, numbers))
            elif kind == "day":
                g, born, pid, families = row
                self._by_day[(g, born)].append((pid, families))
            else:
                self._by_number[row[0]].append(person_id)

    def records_of(self, person_id: str) -> list[PersonRecord]:
        """Return the clearing records of a person, as they were added."""
        return [
            r if isinstance(r, PersonRecord) else kept_record(*r)
            for r in self._clearing.get(person_id, ())
        ]

    def _holders(self, numbers: Iterable[str]) -> Iterable[str]:
        return [pid for number in numbers for pid in self._by_number.get(number, ())]

    def _named(
        self, key: Key, born: dt.date
    ) -> Iterable[tuple[dt.date, Sequence[tuple[str, tuple[str, ...]]]]]:
        bucket = self._by_key.get(key)
        if not bucket:
            return ()
        return [(b, bucket[b]) for b in _near_dates(born, bucket)]

    def _born_on(self, sound: str, born: dt.date) -> Iterable[tuple[str, tuple[str, ...]]]:
        return self._by_day.get((sound, born), ())

    def entries(self) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """Yield what the index holds, table by table (``lookup_file`` writes it out):
        ``("number", (number, person))``, ``("key", (sound, family sound, birth date,
        person, A-numbers))``, ``("day", (sound, birth date, person, family words))``,
        ``("record", (person, source, record ID, payload JSON text))``."""
        for number, persons in self._by_number.items():
            for pid in persons:
                yield "number", (number, pid)
        for (g, f), bucket in self._by_key.items():
            for born, entries in bucket.items():
                for pid, numbers in entries:
                    yield "key", (g, f, born, pid, numbers)
        for (g, born), day in self._by_day.items():
            for pid, families in day:
                yield "day", (g, born, pid, families)
        for pid, kept in self._clearing.items():
            for r in kept:
                if isinstance(r, PersonRecord):
                    yield "record", (pid, r.source, r.record_id, payload_text(r))
                else:
                    yield "record", (pid, *r)


def _numbers(records: Iterable[PersonRecord]) -> set[str]:
    """Return the A-numbers (digits) and passport numbers (``P:`` and the number)."""
    out = set(_a_numbers(records))
    out.update(f"P:{p}" for r in records if (p := _passport(r)))
    return out
