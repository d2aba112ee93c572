"""Classification policies: both shipped, every rule mapped, conditions, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from immigrationos.worksite.classification import (
    DEFAULT_PATH,
    PolicyError,
    classify,
    get_policy,
    load_policies,
    parse_policies,
)
from immigrationos.worksite.model import Classification, Finding
from immigrationos.worksite.rules.catalogue import RULE_IDS

T, S, N = Classification.TECHNICAL, Classification.SUBSTANTIVE, Classification.NOT_A_VIOLATION


def _f(rule_id: str, *mitigations: str) -> Finding:
    return Finding(rule_id=rule_id, form_id="F1", message="", mitigations=list(mitigations))


def test_both_policies_ship_and_map_every_rule() -> None:
    policies = load_policies()
    assert set(policies) == {"longstanding", "ice-2026-03"}
    for policy in policies.values():
        assert set(policy.rules) == set(RULE_IDS)
        assert policy.sources
    assert policies["ice-2026-03"].secondary_sources
    assert not policies["longstanding"].secondary_sources


def test_classify_sets_class_and_policy_label() -> None:
    f = classify(_f("S1_DOB_MISSING"), "longstanding")
    assert f.classification is T
    assert f.policy == f"longstanding@{get_policy('longstanding').version}"
    f = classify(_f("S1_DOB_MISSING"), "ice-2026-03")
    assert f.classification is S
    assert f.policy.startswith("ice-2026-03@")


@pytest.mark.parametrize(
    ("rule_id", "mitigations", "longstanding", "ice"),
    [
        # A-number missing but shown in Section 2 or on a retained copy (Virtue memo).
        ("S1_STATUS_NUMBER_MISSING", (), S, S),
        ("S1_STATUS_NUMBER_MISSING", ("shown_in_section2",), T, S),
        ("S1_STATUS_NUMBER_MISSING", ("copy_retained",), T, S),
        # Document details missing: technical with a legible copy, not in 2026.
        ("S2_DOCUMENT_DETAILS_MISSING", (), S, S),
        ("S2_DOCUMENT_DETAILS_MISSING", ("copy_retained",), T, S),
        ("S2_RECEIPT_NOT_FOLLOWED_UP", ("followed_up_late",), T, S),
        ("S2_RECEIPT_NOT_FOLLOWED_UP", (), S, S),
        ("S1_DATE_MISSING", (), T, S),
        ("S2_DATE_MISSING", (), T, S),
        ("S2_HIRE_DATE_MISSING", (), T, S),
        ("S2_REPRESENTATIVE_MISSING", (), T, S),
        ("SUPA_INCOMPLETE", (), T, S),
        ("SPANISH_FORM", (), T, S),
        ("S1_ADDRESS_MISSING", (), T, T),
        ("S2_BUSINESS_MISSING", (), T, T),
        ("S2_LATE", (), S, S),
        ("REMOTE_EXAMINATION_INVALID", (), S, S),
        ("MISSING_FORM", (), S, S),
        ("RETENTION_DESTROY_BY", (), N, N),
        ("OVERDOCUMENTATION", (), N, N),
        ("SSN_SHARED", (), N, N),
    ],
)
def test_policy_tables(
    rule_id: str, mitigations: tuple[str, ...], longstanding: Classification, ice: Classification
) -> None:
    assert classify(_f(rule_id, *mitigations), "longstanding").classification is longstanding
    assert classify(_f(rule_id, *mitigations), "ice-2026-03").classification is ice


def test_unknown_policy_is_a_clear_error() -> None:
    with pytest.raises(PolicyError, match="unknown classification policy 'lenient'"):
        get_policy("lenient")


def _shipped() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_bad_class_names_the_key(tmp_path: Path) -> None:
    data = _shipped()
    data["policies"]["longstanding"]["rules"]["S1_LATE"] = "MINOR"
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_policies(path)
    assert str(path) in str(err.value)
    assert "policies.longstanding.rules.S1_LATE" in str(err.value)
    assert "'MINOR'" in str(err.value)


def test_missing_and_unknown_rules_are_errors() -> None:
    data = _shipped()
    del data["policies"]["longstanding"]["rules"]["S1_LATE"]
    with pytest.raises(PolicyError, match="no class for S1_LATE"):
        parse_policies(data, source="x.yaml")
    data = _shipped()
    data["policies"]["longstanding"]["rules"]["NOT_A_RULE"] = "TECHNICAL"
    with pytest.raises(PolicyError, match=r"unknown rule id\(s\) NOT_A_RULE"):
        parse_policies(data, source="x.yaml")


def test_bad_condition_and_bad_yaml(tmp_path: Path) -> None:
    data = _shipped()
    data["policies"]["longstanding"]["rules"]["S1_LATE"] = {
        "default": "TECHNICAL",
        "when": [{"if": "x"}],
    }
    with pytest.raises(PolicyError, match=r"S1_LATE\.when\[0\]"):
        parse_policies(data, source="x.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("policies: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policies(bad)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policies(tmp_path / "absent.yaml")
    with pytest.raises(PolicyError, match="missing 'version'"):
        parse_policies({"policies": {"p": {"rules": {}}}}, source="x.yaml")
