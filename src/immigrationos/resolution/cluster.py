"""Constrained clustering: union the strongest links first, refuse a union two persons forbid.

Links above the threshold are taken in descending match weight (ties by record order, so
the result is deterministic). Two clusters are joined by a link unless they hold:

- Numident records of different SSNs (two issued numbers are two people);
- a Numident SSN on one side, and on the other a record carrying another SSN that
  Numident shows issued (a W-2 under someone else's number): the person has a number
  of their own, and the record names another's holder, so it is not this person's
  (typing an SSN wrong rarely gives an issued number, a stolen one always does);
- a Numident SSN on one side, and on the other a record carrying an SSN Numident does
  not show issued that is more than one typo away from it (a made-up number: a person
  with a number of their own is not paid under an invented one, while an employer's
  slip of one digit or two swapped digits is still their number);
- A-numbers more than one typo apart (an A-number is issued once, to one person);
- the two sides of a cannot-link (a reviewer's DIFFERENT, or a shared SSN's holder and
  the identity that only uses the number);
- a link whose own two birth dates disagree beyond a typo, resting on no identifier,
  when either cluster confirms its date on a second record (a date given once may be
  mistyped; two people of one name at one address, a father and his son, are not one);
- where the two come from, when the link rests on no identifier: birthplaces in two
  countries (the US one of them), or one side born in the US and the other stating a
  foreign citizenship or nationality. Names and dates alike are not enough to give a
  US-born citizen's records someone else's I-94 or removal; a record an identifier
  ties to them still joins them (dual nationals and clerical mistakes included). Two
  foreign nationalities do not part two records: people hold two;
- birth dates that tell them apart, when the link itself rests on no identifier and
  compared no birth dates (one of its records has none, a W-2): no
  date of one cluster is a date of the other (day and month swapped allowed), and
  either no pair is even a typo apart, or both clusters give their date on two records
  or more (one mistyped record explains a typo; two clusters each consistent in their
  own date are two people). So a chain of common names (A ~ B ~ C) does not join two
  people whom their own records tell apart;
- a link whose two birth dates are a typo apart (one digit of the year, a day or a
  month), resting on no identifier, when each side gives its own date on two records or
  more: a mistype repeated on both sides is less likely than two people (MARIA MIRANDA
  born 1971 and MARIA MIRANDA born 1991, each with a licence and a renewal).

Reviewers' SAME pairs (must-links) are joined first and unconditionally. The links that
made each union are kept: a spanning forest, every record of a cluster reached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, NamedTuple, TypeVar

from rapidfuzz.distance import DamerauLevenshtein

from immigrationos.resolution.normalize import date_level

T = TypeVar("T")

# Where a record says a person comes from (``RecordKeys.origin``): ``BORN + country`` or
# ``NATIONAL + country`` (ISO 3166 alpha-3; a US state or territory of birth is USA).
BORN = "born:"
NATIONAL = "national:"
US_BORN = BORN + "USA"

# Date levels under which two birth dates are one date (written two ways)...
SAME_DATES = frozenset(("EXACT", "DAY_MONTH_SWAP"))
# ...and under which they may be one date mistyped once.
TYPO_DATES = frozenset(("ONE_OFF_YEAR", "ONE_OFF_DAY_OR_MONTH", "WITHIN_1_YEAR"))


class Edge(NamedTuple):
    """A link to take: its two records and what its comparison found."""

    left: int
    right: int
    identified: bool  # an identifier (SSN, ITIN, A-number, passport, I-94, FBI) agrees
    dated: bool  # both records give a birth date
    clash: bool  # the two birth dates disagree beyond a typo


@dataclass
class RecordKeys:
    """What each record (by row index) brings to the cannot-link checks; absent = nothing."""

    numident_ssn: Mapping[int, str] = field(default_factory=dict)
    issued_ssn: Mapping[int, str] = field(default_factory=dict)  # non-Numident records
    unissued_ssn: Mapping[int, str] = field(default_factory=dict)  # SSNs Numident lacks
    a_number: Mapping[int, str] = field(default_factory=dict)
    tokens: Mapping[int, Sequence[int]] = field(default_factory=dict)
    birth_date: Mapping[int, date] = field(default_factory=dict)
    origin: Mapping[int, str] = field(default_factory=dict)  # BORN/NATIONAL + country


@dataclass
class Clustering:
    """A clustering's outcome: each record's root, the edges kept, the unions refused."""

    root: list[int]
    kept: list[int]  # positions in the edge list of the links that made unions
    must_unions: list[tuple[int, int]]  # must-links that joined two clusters
    refused: dict[str, int]


class _Keyed(Generic[T]):
    """One key of every root: a record's own value, until its root absorbs another.

    Only roots that absorbed a record hold a set of their own (``merged``); every other
    root's keys are its record's value, read from ``own`` when asked. A set per record
    up front would cost some 300 bytes a record, gigabytes at ten million.
    """

    __slots__ = ("merged", "own")

    def __init__(self, own: Mapping[int, T]) -> None:
        self.own = own
        self.merged: dict[int, set[T]] = {}

    def get(self, root: int) -> set[T] | None:
        """Return the keys of ``root`` (None when it has none)."""
        found = self.merged.get(root)
        if found is not None:
            return found
        value = self.own.get(root)
        return None if value is None else {value}

    def move(self, into: int, away: int) -> None:
        """Give root ``into`` the keys of root ``away`` (absorbed)."""
        moved = self.merged.pop(away, None)
        if moved is None:
            value = self.own.get(away)
            if value is None:
                return
            moved = {value}
        kept = self.merged.get(into)
        if kept is None:
            value = self.own.get(into)
            kept = self.merged[into] = set() if value is None else {value}
        kept.update(moved)


class _Clusters:
    """Union-find whose roots carry the keys the cannot-link checks read."""

    def __init__(self, n: int, keys: RecordKeys) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        self.ssns = _Keyed(keys.numident_ssn)
        self.used = _Keyed(keys.issued_ssn)
        self.unissued = _Keyed(keys.unissued_ssn)
        self.a_numbers = _Keyed(keys.a_number)
        self.tokens: dict[int, set[int]] = {r: set(t) for r, t in keys.tokens.items() if t}
        self.dates = _Keyed(keys.birth_date)
        # How many records of a root give a birth date, for roots that absorbed one.
        self.dated_merged: dict[int, int] = {}
        self.origins = _Keyed(keys.origin)

    def dated(self, root: int) -> int:
        """Return how many records of ``root`` give a birth date."""
        found = self.dated_merged.get(root)
        if found is not None:
            return found
        return 0 if self.dates.own.get(root) is None else 1

    def find(self, x: int) -> int:
        """Return the root of ``x``, halving the path on the way."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def conflict(self, a: int, b: int, edge: Edge) -> str | None:
        """Return why roots ``a`` and ``b`` must stay apart (joined by ``edge``), or None."""
        sa, sb = self.ssns.get(a), self.ssns.get(b)
        if sa and sb and sa != sb:
            return "numident_ssn"
        ua, ub = self.used.get(a), self.used.get(b)
        if (sa and ub and not ub <= sa) or (sb and ua and not ua <= sb):
            return "issued_ssn"
        xa, xb = self.unissued.get(a), self.unissued.get(b)
        if (sa and xb and _far(sa, xb)) or (sb and xa and _far(sb, xa)):
            return "unissued_ssn"
        na, nb = self.a_numbers.get(a), self.a_numbers.get(b)
        if na and nb and any(DamerauLevenshtein.distance(x, y) > 1 for x in na for y in nb):
            return "a_number"
        ta, tb = self.tokens.get(a), self.tokens.get(b)
        if ta and tb and any(-t in tb for t in ta):
            return "cannot_link"
        if edge.identified:
            return None
        oa, ob = self.origins.get(a), self.origins.get(b)
        if oa and ob and _apart_by_origin(oa, ob):
            return "origin"
        if edge.clash and (self.dated(a) > 1 or self.dated(b) > 1):
            return "birth_date_clash"
        if edge.dated:
            # Dates a typo apart on the link itself: one person mistyped, unless each side
            # gives its own date on two records (two people born a digit apart).
            da, db = self.dates.get(a), self.dates.get(b)
            if (
                da
                and db
                and da.isdisjoint(db)
                and self.dated(a) > len(da)
                and self.dated(b) > len(db)
                and {date_level(x, y) for x in da for y in db}.isdisjoint(SAME_DATES)
            ):
                return "birth_date_confirmed"
        else:
            da, db = self.dates.get(a), self.dates.get(b)
            if da and db and da.isdisjoint(db):
                levels = {date_level(x, y) for x in da for y in db}
                if levels.isdisjoint(SAME_DATES) and (
                    levels.isdisjoint(TYPO_DATES) or min(self.dated(a), self.dated(b)) > 1
                ):
                    return "birth_date"
        return None

    def union(self, a: int, b: int) -> None:
        """Join roots ``a`` and ``b`` (the larger absorbs the smaller, with its keys)."""
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        moved = self.dated(b)
        if moved:
            self.dated_merged[a] = self.dated(a) + moved
        self.dated_merged.pop(b, None)
        self.ssns.move(a, b)
        self.used.move(a, b)
        self.unissued.move(a, b)
        self.a_numbers.move(a, b)
        _move(self.tokens, a, b)
        self.dates.move(a, b)
        self.origins.move(a, b)


def _apart_by_origin(a: set[str], b: set[str]) -> bool:
    """Return whether two clusters' origins tell them apart (see the module docstring)."""
    born_a = {o for o in a if o.startswith(BORN)}
    born_b = {o for o in b if o.startswith(BORN)}
    if born_a and born_b and born_a.isdisjoint(born_b):
        return True
    if US_BORN in born_a and any(o.startswith(NATIONAL) for o in b):
        return True
    return US_BORN in born_b and any(o.startswith(NATIONAL) for o in a)


def _far(own: set[str], carried: set[str]) -> bool:
    """Return whether some carried SSN is more than one typo from every SSN of ``own``."""
    return any(min(DamerauLevenshtein.distance(c, o) for o in own) > 1 for c in carried)


def _move(keyed: dict[int, set[T]], into: int, away: int) -> None:
    """Move the keys of root ``away`` to root ``into``."""
    moved = keyed.pop(away, None)
    if moved:
        keyed.setdefault(into, set()).update(moved)


def cluster(
    n: int,
    edges: Iterable[Edge],
    keys: RecordKeys,
    must_link: Iterable[tuple[int, int]] = (),
) -> Clustering:
    """Return the constrained clustering of ``n`` records.

    Args:
        n: number of records (row indices ``0..n-1``).
        edges: links already in the order to take them (descending weight). The
            birth-date checks watch a link that rests on no identifier: one that
            compared no dates knows nothing of the dates it joins; one whose dates
            clash joins two people when either side confirms its date.
        keys: the records' Numident SSNs, A-numbers, cannot-link tokens and birth dates.
        must_link: pairs joined first, whatever the checks say.

    Returns:
        Each record's root, the positions of the edges that made unions, the must-link
        unions and how many unions each check refused.
    """
    clusters = _Clusters(n, keys)
    must_unions = []
    for a, b in must_link:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra != rb:
            clusters.union(ra, rb)
            must_unions.append((a, b))
    kept: list[int] = []
    refused: dict[str, int] = {}
    find = clusters.find
    for position, edge in enumerate(edges):
        ra, rb = find(edge.left), find(edge.right)
        if ra == rb:
            continue
        why = clusters.conflict(ra, rb, edge)
        if why is not None:
            refused[why] = refused.get(why, 0) + 1
            continue
        clusters.union(ra, rb)
        kept.append(position)
    root = [find(x) for x in range(n)]
    return Clustering(root=root, kept=kept, must_unions=must_unions, refused=refused)
