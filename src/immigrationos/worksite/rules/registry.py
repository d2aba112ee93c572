"""The registry of I-9 rules: each catalogue id with its citation, guidance and check.

A rule module registers its checks with :func:`form_rule` (a check of one form,
``(form, ctx) -> Iterable[Finding]``) or :func:`employer_rule` (a check across the forms
and the roster, ``(forms, ctx) -> Iterable[Finding]``)::

    @form_rule("S1_SIGNATURE_MISSING", citation="8 CFR 274a.2(b)(1)(i)(A)", guidance="...")
    def _unsigned(form, ctx):
        if not form.section1.signed:
            yield finding("S1_SIGNATURE_MISSING", form, "Section 1 is not signed",
                          ["section1.signed"])

:func:`finding` fills in what the registry knows (citation, category, guidance) and the
form's identity, so every finding cites its rule. :func:`load_rules` imports every rule
module (and the inspection cross-checks when present) and returns ``RULES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from immigrationos.worksite.model import AuditContext, Finding, I9Form
from immigrationos.worksite.rules.catalogue import RULE_SPECS, RuleSpec

FormCheck = Callable[[I9Form, AuditContext], Iterable[Finding]]
EmployerCheck = Callable[[Sequence[I9Form], AuditContext], Iterable[Finding]]
_F = TypeVar("_F", bound=Callable[..., Iterable[Finding]])


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalogue rule with its primary source, correction guidance and check.

    ``per_form`` says whether ``check`` takes one form (``(form, ctx)``) or all of them
    (``(forms, ctx)``).
    """

    spec: RuleSpec
    citation: str
    guidance: str
    check: FormCheck | EmployerCheck
    per_form: bool = True

    @property
    def rule_id(self) -> str:
        """Return the rule's catalogue id."""
        return self.spec.rule_id


RULES: dict[str, Rule] = {}

# The modules that register the rules; the inspection cross-checks are optional (another
# module, written apart), imported when present.
RULE_MODULES: tuple[str, ...] = (
    "immigrationos.worksite.rules.timeliness",
    "immigrationos.worksite.rules.section1",
    "immigrationos.worksite.rules.section2",
    "immigrationos.worksite.rules.receipts",
    "immigrationos.worksite.rules.reverification",
    "immigrationos.worksite.rules.form",
    "immigrationos.worksite.rules.identifiers",
    "immigrationos.worksite.rules.corrections",
    "immigrationos.worksite.rules.roster",
    "immigrationos.worksite.rules.abuse",
)
OPTIONAL_MODULES: tuple[str, ...] = ("immigrationos.worksite.crosscheck",)


def _register(rule_id: str, citation: str, guidance: str, check: Callable, per_form: bool) -> None:
    spec = RULE_SPECS.get(rule_id)
    if spec is None:
        raise KeyError(f"rule {rule_id!r} is not in the catalogue (rules/catalogue.py)")
    existing = RULES.get(rule_id)
    # A module imported again (a reload) registers the same function anew: allowed.
    if (
        existing is not None
        and existing.check is not check
        and getattr(existing.check, "__qualname__", None) != getattr(check, "__qualname__", None)
    ):
        raise ValueError(f"rule {rule_id!r} is registered twice")
    if not citation.strip():
        raise ValueError(f"rule {rule_id!r} has no citation")
    RULES[rule_id] = Rule(spec, citation, guidance, check, per_form)


def form_rule(rule_id: str, *, citation: str, guidance: str) -> Callable[[_F], _F]:
    """Register a check of one form, ``(form, ctx) -> Iterable[Finding]``, under a rule id."""

    def decorate(check: _F) -> _F:
        _register(rule_id, citation, guidance, check, per_form=True)
        return check

    return decorate


def employer_rule(rule_id: str, *, citation: str, guidance: str) -> Callable[[_F], _F]:
    """Register a check across forms, ``(forms, ctx) -> Iterable[Finding]``, under a rule id."""

    def decorate(check: _F) -> _F:
        _register(rule_id, citation, guidance, check, per_form=False)
        return check

    return decorate


def finding(
    rule_id: str,
    form: I9Form | None,
    message: str,
    fields: Sequence[str] = (),
    *,
    mitigations: Sequence[str] = (),
    employee_id: str = "",
) -> Finding:
    """Return a finding of a registered rule, citing it, on a form (None: the employer)."""
    rule = RULES[rule_id]
    return Finding(
        rule_id=rule_id,
        form_id=form.form_id if form is not None else "",
        message=message,
        fields=list(fields),
        citation=rule.citation,
        category=rule.spec.category,
        mitigations=list(mitigations),
        guidance=rule.guidance,
        source=form.source if form is not None else "",
        employee_id=(form.employee_id if form is not None else "") or employee_id,
    )


def load_rules(*, optional: bool = True) -> dict[str, Rule]:
    """Import every rule module (and the cross-checks when present); return ``RULES``."""
    for name in RULE_MODULES:
        importlib.import_module(name)
    if optional:
        for name in OPTIONAL_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
    return RULES


def unreadable(form: I9Form, field: str) -> str | None:
    """Return what was written in a field the reader could not understand, or None."""
    for issue in form.parse_issues:
        if issue.field == field:
            return issue.value
    return None
