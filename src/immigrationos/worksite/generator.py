"""Synthetic Form I-9 sets with seeded errors of every rule, and their truth.

:func:`generate` builds an employer, its roster, one form per employee and the government
records (SSA Numident, USCIS) an inspection consults. Most forms are clean and lawful,
with the variety real files have: all four statuses, List A documents and their lawful
combinations (a U.S. passport, a Permanent Resident Card, an EAD, a foreign passport with
its I-94), List B with List C, replacement receipts still within their 90 days,
reverifications on Supplement B before the authorization expired, rehires, corrections
struck through, initialled and dated, remote examinations by an E-Verify employer with
the box checked, preparers on Supplement A, terminations. A share of the forms (the
``error_rate``) carries one seeded error each, from :data:`ERRORS`; each error lists the
exact rule ids it triggers (the truth). Employer-level errors (a pattern of documents
demanded of noncitizens, one SSN on two employees) and the roster's missing forms are
seeded too. ``RETENTION_DESTROY_BY`` is informational and never in the truth.

Every date is relative to the audit date; business days come from
:mod:`immigrationos.worksite.calendar` (federal holidays included). The same seed gives
the same set.

Truth pairs are ``(form_id, rule_id)``; an employer-level pattern has ``form_id ""``, a
missing form ``"roster:<employee_id>"``.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from immigrationos.worksite import io_csv, pdf_form
from immigrationos.worksite.generator_errors import ERRORS, Made, seed_pattern
from immigrationos.worksite.generator_world import (
    Builder,
    MemoryGovernment,
    Person,
    clean_form,
    plain,
)
from immigrationos.worksite.model import (
    AuditResult,
    Category,
    Employer,
    I9Form,
    RosterEntry,
)
from immigrationos.worksite.rules.catalogue import RULE_IDS, RULE_SPECS

DEFAULT_AUDIT_DATE = date(2026, 11, 27)
INFORMATIONAL = frozenset({"RETENTION_DESTROY_BY"})  # never in the truth


# ---------------------------------------------------------------- the set


@dataclass
class GeneratedSet:
    """A generated I-9 set: forms, roster, employer, government records and the truth."""

    seed: int
    audit_date: date
    forms: list[I9Form]
    roster: list[RosterEntry]
    employer: Employer
    government: MemoryGovernment
    truth: list[tuple[str, str]]
    error_kinds: dict[str, str] = field(default_factory=dict)  # form_id -> seeded error kind

    def roster_map(self) -> dict[str, RosterEntry]:
        """Return the roster by employee id (the audit context's shape)."""
        return {e.employee_id: e for e in self.roster}


# ---------------------------------------------------------------- generate


def generate(
    seed: int,
    n_forms: int,
    *,
    error_rate: float = 0.3,
    audit_date: date = DEFAULT_AUDIT_DATE,
    missing_forms: int | None = None,
    pattern: bool | None = None,
) -> GeneratedSet:
    """Return a set of ``n_forms`` forms, a share ``error_rate`` of them with one seeded error.

    Every error kind of :data:`ERRORS` is seeded once before any repeats (in an order the
    seed shuffles), so a set with ``error_rate * n_forms >= len(ERRORS)`` holds them all.
    ``missing_forms`` roster employees have no form (default: about 1 % of the forms, at
    least one when any error is seeded); ``pattern`` seeds the employer-level pattern of
    specific documents demanded of noncitizens (default: when ``n_forms >= 200`` and
    errors are seeded).
    """
    rng = random.Random(seed)
    employer = Employer(
        name=f"{rng.choice(('LONE STAR', 'BLUEBONNET', 'PECAN', 'MESQUITE'))} "
        f"{rng.choice(('FOODS', 'LOGISTICS', 'BUILDERS', 'HOSPITALITY'))} LLC",
        address=f"{rng.randint(100, 9999)} COMMERCE DR, AUSTIN, TX 78701",
        state="TX",
        employee_count=n_forms,
        everify=True,
        everify_since=audit_date - timedelta(days=4 * 365),
    )
    b = Builder(seed, audit_date, employer)
    n_errors = round(n_forms * error_rate) if error_rate > 0 else 0
    kinds = list(ERRORS)
    b.rng.shuffle(kinds)
    error_slots: set[int] = set(b.rng.sample(range(n_forms), min(n_errors, n_forms)))
    forms: list[I9Form] = []
    people: list[Person] = []
    truth: list[tuple[str, str]] = []
    error_kinds: dict[str, str] = {}
    k = 0
    i = 0
    while len(forms) < n_forms:
        n = len(forms) + 1
        if i in error_slots:
            kind = kinds[k % len(kinds)]
            k += 1
            if kind == "ssn_shared" and len(forms) + 2 > n_forms:
                kind = "numident_mismatch"
            made = ERRORS[kind](b, n)
            made.kind = kind
        else:
            form, p = clean_form(b, n, variety=True)
            made = Made([form], [p], [])
        i += 1
        for form in made.forms:
            if made.kind:
                error_kinds[form.form_id] = made.kind
        forms.extend(made.forms)
        people.extend(made.people)
        truth.extend(made.truth)
    roster = [
        RosterEntry(
            employee_id=p.employee_id,
            last_name=p.last,
            first_name=p.first,
            date_of_birth=p.dob,
            hire_date=p.hire,
            termination_date=p.termination,
        )
        for p in people
    ]
    if missing_forms is None:
        missing_forms = max(1, n_forms // 100) if n_errors else 0
    for _ in range(missing_forms):
        p = b.person(b.hire_date(20, 1000), foreign=b.rng.random() < 0.3)
        roster.append(RosterEntry(p.employee_id, p.last, p.first, p.dob, p.hire, None))
        truth.append((f"roster:{p.employee_id}", "MISSING_FORM"))
    if pattern is None:
        pattern = n_forms >= 200 and n_errors > 0
    if pattern:
        truth.extend(seed_pattern(b, forms, error_kinds))
    b.rng.shuffle(roster)
    return GeneratedSet(
        seed=seed,
        audit_date=audit_date,
        forms=forms,
        roster=roster,
        employer=employer,
        government=b.gov,
        truth=truth,
        error_kinds=error_kinds,
    )


# ---------------------------------------------------------------- files


def write_set(gset: GeneratedSet, out_dir: Path | str, *, pdf_every: int = 0) -> dict[str, int]:
    """Write a set: forms.csv, pdf/*.pdf, roster.csv, employer.json, truth.csv, government.json.

    Every ``pdf_every``-th form (when the 08/01/23 PDF can hold all of it, else the next
    one that it can) is written as a filled PDF under ``pdf/`` instead of into the CSV.
    Returns the number of forms written each way.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    as_pdf: list[I9Form] = []
    as_csv: list[I9Form] = []
    due = False
    for i, form in enumerate(gset.forms, start=1):
        if pdf_every and i % pdf_every == 0:
            due = True
        if due and not pdf_form.unrepresentable(form):
            as_pdf.append(form)
            due = False
        else:
            as_csv.append(form)
    io_csv.write_forms_csv(as_csv, out / "forms.csv")
    if as_pdf:
        (out / "pdf").mkdir(exist_ok=True)
        for form in as_pdf:
            (out / "pdf" / f"{form.form_id}.pdf").write_bytes(pdf_form.fill(form))
    io_csv.write_roster_csv(gset.roster, out / "roster.csv")
    (out / "employer.json").write_text(
        json.dumps(plain(gset.employer), indent=2) + "\n", encoding="utf-8"
    )
    (out / "government.json").write_text(
        json.dumps(gset.government.to_dict(), indent=1) + "\n", encoding="utf-8"
    )
    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("form_id", "rule_id", "error_kind"))
        for form_id, rule_id in gset.truth:
            w.writerow((form_id, rule_id, gset.error_kinds.get(form_id, "")))
    meta = {
        "seed": gset.seed,
        "audit_date": gset.audit_date.isoformat(),
        "form_count": len(gset.forms),
        "csv_forms": len(as_csv),
        "pdf_forms": len(as_pdf),
    }
    (out / "set.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return {"csv": len(as_csv), "pdf": len(as_pdf)}


def read_truth(path: Path | str) -> list[tuple[str, str]]:
    """Return the truth pairs of a truth.csv."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [(row["form_id"], row["rule_id"]) for row in csv.DictReader(fh)]


def load_government(path: Path | str) -> MemoryGovernment:
    """Return the government records of a set's government.json (for an inspection)."""
    return MemoryGovernment.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def load_set(out_dir: Path | str) -> GeneratedSet:
    """Return a set written by :func:`write_set` (forms read back from CSV and PDF)."""
    out = Path(out_dir)
    forms, errors = io_csv.read_directory(out)
    if errors:
        raise ValueError("; ".join(str(e) for e in errors))
    meta = json.loads((out / "set.json").read_text(encoding="utf-8"))
    gov = load_government(out / "government.json")
    return GeneratedSet(
        seed=int(meta["seed"]),
        audit_date=date.fromisoformat(meta["audit_date"]),
        forms=forms,
        roster=list(io_csv.read_roster_csv(out / "roster.csv").values()),
        employer=io_csv.read_employer(out / "employer.json"),
        government=gov,
        truth=read_truth(out / "truth.csv"),
    )


# ---------------------------------------------------------------- evaluation


@dataclass
class RuleCount:
    """One rule's figures: seeded, found, and found among the seeded."""

    truth: int = 0
    found: int = 0
    hit: int = 0


@dataclass
class Evaluation:
    """How an audit's findings compare with a set's truth.

    ``recall``: the share of truth pairs (of the rules that run in the audit's mode) found.
    ``precision``: the share of found pairs (paperwork, discrimination and suspect
    documents; retention dates are informational) that are in the truth.
    ``clean_flagged``: forms with no seeded error that drew a finding.
    """

    recall: float
    precision: float
    truth: int
    found: int
    per_rule: dict[str, RuleCount]
    missed: list[tuple[str, str]]
    unexpected: list[tuple[str, str]]
    clean_flagged: list[str]


_SCORED = (Category.PAPERWORK, Category.DISCRIMINATION, Category.SUSPECT_DOCUMENT)


def _pair(rule_id: str, form_id: str, employee_id: str) -> tuple[str, str]:
    if rule_id == "MISSING_FORM":
        return (f"roster:{employee_id}" if employee_id else form_id, rule_id)
    if RULE_SPECS[rule_id].scope == "employer" and not form_id:
        return ("", rule_id)
    return (form_id, rule_id)


def evaluate(result: AuditResult, truth: Sequence[tuple[str, str]]) -> Evaluation:
    """Return recall, precision and the missed and unexpected pairs of an audit."""
    mode = result.mode
    expected = {(f, r) for f, r in truth if r not in INFORMATIONAL and mode in RULE_SPECS[r].modes}
    found: set[tuple[str, str]] = set()
    for finding in result.findings():
        if finding.category not in _SCORED or finding.rule_id in INFORMATIONAL:
            continue
        found.add(_pair(finding.rule_id, finding.form_id, finding.employee_id))
    # An employer-level truth ("", rule) is met by that rule's findings on any form.
    employer_rules = {r for f, r in expected if f == ""}
    found_rules = {r for _, r in found}
    hits = {p for p in expected if p in found or (p[0] == "" and p[1] in found_rules)}
    missed = sorted(expected - hits)
    unexpected = sorted(
        p
        for p in found
        if p not in expected
        and not (p[1] in employer_rules and RULE_SPECS[p[1]].scope == "employer")
    )
    per_rule: dict[str, RuleCount] = {r: RuleCount() for r in RULE_IDS}
    for _f, r in expected:
        per_rule[r].truth += 1
    for _f, r in found:
        per_rule[r].found += 1
    for _f, r in hits:
        per_rule[r].hit += 1
    seeded_forms = {f for f, _ in truth}
    clean_flagged = sorted(
        {f for f, _ in found if f and f not in seeded_forms and not f.startswith("roster:")}
    )
    correct = len(found) - len(unexpected)
    return Evaluation(
        recall=len(hits) / len(expected) if expected else 1.0,
        precision=correct / len(found) if found else 1.0,
        truth=len(expected),
        found=len(found),
        per_rule=per_rule,
        missed=missed,
        unexpected=unexpected,
        clean_flagged=clean_flagged,
    )
