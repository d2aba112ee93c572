"""The bias monitor: who the platform selects, holds and wrongly targets, by group.

Pure functions over one row per person (:class:`Subject`); ``bias_data`` builds those
rows from the database (and a synthetic world's ``truth/``). For each metric and each
grouping attribute (country of birth, sex, age group, field office) the per-group rates
come from Fairlearn's ``MetricFrame``; each group's rate is divided by a reference
group's (the largest, unless configured), with a seeded bootstrap confidence interval.
Groups smaller than ``min_group`` are left out and listed. A ratio outside the band
(0.8-1.25, the four-fifths rule and its inverse) whose interval excludes parity raises an
alert.

Bias also enters through proxies: a factor of the priority policy on a ZIP code, a
neighbourhood or an employer list names no protected trait, so the policy loader lets it
pass. :func:`proxy_findings` measures, for every factor that scored persons, how strongly
its use is associated with each protected trait (Cramér's V) and how unevenly it reaches
the groups, and what the priority disparity would be without it; a factor that does not
rest on conduct and is high on both counts is named a likely proxy.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from immigrationos.oversight import bias_stats
from immigrationos.oversight.bias_stats import UNKNOWN, Disparity, GroupFigure, cramers_v

__all__ = ["Disparity", "GroupFigure", "cramers_v"]  # re-exported: the report's types

ATTRIBUTES = ("country_of_birth", "sex", "age_group", "field_office")
# Protected traits (policy.PROTECTED_TERMS, and age): the traits a proxy may stand for.
PROTECTED = ("country_of_birth", "sex", "age_group")
# Known outcomes of a lead: an error (the person should never have been targeted) or not.
ERROR_OUTCOMES = ("us_citizen", "lawful_status", "identity_error")
OUTCOMES = (*ERROR_OUTCOMES, "relief_granted", "confirmed")
# Factor kinds that rest on a person's conduct (a violation found, a conviction): a legal
# basis, measured but never called a proxy.
CONDUCT_KINDS = frozenset(("finding", "recent_entry", "conviction"))
AGE_GROUPS = ((0, 18, "under 18"), (18, 30, "18-29"), (30, 45, "30-44"), (45, 60, "45-59"))
OLDEST_GROUP = "60 and over"


def age_group(age: int | None) -> str:
    """Return the age group of an age in years (unknown when None or negative)."""
    if age is None or age < 0:
        return UNKNOWN
    for low, high, label in AGE_GROUPS:
        if low <= age < high:
            return label
    return OLDEST_GROUP


@dataclass(frozen=True)
class Subject:
    """One person as the monitor sees them: traits, lead, score factors and outcomes.

    ``factors`` maps each policy factor that scored the person to its points;
    ``features`` holds what a factor could read that may stand for a trait (ZIP code,
    ZIP3, employer). ``outcome`` is a known outcome of the person's lead (``OUTCOMES``)
    and ``violator`` the truth of a synthetic world (None: unknown).
    """

    person_id: str
    traits: Mapping[str, str]
    lead_state: str | None = None
    score: int | None = None
    raw_score: int | None = None
    factors: Mapping[str, int] = field(default_factory=dict)
    features: Mapping[str, str] = field(default_factory=dict)
    outcome: str | None = None
    case_state: str | None = None
    case_error: bool | None = None
    violator: bool | None = None


@dataclass(frozen=True)
class BiasSettings:
    """What the monitor measures and when it alerts."""

    attributes: tuple[str, ...] = ATTRIBUTES
    reference: Mapping[str, str] = field(default_factory=dict)
    min_group: int = 30
    band: tuple[float, float] = (0.8, 1.25)
    n_boot: int = 500
    seed: int = 20261127
    confidence: float = 0.95
    # A lead at or above this score is at the top of the queue: "prioritised".
    priority_score: int = 50
    # Cramér's V at or above which a factor's use is associated with a trait.
    proxy_association: float = 0.3
    # Alert only when the interval excludes parity, not on noise of small groups.
    require_significance: bool = True


@dataclass(frozen=True)
class Metric:
    """A rate: among the persons ``among`` admits, the share ``hit`` marks."""

    name: str
    label: str
    among: Callable[[Subject], bool]
    hit: Callable[[Subject], bool]
    truth: bool = False


def prioritised(s: Subject, cut: int) -> bool:
    """Return whether the person has an OPEN lead scored at or above the cut."""
    return s.lead_state == "OPEN" and s.score is not None and s.score >= cut


def metrics(settings: BiasSettings) -> tuple[Metric, ...]:
    """Return the metrics measured, with the settings' priority cut."""
    cut = settings.priority_score
    return (
        Metric("selection", "Selected (OPEN lead), of all persons", lambda s: True,
               lambda s: s.lead_state == "OPEN"),
        Metric("priority", f"Prioritised (OPEN, score >= {cut}), of all persons",
               lambda s: True, lambda s: prioritised(s, cut)),
        Metric("safeguarded", "Held or suppressed by a safeguard, of persons with a lead",
               lambda s: s.lead_state is not None,
               lambda s: s.lead_state in ("HELD", "SUPPRESSED")),
        Metric("false_positive",
               "Wrongly targeted (US citizen, lawful status, identity error), of leads "
               "with a known outcome",
               lambda s: s.outcome is not None, lambda s: s.outcome in ERROR_OUTCOMES),
        Metric("case_error", "Case ended as US citizen found or identity error, of ended cases",
               lambda s: s.case_error is not None, lambda s: bool(s.case_error)),
        Metric("truth_fpr", "Truth: OPEN lead on a person with no violation (FPR)",
               lambda s: s.violator is False, lambda s: s.lead_state == "OPEN", truth=True),
        Metric("truth_priority_fpr",
               f"Truth: prioritised (score >= {cut}) with no violation",
               lambda s: s.violator is False, lambda s: prioritised(s, cut), truth=True),
        Metric("truth_recall", "Truth: violators reached (OPEN or HELD lead)",
               lambda s: s.violator is True,
               lambda s: s.lead_state in ("OPEN", "HELD"), truth=True),
    )  # fmt: skip


@dataclass(frozen=True)
class ProxyFinding:
    """How one policy factor relates to one protected trait, and whether it is a proxy."""

    factor: str
    kind: str
    points: int
    attribute: str
    scored: int
    exposed: int
    association: float
    feature: str | None
    feature_association: float | None
    exposure: Disparity
    priority_with: float | None
    priority_without: float | None
    conduct: bool
    likely_proxy: bool
    why: str


@dataclass(frozen=True)
class FeatureAssociation:
    """How strongly a feature a factor could read says a protected trait (Cramér's V)."""

    feature: str
    attribute: str
    association: float
    persons: int
    values: int


@dataclass(frozen=True)
class Alert:
    """A disparity outside the band, or a factor that is likely a proxy, in words."""

    kind: str
    metric: str
    attribute: str
    group: str
    ratio: float | None
    message: str


@dataclass(frozen=True)
class BiasReport:
    """Everything the monitor measured, with its settings and alerts."""

    persons: int
    settings: BiasSettings
    disparities: tuple[Disparity, ...]
    proxies: tuple[ProxyFinding, ...]
    features: tuple[FeatureAssociation, ...]
    alerts: tuple[Alert, ...]
    truth: bool
    policy: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        data = asdict(self)
        data["settings"] = {
            k: (dict(v) if isinstance(v, Mapping) else v) for k, v in data["settings"].items()
        }
        return _finite(data)

    def disparity(self, metric: str, attribute: str) -> Disparity | None:
        """Return one metric by one attribute, or None when it was not measured."""
        for d in self.disparities:
            if d.metric == metric and d.attribute == attribute:
                return d
        return None


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# -- rates by group -------------------------------------------------------------------------


def disparity(
    metric: Metric,
    attribute: str,
    subjects: Sequence[Subject],
    settings: BiasSettings,
    rng: np.random.Generator,
) -> Disparity | None:
    """Return one metric by one attribute (None when no person is in its denominator)."""
    rows = [s for s in subjects if metric.among(s)]
    if not rows:
        return None
    groups = [s.traits.get(attribute) or UNKNOWN for s in rows]
    hits = [metric.hit(s) for s in rows]
    return bias_stats.figures(metric.name, metric.label, attribute, groups, hits, settings, rng)


# -- association ----------------------------------------------------------------------------


def _kept_traits(subjects: Sequence[Subject], attribute: str, min_group: int) -> set[str]:
    sizes = Counter(s.traits.get(attribute) or UNKNOWN for s in subjects)
    return {g for g, n in sizes.items() if n >= min_group and g != UNKNOWN}


def feature_associations(
    subjects: Sequence[Subject], settings: BiasSettings
) -> tuple[FeatureAssociation, ...]:
    """Return how strongly each feature says each protected trait, among all persons."""
    names = sorted({k for s in subjects for k in s.features})
    found = []
    for attribute in [a for a in PROTECTED if a in settings.attributes]:
        kept = _kept_traits(subjects, attribute, settings.min_group)
        for name in names:
            pairs = [
                (s.features[name], s.traits[attribute])
                for s in subjects
                if s.features.get(name) and s.traits.get(attribute) in kept
            ]
            if len(pairs) < settings.min_group:
                continue
            v = cramers_v([p[0] for p in pairs], [p[1] for p in pairs])
            found.append(
                FeatureAssociation(name, attribute, v, len(pairs), len({p[0] for p in pairs}))
            )
    return tuple(found)


# -- proxies --------------------------------------------------------------------------------


def _without(s: Subject, factor: str) -> Subject:
    """Return the person as scored without one factor (the score clipped to 0..100)."""
    points = s.factors.get(factor)
    if points is None or s.score is None:
        return s
    raw = (s.raw_score if s.raw_score is not None else s.score) - points
    return Subject(
        s.person_id, s.traits, s.lead_state, max(0, min(100, raw)), raw,
        {k: v for k, v in s.factors.items() if k != factor}, s.features,
    )  # fmt: skip


def proxy_findings(
    subjects: Sequence[Subject],
    settings: BiasSettings,
    factor_kinds: Mapping[str, tuple[str, str | None]],
    rng: np.random.Generator,
) -> tuple[ProxyFinding, ...]:
    """Return, per factor that scored persons and per protected trait, whether it is a proxy.

    Args:
        subjects: every person.
        settings: the band, the association threshold and the priority cut.
        factor_kinds: factor name -> (kind, feature it reads or None), from the policy.
        rng: the seeded generator of the bootstrap.

    Returns:
        One finding per (factor, trait). Among the scored persons, the association is the
        Cramér's V between being scored by the factor and the trait; the exposure is the
        rate at which the factor reaches each group against the reference group. A factor
        not resting on conduct that adds points is a likely proxy when its association is
        at least ``proxy_association`` and its exposure leaves the band, or when the
        priority disparity it leaves is out of band and removing it brings it back.
    """
    scored = [s for s in subjects if s.score is not None]
    points_of: dict[str, int] = {}
    for s in scored:
        for name, pts in s.factors.items():
            points_of.setdefault(name, pts)
    cut = settings.priority_score
    priority = Metric("priority", "prioritised", lambda s: True, lambda s: prioritised(s, cut))
    found = []
    features = {
        (f.feature, f.attribute): f.association for f in feature_associations(subjects, settings)
    }
    for attribute in [a for a in PROTECTED if a in settings.attributes]:
        kept = _kept_traits(scored, attribute, settings.min_group)
        base = disparity(priority, attribute, subjects, settings, rng)
        for name in sorted(points_of):
            kind, feature = factor_kinds.get(name, ("unknown", None))
            rows = [s for s in scored if (s.traits.get(attribute) or UNKNOWN) in kept]
            if len(rows) < settings.min_group:
                continue
            exposed = [name in s.factors for s in rows]
            groups = [s.traits[attribute] for s in rows]
            v = cramers_v(["yes" if e else "no" for e in exposed], groups)
            exposure = bias_stats.figures(
                "exposure", f"scored by {name}", attribute, groups, exposed, settings, rng
            )
            without = [_without(s, name) for s in subjects]
            after = disparity(priority, attribute, without, settings, rng)
            w_with = base.worst if base else None
            w_without = after.worst if after else None
            conduct = kind in CONDUCT_KINDS
            points = points_of[name]
            low, high = settings.band
            exposure_out = any(g.alert for g in exposure.groups)
            priority_out = w_with is not None and not (low <= w_with <= high)
            restores = (
                priority_out
                and w_without is not None
                and abs(math.log(w_without)) < abs(math.log(w_with or 1.0)) - 0.05
            )
            associated = v >= settings.proxy_association
            likely = not conduct and points > 0 and ((associated and exposure_out) or restores)
            feature_v = features.get((feature, attribute)) if feature else None
            why = _why(name, attribute, conduct, points, v, exposure, w_with, w_without, likely)
            found.append(
                ProxyFinding(
                    name,
                    kind,
                    points,
                    attribute,
                    len(rows),
                    sum(exposed),
                    v,
                    feature,
                    feature_v,
                    exposure,
                    w_with,
                    w_without,
                    conduct,
                    likely,
                    why,
                )
            )
    return tuple(found)


def _why(
    name: str,
    attribute: str,
    conduct: bool,
    points: int,
    v: float,
    exposure: Disparity,
    w_with: float | None,
    w_without: float | None,
    likely: bool,
) -> str:
    trait = attribute.replace("_", " ")
    worst = exposure.worst
    parts = [f"Cramér's V {v:.2f} with {trait}"]
    if worst is not None:
        parts.append(f"reaches groups at up to {worst:.2f}x the reference group")
    if w_with is not None and w_without is not None:
        parts.append(f"priority ratio {w_with:.2f} with it, {w_without:.2f} without")
    text = "; ".join(parts)
    if conduct:
        return f"{name} rests on conduct (a legal basis): {text}"
    if points <= 0:
        return f"{name} only lowers scores: {text}"
    if likely:
        return f"{name} is likely a proxy for {trait}: {text}"
    return f"{name}: {text}"


# -- the report -----------------------------------------------------------------------------


def measure(
    subjects: Sequence[Subject],
    settings: BiasSettings | None = None,
    *,
    factor_kinds: Mapping[str, tuple[str, str | None]] | None = None,
    policy: str | None = None,
) -> BiasReport:
    """Return the bias report of a population under the settings (seeded, reproducible)."""
    settings = settings or BiasSettings()
    rng = np.random.default_rng(settings.seed)
    truth = any(s.violator is not None for s in subjects)
    measured = []
    for metric in metrics(settings):
        if metric.truth and not truth:
            continue
        for attribute in settings.attributes:
            d = disparity(metric, attribute, subjects, settings, rng)
            if d is not None:
                measured.append(d)
    proxies = proxy_findings(subjects, settings, factor_kinds or {}, rng)
    alerts = [
        Alert(
            "disparity",
            d.metric,
            d.attribute,
            g.group,
            g.ratio,
            f"{d.label}: {d.attribute.replace('_', ' ')} {g.group} at {g.ratio:.2f}x "
            f"{d.reference} (95% CI {g.ci_low:.2f}-{g.ci_high:.2f}), outside "
            f"{settings.band[0]:.2f}-{settings.band[1]:.2f}",
        )
        for d in measured
        for g in d.alerts
        if g.ratio is not None and g.ci_low is not None and g.ci_high is not None
    ]
    alerts += [
        Alert("proxy", p.factor, p.attribute, "", p.exposure.worst, p.why)
        for p in proxies
        if p.likely_proxy
    ]
    return BiasReport(
        persons=len(subjects),
        settings=settings,
        disparities=tuple(measured),
        proxies=proxies,
        features=feature_associations(subjects, settings),
        alerts=tuple(alerts),
        truth=truth,
        policy=policy,
    )


def likely_proxies(report: BiasReport) -> list[str]:
    """Return the names of the factors the report calls likely proxies, without repeats."""
    return list(dict.fromkeys(p.factor for p in report.proxies if p.likely_proxy))


def factor_kinds_of(factors: Iterable[Any]) -> dict[str, tuple[str, str | None]]:
    """Return factor name -> (kind, the record field it reads) of a policy's factors."""
    return {f.name: (f.kind, f.field if f.kind == "record_field" else None) for f in factors}
