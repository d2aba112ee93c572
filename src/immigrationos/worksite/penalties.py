"""The penalties file: civil penalty ranges with effective dates, ICE's schedule, policy.

``data/penalties.yaml`` holds the numbers and the policy choices of a fine (see its
comments); :func:`load_penalties` reads and validates it, and a file that cannot be used
raises :class:`PenaltyPolicyError` naming the file and the field. The computation is
``fines.py``.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_PENALTIES = "penalties.yaml"


class PenaltyPolicyError(ValueError):
    """A penalties file that cannot be used; the message names the file and the field."""


class Effect(StrEnum):
    """How one of the five factors weighs on the fine."""

    AGGRAVATING = "aggravating"
    NEUTRAL = "neutral"
    MITIGATING = "mitigating"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PenaltyRange(_Strict):
    """A statutory minimum and maximum, in dollars."""

    min: Decimal = Field(ge=0)
    max: Decimal = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> PenaltyRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class PenaltyTable(_Strict):
    """The civil penalty ranges in force for penalties assessed from ``effective``."""

    label: str
    effective: date
    source: str = ""
    paperwork: PenaltyRange
    knowing_hire: dict[Literal[1, 2, 3], PenaltyRange]

    @model_validator(mode="after")
    def _three_tiers(self) -> PenaltyTable:
        if sorted(self.knowing_hire) != [1, 2, 3]:
            raise ValueError("knowing_hire needs tiers 1, 2 and 3")
        return self


class ScheduleBand(_Strict):
    """One band of the 2009 schedule: from a violation percentage, three base fines."""

    from_percent: Decimal = Field(alias="from", ge=0)
    base: tuple[Decimal, Decimal, Decimal]


class Schedule(_Strict):
    """ICE's paperwork schedule as published, with the range it was written for."""

    published: int
    source: str = ""
    range: PenaltyRange
    bands: list[ScheduleBand] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands(self) -> Schedule:
        starts = [b.from_percent for b in self.bands]
        if starts[0] != 0:
            raise ValueError("the first band must start at 0 %")
        if any(b <= a for a, b in pairwise(starts)):
            raise ValueError("bands must start at strictly increasing percentages")
        for i, band in enumerate(self.bands):
            for amount in band.base:
                if not self.range.min <= amount <= self.range.max:
                    raise ValueError(
                        f"bands[{i}]: base {amount} outside the schedule's range "
                        f"{self.range.min}-{self.range.max}"
                    )
        return self


class FactorPolicy(_Strict):
    """The step of each factor and the cap on their sum, in percent."""

    step_percent: Decimal = Field(default=Decimal(5), ge=0)
    max_percent: Decimal = Field(default=Decimal(25), ge=0)


class KnowingHirePolicy(_Strict):
    """Where in its range a knowing-hire penalty starts, and whether factors apply."""

    base: Literal["minimum", "midpoint", "maximum"] = "minimum"
    apply_factors: bool = False


class WarningPolicy(_Strict):
    """When substantive violations draw a Warning Notice rather than a fine."""

    max_violations: int = Field(default=5, ge=0)
    max_violation_percentage: Decimal = Field(default=Decimal(10), ge=0)
    offense_tiers: list[int] = Field(default_factory=lambda: [1])
    good_faith_not_aggravating: bool = True
    no_knowing_hire: bool = True
    unauthorized_workers_not_aggravating: bool = True


class PenaltyPolicy(_Strict):
    """The whole penalties file: ranges, schedule, and the policy choices."""

    policy: str
    version: str
    tables: list[PenaltyTable] = Field(min_length=1)
    schedule: Schedule
    scaling: Literal["affine", "proportional"] = "affine"
    round_to: Decimal = Field(default=Decimal(1), gt=0)
    count_violations: Literal["per_form", "per_finding"] = "per_form"
    factors: FactorPolicy = Field(default_factory=FactorPolicy)
    knowing_hire: KnowingHirePolicy = Field(default_factory=KnowingHirePolicy)
    warning_notice: WarningPolicy = Field(default_factory=WarningPolicy)
    sha256: str = ""
    path: str = ""

    @model_validator(mode="after")
    def _distinct_dates(self) -> PenaltyPolicy:
        dates = [t.effective for t in self.tables]
        if len(set(dates)) != len(dates):
            raise ValueError("two tables share an effective date")
        return self

    def table_on(self, assessed: date) -> PenaltyTable:
        """Return the table in force for a penalty assessed on a date."""
        in_force = [t for t in self.tables if t.effective <= assessed]
        if not in_force:
            first = min(t.effective for t in self.tables)
            raise PenaltyPolicyError(
                f"{self.path}: no penalty table in force on {assessed.isoformat()} "
                f"(the earliest is effective {first.isoformat()})"
            )
        return max(in_force, key=lambda t: t.effective)


def parse_penalties(text: str | bytes, *, path: str = "<penalties>") -> PenaltyPolicy:
    """Return the penalty policy of a YAML text; raise PenaltyPolicyError naming the field."""
    data = text.encode() if isinstance(text, str) else text
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise PenaltyPolicyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PenaltyPolicyError(f"{path}: a penalties file is a mapping (tables, schedule, ...)")
    try:
        return PenaltyPolicy.model_validate(
            {**raw, "sha256": hashlib.sha256(data).hexdigest(), "path": path}
        )
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top)"
            problems.append(f"{where}: {err['msg']}")
        raise PenaltyPolicyError(f"{path}: " + "; ".join(problems)) from exc


def load_penalties(path: Path | None = None) -> PenaltyPolicy:
    """Return the penalty policy of a YAML file (the shipped default when None)."""
    if path is None:
        ref = resources.files("immigrationos.worksite") / "data" / DEFAULT_PENALTIES
        return parse_penalties(
            ref.read_bytes(), path=f"immigrationos/worksite/data/{DEFAULT_PENALTIES}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PenaltyPolicyError(f"{path}: cannot read the penalties file: {exc}") from exc
    return parse_penalties(data, path=str(path))


_DEFAULT: PenaltyPolicy | None = None


def default_penalties() -> PenaltyPolicy:
    """Return the shipped penalty policy (read once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_penalties()
    return _DEFAULT
