"""The statistics of the bias monitor: rates by group, ratios with bootstrap intervals,
Cramér's V.

Per-group rates come from Fairlearn's ``MetricFrame``. A group's interval is a seeded
Bayesian bootstrap of its ratio to the reference group, drawn in closed form (a share of
0/1 outcomes reweighted by Dirichlet weights is Beta distributed), so a population of
100,000 costs no more than one of 1,000.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

UNKNOWN = "(unknown)"


class RatioRule(Protocol):
    """What decides which groups are measured, against which, and when a ratio alerts."""

    @property
    def reference(self) -> Mapping[str, str]: ...
    @property
    def min_group(self) -> int: ...
    @property
    def band(self) -> tuple[float, float]: ...
    @property
    def n_boot(self) -> int: ...
    @property
    def confidence(self) -> float: ...
    @property
    def require_significance(self) -> bool: ...


@dataclass(frozen=True)
class GroupFigure:
    """One group's rate and its ratio to the reference group, with the interval."""

    group: str
    n: int
    hits: int
    rate: float
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    reference: bool
    out_of_band: bool
    alert: bool


@dataclass(frozen=True)
class Disparity:
    """One metric by one attribute: the groups kept, the reference, the groups left out."""

    metric: str
    label: str
    attribute: str
    reference: str | None
    groups: tuple[GroupFigure, ...]
    left_out: tuple[tuple[str, int], ...]

    @property
    def alerts(self) -> tuple[GroupFigure, ...]:
        """Return the groups whose ratio raised an alert."""
        return tuple(g for g in self.groups if g.alert)

    @property
    def worst(self) -> float | None:
        """Return the ratio furthest from parity (on a log scale), or None."""
        ratios = [g.ratio for g in self.groups if g.ratio is not None and g.ratio > 0]
        return max(ratios, key=lambda r: abs(math.log(r)), default=None)


def by_group(groups: Sequence[str], hits: Sequence[bool]) -> pd.DataFrame:
    """Return each group's rate (Fairlearn's MetricFrame), persons and hits."""
    y = np.asarray(hits, dtype=int)
    labels = pd.Series(list(groups), name="group")
    frame = MetricFrame(
        metrics={"rate": selection_rate}, y_true=y, y_pred=y, sensitive_features=labels
    )
    table = frame.by_group.copy()
    table["n"] = labels.value_counts().reindex(table.index).astype(int)
    table["hits"] = pd.Series(y, index=labels).groupby(level=0).sum().reindex(table.index)
    return table


def _reference(
    kept: Sequence[str], sizes: Mapping[str, int], rates: Mapping[str, float], wanted: str | None
) -> str:
    """Return the configured group if kept, else the largest kept group with a non-zero rate
    (a group no one in is selected makes every ratio infinite), else the largest."""
    if wanted in kept:
        return str(wanted)
    ordered = sorted(kept, key=lambda g: (-sizes[g], g))
    return next((g for g in ordered if rates[g] > 0), ordered[0])


def figures(
    name: str,
    label: str,
    attribute: str,
    groups: Sequence[str],
    hits: Sequence[bool],
    settings: RatioRule,
    rng: np.random.Generator,
) -> Disparity:
    """Return each kept group's rate and ratio to the reference group, with intervals.

    Groups below ``settings.min_group`` (and the unknown group) are left out and listed.
    The interval is a seeded Bayesian bootstrap (Rubin 1981): for a share of 0/1
    outcomes, reweighting a group's persons by Dirichlet weights draws its rate from
    Beta(hits, misses); half a count is added to each (Jeffreys), so a group with no hit
    still has an honest interval instead of a point at zero.
    """
    table = by_group(groups, hits)
    sizes = {str(g): int(n) for g, n in table["n"].items()}
    rates = {str(g): float(r) for g, r in table["rate"].items()}
    counts = {str(g): int(h) for g, h in table["hits"].items()}
    kept = [g for g, n in sizes.items() if n >= settings.min_group and g != UNKNOWN]
    left = sorted(((g, n) for g, n in sizes.items() if g not in kept), key=lambda x: (-x[1], x[0]))
    if not kept:
        return Disparity(name, label, attribute, None, (), tuple(left))
    reference = _reference(kept, sizes, rates, settings.reference.get(attribute))
    p_ref = rates[reference]

    def draws(g: str) -> np.ndarray:
        return rng.beta(counts[g] + 0.5, sizes[g] - counts[g] + 0.5, settings.n_boot)

    draws_ref = draws(reference)
    tail = (1 - settings.confidence) / 2
    low_band, high_band = settings.band
    found = []
    for g in sorted(kept, key=lambda g: (-sizes[g], g)):
        rate = rates[g]
        ratio: float | None
        ci_low = ci_high = None
        if g == reference:
            ratio, ci_low, ci_high = 1.0, 1.0, 1.0
        elif p_ref > 0:
            ratio = rate / p_ref
            ratios = draws(g) / draws_ref
            ci_low = float(np.quantile(ratios, tail))
            ci_high = float(np.quantile(ratios, 1 - tail))
        else:
            ratio = 1.0 if rate == 0 else None
        out = ratio is not None and not (low_band <= ratio <= high_band)
        significant = ci_low is not None and ci_high is not None and not (ci_low <= 1 <= ci_high)
        alert = out and (significant or not settings.require_significance)
        found.append(
            GroupFigure(
                g, sizes[g], counts[g], rate, ratio, ci_low, ci_high, g == reference, out, alert
            )
        )
    return Disparity(name, label, attribute, reference, tuple(found), tuple(left))


def cramers_v(x: Sequence[str], y: Sequence[str]) -> float:
    """Return the bias-corrected Cramér's V of two categorical variables (0 to 1).

    Uses Bergsma's (2013) correction, so that many values over few persons do not look
    associated by chance alone.
    """
    table = pd.crosstab(pd.Series(list(x)), pd.Series(list(y))).to_numpy(dtype=float)
    n = table.sum()
    rows, cols = table.shape
    if n == 0 or rows < 2 or cols < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) @ table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    phi2 = max(0.0, chi2 / n - (rows - 1) * (cols - 1) / (n - 1))
    r = rows - (rows - 1) ** 2 / (n - 1)
    c = cols - (cols - 1) ** 2 / (n - 1)
    denom = min(r - 1, c - 1)
    return float(math.sqrt(phi2 / denom)) if denom > 0 else 0.0
