"""Classify findings as technical, substantive or not a violation, under a named policy.

Two policies ship in ``data/classification.yaml``: ``longstanding`` (the 1997 Virtue memo
and ICE's 2008-09 guidance) and ``ice-2026-03`` (ICE's stricter inspection practice of
2026-03-16, known from secondary sources). A policy maps every rule id to a class, or to
a default with conditions on the finding's mitigations (an A-number missing from Section
1 but shown in Section 2 is technical under the long-standing guidance). Each classified
finding records the policy as ``name@version``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from immigrationos.worksite.model import Classification, Finding
from immigrationos.worksite.rules.catalogue import RULE_IDS

DEFAULT_PATH = Path(__file__).parent / "data" / "classification.yaml"
DEFAULT_POLICY = "longstanding"


class PolicyError(ValueError):
    """A classification policy file that cannot be used, naming the file and the key."""


@dataclass(frozen=True, slots=True)
class Condition:
    """``then`` applies when the finding carries any of ``any_of``."""

    any_of: frozenset[str]
    then: Classification


@dataclass(frozen=True, slots=True)
class RuleClass:
    """A rule's class under a policy: a default and conditions on mitigations."""

    default: Classification
    when: tuple[Condition, ...] = ()

    def decide(self, mitigations: list[str]) -> Classification:
        """Return the class for a finding with these mitigations."""
        if self.when and mitigations:
            present = set(mitigations)
            for cond in self.when:
                if cond.any_of & present:
                    return cond.then
        return self.default


@dataclass(frozen=True, slots=True)
class Policy:
    """One classification policy."""

    name: str
    version: str
    title: str
    sources: tuple[str, ...]
    secondary_sources: bool
    rules: dict[str, RuleClass] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Return ``name@version``, recorded on every finding it classifies."""
        return f"{self.name}@{self.version}"


def _class(value: Any, where: str) -> Classification:
    try:
        return Classification(str(value).upper())
    except ValueError:
        allowed = ", ".join(c.value for c in Classification)
        raise PolicyError(f"{where}: {value!r} is not one of {allowed}") from None


def _rule_class(value: Any, where: str) -> RuleClass:
    if isinstance(value, str):
        return RuleClass(_class(value, where))
    if not isinstance(value, dict) or "default" not in value:
        raise PolicyError(f"{where}: expected a class or {{default: ..., when: [...]}}")
    unknown = set(value) - {"default", "when"}
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    conditions = []
    for i, cond in enumerate(value.get("when") or []):
        cw = f"{where}.when[{i}]"
        if not isinstance(cond, dict) or set(cond) != {"any_of", "then"}:
            raise PolicyError(f"{cw}: expected {{any_of: [...], then: CLASS}}")
        mitigations = cond["any_of"]
        if not isinstance(mitigations, list) or not all(isinstance(m, str) for m in mitigations):
            raise PolicyError(f"{cw}.any_of: expected a list of mitigation names")
        conditions.append(Condition(frozenset(mitigations), _class(cond["then"], f"{cw}.then")))
    return RuleClass(_class(value["default"], f"{where}.default"), tuple(conditions))


def parse_policies(data: Any, *, source: str = "<policy>") -> dict[str, Policy]:
    """Return the policies of a parsed policy file; raise PolicyError naming the bad key."""
    if not isinstance(data, dict) or not isinstance(data.get("policies"), dict):
        raise PolicyError(f"{source}: expected a mapping with 'policies'")
    if data.get("format", 1) != 1:
        raise PolicyError(f"{source}: format {data.get('format')!r} is not supported (1)")
    out: dict[str, Policy] = {}
    for name, body in data["policies"].items():
        where = f"{source}: policies.{name}"
        if not isinstance(body, dict):
            raise PolicyError(f"{where}: expected a mapping")
        for key in ("version", "rules"):
            if key not in body:
                raise PolicyError(f"{where}: missing '{key}'")
        rules = body["rules"]
        if not isinstance(rules, dict):
            raise PolicyError(f"{where}.rules: expected a mapping of rule id to class")
        unknown = sorted(set(rules) - set(RULE_IDS))
        if unknown:
            raise PolicyError(f"{where}.rules: unknown rule id(s) {', '.join(unknown)}")
        missing = sorted(set(RULE_IDS) - set(rules))
        if missing:
            raise PolicyError(f"{where}.rules: no class for {', '.join(missing)}")
        out[str(name)] = Policy(
            name=str(name),
            version=str(body["version"]),
            title=str(body.get("title", name)),
            sources=tuple(str(s) for s in body.get("sources") or ()),
            secondary_sources=bool(body.get("secondary_sources", False)),
            rules={rid: _rule_class(v, f"{where}.rules.{rid}") for rid, v in rules.items()},
        )
    if not out:
        raise PolicyError(f"{source}: no policy defined")
    return out


def load_policies(path: Path | str | None = None) -> dict[str, Policy]:
    """Return the policies of a YAML file (the shipped one by default)."""
    if path is None:
        return _shipped()
    return _load(Path(path))


def _load(path: Path) -> dict[str, Policy]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML ({exc})") from None
    return parse_policies(data, source=str(path))


@cache
def _shipped() -> dict[str, Policy]:
    return _load(DEFAULT_PATH)


def get_policy(policy: str | Policy = DEFAULT_POLICY) -> Policy:
    """Return a shipped policy by name (a Policy is returned as is)."""
    if isinstance(policy, Policy):
        return policy
    policies = _shipped()
    try:
        return policies[policy]
    except KeyError:
        raise PolicyError(
            f"unknown classification policy {policy!r}; known: {', '.join(sorted(policies))}"
        ) from None


def classify(finding: Finding, policy: str | Policy = DEFAULT_POLICY) -> Finding:
    """Return the finding with its classification and ``policy`` (name@version) set.

    The finding is updated in place and returned. A rule the policy does not know keeps
    its class (the contract's default, substantive) and is still labelled.
    """
    pol = get_policy(policy)
    rule = pol.rules.get(finding.rule_id)
    if rule is not None:
        finding.classification = rule.decide(finding.mitigations)
    finding.policy = pol.label
    return finding


def replace_classified(finding: Finding, policy: str | Policy) -> Finding:
    """Return a classified copy of a finding, leaving the original alone."""
    return classify(dataclasses.replace(finding, mitigations=list(finding.mitigations)), policy)
