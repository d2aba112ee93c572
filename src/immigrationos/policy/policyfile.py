"""The data-use policy file: its schema, and loading it with errors that name file and field.

The file (TOML) gives every source of the data contract its rules; each rule carries
the law it encodes (``citation``) and a plain-language ``explanation``. A file that
omits a contract source, names an unknown one, or gives a rule an unknown kind or a
missing field is refused as a whole: the platform then allows nothing (fail closed).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from immigrationos.policy.errors import PolicyFileError
from immigrationos.policy.kinds import AuthorizationKind, Grant, PurposeKind, RuleKind, Use
from immigrationos.sources.contract import FORM_TYPES, SOURCES, USPS_CODES

BUNDLED_POLICY = "data-use-policy.toml"

# The fields each rule kind needs (beyond kind, citation, explanation) and may carry.
_NEEDS: dict[RuleKind, frozenset[str]] = {
    RuleKind.PURPOSE_REQUIRED: frozenset(),
    RuleKind.AGGREGATE_ONLY: frozenset(),
    RuleKind.AUTHORIZATION_REQUIRED: frozenset({"accepted"}),
    RuleKind.ACCESS_GRANT_REQUIRED: frozenset({"grant"}),
    RuleKind.NEVER_SERVED_ON_SUBJECT: frozenset(),
    RuleKind.CONFIDENTIAL_FORMS: frozenset({"column", "forms", "refused_uses"}),
    RuleKind.STATE_WARRANT_REQUIRED: frozenset({"column", "states", "accepted"}),
    RuleKind.NO_DISCLOSURE: frozenset(),
}
_MAY: dict[RuleKind, frozenset[str]] = {
    RuleKind.AUTHORIZATION_REQUIRED: frozenset({"purpose_kinds"}),
}
_OPTIONAL_FIELDS = (
    "accepted",
    "purpose_kinds",
    "grant",
    "column",
    "forms",
    "states",
    "refused_uses",
)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty: say which law, and in plain words what it means")
    return value.strip()


class FormRule(BaseModel):
    """Why one form type is confidential."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: str
    explanation: str

    _check = field_validator("citation", "explanation")(_not_blank)


class RuleSpec(BaseModel):
    """One rule of a source: its kind, the law, an explanation, and its kind's settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: RuleKind
    citation: str
    explanation: str
    # authorization_required, state_warrant_required: the instruments that satisfy the rule.
    accepted: tuple[AuthorizationKind, ...] = ()
    # authorization_required: the kinds of purpose such an instrument can serve (any if empty).
    purpose_kinds: tuple[PurposeKind, ...] = ()
    # access_grant_required: the grant a user needs.
    grant: Grant | None = None
    # confidential_forms, state_warrant_required: the record column the rule looks at.
    column: str | None = None
    # confidential_forms: form type -> why it is confidential.
    forms: dict[str, FormRule] = Field(default_factory=dict)
    # state_warrant_required: USPS code -> the state law (or "state law; verify ...").
    states: dict[str, str] = Field(default_factory=dict)
    # confidential_forms, no_disclosure: the uses refused (no_disclosure: DISCLOSE).
    refused_uses: tuple[Use, ...] = ()

    _check = field_validator("citation", "explanation")(_not_blank)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> RuleSpec:
        needs, may = _NEEDS[self.kind], _MAY.get(self.kind, frozenset())
        missing = sorted(n for n in needs if not getattr(self, n))
        stray = sorted(
            n for n in _OPTIONAL_FIELDS if getattr(self, n) and n not in needs and n not in may
        )
        problems = [f"rule kind {self.kind.value} needs '{n}'" for n in missing]
        problems += [f"rule kind {self.kind.value} takes no '{n}'" for n in stray]
        if AuthorizationKind.ADMINISTRATIVE_WARRANT in self.accepted:
            problems.append(
                "'accepted' lists ADMINISTRATIVE_WARRANT, which is never a judicial warrant, "
                "a court order or a § 6103 authorization"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def refuses(self) -> frozenset[Use]:
        """Return the uses this rule refuses outright (no_disclosure refuses DISCLOSE)."""
        if self.kind is RuleKind.NO_DISCLOSURE:
            return frozenset(self.refused_uses or (Use.DISCLOSE,))
        return frozenset(self.refused_uses)


class SourcePolicy(BaseModel):
    """The rules of one source and what they mean for it, in plain words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    explanation: str
    rules: tuple[RuleSpec, ...] = Field(min_length=1)

    _check = field_validator("explanation")(_not_blank)

    def rule(self, kind: RuleKind) -> RuleSpec | None:
        """Return this source's rule of ``kind``, if it has one."""
        return self.by_kind.get(kind)

    @cached_property
    def by_kind(self) -> dict[RuleKind, RuleSpec]:
        """Return the source's rules by kind (the first of a kind, as ``rule`` gives)."""
        found: dict[RuleKind, RuleSpec] = {}
        for rule in self.rules:
            found.setdefault(rule.kind, rule)
        return found


class PolicyMeta(BaseModel):
    """What the policy is, and the notice every reader should see."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    version: str
    notice: str

    _check = field_validator("name", "title", "version", "notice")(_not_blank)


class PolicyDocument(BaseModel):
    """A whole data-use policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: PolicyMeta
    sources: dict[str, SourcePolicy]


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _contract_problems(doc: PolicyDocument) -> list[str]:
    """Return what the document gets wrong against the data contract."""
    problems: list[str] = []
    missing = [s for s in SOURCES if s not in doc.sources]
    if missing:
        problems.append(
            f"sources: no entry for {', '.join(missing)}; every source of the data contract "
            "needs one (a source without rules would be used unchecked)"
        )
    unknown = sorted(s for s in doc.sources if s not in SOURCES)
    if unknown:
        problems.append(
            f"sources: {', '.join(unknown)} not in the data contract (known: {', '.join(SOURCES)})"
        )
    for name, entry in doc.sources.items():
        spec = SOURCES.get(name)
        if spec is None:
            continue
        where = f"sources.{name}"
        kinds = [r.kind for r in entry.rules]
        for kind in sorted({k for k in kinds if kinds.count(k) > 1}):
            problems.append(f"{where}.rules: rule kind {kind.value} appears more than once")
        if spec.person_records and RuleKind.PURPOSE_REQUIRED not in kinds:
            problems.append(
                f"{where}.rules: a person source needs a purpose_required rule "
                "(every read of person data runs under a declared purpose)"
            )
        if not spec.person_records and RuleKind.AGGREGATE_ONLY not in kinds:
            problems.append(f"{where}.rules: a source of no persons needs an aggregate_only rule")
        for i, rule in enumerate(entry.rules):
            at = f"{where}.rules[{i}]"
            if rule.column is not None and rule.column not in spec.column_names:
                problems.append(f"{at}.column: {name} has no column {rule.column!r}")
            for form in rule.forms:
                if form not in FORM_TYPES:
                    problems.append(f"{at}.forms: {form!r} is not a form type of the contract")
            for state in rule.states:
                if state not in USPS_CODES:
                    problems.append(f"{at}.states: {state!r} is not a USPS state code")
                elif not rule.states[state].strip():
                    problems.append(
                        f"{at}.states.{state}: name the state law, or write "
                        "'state law; verify the current statute'"
                    )
    return problems


def parse_policy(data: Mapping[str, Any], *, path: Path | str) -> PolicyDocument:
    """Return the validated policy of ``data`` read from ``path``; raise PolicyFileError."""
    try:
        doc = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PolicyFileError(path, problems) from None
    problems = _contract_problems(doc)
    if problems:
        raise PolicyFileError(path, problems)
    return doc


def read_policy_file(path: Path | None = None) -> tuple[PolicyDocument, str]:
    """Return the policy document of ``path`` (the bundled file when None) and its name."""
    if path is None:
        bundled = resources.files("immigrationos.policy") / "data" / BUNDLED_POLICY
        where, text = f"(bundled) {BUNDLED_POLICY}", bundled.read_text(encoding="utf-8")
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyFileError(
                where, [f"the file cannot be read: {exc.strerror or exc}"]
            ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(where, [f"the file is not valid TOML: {exc}"]) from None
    return parse_policy(data, path=where), where
