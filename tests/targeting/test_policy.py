"""The priority policy loader: the shipped default, validation, and refused factors."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import pytest
import yaml

from immigrationos.targeting.policy import PolicyError, load_policy, parse_policy

BASE = "policy: test\nversion: '1'\nfactors:\n"


def one_factor(body: str) -> str:
    return BASE + "  - " + body.strip().replace("\n", "\n    ") + "\n"


def test_default_policy_loads_with_version_and_hash() -> None:
    policy = load_policy()
    raw = (
        resources.files("immigrationos.targeting") / "data" / "priority-policy.yaml"
    ).read_bytes()
    assert policy.sha256 == hashlib.sha256(raw).hexdigest()
    assert policy.version
    names = {f.name for f in policy.factors}
    assert {
        "fugitive_final_order",
        "reentry_after_removal",
        "recent_unlawful_entry",
        "overstay",
        "unauthorized_employment",
        "identity_fraud",
        "conviction_violent_or_sexual",
        "advanced_age",
        "tender_age",
        "long_residence",
    } <= names
    inactive = {f.name for f in policy.factors if not f.active}
    assert inactive == {"pregnancy", "serious_illness", "caregiver_of_us_citizen_child"}
    assert all(f.inactive_reason for f in policy.factors if not f.active)
    assert all(f.points <= 0 for f in policy.factors if f.kind.startswith(("age", "residence")))


def test_editing_a_factor_changes_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(one_factor("{name: overstay, kind: finding, violation: OVERSTAY, points: 10}"))
    first = load_policy(path)
    path.write_text(one_factor("{name: overstay, kind: finding, violation: OVERSTAY, points: 12}"))
    second = load_policy(path)
    assert first.sha256 != second.sha256 and second.factors[0].points == 12
    assert second.path == str(path)


@pytest.mark.parametrize(
    ("factor", "trait"),
    [
        (
            "{name: from_mexico, kind: record_field, source: cbp_i94, field: citizenship_country,"
            " values: [MEX], points: 10}",
            "citizenship country",
        ),
        (
            "{name: eoir_nation, kind: record_field, source: eoir_cases, field: nationality,"
            " values: [HND], points: 10}",
            "nationality",
        ),
        (
            "{name: born_abroad, kind: record_field, source: uscis_benefits,"
            " field: country_of_birth, values: [GTM], points: 10}",
            "country of birth",
        ),
        (
            "{name: itin_country, kind: record_field, source: irs_itin,"
            " field: country_of_citizenship, values: [IND], points: 10}",
            "citizenship country",
        ),
        (
            "{name: ethnicity_flag, kind: record_field, source: x, field: ethnicity,"
            " values: [H], points: 5}",
            "ethnicity",
        ),
        (
            "{name: surname_match, kind: record_field, source: cbp_i94, field: family_name,"
            " values: [GARCIA], points: 5}",
            "ethnicity (name)",
        ),
        (
            "{name: spanish_speaker, kind: record_field, source: tips, field: language,"
            " values: [SPA], points: 5}",
            "language",
        ),
        (
            "{name: hot_zip, kind: record_field, source: dmv_licenses, field: zip,"
            " values: ['78501'], points: 5}",
            "neighbourhood (ZIP code)",
        ),
        (
            "{name: immigrant_tract, kind: record_field, source: census_tracts,"
            " field: foreign_born, values: ['900'], points: 5}",
            "neighbourhood demographics",
        ),
        (
            "{name: tract_share, kind: record_field, source: dmv_licenses, field: tract_geoid,"
            " values: ['48'], points: 5}",
            "neighbourhood demographics (census tract)",
        ),
        (
            "{name: male, kind: record_field, source: cbp_i94, field: sex, values: [M], points: 5}",
            "sex",
        ),
        (
            "{name: young_adult, kind: age_under, years: 30, points: 10}",
            "age used to raise a score",
        ),
        (
            "{name: born_after, kind: record_field, source: cbp_i94, field: birth_date,"
            " values: ['2000-01-01'], points: 5}",
            "age used to raise a score",
        ),
    ],
)
def test_protected_traits_are_refused_naming_factor_and_rule(factor: str, trait: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(one_factor(factor), path="agency.yaml")
    message = str(err.value)
    name = yaml.safe_load(factor)["name"]
    assert message.startswith("agency.yaml: ")
    assert f"factor '{name}'" in message and trait in message
    assert "Art. 5(1)(d)" in message and "2024/1689" in message


def test_age_may_mitigate_and_sex_offences_may_score() -> None:
    policy = parse_policy(
        BASE
        + """
  - {name: advanced_age, kind: age_at_least, years: 70, points: -20}
  - {name: sex_offense_conviction, kind: conviction, categories: [SEX_OFFENSE], points: 40}
"""
    )
    assert [f.name for f in policy.factors] == ["advanced_age", "sex_offense_conviction"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            one_factor("{name: x, kind: finding, violation: SPEEDING, points: 5}"),
            "factor 'x' (factors.0): Value error, violation must be one of",
        ),
        (
            one_factor("{name: x, kind: conviction, categories: [JAYWALK], points: 5}"),
            "categories must be offense categories",
        ),
        (
            one_factor("{name: x, kind: finding, violation: OVERSTAY, points: 500}"),
            "factor 'x' (factors.0.points)",
        ),
        (
            one_factor("{name: x, kind: finding, violation: OVERSTAY, points: 5, weight: 2}"),
            "factors.0.weight",
        ),
        (
            one_factor("{name: x, kind: residence_years_at_least, years: 10, points: 5}"),
            "mitigating only",
        ),
        (
            one_factor("{name: x, kind: recorded_condition, condition: pregnancy, points: -5}"),
            "declare it active: false",
        ),
        (
            BASE + "  - {name: x, kind: finding, violation: OVERSTAY, points: 1}\n"
            "  - {name: x, kind: finding, violation: OVERSTAY, points: 2}\n",
            "factor names repeat",
        ),
        ("policy: [", "not valid YAML"),
        ("policy: p\nversion: '1'\n", "a list of factors"),
    ],
)
def test_invalid_policies_are_refused_with_a_clear_error(text: str, expected: str) -> None:
    with pytest.raises(PolicyError, match=r"^agency\.yaml: ") as err:
        parse_policy(text, path="agency.yaml")
    assert expected in str(err.value)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")
