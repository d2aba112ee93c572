"""Properties of every decision: deterministic, fail closed, a reason and the law when refused."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.auth.principal import Principal
from immigrationos.policy.engine import (
    AuthorizationView,
    DataUsePolicy,
    PurposeView,
    Use,
    UseContext,
    load_policy,
)
from immigrationos.policy.kinds import AuthorizationKind, PurposeKind
from immigrationos.sources.contract import FORM_TYPES

from .conftest import CHICAGO, NYC, TODAY

POLICY: DataUsePolicy = load_policy()
SOURCES = [*POLICY.sources, "irs_1099"]
TINS = ["123456789", "987654321", "912345678"]
STATES = ["NY", "NJ", "TX", "CA"]

principals = st.builds(
    Principal,
    actor=st.sampled_from(["u-1", "u-2"]),
    username=st.just("someone"),
    role=st.sampled_from(["ANALYST", "OFFICER", "SUPERVISOR", "LEGAL", "OVERSIGHT"]),
    offices=st.sampled_from([(), (NYC,), (NYC, CHICAGO)]),
    grants=st.sampled_from([frozenset(), frozenset({"FINCEN"})]),
)
purposes = st.none() | st.builds(
    PurposeView,
    id=st.sampled_from(["P-1", "P-2"]),
    kind=st.sampled_from(list(PurposeKind)),
    reference=st.just("REF"),
    title=st.just("title"),
    field_office=st.sampled_from([None, NYC, CHICAGO]),
    closed=st.booleans(),
)
subjects = st.lists(
    st.one_of(
        st.tuples(st.just("TIN"), st.sampled_from(TINS)),
        st.tuples(st.just("LICENSE"), st.sampled_from(["NY:111", "111", "NJ:222"])),
        st.tuples(st.just("RECORD"), st.sampled_from(["irs_w2:R-1", "dmv_licenses:R-2"])),
    ),
    max_size=2,
).map(tuple)
authorizations = st.builds(
    AuthorizationView,
    id=st.sampled_from(["A-1", "A-2", "A-3"]),
    kind=st.sampled_from(list(AuthorizationKind)),
    reference=st.just("ORDER"),
    sources=st.frozensets(st.sampled_from(["irs_w2", "irs_itin", "dmv_licenses"])),
    purpose_ids=st.frozensets(st.sampled_from(["P-1", "P-2"])),
    subjects=subjects,
    states=st.frozensets(st.sampled_from(STATES)),
    expires_on=st.none() | st.integers(-3, 3).map(lambda d: TODAY + timedelta(days=d)),
    revoked=st.booleans(),
)
contexts = st.builds(
    UseContext,
    principal=principals,
    purpose=purposes,
    authorizations=st.lists(authorizations, max_size=3).map(tuple),
    today=st.just(TODAY),
)
records = st.fixed_dictionaries(
    {
        "record_id": st.sampled_from(["R-1", "R-2"]),
        "employee_tin": st.sampled_from(TINS),
        "itin": st.sampled_from(TINS),
        "state": st.sampled_from(STATES),
        "license_number": st.sampled_from(["111", "222"]),
        "form_type": st.sampled_from(FORM_TYPES),
    }
)


@settings(max_examples=300, deadline=None)
@given(contexts, st.sampled_from(SOURCES), records, st.sampled_from(list(Use)))
def test_every_decision_is_deterministic_and_explains_a_refusal(
    ctx: UseContext, source: str, record: dict[str, str], use: Use
) -> None:
    decision = POLICY.decide_record(ctx, source, record, use)
    assert decision == POLICY.decide_record(ctx, source, record, use)
    assert decision.source == source and decision.rule
    if not decision.allowed:
        assert decision.reason.strip() and decision.citation.strip()
    else:
        assert decision.reveal_existence
        # A record is never allowed where its source is refused.
        assert POLICY.decide_source(ctx, source, use).allowed


@settings(max_examples=300, deadline=None)
@given(contexts, records, st.sampled_from(list(Use)))
def test_the_hard_lines_hold_whatever_the_context(
    ctx: UseContext, record: dict[str, str], use: Use
) -> None:
    assert POLICY.decide_record(ctx, "census_tracts", record, use).allowed == (use is Use.AGGREGATE)
    sar = POLICY.decide_record(ctx, "fincen_sar", record, Use.SERVE_ON_SUBJECT)
    assert not sar.allowed and not sar.reveal_existence
    if "FINCEN" not in ctx.principal.grants:
        assert not POLICY.decide_record(ctx, "fincen_ctr", record, use).allowed
    if use is not Use.AGGREGATE and (ctx.purpose is None or ctx.purpose.closed):
        assert not POLICY.decide_record(ctx, "cbp_i94", record, use).allowed
    irs = POLICY.decide_record(ctx, "irs_w2", record, use)
    if irs.allowed:
        auth = next(a for a in ctx.authorizations if a.id == irs.authorization_id)
        assert ctx.purpose is not None and ctx.purpose.id in auth.purpose_ids
        assert ctx.purpose.kind == PurposeKind.CRIMINAL_INVESTIGATION
        assert auth.active_on(ctx.today) and auth.kind != AuthorizationKind.ADMINISTRATIVE_WARRANT
        assert use is not Use.DISCLOSE
