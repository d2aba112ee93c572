"""Priority scores: a transparent, clipped sum of named factors with their records."""

from __future__ import annotations

from immigrationos.targeting.policy import parse_policy
from immigrationos.targeting.scoring import person_age, score_person
from immigrationos.targeting.status import derive_status

from .builders import AS_OF, event, licence, w2
from .lead_builders import POLICY, conviction, evaluate, record

ITIN = "912785678"


def test_score_is_the_sum_of_named_factors_with_their_records() -> None:
    lic, wages = licence("2022-03-01"), w2(2024, ITIN)
    ev = evaluate([lic, wages])
    assert ev.score is not None
    points = {f.name: f.points for f in ev.score.factors}
    assert points == {"present_without_admission": 10, "unauthorized_employment": 5}
    assert ev.score.score == ev.score.raw_total == 15
    by_name = {f.name: f for f in ev.score.factors}
    assert wages.ref in by_name["unauthorized_employment"].evidence
    assert all(f.basis for f in ev.score.factors)
    assert (ev.score.policy_version, ev.score.policy_sha256) == (POLICY.version, POLICY.sha256)


def test_recent_unlawful_entry_and_convictions_add_points() -> None:
    crime = conviction("VIOLENT", "2025-08-01")
    ev = evaluate([licence("2025-06-01"), w2(2025, ITIN), crime])
    assert ev.score is not None
    points = {f.name: f.points for f in ev.score.factors}
    assert points == {
        "recent_unlawful_entry": 25,
        "present_without_admission": 10,
        "unauthorized_employment": 5,
        "conviction_violent_or_sexual": 45,
    }
    assert ev.score.score == 85
    assert next(f for f in ev.score.factors if f.name.startswith("conviction")).evidence == (
        crime.ref,
    )


def test_traffic_and_unconvicted_charges_do_not_score() -> None:
    ev = evaluate(
        [
            licence("2022-03-01"),
            w2(2024, ITIN),
            conviction("TRAFFIC", "2024-01-01"),
            conviction("VIOLENT", "2024-01-01", disposition="DISMISSED"),
        ]
    )
    assert ev.score is not None and ev.score.score == 15


def test_score_is_clipped_to_100() -> None:
    records = [
        licence("2025-06-01"),
        w2(2025, ITIN),
        conviction("VIOLENT", "2025-01-01"),
        conviction("WEAPONS", "2025-02-01"),
        conviction("DUI", "2025-03-01"),
        event("REMOVAL", "2019-01-01"),
        event("ARREST", "2025-05-01"),
    ]
    ev = evaluate(records)
    assert ev.score is not None
    assert ev.score.raw_total > 100 and ev.score.score == 100


def test_mitigating_factors_lower_the_score_never_below_zero() -> None:
    old = [
        record(
            "dmv_licenses",
            issue_date="2010-03-01",
            legal_presence_document="NONE",
            birth_date="1950-01-01",
        ),
        w2(2024, ITIN),
    ]
    ev = evaluate(old)
    assert ev.score is not None
    points = {f.name: f.points for f in ev.score.factors}
    assert points["advanced_age"] == -20 and points["long_residence"] == -15
    assert ev.score.raw_total == 15 - 35 and ev.score.score == 0
    age = next(f for f in ev.score.factors if f.name == "advanced_age")
    assert age.detail == "age 76" and age.evidence == (old[0].ref,)


def test_tender_age_mitigates() -> None:
    child = record(
        "dmv_licenses",
        issue_date="2025-03-01",
        legal_presence_document="NONE",
        birth_date="2010-05-05",
    )
    ev = evaluate([child, w2(2025, ITIN)])
    assert ev.score is not None
    assert {f.name for f in ev.score.factors} >= {"tender_age"}


def test_age_follows_the_birth_date_most_records_give() -> None:
    recs = [
        record("tips", birth_date="1990-01-01"),
        record("tips", birth_date="1990-01-01"),
        record("tips", birth_date="1991-01-01"),
        record("tips"),
    ]
    age, refs = person_age(recs, AS_OF)
    assert age == 36 and refs == (recs[0].ref, recs[1].ref)
    assert person_age([record("tips")], AS_OF) == (-1, ())


def test_inactive_factors_never_score() -> None:
    policy = parse_policy("""
policy: p
version: '2'
factors:
  - {name: overstay, kind: finding, violation: OVERSTAY, points: 10}
  - {name: pregnancy, kind: recorded_condition, condition: pregnancy, points: -20,
     active: false, inactive_reason: not recorded}
  - {name: ca_agency, kind: record_field, source: dmv_licenses, field: real_id,
     values: ['true'], points: 3}
""")
    lic = record("dmv_licenses", issue_date="2020-01-01", real_id="true")
    status = derive_status([lic], AS_OF)
    score = score_person([lic], status, [], policy)
    assert [f.name for f in score.factors] == ["ca_agency"]
    assert score.score == 3 and score.policy_version == "2"


def test_no_score_without_a_lead() -> None:
    assert evaluate([licence("2020-01-01", doc="US_PASSPORT")]).score is None
