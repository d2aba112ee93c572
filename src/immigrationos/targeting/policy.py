"""The priority policy: a versioned YAML file of named scoring factors that an agency edits.

The loader validates the file with Pydantic, computes the sha256 of its bytes (stored
with every score) and refuses any factor built on a protected trait or a proxy of one.
Scoring a person on such traits is risk assessment by profiling, which the EU AI Act
bans (Regulation (EU) 2024/1689, Art. 5(1)(d)); age and sex are personal
characteristics too, so age may only lower a score and sex may not be used at all.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from immigrationos.sources.contract import VIOLATIONS

DEFAULT_POLICY = "priority-policy.yaml"
PROFILING_RULE = (
    "EU AI Act (Regulation (EU) 2024/1689) Art. 5(1)(d): no risk assessment of a person "
    "based on profiling or on personal traits and characteristics"
)
# Protected traits and their proxies, as words a factor may not name (in its name, kind,
# source, field, condition or values).
PROTECTED_TERMS: dict[str, str] = {
    "nationality": "nationality",
    "citizenship_country": "citizenship country",
    "country_of_citizenship": "citizenship country",
    "citizenship": "citizenship country",
    "country_of_birth": "country of birth",
    "birth_place": "country of birth",
    "birthplace": "country of birth",
    "birth_country": "country of birth",
    "id_country": "nationality (document country)",
    "removal_country": "nationality (country of removal)",
    "ethnicity": "ethnicity",
    "ethnic": "ethnicity",
    "race": "ethnicity",
    "given_name": "ethnicity (name)",
    "family_name": "ethnicity (name)",
    "surname": "ethnicity (name)",
    "language": "language",
    "neighbourhood": "neighbourhood demographics",
    "neighborhood": "neighbourhood demographics",
    "census": "neighbourhood demographics (census)",
    "census_tracts": "neighbourhood demographics (census)",
    "tract": "neighbourhood demographics (census tract)",
    "tract_geoid": "neighbourhood demographics (census tract)",
    "foreign_born": "neighbourhood demographics",
    "noncitizen": "neighbourhood demographics",
    "zip": "neighbourhood (ZIP code)",
    "zip_code": "neighbourhood (ZIP code)",
    "street": "neighbourhood (address)",
    "sex": "sex",
    "gender": "sex",
}
AGE_TERMS = ("age", "birth_date", "dob")
# Free text, and enumerated fields the model validates (``SEX_OFFENSE`` is an offence).
NOT_SCANNED = frozenset(("basis", "description", "inactive_reason", "categories", "violation"))
CONVICTION_CATEGORIES = frozenset(
    (
        "VIOLENT", "SEX_OFFENSE", "WEAPONS", "DRUG_TRAFFICKING", "DRUG_POSSESSION",
        "PROPERTY", "FRAUD", "DUI", "IMMIGRATION", "TRAFFIC", "OTHER",
    )
)  # fmt: skip
MITIGATING_KINDS = frozenset(
    ("age_at_least", "age_under", "residence_years_at_least", "recorded_condition")
)
FactorKind = Literal[
    "finding",
    "recent_entry",
    "conviction",
    "record_field",
    "age_at_least",
    "age_under",
    "residence_years_at_least",
    "recorded_condition",
]


class PolicyError(ValueError):
    """A priority policy that cannot be used: the file, the factor and the rule are named."""


class Factor(BaseModel):
    """One named scoring factor: what it reads, its points and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: FactorKind
    points: int = Field(ge=-100, le=100)
    basis: str = ""
    active: bool = True
    inactive_reason: str | None = None
    violation: str | None = None
    categories: tuple[str, ...] = ()
    within_years: float | None = Field(default=None, gt=0)
    years: float | None = Field(default=None, ge=0)
    source: str | None = None
    field: str | None = None
    values: tuple[str, ...] = ()
    condition: str | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Factor:
        kind = self.kind
        if kind in ("finding", "recent_entry") and self.violation not in VIOLATIONS:
            raise ValueError(f"violation must be one of {', '.join(VIOLATIONS)}")
        if kind == "recent_entry" and self.within_years is None:
            raise ValueError("recent_entry needs within_years")
        if kind == "conviction":
            bad = set(self.categories) - CONVICTION_CATEGORIES
            if not self.categories or bad:
                raise ValueError(f"categories must be offense categories, not {sorted(bad)}")
        if kind == "record_field" and not (self.source and self.field and self.values):
            raise ValueError("record_field needs source, field and values")
        if kind in ("age_at_least", "age_under", "residence_years_at_least") and (
            self.years is None
        ):
            raise ValueError(f"{kind} needs years")
        if kind in MITIGATING_KINDS and self.points > 0:
            raise ValueError(f"{kind} is mitigating only: points must be zero or negative")
        if kind == "recorded_condition" and self.active:
            raise ValueError(
                "recorded_condition reads nothing the records hold: declare it active: false "
                "with an inactive_reason"
            )
        if not self.active and not self.inactive_reason:
            raise ValueError("an inactive factor needs an inactive_reason")
        return self


class PriorityPolicy(BaseModel):
    """A validated priority policy, with the sha256 of the file it was read from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str
    version: str = Field(min_length=1)
    description: str = ""
    factors: tuple[Factor, ...]
    sha256: str = ""
    path: str = ""

    @model_validator(mode="after")
    def _unique_names(self) -> PriorityPolicy:
        names = [f.name for f in self.factors]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"factor names repeat: {', '.join(repeated)}")
        return self

    @property
    def active_factors(self) -> tuple[Factor, ...]:
        """Return the factors that score (the inactive ones are declared only)."""
        return tuple(f for f in self.factors if f.active)


def _words(value: Any) -> list[str]:
    """Return the normalized words of a factor's value (``snake_case`` parts joined)."""
    if isinstance(value, list | tuple):
        return [w for v in value for w in _words(v)]
    text = re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_")
    return [text] if text else []


def _hits(text: str, term: str) -> bool:
    return f"_{term}_" in f"_{text}_"


def protected_use(raw: dict[str, Any]) -> tuple[str, str] | None:
    """Return ``(trait, rule)`` when a raw factor uses a protected trait, else None."""
    texts = [w for key, value in raw.items() if key not in NOT_SCANNED for w in _words(value)]
    texts += [w for key in raw for w in _words(key)]
    texts = [t.replace("sex_offense", "offense") for t in texts]
    for text in texts:
        for term, trait in PROTECTED_TERMS.items():
            if _hits(text, term):
                return trait, PROFILING_RULE
    points = raw.get("points")
    raises = isinstance(points, int | float) and points > 0
    if raises and any(_hits(t, a) for t in texts for a in AGE_TERMS):
        return "age used to raise a score (age may only mitigate)", PROFILING_RULE
    return None


def parse_policy(text: str | bytes, *, path: str = "<policy>") -> PriorityPolicy:
    """Return the policy of a YAML text; raise PolicyError naming the file and factor."""
    data = text.encode() if isinstance(text, str) else text
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("factors"), list):
        raise PolicyError(f"{path}: a policy is a mapping with a list of factors")
    for i, factor in enumerate(raw["factors"]):
        if not isinstance(factor, dict):
            raise PolicyError(f"{path}: factors[{i}]: a factor is a mapping")
        refused = protected_use(factor)
        if refused is not None:
            trait, rule = refused
            raise PolicyError(
                f"{path}: factor '{factor.get('name', '?')}' (factors[{i}]) refused: it uses "
                f"{trait}, a protected trait or proxy; {rule}"
            )
    try:
        return PriorityPolicy.model_validate(
            {**raw, "sha256": hashlib.sha256(data).hexdigest(), "path": path}
        )
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            where = ".".join(str(p) for p in loc)
            if len(loc) >= 2 and loc[0] == "factors" and isinstance(loc[1], int):
                name = raw["factors"][loc[1]].get("name", "?")
                where = f"factor '{name}' ({where})"
            problems.append(f"{where}: {err['msg']}")
        raise PolicyError(f"{path}: " + "; ".join(problems)) from exc


def load_policy(path: Path | None = None) -> PriorityPolicy:
    """Return the priority policy of a YAML file (the shipped default when None)."""
    if path is None:
        ref = resources.files("immigrationos.targeting") / "data" / DEFAULT_POLICY
        return parse_policy(ref.read_bytes(), path=f"immigrationos/targeting/data/{DEFAULT_POLICY}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy: {exc}") from exc
    return parse_policy(data, path=str(path))
