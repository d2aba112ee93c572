"""The policy file: the bundled one is valid; a bad one is refused, naming file and field."""

from __future__ import annotations

import copy
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from immigrationos.config import get_settings
from immigrationos.policy.engine import get_policy, load_policy
from immigrationos.policy.errors import PolicyFileError
from immigrationos.policy.policyfile import parse_policy
from immigrationos.sources.contract import SOURCES

BUNDLED = resources.files("immigrationos.policy") / "data" / "data-use-policy.toml"


@pytest.fixture(scope="module")
def text() -> str:
    return BUNDLED.read_text(encoding="utf-8")


@pytest.fixture()
def data(text: str) -> dict[str, Any]:
    return copy.deepcopy(tomllib.loads(text))


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(data, path="custom-policy.toml")
    message = str(caught.value)
    assert "custom-policy.toml" in message
    return message


def rules(data: dict[str, Any], source: str) -> list[dict[str, Any]]:
    return data["sources"][source]["rules"]


def index_of(data: dict[str, Any], source: str, kind: str) -> int:
    return next(i for i, r in enumerate(rules(data, source)) if r["kind"] == kind)


def test_the_bundled_policy_covers_every_source_with_law_and_words() -> None:
    policy = load_policy()
    assert set(policy.sources) == set(SOURCES)
    for source in SOURCES:
        entry = policy.source_policy(source)
        assert entry is not None and entry.explanation
        assert all(r.citation and r.explanation for r in entry.rules)
    uscis = policy.source_policy("uscis_benefits")
    assert uscis is not None
    forms = next(r for r in uscis.rules if r.kind == "confidential_forms").forms
    assert {"I-360", "I-914", "I-918", "I-589"} <= set(forms)
    assert "1367" in forms["I-918"].citation and "208.6" in forms["I-589"].citation


def test_a_policy_that_omits_a_source_is_refused_naming_file_and_source(
    text: str, tmp_path: Path
) -> None:
    without = re.sub(r"\n\[sources\.census_tracts\].*", "\n", text, flags=re.S)
    path = tmp_path / "short-policy.toml"
    path.write_text(without, encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert str(path) in message and "census_tracts" in message and "sources" in message


def test_an_unknown_rule_kind_names_the_field(data: dict[str, Any]) -> None:
    rules(data, "irs_w2")[1]["kind"] = "ask_nicely"
    message = refused(data)
    assert "sources.irs_w2.rules[1].kind" in message


def test_a_bad_citation_names_the_field(data: dict[str, Any]) -> None:
    rules(data, "tips")[0]["citation"] = "   "
    assert "sources.tips.rules[0].citation" in refused(data)
    del rules(data, "tips")[0]["citation"]
    assert "sources.tips.rules[0].citation: Field required" in refused(data)


def test_a_misspelt_field_is_refused(data: dict[str, Any]) -> None:
    rules(data, "tips")[0]["citaton"] = "5 U.S.C. § 552a"
    assert "sources.tips.rules[0].citaton" in refused(data)


def test_a_rule_without_its_settings_is_refused(data: dict[str, Any]) -> None:
    i = index_of(data, "irs_w2", "authorization_required")
    del rules(data, "irs_w2")[i]["accepted"]
    message = refused(data)
    assert f"sources.irs_w2.rules[{i}]" in message and "needs 'accepted'" in message


def test_an_administrative_warrant_cannot_be_accepted(data: dict[str, Any]) -> None:
    i = index_of(data, "dmv_licenses", "state_warrant_required")
    rules(data, "dmv_licenses")[i]["accepted"].append("ADMINISTRATIVE_WARRANT")
    assert "ADMINISTRATIVE_WARRANT" in refused(data)


def test_states_forms_columns_and_sources_are_checked_against_the_contract(
    data: dict[str, Any],
) -> None:
    i = index_of(data, "dmv_licenses", "state_warrant_required")
    rules(data, "dmv_licenses")[i]["states"]["ZZ"] = "state law; verify the current statute"
    j = index_of(data, "uscis_benefits", "confidential_forms")
    rules(data, "uscis_benefits")[j]["forms"]["I-999"] = {"citation": "x", "explanation": "y"}
    data["sources"]["irs_1099"] = copy.deepcopy(data["sources"]["tips"])
    message = refused(data)
    assert f"sources.dmv_licenses.rules[{i}].states: 'ZZ'" in message
    assert f"sources.uscis_benefits.rules[{j}].forms: 'I-999'" in message
    assert "irs_1099 not in the data contract" in message


def test_a_person_source_without_purpose_rule_is_refused(data: dict[str, Any]) -> None:
    data["sources"]["cbp_i94"]["rules"] = [
        {"kind": "no_disclosure", "citation": "x", "explanation": "y"}
    ]
    assert "sources.cbp_i94.rules: a person source needs a purpose_required rule" in refused(data)


def test_unreadable_or_malformed_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot be read"):
        load_policy(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[policy\nname = ", encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"(?s)broken\.toml.*not valid TOML"):
        load_policy(broken)


def test_the_configured_policy_file_is_the_one_in_force(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "agency-policy.toml"
    path.write_text(text.replace('name = "default"', 'name = "agency"'), encoding="utf-8")
    monkeypatch.setenv("IMOS_DATA_USE_POLICY", str(path))
    get_settings.cache_clear()
    get_policy.cache_clear()
    try:
        policy = get_policy()
        assert policy.origin == str(path) and policy.document.policy.name == "agency"
    finally:
        monkeypatch.delenv("IMOS_DATA_USE_POLICY")
        get_settings.cache_clear()
        get_policy.cache_clear()
    assert get_policy().document.policy.name == "default"
