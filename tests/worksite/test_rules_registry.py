"""The rule registry against the catalogue: every rule registered once, cited, guided."""

from __future__ import annotations

import re

import pytest

from immigrationos.worksite.model import Mode
from immigrationos.worksite.rules import registry
from immigrationos.worksite.rules.catalogue import RULE_IDS, RULE_SPECS

CROSS_CHECKS = {"NUMIDENT_MISMATCH", "SSN_DECEASED", "SSN_SHARED", "USCIS_DOCUMENT_MISMATCH"}
PRIMARY = re.compile(r"M-274|CFR|U\.S\.C\.|INA|instructions", re.I)


def test_registry_equals_catalogue() -> None:
    rules = registry.load_rules()
    try:
        import immigrationos.worksite.crosscheck  # noqa: F401
    except ModuleNotFoundError:  # the cross-checks are written apart
        assert set(rules) == set(RULE_IDS) - CROSS_CHECKS
    else:
        assert set(rules) == set(RULE_IDS)


def test_every_rule_cites_a_primary_source_and_guides() -> None:
    for rule_id, rule in registry.load_rules().items():
        assert PRIMARY.search(rule.citation), rule_id
        assert len(rule.guidance) > 40, rule_id
        assert rule.spec is RULE_SPECS[rule_id]


def test_scope_matches_the_check_kind() -> None:
    for rule_id, rule in registry.load_rules().items():
        assert rule.per_form == (rule.spec.scope == "form"), rule_id


def test_unknown_rule_ids_are_refused() -> None:
    with pytest.raises(KeyError, match="NOT_A_RULE"):

        @registry.form_rule("NOT_A_RULE", citation="M-274", guidance="x")
        def _check(form, ctx):  # type: ignore[no-untyped-def]
            return []


def test_a_second_check_under_one_id_is_refused() -> None:
    registry.load_rules()
    with pytest.raises(ValueError, match="registered twice"):

        @registry.form_rule("S1_LATE", citation="M-274", guidance="x")
        def _another(form, ctx):  # type: ignore[no-untyped-def]
            return []


def test_inspection_rules_are_inspection_only() -> None:
    for rule_id in CROSS_CHECKS:
        assert RULE_SPECS[rule_id].modes == (Mode.INSPECTION,)
