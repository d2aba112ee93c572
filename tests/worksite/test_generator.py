"""The I-9 set generator: determinism, every rule seeded, truth, files, and the audit on it."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from immigrationos.worksite import audit, generator, generator_world, io_csv, pdf_form
from immigrationos.worksite.model import AuditContext, Category, Finding, Mode
from immigrationos.worksite.rules.catalogue import RULE_IDS, RULE_SPECS

UNTUNED_SEED = 20261127  # never used while writing the generator


@pytest.fixture(scope="module")
def big() -> generator.GeneratedSet:
    return generator.generate(UNTUNED_SEED, 2000)


def _ctx(gset: generator.GeneratedSet, mode: Mode) -> AuditContext:
    return AuditContext(
        audit_date=gset.audit_date,
        employer=gset.employer,
        roster=gset.roster_map(),
        mode=mode,
        records=gset.government if mode is Mode.INSPECTION else None,
    )


def test_same_seed_same_set() -> None:
    a = generator.generate(5, 150)
    b = generator.generate(5, 150)
    assert a.forms == b.forms
    assert a.roster == b.roster and a.truth == b.truth and a.employer == b.employer
    assert a.government.to_dict() == b.government.to_dict()
    c = generator.generate(6, 150)
    assert c.forms != a.forms


def test_every_rule_is_seeded(big: generator.GeneratedSet) -> None:
    seeded = Counter(rule for _, rule in big.truth)
    assert set(RULE_IDS) - set(seeded) == {"RETENTION_DESTROY_BY"}  # informational
    assert min(seeded.values()) >= 1
    assert len(big.forms) == 2000
    assert len({f.form_id for f in big.forms}) == 2000
    # Truth names real forms, roster employees without one, or the employer ("").
    ids = {f.form_id for f in big.forms}
    with_form = {f.employee_id for f in big.forms}
    for form_id, rule in big.truth:
        if rule == "MISSING_FORM":
            assert form_id.startswith("roster:") and form_id[7:] not in with_form
        elif form_id == "":
            assert RULE_SPECS[rule].scope == "employer"
        else:
            assert form_id in ids


def test_clean_set_has_the_variety_of_real_files(big: generator.GeneratedSet) -> None:
    clean = [f for f in big.forms if f.form_id not in big.error_kinds]
    statuses = Counter(f.section1.status for f in clean)
    assert all(statuses[s] > 0 for s in statuses) and len(statuses) == 4
    titles = Counter(d.title for f in clean for d in f.section2.list_a)
    assert (
        titles[generator_world.US_PASSPORT]
        and titles[generator_world.I551]
        and titles[generator_world.I766]
    )
    assert titles[generator_world.FOREIGN_PASSPORT] and titles[generator_world.I94]
    assert sum(1 for f in clean if f.section2.list_b and f.section2.list_c) > 100
    assert any(b.rehire_date for f in clean for b in f.supplement_b)
    assert any(b.document for f in clean for b in f.supplement_b)
    assert any(f.preparers for f in clean) and any(f.corrections for f in clean)
    assert any(f.section2.alternative_procedure for f in clean)
    assert any(d.is_receipt for f in clean for d in f.section2.documents())
    roster = big.roster_map()
    assert any(roster[f.employee_id].termination_date for f in clean)


def test_written_set_reads_back_through_csv_and_pdf(tmp_path: Path) -> None:
    gset = generator.generate(8, 240)
    counts = generator.write_set(gset, tmp_path, pdf_every=24)
    assert counts["pdf"] >= 8 and counts["csv"] + counts["pdf"] == 240
    assert len(list((tmp_path / "pdf").glob("*.pdf"))) == counts["pdf"]
    back = generator.load_set(tmp_path)
    originals = {f.form_id: f for f in gset.forms}
    assert sorted(originals) == sorted(f.form_id for f in back.forms)
    for form in back.forms:
        assert form.source.startswith(("forms.csv:", "pdf/"))
        form.source = ""
        assert form == originals[form.form_id]
    # A PDF form is not also in the CSV; the truth file is the set's truth.
    pdf_ids = {p.stem for p in (tmp_path / "pdf").glob("*.pdf")}
    csv_ids = {f.form_id for f in io_csv.read_forms_csv(tmp_path / "forms.csv")}
    assert not pdf_ids & csv_ids
    assert all(not pdf_form.unrepresentable(originals[i]) for i in pdf_ids)
    with open(tmp_path / "truth.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["form_id"], r["rule_id"]) for r in rows] == gset.truth
    assert back.truth == gset.truth
    assert back.roster_map() == gset.roster_map() and back.employer == gset.employer
    assert back.government.to_dict() == gset.government.to_dict()


@pytest.mark.parametrize("mode", [Mode.INSPECTION, Mode.SELF])
def test_audit_finds_every_seeded_error_on_an_untuned_seed(
    big: generator.GeneratedSet, mode: Mode
) -> None:
    result = audit.audit_forms(big.forms, _ctx(big, mode))
    ev = generator.evaluate(result, big.truth)
    assert ev.missed == []  # every seeded violation found
    assert ev.precision >= 0.99, ev.unexpected[:20]
    assert ev.clean_flagged == []  # a clean, lawful form draws no finding
    assert all(f.citation for f in result.findings())
    inspection_only = {r for r in RULE_IDS if Mode.SELF not in RULE_SPECS[r].modes}
    if mode is Mode.SELF:
        assert not {f.rule_id for f in result.findings()} & inspection_only
    else:
        assert all(ev.per_rule[r].hit for r in inspection_only)


def test_clean_set_draws_no_finding() -> None:
    gset = generator.generate(31, 400, error_rate=0.0)
    assert gset.truth == []
    result = audit.audit_forms(gset.forms, _ctx(gset, Mode.INSPECTION))
    flagged = [
        (f.form_id, f.rule_id) for f in result.findings() if f.category is not Category.RETENTION
    ]
    assert flagged == []


def test_audit_of_the_files_matches_the_truth(tmp_path: Path) -> None:
    gset = generator.generate(UNTUNED_SEED + 1, 300)
    generator.write_set(gset, tmp_path, pdf_every=30)
    back = generator.load_set(tmp_path)
    result = audit.audit_forms(back.forms, _ctx(back, Mode.INSPECTION))
    ev = generator.evaluate(result, back.truth)
    assert ev.missed == [] and ev.unexpected == []


def test_evaluate_counts_missed_and_unexpected() -> None:
    gset = generator.generate(3, 120)
    result = audit.audit_forms(gset.forms, _ctx(gset, Mode.INSPECTION))
    victim = next(f for f in result.forms if f.findings and f.form_id in gset.error_kinds)
    dropped = victim.findings[0]
    victim.findings = [f for f in victim.findings if f.rule_id != dropped.rule_id]
    extra = Finding(rule_id="S1_LATE", form_id="F999999", message="x")
    result.forms[0].findings.append(extra)
    ev = generator.evaluate(result, gset.truth)
    assert (dropped.form_id, dropped.rule_id) in ev.missed
    assert ("F999999", "S1_LATE") in ev.unexpected
    assert ev.recall < 1.0 and ev.precision < 1.0
