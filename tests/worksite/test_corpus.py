"""The hand-written corpus: every expected finding, none unexpected.

Each ``corpus/*.json`` holds a case or a list of cases: ``about`` (the M-274 section or
example it is built from), ``citation``, ``employer``, ``roster``, ``audit_date``,
``mode``, ``forms`` (the JSON shape of ``io_json``), for an inspection ``government``
(SSA's and USCIS's records, the shape of ``MemoryGovernment.to_dict``) and ``expected`` (``form_id`` and
``rule_id`` pairs; ``form_id`` "" for a finding about the employer or the roster).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from immigrationos.worksite import io_json
from immigrationos.worksite.audit import audit_forms
from immigrationos.worksite.generator_world import MemoryGovernment
from immigrationos.worksite.model import AuditContext, Employer, Mode, RosterEntry
from immigrationos.worksite.rules.catalogue import RULE_SPECS
from immigrationos.worksite.rules.registry import load_rules

CORPUS = Path(__file__).parent / "corpus"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CORPUS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data if isinstance(data, list) else [data]):
            out.append(pytest.param(case, id=f"{path.stem}[{i}]"))
    return out


CASES = _cases()


def run_case(case: dict[str, Any]) -> set[tuple[str, str]]:
    """Return the (form_id, rule_id) pairs an audit of a corpus case finds."""
    forms = [io_json.form_from_dict(f, path=f"forms[{i}]") for i, f in enumerate(case["forms"])]
    roster = [
        io_json.dataclass_from_dict(RosterEntry, r, path=f"roster[{i}]")
        for i, r in enumerate(case.get("roster", []))
    ]
    employer = io_json.dataclass_from_dict(Employer, case.get("employer", {}), path="employer")
    mode = Mode(case.get("mode", "self"))
    # An inspection case brings the government records it is checked against.
    records = MemoryGovernment.from_dict(case["government"]) if "government" in case else None
    ctx = AuditContext(
        audit_date=date.fromisoformat(case["audit_date"]),
        employer=employer,
        roster={r.employee_id: r for r in roster},
        mode=mode,
        records=records,
    )
    result = audit_forms(forms, ctx)
    rules = load_rules()
    for finding in result.findings():
        assert finding.citation == rules[finding.rule_id].citation
        assert finding.guidance
        assert finding.policy.startswith("longstanding@")
    return {(f.form_id, f.rule_id) for f in result.findings()}


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case: dict[str, Any]) -> None:
    expected = {(e["form_id"], e["rule_id"]) for e in case["expected"]}
    got = run_case(case)
    assert got == expected, case["about"]


def test_corpus_covers_every_rule() -> None:
    covered = {e["rule_id"] for p in CASES for e in p.values[0]["expected"]}
    assert set(RULE_SPECS) - covered == set()


def test_corpus_cases_name_their_source() -> None:
    for p in CASES:
        case = p.values[0]
        assert case["about"] and case["citation"]


def test_corpus_has_lawful_look_alikes() -> None:
    lawful = [p for p in CASES if not p.values[0]["expected"]]
    assert len(lawful) >= 25
