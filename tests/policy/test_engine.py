"""Each lawful-use rule of the default policy: refusing what it must, allowing what it may."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from immigrationos.policy.engine import AuthorizationView, DataUsePolicy, Use, get_policy

from .conftest import (
    ANALYST,
    CHICAGO,
    CI,
    CTR,
    DMV_NY,
    DMV_NY_OTHER,
    DMV_TX,
    FINCEN_ANALYST,
    I94,
    ITIN,
    NYC,
    OFFICER,
    SAR,
    TODAY,
    W2,
    W2_OTHER,
    auth,
    benefit,
    context,
    purpose,
)

CASE = purpose("CASE", id="P-CASE")
BATCH = purpose("BATCH", id="P-BATCH", field_office=None)


# -- census: aggregate only (13 U.S.C. § 9) ------------------------------------------------


def test_census_is_never_read_per_person_but_may_be_counted(policy: DataUsePolicy) -> None:
    for ctx in (context(ANALYST, CASE), context(ANALYST, None)):
        for use in (Use.READ, Use.ANALYSE, Use.DISCLOSE, Use.SERVE_ON_SUBJECT):
            d = policy.decide_source(ctx, "census_tracts", use)
            assert not d.allowed and d.rule == "AGGREGATE_ONLY"
            assert "13 U.S.C." in d.citation and "AGGREGATE" in d.reason
        row = {"tract_geoid": "36061000100", "state": "NY", "zip": "10001"}
        assert not policy.decide_record(ctx, "census_tracts", row, Use.READ).allowed
        assert policy.decide_source(ctx, "census_tracts", Use.AGGREGATE).allowed


# -- purposes ------------------------------------------------------------------------------


def test_person_data_needs_a_declared_purpose(policy: DataUsePolicy) -> None:
    for use in (Use.READ, Use.ANALYSE, Use.DISCLOSE, Use.AGGREGATE):
        d = policy.decide_source(context(ANALYST, None), "cbp_i94", use)
        assert not d.allowed and d.rule == "PURPOSE_REQUIRED"
        assert "Declare a purpose" in d.reason and "552a" in d.citation
    assert policy.decide_record(context(ANALYST, CASE), "cbp_i94", I94, Use.READ).allowed


def test_a_closed_purpose_is_refused(policy: DataUsePolicy) -> None:
    closed = replace(CASE, closed=True)
    d = policy.decide_source(context(ANALYST, closed), "eoir_cases", Use.READ)
    assert not d.allowed and d.rule == "PURPOSE_CLOSED" and "P-CASE" in d.reason


def test_an_office_user_uses_only_purposes_of_their_offices(policy: DataUsePolicy) -> None:
    own = purpose(field_office=NYC)
    assert policy.decide_source(context(OFFICER, own), "cbp_i94", Use.READ).allowed
    for other in (purpose(field_office=CHICAGO), purpose(field_office=None)):
        d = policy.decide_source(context(OFFICER, other), "cbp_i94", Use.READ)
        assert not d.allowed and d.rule == "PURPOSE_OUT_OF_AREA"
        assert NYC in d.reason
    # A national role may work under any office's purpose.
    assert policy.decide_source(
        context(ANALYST, purpose(field_office=CHICAGO)), "cbp_i94", Use.READ
    ).allowed


# -- IRS: 26 U.S.C. § 6103(i) --------------------------------------------------------------


def test_irs_refused_without_an_authorization(policy: DataUsePolicy) -> None:
    for source in ("irs_w2", "irs_itin"):
        d = policy.decide_source(context(ANALYST, CI), source, Use.READ)
        assert not d.allowed and d.rule == "AUTHORIZATION_REQUIRED"
        assert "6103(i)(1)" in d.reason and "6103(i)(2)" in d.reason
        assert "P-CI" in d.reason and "none is on record" in d.reason
        assert "counsel" in d.reason and "6103" in d.citation


def test_irs_refused_outside_a_criminal_investigation(policy: DataUsePolicy) -> None:
    order = auth(purpose_ids=("P-CASE",))
    d = policy.decide_source(context(ANALYST, CASE, order), "irs_w2", Use.READ)
    assert not d.allowed and d.rule == "PURPOSE_KIND" and "CRIMINAL_INVESTIGATION" in d.reason


def test_irs_refused_with_an_authorization_of_another_purpose(policy: DataUsePolicy) -> None:
    other = auth(purpose_ids=("P-OTHER",))
    d = policy.decide_record(context(ANALYST, CI, other), "irs_w2", W2, Use.READ)
    assert not d.allowed and "names other purposes" in d.reason


def test_irs_refused_for_a_subject_the_order_does_not_name(policy: DataUsePolicy) -> None:
    ctx = context(ANALYST, CI, auth())
    d = policy.decide_record(ctx, "irs_w2", W2_OTHER, Use.READ)
    assert not d.allowed and d.rule == "AUTHORIZATION_REQUIRED"
    assert "W2-2" in d.reason and "ORDER-A-1" in d.reason


def test_irs_refused_with_an_expired_or_revoked_authorization(policy: DataUsePolicy) -> None:
    expired = auth(expires_on=TODAY - timedelta(days=1))
    d = policy.decide_record(context(ANALYST, CI, expired), "irs_w2", W2, Use.READ)
    assert not d.allowed and "expired on" in d.reason
    revoked = auth(revoked=True)
    d = policy.decide_record(context(ANALYST, CI, revoked), "irs_w2", W2, Use.READ)
    assert not d.allowed and "was revoked" in d.reason
    # Expiring today still counts.
    today = auth(expires_on=TODAY)
    assert policy.decide_record(context(ANALYST, CI, today), "irs_w2", W2, Use.READ).allowed


def test_an_administrative_warrant_never_opens_irs_data(policy: DataUsePolicy) -> None:
    i200 = auth("ADMINISTRATIVE_WARRANT")
    d = policy.decide_record(context(ANALYST, CI, i200), "irs_w2", W2, Use.READ)
    assert not d.allowed and "administrative warrant" in d.reason


def test_irs_allowed_with_an_order_naming_purpose_and_subject(policy: DataUsePolicy) -> None:
    for kind in ("IRC_6103_I1_COURT_ORDER", "IRC_6103_I2_REQUEST"):
        ctx = context(ANALYST, CI, auth(kind))
        d = policy.decide_record(ctx, "irs_w2", W2, Use.READ)
        assert d.allowed and d.authorization_id == "A-1"
        assert policy.decide_record(ctx, "irs_w2", W2, Use.ANALYSE).allowed


def test_irs_subjects_match_by_number_name_and_birth_date_or_record(
    policy: DataUsePolicy,
) -> None:
    by_itin = auth(subjects=(("ITIN", "912345678"),))
    assert policy.decide_record(context(ANALYST, CI, by_itin), "irs_itin", ITIN, Use.READ).allowed
    by_name = auth(subjects=(("NAME_DOB", "ANA|GARCIA|1990-01-02"),))
    assert policy.decide_record(context(ANALYST, CI, by_name), "irs_itin", ITIN, Use.READ).allowed
    # A W-2 has no birth date: a name and birth date never match one (no look-alikes).
    assert not policy.decide_record(context(ANALYST, CI, by_name), "irs_w2", W2, Use.READ).allowed
    by_record = auth(subjects=(("RECORD", "irs_w2:W2-2"),))
    ctx = context(ANALYST, CI, by_record)
    assert policy.decide_record(ctx, "irs_w2", W2_OTHER, Use.READ).allowed
    assert not policy.decide_record(ctx, "irs_w2", W2, Use.READ).allowed


def test_irs_data_is_not_disclosed_onward(policy: DataUsePolicy) -> None:
    d = policy.decide_record(context(ANALYST, CI, auth()), "irs_w2", W2, Use.DISCLOSE)
    assert not d.allowed and d.rule == "NO_DISCLOSURE" and "6103" in d.citation


# -- FinCEN: Bank Secrecy Act --------------------------------------------------------------


def test_fincen_refused_without_grant_and_its_existence_hidden(policy: DataUsePolicy) -> None:
    for source, row in (("fincen_sar", SAR), ("fincen_ctr", CTR)):
        d = policy.decide_record(context(ANALYST, CASE), source, row, Use.READ)
        assert not d.allowed and d.rule == "ACCESS_GRANT_REQUIRED"
        assert d.reveal_existence is False and "administrator" in d.reason
        assert policy.decide_record(context(FINCEN_ANALYST, CASE), source, row, Use.READ).allowed


def test_a_sar_is_never_served_on_its_subject(policy: DataUsePolicy) -> None:
    d = policy.decide_record(context(FINCEN_ANALYST, CASE), "fincen_sar", SAR, Use.SERVE_ON_SUBJECT)
    assert not d.allowed and d.rule == "NEVER_SERVED_ON_SUBJECT"
    assert d.reveal_existence is False and "5318(g)(2)" in d.citation
    ctx = context(FINCEN_ANALYST, CASE)
    assert policy.decide_record(ctx, "fincen_ctr", CTR, Use.SERVE_ON_SUBJECT).allowed
    assert policy.never_revealed_to_subject("fincen_sar")
    assert not policy.never_revealed_to_subject("fincen_ctr")


# -- 8 U.S.C. § 1367 and 8 CFR 208.6 -------------------------------------------------------


def test_confidential_forms_read_inside_but_never_disclosed(policy: DataUsePolicy) -> None:
    ctx = context(OFFICER, purpose())
    for form, law in (("I-589", "208.6"), ("I-918", "1367"), ("I-914", "1367"), ("I-360", "1367")):
        row = benefit(form)
        assert policy.decide_record(ctx, "uscis_benefits", row, Use.READ).allowed
        assert policy.decide_record(ctx, "uscis_benefits", row, Use.ANALYSE).allowed
        for use in (Use.DISCLOSE, Use.SERVE_ON_SUBJECT):
            d = policy.decide_record(ctx, "uscis_benefits", row, use)
            assert not d.allowed and d.rule == "CONFIDENTIAL_FORMS"
            assert law in d.citation and form in d.reason
    assert policy.decide_record(ctx, "uscis_benefits", benefit("I-485"), Use.DISCLOSE).allowed


# -- DMV records of states that require a judicial warrant or court order -----------------


def warrant(
    kind: str = "JUDICIAL_WARRANT",
    *,
    states: tuple[str, ...] = ("NY",),
    purpose_ids: tuple[str, ...] = ("P-CASE",),
) -> AuthorizationView:
    return auth(
        kind,
        id="W-1",
        sources=("dmv_licenses",),
        purpose_ids=purpose_ids,
        subjects=(("LICENSE", "NY:123456789"),),
        states=states,
    )


def test_dmv_of_a_warrant_state_refused_without_a_warrant(policy: DataUsePolicy) -> None:
    d = policy.decide_record(context(ANALYST, CASE), "dmv_licenses", DMV_NY, Use.READ)
    assert not d.allowed and d.rule == "STATE_WARRANT_REQUIRED"
    assert "201(12)" in d.citation and "NY" in d.reason and "judicial warrant" in d.reason


def test_dmv_refused_with_an_administrative_warrant(policy: DataUsePolicy) -> None:
    ctx = context(ANALYST, CASE, warrant("ADMINISTRATIVE_WARRANT"))
    d = policy.decide_record(ctx, "dmv_licenses", DMV_NY, Use.READ)
    assert not d.allowed and "administrative warrant" in d.reason


def test_dmv_allowed_with_a_judicial_warrant_or_court_order(policy: DataUsePolicy) -> None:
    for kind in ("JUDICIAL_WARRANT", "COURT_ORDER"):
        ctx = context(ANALYST, CASE, warrant(kind))
        d = policy.decide_record(ctx, "dmv_licenses", DMV_NY, Use.READ)
        assert d.allowed and d.authorization_id == "W-1"
        other = policy.decide_record(ctx, "dmv_licenses", DMV_NY_OTHER, Use.READ)
        assert not other.allowed and "does not name this person" in other.reason
    nj_only = context(ANALYST, CASE, warrant(states=("NJ",)))
    d = policy.decide_record(nj_only, "dmv_licenses", DMV_NY, Use.READ)
    assert not d.allowed and "does not name NY" in d.reason
    elsewhere = context(ANALYST, CI, warrant())
    d = policy.decide_record(elsewhere, "dmv_licenses", DMV_NY, Use.READ)
    assert not d.allowed and "names other purposes" in d.reason


def test_dmv_of_other_states_needs_only_a_purpose(policy: DataUsePolicy) -> None:
    assert policy.decide_record(context(ANALYST, CASE), "dmv_licenses", DMV_TX, Use.READ).allowed


# -- batch analyses ------------------------------------------------------------------------


def test_a_batch_runs_without_what_its_purpose_may_not_use(policy: DataUsePolicy) -> None:
    plan = policy.plan_batch(context(ANALYST, BATCH), policy.sources, "resolution")
    assert set(plan.withheld) == {"irs_w2", "irs_itin", "fincen_sar", "fincen_ctr", "census_tracts"}
    assert "cbp_i94" in plan.allowed and "dmv_licenses" in plan.allowed
    assert all(d.reason and d.citation for d in plan.withheld.values())
    lines = plan.describe()
    assert any(line.startswith("resolution ran without irs_w2: ") for line in lines)
    assert "NY" in plan.record_rules["dmv_licenses"]


def test_a_batch_under_an_authorized_investigation_uses_irs_in_part(
    policy: DataUsePolicy,
) -> None:
    ctx = context(FINCEN_ANALYST, CI, auth())
    plan = policy.plan_batch(ctx, ["irs_w2", "fincen_sar", "census_tracts"], "identity fraud")
    assert plan.allowed == ("irs_w2", "fincen_sar")
    assert list(plan.withheld) == ["census_tracts"]
    assert "subjects" in plan.record_rules["irs_w2"]
    assert (
        policy.plan_batch(context(ANALYST, None), ["cbp_i94"], "x").withheld["cbp_i94"].rule
        == "PURPOSE_REQUIRED"
    )


def test_an_unknown_source_is_refused(policy: DataUsePolicy) -> None:
    d = policy.decide_source(context(ANALYST, CASE), "irs_1099", Use.READ)
    assert not d.allowed and d.rule == "UNKNOWN_SOURCE" and d.citation


def test_the_policy_in_force_is_the_bundled_one_cached() -> None:
    assert get_policy() is get_policy()
    assert set(get_policy().sources) >= {"irs_w2", "census_tracts"}


def test_a_record_without_the_column_a_rule_looks_at_is_refused(policy: DataUsePolicy) -> None:
    ctx = context(ANALYST, CASE)
    bare = {"record_id": "BEN-9", "given_name": "ANA"}
    assert policy.decide_record(ctx, "uscis_benefits", bare, Use.READ).allowed
    d = policy.decide_record(ctx, "uscis_benefits", bare, Use.DISCLOSE)
    assert not d.allowed and "has no form_type" in d.reason
    d = policy.decide_record(ctx, "dmv_licenses", {"record_id": "DMV-9"}, Use.READ)
    assert not d.allowed and "has no state" in d.reason
