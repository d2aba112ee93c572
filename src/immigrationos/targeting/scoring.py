"""Priority score of a lead: a transparent sum of the policy's named factors, 0 to 100.

Each factor that applies contributes its points and names the records behind it; the
total is clipped to 0..100 and carries the policy's version and sha256, so a score can
be traced to the exact policy text that produced it. Only the findings the safeguards
leave (open or held) are scored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from immigrationos.targeting.detectors.base import Finding
from immigrationos.targeting.policy import Factor, PriorityPolicy
from immigrationos.targeting.records import PersonRecord, known_by
from immigrationos.targeting.status import PersonStatus

DAYS_PER_YEAR = 365.25
MIN_SCORE, MAX_SCORE = 0, 100


@dataclass(frozen=True)
class FactorScore:
    """One factor that applied: its points, why, and the records behind it."""

    name: str
    points: int
    detail: str
    evidence: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class PriorityScore:
    """A lead's score: the clipped sum of its factors, with the policy that made it."""

    score: int
    raw_total: int
    factors: tuple[FactorScore, ...]
    policy: str
    policy_version: str
    policy_sha256: str


def _years_before(as_of: dt.date, years: float) -> dt.date:
    return as_of - dt.timedelta(days=round(years * DAYS_PER_YEAR))


def person_age(records: Sequence[PersonRecord], as_of: dt.date) -> tuple[int, tuple[str, ...]]:
    """Return the person's age from the birth date most records give, and those records.

    Returns ``(-1, ())`` when no record gives a birth date.
    """
    dated = [(r.date("birth_date"), r.ref) for r in records]
    counts = Counter(d for d, _ in dated if d is not None)
    if not counts:
        return -1, ()
    born = max(counts, key=lambda d: (counts[d], d))
    age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    return age, tuple(ref for d, ref in dated if d == born)


def _stay_start(status: PersonStatus) -> tuple[dt.date, tuple[str, ...]] | None:
    """Return the first evidence of presence in the current stay (after the last exit)."""
    exit_day = status.presence.last_exit.day if status.presence.last_exit else None
    facts = [
        f
        for f in status.presence.evidence
        if f.day is not None and (exit_day is None or f.day > exit_day)
    ]
    if not facts:
        return None
    first = min(facts, key=lambda f: f.day or dt.date.max)
    assert first.day is not None
    return first.day, first.evidence


def _applies(
    factor: Factor,
    records: Sequence[PersonRecord],
    status: PersonStatus,
    findings: Sequence[Finding],
) -> tuple[str, tuple[str, ...]] | None:
    """Return ``(detail, evidence)`` when a factor applies to the person, else None."""
    as_of = status.as_of
    kind = factor.kind
    if kind in ("finding", "recent_entry"):
        hits = [f for f in findings if f.violation == factor.violation]
        if not hits:
            return None
        evidence = tuple(dict.fromkeys(ref for f in hits for ref in f.evidence))
        if kind == "finding":
            return f"{factor.violation} found", evidence
        start = _stay_start(status)
        assert factor.within_years is not None
        if start is None or start[0] < _years_before(as_of, factor.within_years):
            return None
        return f"{factor.violation}, stay began {start[0]}", tuple(
            dict.fromkeys(evidence + start[1])
        )
    if kind == "conviction":
        since = _years_before(as_of, factor.within_years) if factor.within_years else None
        hits_c = [
            r
            for r in records
            if r.source == "criminal_history"
            and r.upper("disposition") == "CONVICTED"
            and r.upper("offense_category") in factor.categories
            and (since is None or ((d := r.date("disposition_date")) is not None and d >= since))
        ]
        if not hits_c:
            return None
        cats = ", ".join(sorted({r.upper("offense_category") or "" for r in hits_c}))
        return f"convicted: {cats}", tuple(r.ref for r in hits_c)
    if kind == "record_field":
        wanted = {v.upper() for v in factor.values}
        hits_r = [
            r
            for r in records
            if r.source == factor.source and r.upper(factor.field or "") in wanted
        ]
        if not hits_r:
            return None
        return f"{factor.source}.{factor.field} in {sorted(wanted)}", tuple(r.ref for r in hits_r)
    if kind in ("age_at_least", "age_under"):
        age, refs = person_age(records, as_of)
        assert factor.years is not None
        if age < 0:
            return None
        if (kind == "age_at_least" and age >= factor.years) or (
            kind == "age_under" and age < factor.years
        ):
            return f"age {age}", refs
        return None
    if kind == "residence_years_at_least":
        days = [f for f in status.presence.evidence if f.day is not None]
        if not days:
            return None
        first = min(days, key=lambda f: f.day or dt.date.max)
        assert first.day is not None and factor.years is not None
        if first.day > _years_before(as_of, factor.years):
            return None
        return f"evidence of presence since {first.day}", first.evidence
    return None  # recorded_condition: declared, nothing the records hold


def score_person(
    records: Sequence[PersonRecord],
    status: PersonStatus,
    findings: Sequence[Finding],
    policy: PriorityPolicy,
) -> PriorityScore:
    """Return the priority score of a person under a policy.

    Args:
        records: the person's records (those the data-use policy allows); records dated
            after ``status.as_of`` are not known yet and are left out.
        status: the person's derived status as of the scoring date.
        findings: the findings left open or held by the safeguards.
        policy: the priority policy; its inactive factors never score.

    Returns:
        The sum of the points of every active factor that applies, clipped to 0..100,
        each factor with its detail and records.
    """
    known = known_by(records, status.as_of)
    applied = []
    for factor in policy.active_factors:
        hit = _applies(factor, known, status, findings)
        if hit is not None:
            detail, evidence = hit
            applied.append(FactorScore(factor.name, factor.points, detail, evidence, factor.basis))
    raw = sum(f.points for f in applied)
    return PriorityScore(
        score=max(MIN_SCORE, min(MAX_SCORE, raw)),
        raw_total=raw,
        factors=tuple(applied),
        policy=policy.policy,
        policy_version=policy.version,
        policy_sha256=policy.sha256,
    )
