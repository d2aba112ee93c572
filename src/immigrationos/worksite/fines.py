"""Compute the civil penalty of a Form I-9 inspection, every step shown.

The paperwork fine follows ICE's published method (Form I-9 Inspection Overview):

1. violation percentage = substantive violations ÷ forms that should exist;
2. the base fine per violation from the percentage band and the offense tier, read from
   ICE's 2009 schedule (published when the range was $110-$1,100) and scaled to the
   civil penalty range in force on the assessment date (no rescaled schedule has been
   published; the scaling is a policy choice, stated in ``scaled_from``);
3. ±5 % for each of the five factors of 8 U.S.C. 1324a(e)(5) (business size, good
   faith, seriousness, unauthorized workers, history), at most ±25 %;
4. the per-violation fine clamped to the statutory minimum and maximum in force;
5. total = per-violation fine × violations, plus knowing-hire penalties when given.

The ranges, the schedule and every policy choice live in ``data/penalties.yaml``
(:func:`load_penalties`); money is :class:`~decimal.Decimal`, never float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal

from immigrationos.worksite.model import AuditResult, Category, Classification, Finding
from immigrationos.worksite.penalties import (
    Effect,
    PenaltyPolicy,
    PenaltyPolicyError,
    PenaltyRange,
    PenaltyTable,
    WarningPolicy,
    default_penalties,
    load_penalties,
    parse_penalties,
)

__all__ = [
    "Effect",
    "FactorStep",
    "Factors",
    "FineComputation",
    "KnowingHireComputation",
    "PenaltyPolicy",
    "PenaltyPolicyError",
    "PenaltyRange",
    "PenaltyTable",
    "WarningPolicy",
    "compute_fine",
    "count_violations",
    "default_penalties",
    "fine_for",
    "load_penalties",
    "money",
    "parse_penalties",
    "substantive_violations",
]

FACTOR_NAMES: tuple[str, ...] = (
    "business_size",
    "good_faith",
    "seriousness",
    "unauthorized_workers",
    "history",
)
FACTOR_TITLES: dict[str, str] = {
    "business_size": "Size of the business",
    "good_faith": "Good faith of the employer",
    "seriousness": "Seriousness of the violations",
    "unauthorized_workers": "Unauthorized workers involved",
    "history": "History of previous violations",
}
TIER_NAMES = {1: "1st offense", 2: "2nd offense", 3: "3rd or later offense"}


# --- the computation ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Factors:
    """The five factors of 8 U.S.C. 1324a(e)(5), each aggravating, neutral or mitigating."""

    business_size: Effect = Effect.NEUTRAL
    good_faith: Effect = Effect.NEUTRAL
    seriousness: Effect = Effect.NEUTRAL
    unauthorized_workers: Effect = Effect.NEUTRAL
    history: Effect = Effect.NEUTRAL

    @classmethod
    def of(cls, values: Factors | Mapping[str, str | Effect] | None) -> Factors:
        """Return factors from a mapping of name to effect (unnamed factors neutral)."""
        if values is None:
            return cls()
        if isinstance(values, Factors):
            return values
        unknown = sorted(set(values) - set(FACTOR_NAMES))
        if unknown:
            raise ValueError(
                f"unknown fine factor(s): {', '.join(unknown)}; known: {', '.join(FACTOR_NAMES)}"
            )
        try:
            return cls(**{k: Effect(str(v).lower()) for k, v in values.items()})
        except ValueError as exc:
            raise ValueError(f"a factor is aggravating, neutral or mitigating: {exc}") from exc


@dataclass(frozen=True, slots=True)
class FactorStep:
    """One factor's effect on the fine, in percent."""

    name: str
    title: str
    effect: Effect
    percent: Decimal


@dataclass(frozen=True, slots=True)
class KnowingHireComputation:
    """The knowing-hire (or continued employment) penalty, per unauthorized worker."""

    workers: int
    worker_ids: tuple[str, ...]
    offense_tier: int
    range: PenaltyRange
    base_position: str
    base_fine: Decimal
    adjustment_percent: Decimal
    adjusted_fine: Decimal
    per_worker_fine: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class FineComputation:
    """Every step of a fine, from the counts to the total, with the table it used."""

    assessment_date: date
    policy_version: str
    policy_sha256: str
    table_label: str
    table_effective: date
    table_source: str
    forms_required: int
    violations: int
    violation_keys: tuple[str, ...]
    violation_percentage: Decimal  # rounded to 2 places for display
    band_label: str
    band_from: Decimal
    band_to: Decimal | None
    offense_tier: int
    schedule_base: Decimal  # the 2009 schedule's base fine, as published
    schedule_range: PenaltyRange
    scaling: str
    base_fine: Decimal  # scaled to the range in force
    scaled_from: str  # the note saying how the base was scaled
    factors: tuple[FactorStep, ...]
    adjustment_percent: Decimal
    adjusted_fine: Decimal  # before clamping
    per_violation_fine: Decimal
    clamped: str  # "", "minimum" or "maximum"
    paperwork_range: PenaltyRange
    paperwork_total: Decimal
    knowing_hire: KnowingHireComputation | None
    total: Decimal
    notes: tuple[str, ...] = field(default=())

    def steps(self) -> list[tuple[str, str]]:
        """Return the computation as (step, value) rows for a notice or a report."""
        rows = [
            ("Penalty table", f"{self.table_label} (effective {self.table_effective:%Y-%m-%d})"),
            ("Forms that should exist", str(self.forms_required)),
            ("Substantive violations", str(self.violations)),
            ("Violation percentage", f"{self.violation_percentage} %"),
            ("Band", self.band_label),
            ("Offense", TIER_NAMES[self.offense_tier]),
            (
                "Schedule base fine (2009)",
                f"{money(self.schedule_base)} (range {money(self.schedule_range.min)}"
                f"-{money(self.schedule_range.max)})",
            ),
            ("Base fine per violation", f"{money(self.base_fine)} - {self.scaled_from}"),
        ]
        for step in self.factors:
            rows.append((f"Factor: {step.title}", f"{step.effect.value} ({step.percent:+} %)"))
        rows += [
            ("Adjustment", f"{self.adjustment_percent:+} %"),
            ("Adjusted fine per violation", money(self.adjusted_fine)),
            (
                "Fine per violation",
                money(self.per_violation_fine)
                + (f" (clamped to the statutory {self.clamped})" if self.clamped else "")
                + f"; range {money(self.paperwork_range.min)}-{money(self.paperwork_range.max)}",
            ),
            ("Paperwork total", money(self.paperwork_total)),
        ]
        if self.knowing_hire is not None:
            kh = self.knowing_hire
            rows += [
                (
                    "Knowing hire / continued employment",
                    f"{kh.workers} worker(s), {TIER_NAMES[kh.offense_tier]}, "
                    f"{money(kh.per_worker_fine)} each",
                ),
                ("Knowing-hire total", money(kh.total)),
            ]
        rows.append(("Total", money(self.total)))
        return rows

    def as_dict(self) -> dict[str, Any]:
        """Return the computation as JSON-ready values (money as strings)."""

        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, PenaltyRange):
                return {"min": str(value.min), "max": str(value.max)}
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, StrEnum):
                return value.value
            if hasattr(value, "__dataclass_fields__"):
                return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
            return value

        out: dict[str, Any] = plain(self)
        return out


def money(amount: Decimal) -> str:
    """Return a dollar amount as written on a notice: ``$2,003`` or ``$2,003.33``."""
    if amount == amount.to_integral_value():
        return f"${amount:,.0f}"
    return f"${amount:,.2f}"


def _round(amount: Decimal | Fraction, unit: Decimal) -> Decimal:
    value = (
        Decimal(amount.numerator) / Decimal(amount.denominator)
        if isinstance(amount, Fraction)
        else amount
    )
    return (value / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


def _clamp(amount: Decimal, rng: PenaltyRange) -> tuple[Decimal, str]:
    if amount < rng.min:
        return rng.min, "minimum"
    if amount > rng.max:
        return rng.max, "maximum"
    return amount, ""


def _tier(offense: int) -> Literal[1, 2, 3]:
    if offense < 1:
        raise ValueError(f"offense tier must be 1, 2 or 3 (3 or later), not {offense}")
    return 1 if offense == 1 else 2 if offense == 2 else 3


def violation_key(item: str | Finding, index: int) -> str:
    """Return what one violation is counted under: its form, else its employee."""
    if isinstance(item, str):
        return item or f"#{index}"
    return item.form_id or (f"employee:{item.employee_id}" if item.employee_id else f"#{index}")


def count_violations(
    violations: Iterable[str | Finding], policy: PenaltyPolicy
) -> tuple[int, tuple[str, ...]]:
    """Return the number of violations and their keys, counted as the policy says."""
    keys = [violation_key(v, i) for i, v in enumerate(violations)]
    if policy.count_violations == "per_form":
        keys = list(dict.fromkeys(keys))
    return len(keys), tuple(keys)


def substantive_violations(result: AuditResult) -> list[Finding]:
    """Return the findings that count toward a paperwork fine: substantive paperwork ones."""
    return [
        f
        for f in result.findings()
        if f.category == Category.PAPERWORK and f.classification == Classification.SUBSTANTIVE
    ]


def _adjustment(factors: Factors, policy: PenaltyPolicy) -> tuple[tuple[FactorStep, ...], Decimal]:
    step = policy.factors.step_percent
    signs = {Effect.AGGRAVATING: 1, Effect.NEUTRAL: 0, Effect.MITIGATING: -1}
    steps = tuple(
        FactorStep(
            name=name,
            title=FACTOR_TITLES[name],
            effect=getattr(factors, name),
            percent=step * signs[getattr(factors, name)],
        )
        for name in FACTOR_NAMES
    )
    total = sum((s.percent for s in steps), Decimal(0))
    cap = policy.factors.max_percent
    return steps, max(-cap, min(cap, total))


def _scale(base: Decimal, schedule: PenaltyRange, rng: PenaltyRange, method: str) -> Fraction:
    if method == "proportional":
        return Fraction(base) * Fraction(rng.max) / Fraction(schedule.max)
    span = Fraction(rng.max - rng.min) / Fraction(schedule.max - schedule.min)
    return Fraction(rng.min) + (Fraction(base) - Fraction(schedule.min)) * span


def _scaled_note(policy: PenaltyPolicy, table: PenaltyTable) -> str:
    sched = policy.schedule
    old = f"{money(sched.range.min)}-{money(sched.range.max)}"
    new = f"{money(table.paperwork.min)}-{money(table.paperwork.max)}"
    how = (
        f"linearly from the {sched.published} range {old} onto {new}"
        if policy.scaling == "affine"
        else f"in proportion to the maxima ({money(table.paperwork.max)} / "
        f"{money(sched.range.max)}), then clamped to {new}"
    )
    return (
        f"scaled from ICE's {sched.published} schedule {how} ({table.label}); "
        f"no rescaled schedule has been published"
    )


def compute_fine(
    *,
    forms_required: int,
    violations: Iterable[str | Finding],
    assessment_date: date,
    offense: int = 1,
    factors: Factors | Mapping[str, str | Effect] | None = None,
    knowing_hire: Iterable[str] | int = (),
    knowing_hire_offense: int | None = None,
    policy: PenaltyPolicy | None = None,
) -> FineComputation:
    """Return the fine for substantive violations, every step shown.

    Args:
        forms_required: forms that should exist (the denominator).
        violations: the substantive violations, as form ids or findings; counted per
            form or per finding as the policy says.
        assessment_date: the date the penalty is assessed (selects the table).
        offense: the offense tier, 1, 2 or 3 (and later).
        factors: the five factors, each aggravating, neutral or mitigating.
        knowing_hire: unauthorized workers knowingly hired or continued (ids, or a count).
        knowing_hire_offense: the knowing-hire offense tier (``offense`` when None).
        policy: the penalty policy (the shipped file when None).

    Returns:
        The :class:`FineComputation`.
    """
    pol = policy or default_penalties()
    if forms_required < 0:
        raise ValueError(f"forms_required cannot be negative ({forms_required})")
    tier = _tier(offense)
    count, keys = count_violations(violations, pol)
    if count and forms_required == 0:
        raise ValueError("violations were given but no form is required (forms_required=0)")
    table = pol.table_on(assessment_date)
    exact = Fraction(count * 100, forms_required) if forms_required else Fraction(0)

    bands = pol.schedule.bands
    index = max(i for i, b in enumerate(bands) if Fraction(b.from_percent) <= exact)
    band = bands[index]
    band_to = bands[index + 1].from_percent if index + 1 < len(bands) else None
    band_label = (
        f"{band.from_percent}-{band_to - 1} %"
        if band_to is not None
        else f"{band.from_percent} % +"
    )

    schedule_base = band.base[tier - 1]
    unit = pol.round_to
    base_fine = _round(
        _scale(schedule_base, pol.schedule.range, table.paperwork, pol.scaling), unit
    )
    fsteps, adjustment = _adjustment(Factors.of(factors), pol)
    adjusted = _round(base_fine * (1 + adjustment / 100), unit)
    per_violation, clamped = _clamp(adjusted, table.paperwork)
    paperwork_total = per_violation * count

    kh = _knowing_hire(knowing_hire, knowing_hire_offense or offense, table, adjustment, pol)
    total = paperwork_total + (kh.total if kh else Decimal(0))
    notes = [
        f"violations counted {pol.count_violations.replace('_', ' ')}",
        "applies to violations after 2015-11-02 (8 CFR 274a.10(b))",
    ]
    if kh is not None and not pol.knowing_hire.apply_factors:
        notes.append("the five factors were not applied to knowing-hire penalties")
    return FineComputation(
        assessment_date=assessment_date,
        policy_version=pol.version,
        policy_sha256=pol.sha256,
        table_label=table.label,
        table_effective=table.effective,
        table_source=table.source,
        forms_required=forms_required,
        violations=count,
        violation_keys=keys,
        violation_percentage=_round(exact, Decimal("0.01")),
        band_label=band_label,
        band_from=band.from_percent,
        band_to=band_to,
        offense_tier=tier,
        schedule_base=schedule_base,
        schedule_range=pol.schedule.range,
        scaling=pol.scaling,
        base_fine=base_fine,
        scaled_from=_scaled_note(pol, table),
        factors=fsteps,
        adjustment_percent=adjustment,
        adjusted_fine=adjusted,
        per_violation_fine=per_violation,
        clamped=clamped,
        paperwork_range=table.paperwork,
        paperwork_total=paperwork_total,
        knowing_hire=kh,
        total=total,
        notes=tuple(notes),
    )


def _knowing_hire(
    workers: Iterable[str] | int,
    offense: int,
    table: PenaltyTable,
    adjustment: Decimal,
    pol: PenaltyPolicy,
) -> KnowingHireComputation | None:
    if isinstance(workers, int):
        if workers < 0:
            raise ValueError(f"knowing_hire cannot be negative ({workers})")
        ids: tuple[str, ...] = ()
        n = workers
    else:
        ids = tuple(dict.fromkeys(workers))
        n = len(ids)
    if n == 0:
        return None
    tier = _tier(offense)
    rng = table.knowing_hire[tier]
    position = pol.knowing_hire.base
    base = {"minimum": rng.min, "maximum": rng.max}.get(position, (rng.min + rng.max) / 2)
    base = _round(base, pol.round_to)
    adj = adjustment if pol.knowing_hire.apply_factors else Decimal(0)
    adjusted = _round(base * (1 + adj / 100), pol.round_to)
    per_worker, _ = _clamp(adjusted, rng)
    return KnowingHireComputation(
        workers=n,
        worker_ids=ids,
        offense_tier=tier,
        range=rng,
        base_position=position,
        base_fine=base,
        adjustment_percent=adj,
        adjusted_fine=adjusted,
        per_worker_fine=per_worker,
        total=per_worker * n,
    )


def fine_for(
    result: AuditResult,
    *,
    assessment_date: date,
    offense: int = 1,
    factors: Factors | Mapping[str, str | Effect] | None = None,
    knowing_hire: Iterable[str] | int = (),
    knowing_hire_offense: int | None = None,
    policy: PenaltyPolicy | None = None,
) -> FineComputation:
    """Return the fine for an audit's substantive paperwork violations."""
    return compute_fine(
        forms_required=result.forms_required,
        violations=substantive_violations(result),
        assessment_date=assessment_date,
        offense=offense,
        factors=factors,
        knowing_hire=knowing_hire,
        knowing_hire_offense=knowing_hire_offense,
        policy=policy,
    )
