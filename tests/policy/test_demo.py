"""The demo's SAMPLE authorizations: every capability can be shown, and less works without."""

from __future__ import annotations

from sqlalchemy import Engine

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows
from immigrationos.policy.engine import DataUsePolicy, Use

from .conftest import DMV_NY, DMV_TX, ITIN, TODAY, W2, W2_OTHER

OPERATOR = Principal.operator("demo")


def test_the_sample_authorizations_open_only_what_they_name(
    engine: Engine, policy: DataUsePolicy
) -> None:
    subjects = flows.pick_demo_subjects(
        {"irs_w2": [W2], "irs_itin": [ITIN], "dmv_licenses": [DMV_TX, DMV_NY]}, policy=policy
    )
    assert [s.value for s in subjects.irs] == ["123456789", "912345678"]
    assert [s.value for s in subjects.dmv] == ["NY:123456789"] and subjects.dmv_states == ["NY"]
    seeded = flows.seed_demo_authorization(
        engine,
        OPERATOR,
        irs_subjects=subjects.irs,
        dmv_subjects=subjects.dmv,
        dmv_states=subjects.dmv_states,
        today=TODAY,
    )
    assert seeded.created and seeded.order is not None and seeded.warrant is not None
    assert "SAMPLE" in seeded.purpose.reference and "synthetic" in seeded.order.reference
    assert "SAMPLE" in seeded.warrant.reference and seeded.purpose.kind == "CRIMINAL_INVESTIGATION"
    with session_scope(engine) as session:
        ctx = flows.load_context(
            session=session, principal=OPERATOR, purpose_id=seeded.purpose.id, today=TODAY
        )
    assert policy.decide_record(ctx, "irs_w2", W2, Use.ANALYSE).allowed
    assert policy.decide_record(ctx, "irs_itin", ITIN, Use.READ).allowed
    assert not policy.decide_record(ctx, "irs_w2", W2_OTHER, Use.ANALYSE).allowed
    assert policy.decide_record(ctx, "dmv_licenses", DMV_NY, Use.READ).allowed
    again = flows.seed_demo_authorization(engine, OPERATOR, irs_subjects=subjects.irs, today=TODAY)
    assert not again.created and again.purpose.id == seeded.purpose.id
    assert again.order is not None and again.order.id == seeded.order.id


def test_without_subjects_the_sample_records_no_authorization(engine: Engine) -> None:
    seeded = flows.seed_demo_authorization(engine, OPERATOR, today=TODAY)
    assert seeded.created and seeded.order is None and seeded.warrant is None
