"""The fine computation against hand computations (ICE's method, scaled 2009 schedule)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.worksite.fines import (
    Effect,
    Factors,
    PenaltyPolicyError,
    compute_fine,
    fine_for,
    load_penalties,
    parse_penalties,
)
from immigrationos.worksite.model import (
    AuditResult,
    Category,
    Classification,
    Employer,
    Finding,
    FormResult,
    Mode,
)

ASSESSED_2026 = date(2026, 3, 2)  # the 2025 table ($288-$2,861) is in force
ASSESSED_2024 = date(2024, 9, 3)  # the 2024 table ($281-$2,789)


def forms(n: int) -> list[str]:
    return [f"F{i:03d}" for i in range(n)]


def test_hand_computation_48_percent_first_offense_with_factors() -> None:
    # 24 substantive violations of 50 forms required: 24 / 50 = 48 % -> band 40-49 %.
    # 1st offense, 2009 schedule: $770 (range then $110-$1,100).
    # Scaled linearly to the range in force on 2026-03-02 ($288-$2,861):
    #   288 + (770 - 110) x (2861 - 288) / (1100 - 110)
    #   = 288 + 660 x 2573 / 990 = 288 + 1715.33 = 2003.33 -> $2,003 (whole dollars).
    # Factors: business size mitigating -5, good faith mitigating -5, seriousness
    # aggravating +5, unauthorized workers and history neutral -> -5 %.
    #   2003 x 0.95 = 1902.85 -> $1,903, inside $288-$2,861 (no clamp).
    # Total: 24 x 1,903 = $45,672.
    fine = compute_fine(
        forms_required=50,
        violations=forms(24),
        assessment_date=ASSESSED_2026,
        offense=1,
        factors={
            "business_size": "mitigating",
            "good_faith": "mitigating",
            "seriousness": "aggravating",
        },
    )
    assert fine.violations == 24
    assert fine.violation_percentage == Decimal("48.00")
    assert fine.band_label == "40-49 %"
    assert fine.schedule_base == Decimal(770)
    assert fine.base_fine == Decimal(2003)
    assert fine.adjustment_percent == Decimal(-5)
    assert fine.adjusted_fine == Decimal(1903)
    assert fine.per_violation_fine == Decimal(1903)
    assert fine.clamped == ""
    assert fine.paperwork_total == Decimal(45672)
    assert fine.total == Decimal(45672)
    assert fine.table_effective == date(2025, 1, 2)
    assert "scaled from ICE's 2009 schedule" in fine.scaled_from
    assert "$288-$2,861" in fine.scaled_from
    assert [s.percent for s in fine.factors] == [-5, -5, 5, 0, 0]


def test_2024_table_applies_before_2025() -> None:
    # 2024 range $281-$2,789: 281 + 660 x (2789 - 281) / 990 = 281 + 1672 = $1,953 exactly.
    # 10 of 25 forms = 40 % -> band 40-49 %; 1st offense; no factors: 10 x 1,953 = $19,530.
    fine = compute_fine(forms_required=25, violations=forms(10), assessment_date=ASSESSED_2024)
    assert fine.table_label == "DHS inflation adjustment 2024"
    assert fine.base_fine == Decimal(1953)
    assert fine.total == Decimal(19530)


def test_table_switches_on_its_effective_date() -> None:
    before = compute_fine(forms_required=1, violations=["a"], assessment_date=date(2025, 1, 1))
    on = compute_fine(forms_required=1, violations=["a"], assessment_date=date(2025, 1, 2))
    assert before.paperwork_range.max == Decimal(2789)
    assert on.paperwork_range.max == Decimal(2861)


def test_no_table_before_the_earliest_is_a_clear_error() -> None:
    with pytest.raises(PenaltyPolicyError, match=r"no penalty table in force on 2020-01-01"):
        compute_fine(forms_required=1, violations=["a"], assessment_date=date(2020, 1, 1))


# Scaled bases on the 2025 range, worked by hand: 288 + (b - 110) x 2573 / 990, half up.
#   110 -> 288            275 -> 716.83 -> 717     440 -> 1145.67 -> 1146
#   605 -> 1574.50 -> 1575  770 -> 2003.33 -> 2003  935 -> 2432.17 -> 2432
#   550 -> 1431.56 -> 1432  650 -> 1691.45 -> 1691  750 -> 1951.35 -> 1951
#   850 -> 2211.25 -> 2211  950 -> 2471.15 -> 2471  1100 -> 2861
@pytest.mark.parametrize(
    ("violations", "band", "first", "second", "third"),
    [
        (1, "0-9 %", 288, 1432, 2861),
        (9, "0-9 %", 288, 1432, 2861),
        (10, "10-19 %", 717, 1691, 2861),
        (19, "10-19 %", 717, 1691, 2861),
        (20, "20-29 %", 1146, 1951, 2861),
        (29, "20-29 %", 1146, 1951, 2861),
        (30, "30-39 %", 1575, 2211, 2861),
        (39, "30-39 %", 1575, 2211, 2861),
        (40, "40-49 %", 2003, 2471, 2861),
        (49, "40-49 %", 2003, 2471, 2861),
        (50, "50 % +", 2432, 2861, 2861),
        (100, "50 % +", 2432, 2861, 2861),
    ],
)
def test_every_band_edge_of_100_forms(
    violations: int, band: str, first: int, second: int, third: int
) -> None:
    for offense, expected in ((1, first), (2, second), (3, third), (7, third)):
        fine = compute_fine(
            forms_required=100,
            violations=forms(violations),
            assessment_date=ASSESSED_2026,
            offense=offense,
        )
        assert fine.band_label == band
        assert fine.per_violation_fine == Decimal(expected), (violations, offense)
        assert fine.total == Decimal(expected * violations)


def test_just_below_a_band_edge_stays_in_the_lower_band() -> None:
    # 99 of 1,000 = 9.9 %: still 0-9 %; 100 of 1,000 = 10 %: 10-19 %.
    low = compute_fine(forms_required=1000, violations=forms(99), assessment_date=ASSESSED_2026)
    high = compute_fine(forms_required=1000, violations=forms(100), assessment_date=ASSESSED_2026)
    assert (low.violation_percentage, low.band_label) == (Decimal("9.90"), "0-9 %")
    assert (high.violation_percentage, high.band_label) == (Decimal("10.00"), "10-19 %")


@pytest.mark.parametrize(
    ("effects", "adjustment", "per_violation", "clamped"),
    [
        # 48 % band, 1st offense, base $2,003.
        ({n: "aggravating" for n in Factors.__slots__}, 25, 2504, ""),  # 2003 x 1.25 = 2503.75
        ({n: "mitigating" for n in Factors.__slots__}, -25, 1502, ""),  # 2003 x 0.75 = 1502.25
        ({"history": "aggravating", "good_faith": "mitigating"}, 0, 2003, ""),
        ({"history": "aggravating", "seriousness": "aggravating"}, 10, 2203, ""),  # 2203.3
    ],
)
def test_factor_combinations(
    effects: dict[str, str], adjustment: int, per_violation: int, clamped: str
) -> None:
    fine = compute_fine(
        forms_required=50, violations=forms(24), assessment_date=ASSESSED_2026, factors=effects
    )
    assert fine.adjustment_percent == adjustment
    assert fine.per_violation_fine == per_violation
    assert fine.clamped == clamped


def test_adjustment_is_clamped_to_the_statutory_range() -> None:
    # 0-9 % band, 1st offense: base $288 (the minimum); all mitigating: 288 x 0.75 = 216
    # -> raised to the $288 minimum.
    low = compute_fine(
        forms_required=100,
        violations=forms(3),
        assessment_date=ASSESSED_2026,
        factors=Factors(*(Effect.MITIGATING,) * 5),
    )
    assert (low.adjusted_fine, low.per_violation_fine, low.clamped) == (216, 288, "minimum")
    assert low.total == Decimal(864)
    # 3rd offense: base $2,861 (the maximum); all aggravating: 3576.25 -> 3576 -> $2,861.
    high = compute_fine(
        forms_required=100,
        violations=forms(3),
        offense=3,
        assessment_date=ASSESSED_2026,
        factors=Factors(*(Effect.AGGRAVATING,) * 5),
    )
    assert (high.adjusted_fine, high.per_violation_fine, high.clamped) == (3576, 2861, "maximum")


def test_adjustment_capped_at_max_percent() -> None:
    policy = _policy_with("step_percent: 5", "step_percent: 10")
    fine = compute_fine(
        forms_required=50,
        violations=forms(24),
        assessment_date=ASSESSED_2026,
        factors=Factors(*(Effect.AGGRAVATING,) * 5),
        policy=policy,
    )
    assert fine.adjustment_percent == 25  # 5 x 10 % capped at 25 %


def test_duplicate_forms_count_once_per_form_and_each_per_finding() -> None:
    findings = ["F1", "F1", "F2"]
    per_form = compute_fine(forms_required=10, violations=findings, assessment_date=ASSESSED_2026)
    per_finding = compute_fine(
        forms_required=10,
        violations=findings,
        assessment_date=ASSESSED_2026,
        policy=_policy_with("count_violations: per_form", "count_violations: per_finding"),
    )
    assert (per_form.violations, per_finding.violations) == (2, 3)


def test_proportional_scaling_option() -> None:
    # 770 x 2861 / 1100 = 2002.70 -> $2,003 - by chance the same dollar as affine here;
    # 275 x 2861 / 1100 = 715.25 -> $715 (affine gives $717).
    policy = _policy_with("scaling: affine", "scaling: proportional")
    fine = compute_fine(
        forms_required=10, violations=forms(1), assessment_date=ASSESSED_2026, policy=policy
    )
    assert fine.base_fine == Decimal(715)
    assert "in proportion to the maxima" in fine.scaled_from


def test_knowing_hire_separately() -> None:
    # 2 workers, 1st offense, 2025 range $716-$5,724, base at the minimum: 2 x 716 = $1,432.
    # Paperwork: 5 of 20 forms = 25 % -> 20-29 %, 1st offense $1,146 x 5 = $5,730.
    fine = compute_fine(
        forms_required=20,
        violations=forms(5),
        assessment_date=ASSESSED_2026,
        knowing_hire=["E1", "E2", "E2"],
        factors={"seriousness": "aggravating"},
    )
    assert fine.knowing_hire is not None
    assert fine.knowing_hire.workers == 2
    assert fine.knowing_hire.per_worker_fine == Decimal(716)
    assert fine.knowing_hire.total == Decimal(1432)
    # paperwork: 1146 x 1.05 = 1203.3 -> 1203; x 5 = 6015
    assert fine.paperwork_total == Decimal(6015)
    assert fine.total == Decimal(6015 + 1432)
    second = compute_fine(
        forms_required=20,
        violations=[],
        assessment_date=ASSESSED_2026,
        knowing_hire=3,
        knowing_hire_offense=2,
    )
    assert second.knowing_hire is not None
    assert second.knowing_hire.total == Decimal(3 * 5724)


def test_zero_violations_is_zero() -> None:
    fine = compute_fine(forms_required=30, violations=[], assessment_date=ASSESSED_2026)
    assert (fine.violations, fine.total, fine.band_label) == (0, 0, "0-9 %")


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="no form is required"):
        compute_fine(forms_required=0, violations=["a"], assessment_date=ASSESSED_2026)
    with pytest.raises(ValueError, match="offense tier"):
        compute_fine(forms_required=1, violations=[], offense=0, assessment_date=ASSESSED_2026)
    with pytest.raises(ValueError, match="unknown fine factor"):
        compute_fine(
            forms_required=1, violations=[], assessment_date=ASSESSED_2026, factors={"size": "x"}
        )
    with pytest.raises(ValueError, match="aggravating, neutral or mitigating"):
        Factors.of({"history": "terrible"})


def test_fine_for_an_audit_counts_substantive_paperwork_only() -> None:
    def finding(form: str, cls: Classification, cat: Category = Category.PAPERWORK) -> Finding:
        return Finding("S2_LATE", form, "m", classification=cls, category=cat)

    result = AuditResult(
        mode=Mode.INSPECTION,
        policy="long-standing",
        audit_date=ASSESSED_2026,
        employer=Employer(name="Synthetic Co"),
        forms=[
            FormResult("F1", findings=[finding("F1", Classification.SUBSTANTIVE)] * 2),
            FormResult("F2", findings=[finding("F2", Classification.TECHNICAL)]),
            FormResult(
                "F3",
                findings=[
                    finding("F3", Classification.SUBSTANTIVE, Category.SUSPECT_DOCUMENT),
                    finding("F3", Classification.SUBSTANTIVE, Category.DISCRIMINATION),
                ],
            ),
        ],
        employer_findings=[
            Finding("MISSING_FORM", "", "no form", employee_id="E9"),
        ],
        forms_required=4,
    )
    fine = fine_for(result, assessment_date=ASSESSED_2026)
    assert fine.violation_keys == ("F1", "employee:E9")
    # 2 of 4 = 50 % -> 50 % +, 1st offense $2,432 x 2 = $4,864.
    assert fine.total == Decimal(4864)


def test_steps_and_dict_carry_every_step() -> None:
    fine = compute_fine(forms_required=50, violations=forms(24), assessment_date=ASSESSED_2026)
    labels = [label for label, _ in fine.steps()]
    assert labels[0] == "Penalty table"
    assert labels[-1] == "Total"
    assert dict(fine.steps())["Total"] == "$48,072"
    data = fine.as_dict()
    assert data["total"] == "48072"
    assert data["paperwork_range"] == {"min": "288", "max": "2861"}
    assert data["factors"][0]["effect"] == "neutral"


# --- the penalties file ---------------------------------------------------------------


def _shipped_text() -> str:
    from importlib import resources

    return (resources.files("immigrationos.worksite") / "data" / "penalties.yaml").read_text()


def _policy_with(old: str, new: str):  # type: ignore[no-untyped-def]
    text = _shipped_text()
    assert old in text
    return parse_penalties(text.replace(old, new), path="edited.yaml")


def test_shipped_file_loads() -> None:
    policy = load_penalties()
    assert [t.effective for t in policy.tables] == [date(2024, 6, 28), date(2025, 1, 2)]
    assert policy.sha256


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("scaling: affine", "scaling: sideways", r"edited.yaml: scaling"),
        ("- {from: 0, base", "- {from: 1, base", r"first band must start at 0"),
        ("[935, 1100, 1100]", "[935, 1100, 1200]", r"bands\[5\]: base 1200 outside"),
        ("paperwork: {min: 288, max: 2861}", "paperwork: {min: 2861, max: 288}", r"min 2861"),
        ("round_to: 1", "round_to: 0", r"round_to"),
        ("  step_percent: 5", "  step_percnt: 5", r"factors.step_percnt"),
        ("      3: {min: 8586, max: 28619}\n", "", r"tiers 1, 2 and 3"),
    ],
)
def test_bad_penalties_file_names_the_field(old: str, new: str, message: str) -> None:
    with pytest.raises(PenaltyPolicyError, match=message):
        _policy_with(old, new)


def test_unparseable_or_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables: [\n")
    with pytest.raises(PenaltyPolicyError, match=r"bad.yaml: not valid YAML"):
        load_penalties(bad)
    with pytest.raises(PenaltyPolicyError, match=r"cannot read"):
        load_penalties(tmp_path / "absent.yaml")
    with pytest.raises(PenaltyPolicyError, match=r"a penalties file is a mapping"):
        parse_penalties("- 1\n")


# --- properties -------------------------------------------------------------------------

effects = st.sampled_from(list(Effect))
factor_sets = st.builds(Factors, effects, effects, effects, effects, effects)


@settings(max_examples=150, deadline=None)
@given(
    required=st.integers(min_value=1, max_value=400),
    data=st.data(),
    offense=st.integers(min_value=1, max_value=4),
    factors=factor_sets,
    assessed=st.sampled_from([ASSESSED_2024, ASSESSED_2026]),
)
def test_total_is_monotone_and_within_the_range(
    required: int, data: st.DataObject, offense: int, factors: Factors, assessed: date
) -> None:
    fewer = data.draw(st.integers(min_value=0, max_value=required))
    more = data.draw(st.integers(min_value=fewer, max_value=required))
    a, b = (
        compute_fine(
            forms_required=required,
            violations=forms(n),
            assessment_date=assessed,
            offense=offense,
            factors=factors,
        )
        for n in (fewer, more)
    )
    assert a.total <= b.total
    for fine, n in ((a, fewer), (b, more)):
        rng = fine.paperwork_range
        assert rng.min * n <= fine.total <= rng.max * n
        assert -25 <= fine.adjustment_percent <= 25
