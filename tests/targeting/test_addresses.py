"""Candidate current addresses: recency, source reliability, corroboration, reasons."""

from __future__ import annotations

from immigrationos.targeting.addresses import candidate_addresses
from immigrationos.targeting.safeguards import LeadState

from .builders import AS_OF
from .lead_builders import evaluate, record

HOME = {"street": "12 Oak St", "city": "Houston", "state": "TX", "zip": "77002"}
OLD = {"street": "9 Elm Ave", "city": "Austin", "state": "TX", "zip": "73301"}


def test_recent_corroborated_address_ranks_first_with_reasons() -> None:
    lic = record("dmv_licenses", issue_date="2026-06-01", legal_presence_document="NONE", **HOME)
    wages = record(
        "irs_w2",
        tax_year="2025",
        employee_tin="912785678",
        wages="1",
        **{**HOME, "street": "12 OAK ST."},
    )
    old = record("dmv_licenses", issue_date="2019-01-01", legal_presence_document="NONE", **OLD)
    best, stale = candidate_addresses([lic, wages, old], AS_OF)
    assert best.street == "12 OAK ST" and best.zip == "77002"
    assert set(best.evidence) == {lic.ref, wages.ref}
    assert best.score == 37 + 35 + 10
    assert any(r.startswith("corroboration +10") for r in best.reasons)
    assert stale.score < 40 and any(r.startswith("superseded") for r in stale.reasons)


def test_a_tip_alone_scores_low_and_never_corroborates() -> None:
    tip = record("tips", received_date="2026-10-01", allegation="x", **OLD)
    lic = record("dmv_licenses", issue_date="2026-01-01", legal_presence_document="NONE", **HOME)
    tip_home = record("tips", received_date="2026-10-01", allegation="x", **HOME)
    cands = {c.street: c for c in candidate_addresses([tip, lic, tip_home], AS_OF)}
    assert cands["9 ELM AVE"].score <= 20
    assert any("only a tip" in r for r in cands["9 ELM AVE"].reasons)
    assert "corroboration +0" in cands["12 OAK ST"].reasons[2]


def test_future_records_and_records_without_a_street_are_ignored() -> None:
    later = record("dmv_licenses", issue_date="2027-01-01", legal_presence_document="NONE", **HOME)
    no_street = record("irs_w2", tax_year="2025", employee_tin="1", wages="1", zip="77002")
    assert candidate_addresses([later, no_street], AS_OF) == ()


def test_only_leads_get_addresses() -> None:
    lic = record("dmv_licenses", issue_date="2022-03-01", legal_presence_document="NONE", **HOME)
    wages = record("irs_w2", tax_year="2024", employee_tin="912785678", wages="1", **HOME)
    ev = evaluate([lic, wages])
    assert ev.state is LeadState.OPEN and ev.addresses[0].street == "12 OAK ST"
    cit = record(
        "dmv_licenses",
        issue_date="2022-03-01",
        legal_presence_document="US_BIRTH_CERTIFICATE",
        **HOME,
    )
    suppressed = evaluate([cit, wages])
    assert suppressed.state is LeadState.SUPPRESSED and suppressed.addresses == ()
