"""Audit Form I-9 records: run the rules of the mode, classify, date each form's retention.

``audit_forms`` is the one entry point: the rules registered in ``rules.registry`` (the
inspection cross-checks only in an inspection), each finding classified under the chosen
policy (``classification``), and each form's destroy-by date (M-274 section 10).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from immigrationos.worksite.bulk import gc_paused
from immigrationos.worksite.classification import Policy, classify, get_policy
from immigrationos.worksite.model import (
    AuditContext,
    AuditResult,
    Finding,
    FormResult,
    I9Form,
    Mode,
)
from immigrationos.worksite.rules.catalogue import RULE_IDS
from immigrationos.worksite.rules.common import pin
from immigrationos.worksite.rules.registry import EmployerCheck, FormCheck, load_rules
from immigrationos.worksite.rules.roster import form_destroy_by, needs_form

Progress = Callable[[int, int], None]
_PROGRESS_EVERY = 500


@cache
def _checks(mode: Mode) -> tuple[tuple[FormCheck, ...], tuple[EmployerCheck, ...]]:
    """Return the per-form and employer checks that run in a mode, in catalogue order."""
    rules = load_rules()
    per_form: list[FormCheck] = []
    employer: list[EmployerCheck] = []
    for rule_id in RULE_IDS:
        rule = rules.get(rule_id)
        if rule is None or mode not in rule.spec.modes:
            continue
        if rule.per_form:
            per_form.append(rule.check)  # type: ignore[arg-type]
        else:
            employer.append(rule.check)  # type: ignore[arg-type]
    return tuple(per_form), tuple(employer)


def forms_required(forms: Sequence[I9Form], ctx: AuditContext) -> int:
    """Return how many forms should exist: roster employees within retention, else the forms."""
    if ctx.roster:
        return sum(1 for entry in ctx.roster.values() if needs_form(entry, ctx))
    return len(forms)


def audit_form(
    form: I9Form, ctx: AuditContext, *, policy: str | Policy = "longstanding"
) -> FormResult:
    """Return one form's classified findings and destroy-by date."""
    pol = get_policy(policy)
    checks, _ = _checks(ctx.mode)
    return _audit_one(form, ctx, checks, pol)


def _audit_one(
    form: I9Form, ctx: AuditContext, checks: tuple[FormCheck, ...], pol: Policy
) -> FormResult:
    findings: list[Finding] = []
    pin(form)
    try:
        for check in checks:
            findings.extend(check(form, ctx))
    finally:
        pin(None)
    for f in findings:
        classify(f, pol)
    return FormResult(
        form_id=form.form_id,
        source=form.source,
        employee_id=form.employee_id,
        findings=findings,
        destroy_by=form_destroy_by(form, ctx),
    )


def audit_forms(
    forms: Sequence[I9Form],
    ctx: AuditContext,
    *,
    policy: str | Policy = "longstanding",
    on_progress: Progress | None = None,
) -> AuditResult:
    """Audit forms in ``ctx.mode`` under a classification policy; return every finding.

    ``on_progress(done, total)`` is called every few hundred forms and at the end.
    """
    pol = get_policy(policy)
    checks, employer_checks = _checks(ctx.mode)
    total = len(forms)
    results: list[FormResult] = []
    employer_findings: list[Finding] = []
    # The audit builds many small objects and no cycles: the cyclic collector walking
    # every finding so far costs 30-50 % of the time for nothing to collect.
    with gc_paused():
        for i, form in enumerate(forms, 1):
            results.append(_audit_one(form, ctx, checks, pol))
            if on_progress is not None and i % _PROGRESS_EVERY == 0:
                on_progress(i, total)
        for check in employer_checks:
            employer_findings.extend(classify(f, pol) for f in check(forms, ctx))
    if on_progress is not None:
        on_progress(total, total)
    return AuditResult(
        mode=ctx.mode,
        policy=pol.label,
        audit_date=ctx.audit_date,
        employer=ctx.employer,
        forms=results,
        employer_findings=employer_findings,
        forms_required=forms_required(forms, ctx),
    )
