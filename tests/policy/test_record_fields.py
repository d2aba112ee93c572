"""``record_fields``: what a record decision reads, so a search reads no more of the record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.policy.engine import DataUsePolicy, Use, UseContext
from immigrationos.sources.contract import FORM_TYPES

from .conftest import CI, DMV_NY, DMV_TX, auth, benefit, context, purpose
from .test_properties import POLICY, SOURCES, STATES, TINS, contexts

# Records with fields present, blank or missing (the rules fail closed on a missing one),
# and with fields no rule looks at.
records = st.fixed_dictionaries(
    {},
    optional={
        "record_id": st.sampled_from(["R-1", "R-2", ""]),
        "employee_tin": st.sampled_from(TINS),
        "itin": st.sampled_from(TINS),
        "state": st.sampled_from([*STATES, "ny ", "", "ZZ"]),
        "license_number": st.sampled_from(["111", "222"]),
        "form_type": st.sampled_from([*FORM_TYPES, " i-589", ""]),
        "given_name": st.sampled_from(["ANA", ""]),
        "wages": st.sampled_from(["31000.00"]),
    },
)


def only(record: Mapping[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    """Return the record without the fields outside ``fields``."""
    return {k: v for k, v in record.items() if k in fields}


@settings(max_examples=500, deadline=None)
@given(contexts, st.sampled_from(SOURCES), records, st.sampled_from(list(Use)))
def test_a_record_decision_reads_only_the_fields_named(
    ctx: UseContext, source: str, record: dict[str, str], use: Use
) -> None:
    fields = POLICY.record_fields(ctx, source, use)
    whole = POLICY.decide_record(ctx, source, record, use)
    if fields is None:
        return  # the whole record is needed (an authorization's subjects are matched)
    assert POLICY.decide_record(ctx, source, only(record, fields), use) == whole
    if not fields:
        assert whole == POLICY.decide_source(ctx, source, use)


def test_the_default_policy_reads_records_only_where_a_rule_looks(policy: DataUsePolicy) -> None:
    ctx = context()
    reading = {s: policy.record_fields(ctx, s, Use.READ) for s in policy.sources}
    assert {s for s, f in reading.items() if f != frozenset()} == {"dmv_licenses"}
    assert reading["dmv_licenses"] == {"state", "record_id"}
    # Confidential forms are refused for disclosure only, so that is when the form is read.
    disclosing = context(purpose_view=purpose("CASE"))
    assert policy.record_fields(disclosing, "uscis_benefits", Use.READ) == frozenset()
    assert policy.record_fields(disclosing, "uscis_benefits", Use.DISCLOSE) == {
        "form_type",
        "record_id",
    }
    refused = policy.decide_record(disclosing, "uscis_benefits", benefit("I-589"), Use.DISCLOSE)
    assert not refused.allowed and refused.rule == "CONFIDENTIAL_FORMS"
    # A source refused outright reads nothing; one whose subjects are matched, anything.
    assert policy.record_fields(ctx, "irs_w2", Use.READ) == frozenset()
    order = context(ctx.principal, CI, auth())
    assert policy.record_fields(order, "irs_w2", Use.READ) is None
    warrant = context(
        ctx.principal, CI, auth("JUDICIAL_WARRANT", sources=("dmv_licenses",), states=("NY",))
    )
    assert policy.record_fields(warrant, "dmv_licenses", Use.READ) is None
    # A warrant of a state the rule does not list is never matched to a record.
    elsewhere = context(
        ctx.principal, CI, auth("JUDICIAL_WARRANT", sources=("dmv_licenses",), states=("TX",))
    )
    assert policy.record_fields(elsewhere, "dmv_licenses", Use.READ) == {"state", "record_id"}
    for record in (DMV_NY, DMV_TX, {"record_id": "DMV-9"}):
        part = only(record, frozenset({"state", "record_id"}))
        assert policy.decide_record(elsewhere, "dmv_licenses", part, Use.READ) == (
            policy.decide_record(elsewhere, "dmv_licenses", record, Use.READ)
        )
