"""The bias monitor on an in-memory population: a ZIP-code proxy is caught, a fair policy
is not flagged, and the figures (group sizes, reference, intervals) are what they say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from immigrationos.oversight import bias
from immigrationos.targeting.policy import Factor, PriorityPolicy

# Persons per country of birth; most of MEX live in two ZIP codes the others rarely do.
COUNTRIES = {"MEX": 240, "GTM": 160, "IND": 160, "CHN": 120, "FRA": 12}
CLUSTER = ("90011", "90037")
ELSEWHERE = ("60601", "60602", "60603", "60604", "60605", "60606")

OVERSTAY = Factor(name="overstay", kind="finding", violation="OVERSTAY", points=10)
FUGITIVE = Factor(
    name="fugitive_final_order", kind="finding", violation="FINAL_ORDER_UNEXECUTED", points=30
)
DUI = Factor(name="conviction_dui", kind="conviction", categories=("DUI",), points=15)
# The seeded bias: points for living in certain ZIP codes. The loader refuses the word
# "zip", so the policy is built in code, as one that slipped past it would be.
PRIORITY_AREA = Factor(
    name="priority_area",
    kind="record_field",
    source="dmv_licenses",
    field="zip",
    values=CLUSTER,
    points=40,
)
FAIR = PriorityPolicy(policy="fair", version="1", factors=(OVERSTAY, FUGITIVE, DUI))
BIASED = PriorityPolicy(
    policy="biased", version="1", factors=(OVERSTAY, FUGITIVE, DUI, PRIORITY_AREA)
)


@dataclass(frozen=True)
class Row:
    """One synthetic person: traits, where they live, what was found on them."""

    person_id: str
    country: str
    sex: str
    age: int
    zip: str
    violations: frozenset[str]
    convictions: frozenset[str]


def population() -> list[Row]:
    """Return the persons: conduct spread evenly over countries, ZIPs clustered by country."""
    rows = []
    for country, n in COUNTRIES.items():
        for i in range(n):
            # Blocks of 12 persons, each with one person prioritised by conduct alone, so
            # that where a person lives says nothing of their conduct.
            block = i // 12
            clustered = block % 5 != 0 if country == "MEX" else block % 20 == 0
            where = CLUSTER[i % 2] if clustered else ELSEWHERE[i % 6]
            violations = {"OVERSTAY"} | ({"FINAL_ORDER_UNEXECUTED"} if i % 4 == 0 else set())
            rows.append(
                Row(
                    f"P{country}{i:04d}",
                    country,
                    "F" if (i // 12) % 2 else "M",
                    20 + (i // 12 * 13) % 50,
                    where,
                    frozenset(violations),
                    frozenset({"DUI"} if i % 3 == 0 else set()),
                )
            )
    return rows


def _applies(factor: Factor, row: Row) -> bool:
    if factor.kind == "finding":
        return factor.violation in row.violations
    if factor.kind == "conviction":
        return bool(set(factor.categories) & row.convictions)
    if factor.kind == "record_field":
        return factor.field == "zip" and row.zip in factor.values
    raise AssertionError(factor.kind)


def subjects(policy: PriorityPolicy, rows: Sequence[Row]) -> list[bias.Subject]:
    """Return the monitor's rows of persons scored under a policy (every lead OPEN)."""
    out = []
    for row in rows:
        fired = {f.name: f.points for f in policy.active_factors if _applies(f, row)}
        raw = sum(fired.values())
        out.append(
            bias.Subject(
                person_id=row.person_id,
                traits={
                    "country_of_birth": row.country,
                    "sex": row.sex,
                    "age_group": bias.age_group(row.age),
                    "field_office": "Los Angeles" if row.zip.startswith("9") else "Chicago",
                },
                lead_state="OPEN",
                score=max(0, min(100, raw)),
                raw_score=raw,
                factors=fired,
                features={"zip": row.zip, "zip3": row.zip[:3]},
            )
        )
    return out


def report(policy: PriorityPolicy) -> bias.BiasReport:
    """Return the monitor's report of the population under a policy."""
    return bias.measure(
        subjects(policy, population()),
        bias.BiasSettings(priority_score=50),
        factor_kinds=bias.factor_kinds_of(policy.factors),
        policy=policy.policy,
    )


def test_zip_proxy_policy_is_caught() -> None:
    found = report(BIASED)
    priority = found.disparity("priority", "country_of_birth")
    assert priority is not None
    # MEX is the largest group and the reference; the others are prioritised far less.
    assert priority.reference == "MEX"
    flagged = {g.group for g in priority.alerts}
    assert flagged == {"GTM", "IND", "CHN"}
    assert all(g.ratio is not None and g.ratio < 0.8 for g in priority.alerts)
    assert any(
        a.kind == "disparity" and a.metric == "priority" and a.attribute == "country_of_birth"
        for a in found.alerts
    )
    # The ZIP factor is named as the proxy; the conduct factors are not.
    assert bias.likely_proxies(found) == ["priority_area"]
    proxy = next(p for p in found.proxies if p.factor == "priority_area" and p.likely_proxy)
    assert proxy.attribute == "country_of_birth"
    assert proxy.association >= 0.3
    assert proxy.feature == "zip" and (proxy.feature_association or 0) >= 0.3
    assert proxy.priority_without is not None and 0.8 <= proxy.priority_without <= 1.25
    assert any(a.kind == "proxy" and a.metric == "priority_area" for a in found.alerts)


def test_fair_policy_draws_no_alert() -> None:
    found = report(FAIR)
    assert found.alerts == ()
    assert bias.likely_proxies(found) == []
    priority = found.disparity("priority", "country_of_birth")
    assert priority is not None
    assert all(g.ratio is not None and 0.8 <= g.ratio <= 1.25 for g in priority.groups)


def test_small_groups_are_left_out_and_listed() -> None:
    found = report(FAIR)
    selection = found.disparity("selection", "country_of_birth")
    assert selection is not None
    assert ("FRA", 12) in selection.left_out
    assert "FRA" not in {g.group for g in selection.groups}


def test_bootstrap_is_seeded_and_brackets_the_ratio() -> None:
    first, second = report(BIASED), report(BIASED)
    assert first.to_dict() == second.to_dict()
    priority = first.disparity("priority", "country_of_birth")
    assert priority is not None
    for g in priority.groups:
        assert g.ci_low is not None and g.ci_high is not None and g.ratio is not None
        assert g.ci_low <= g.ratio <= g.ci_high


def test_configured_reference_group() -> None:
    found = bias.measure(
        subjects(FAIR, population()),
        bias.BiasSettings(reference={"country_of_birth": "IND"}),
    )
    selection = found.disparity("selection", "country_of_birth")
    assert selection is not None and selection.reference == "IND"


def test_truth_metrics_appear_only_with_truth() -> None:
    rows = subjects(FAIR, population())
    assert all(d.metric != "truth_fpr" for d in bias.measure(rows).disparities)
    with_truth = [
        bias.Subject(**{**s.__dict__, "violator": i % 2 == 0}) for i, s in enumerate(rows)
    ]
    found = bias.measure(with_truth)
    assert found.truth
    assert found.disparity("truth_fpr", "country_of_birth") is not None


def test_false_positive_share_from_known_outcomes() -> None:
    rows = subjects(FAIR, population())
    known = [
        bias.Subject(
            **{
                **s.__dict__,
                "outcome": (
                    "us_citizen"
                    if s.traits["country_of_birth"] == "GTM" and i % 2 == 0
                    else "confirmed"
                ),
            }
        )
        for i, s in enumerate(rows)
    ]
    found = bias.measure(known)
    fp = found.disparity("false_positive", "country_of_birth")
    assert fp is not None
    # The largest group (MEX) has no error: the reference is the largest group with one.
    assert fp.reference == "GTM"
    gtm = next(g for g in fp.groups if g.group == "GTM")
    assert gtm.rate == 0.5 and gtm.reference
    mex = next(g for g in fp.groups if g.group == "MEX")
    assert mex.rate == 0 and mex.ratio == 0 and mex.alert


def test_cramers_v_bounds() -> None:
    assert bias.cramers_v(["a", "b"] * 50, ["x", "y"] * 50) > 0.95
    assert bias.cramers_v(["a", "b"] * 50, ["x", "x", "y", "y"] * 25) < 0.1
