"""Candidate current addresses of a person, scored 0-100 with the reasons.

So that a team does not go to a stale or wrong address, every address the person's
records give is a candidate, scored as a transparent sum of three parts:

- **recency** (up to 40): 40 for a record dated on ``as_of``, falling linearly to 0 at
  five years;
- **source reliability** (up to 35): 35 times the reliability of the best source giving
  the address (a licence, which the state verifies, is the most reliable; an address
  given at an arrival is often temporary; a tip is an unverified allegation);
- **corroboration** (up to 25): 10 for each further independent source giving it (tips
  never corroborate);

less 15 when a source at least as reliable gives a different address at a later date
(the person has likely moved). A tip alone never scores above ``TIP_ONLY_CAP``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from immigrationos.targeting.records import PersonRecord, known_by

RELIABILITY: dict[str, float] = {
    "dmv_licenses": 1.0,
    "uscis_benefits": 0.9,
    "irs_w2": 0.8,
    "irs_itin": 0.7,
    "fincen_ctr": 0.7,
    "fincen_sar": 0.5,
    "cbp_i94": 0.4,
    "tips": 0.2,
}
RECENCY_POINTS, RELIABILITY_POINTS = 40, 35
CORROBORATION_POINTS, CORROBORATION_CAP = 10, 25
SUPERSEDED_PENALTY = 15
RECENCY_YEARS = 5.0
TIP_ONLY_CAP = 20
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class AddressCandidate:
    """One address a person may live at: its score, the reasons and the records."""

    street: str
    city: str | None
    state: str | None
    zip: str | None
    score: int
    last_seen: dt.date | None
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9 ]", " ", (text or "").upper())).strip()


def _key(r: PersonRecord) -> tuple[str, str] | None:
    street = _norm(r.text("street"))
    if not street:
        return None
    return street, (r.text("zip") or "")[:5]


def _recency(last: dt.date | None, as_of: dt.date) -> int:
    if last is None:
        return 0
    years = max(0, (as_of - last).days) / DAYS_PER_YEAR
    return round(RECENCY_POINTS * max(0.0, 1 - years / RECENCY_YEARS))


def candidate_addresses(
    records: Sequence[PersonRecord], as_of: dt.date
) -> tuple[AddressCandidate, ...]:
    """Return the person's candidate current addresses, best first.

    Args:
        records: the person's records (those the data-use policy allows); records dated
            after ``as_of`` are not known yet.
        as_of: the date the addresses are judged at.

    Returns:
        One candidate per distinct street and ZIP, scored 0-100 with its reasons.
    """
    groups: dict[tuple[str, str], list[PersonRecord]] = {}
    for r in known_by(records, as_of):
        if r.source not in RELIABILITY:
            continue
        key = _key(r)
        if key is not None:
            groups.setdefault(key, []).append(r)
    latest: dict[tuple[str, str], tuple[dt.date | None, float]] = {}
    for key, rows in groups.items():
        dated = [r.day for r in rows if r.day is not None]
        latest[key] = (max(dated) if dated else None, max(RELIABILITY[r.source] for r in rows))
    out = []
    for key, rows in groups.items():
        last, best = latest[key]
        sources = {r.source for r in rows}
        best_source = max(sources, key=lambda s: RELIABILITY[s])
        recency = _recency(last, as_of)
        reliability = round(RELIABILITY_POINTS * best)
        independent = len(sources - {"tips"})
        corroboration = min(CORROBORATION_CAP, CORROBORATION_POINTS * max(0, independent - 1))
        reasons = [
            f"recency +{recency} (last seen {last})" if last else "recency +0 (undated)",
            f"source +{reliability} ({best_source}, reliability {best:.1f})",
            f"corroboration +{corroboration} ({independent} independent sources)",
        ]
        total = recency + reliability + corroboration
        moved = [
            other
            for other, (day, rel) in latest.items()
            if other != key and day is not None and last is not None and day > last and rel >= best
        ]
        if moved:
            total -= SUPERSEDED_PENALTY
            reasons.append(
                f"superseded -{SUPERSEDED_PENALTY} (a source as reliable gives {moved[0][0]} later)"
            )
        if sources == {"tips"}:
            total = min(total, TIP_ONLY_CAP)
            reasons.append(f"only a tip gives it: at most {TIP_ONLY_CAP}")
        first = max(rows, key=lambda r: (r.day or dt.date.min, RELIABILITY[r.source]))
        out.append(
            AddressCandidate(
                street=key[0],
                city=first.upper("city"),
                state=first.upper("state"),
                zip=key[1] or None,
                score=max(0, min(100, total)),
                last_seen=last,
                reasons=tuple(reasons),
                evidence=tuple(r.ref for r in rows),
            )
        )
    return tuple(sorted(out, key=lambda c: (-c.score, c.street)))
