"""Next steps per procedural posture, each with a reason and a legal basis."""

from __future__ import annotations

from immigrationos.targeting.evaluate import Evaluation
from immigrationos.targeting.safeguards import LeadState

from .builders import arrival, benefit, eoir, event, licence, numident, w2
from .lead_builders import evaluate, record

ITIN = "912785678"
OWNER_SSN = "555667777"


def actions(ev: Evaluation) -> list[str]:
    assert all(r.reason and r.legal_basis for r in ev.recommendations)
    return [r.action for r in ev.recommendations]


def test_no_case_may_be_issued_a_notice_to_appear() -> None:
    ev = evaluate([arrival("2024-01-10", "B2", "2024-07-09"), licence("2025-02-01")])
    assert ev.state is LeadState.OPEN
    assert actions(ev) == ["MAY_ISSUE_NOTICE_TO_APPEAR"]
    assert "INA §239" in ev.recommendations[0].legal_basis


def test_a_final_order_is_executed_not_charged_again() -> None:
    ev = evaluate([eoir("REMOVAL_ORDERED", "2024-01-10", absentia=True), licence("2025-02-01")])
    assert "FINAL_ORDER_UNEXECUTED" in ev.violations and ev.state is LeadState.OPEN
    got = actions(ev)
    assert "EXECUTE_FINAL_ORDER" in got and "MAY_ISSUE_NOTICE_TO_APPEAR" not in got
    assert "INA §241(a)" in ev.recommendations[got.index("EXECUTE_FINAL_ORDER")].legal_basis


def test_a_prior_removal_order_may_be_reinstated() -> None:
    ev = evaluate([event("REMOVAL", "2019-03-01"), event("ENCOUNTER", "2025-04-01")])
    assert "REENTRY_AFTER_REMOVAL" in ev.violations
    got = actions(ev)
    assert "MAY_REINSTATE_PRIOR_ORDER" in got and "MAY_ISSUE_NOTICE_TO_APPEAR" not in got
    step = ev.recommendations[got.index("MAY_REINSTATE_PRIOR_ORDER")]
    assert "INA §241(a)(5)" in step.legal_basis


def test_a_case_pending_before_the_court_is_left_to_it() -> None:
    case = record(
        "eoir_cases",
        status="PENDING",
        nta_date="2024-05-01",
        in_absentia="false",
        appeal_pending="false",
    )
    ev = evaluate([licence("2023-01-01"), w2(2024, ITIN), case])
    assert ev.state is LeadState.OPEN
    got = actions(ev)
    assert got == ["LEAVE_TO_COURT"]
    assert ev.recommendations[0].evidence == (case.ref,)


def test_asylum_pending_is_awaited() -> None:
    ev = evaluate(
        [licence("2023-01-01"), w2(2023, ITIN), benefit("I-589", "PENDING", "2024-01-01")]
    )
    assert ev.state is LeadState.HELD
    assert actions(ev) == ["AWAIT_ASYLUM_DECISION"]


def test_identity_fraud_is_referred_for_criminal_investigation() -> None:
    from immigrationos.targeting.detectors.identity_fraud import OwnerInfo

    owners = {OWNER_SSN: OwnerInfo("P2", "JOHN SMITH", record="ssa_numident:N9")}
    ev = evaluate([licence("2023-01-01"), w2(2024, OWNER_SSN)], ssn_owner=owners)
    got = actions(ev)
    assert "REFER_FOR_CRIMINAL_INVESTIGATION" in got
    step = ev.recommendations[got.index("REFER_FOR_CRIMINAL_INVESTIGATION")]
    assert "1028A" in step.legal_basis and "ssa_numident:N9" in step.evidence


def test_weak_identity_is_confirmed_first_and_nothing_else() -> None:
    records = [licence("2023-01-01"), w2(2024, ITIN)]
    ev = evaluate(records, links={r.ref: 0.4 for r in records})
    assert actions(ev) == ["CONFIRM_IDENTITY"]


def test_citizenship_evidence_means_only_a_citizenship_review() -> None:
    ev = evaluate([licence("2023-01-01", doc="US_BIRTH_CERTIFICATE"), w2(2024, ITIN)])
    assert ev.state is LeadState.SUPPRESSED
    assert actions(ev) == ["INVESTIGATE_CITIZENSHIP_CLAIM"]


def test_no_lead_no_recommendation() -> None:
    assert evaluate([numident("123456789")]).recommendations == ()
