"""FINAL_ORDER_UNEXECUTED on hand-built persons."""

from __future__ import annotations

from immigrationos.targeting.detectors import final_order_unexecuted as fo

from .builders import AS_OF, benefit, eoir, event, licence, self_departure, violations

SEEN = event("ENCOUNTER", "2014-12-01")


def test_final_order_of_a_present_person() -> None:
    order = eoir("REMOVAL_ORDERED", "2020-03-01")
    (finding,) = fo.run([SEEN, order], AS_OF).findings
    assert finding.evidence[0] == order.ref
    assert "2020-03-01" in finding.detail


def test_not_final_within_thirty_days_unless_in_absentia() -> None:
    assert "FINAL_ORDER_UNEXECUTED" not in violations([SEEN, eoir("REMOVAL_ORDERED", "2026-10-15")])
    in_absentia = eoir("REMOVAL_ORDERED", "2026-10-15", absentia=True)
    assert "FINAL_ORDER_UNEXECUTED" in violations([SEEN, in_absentia])


def test_appeal_pending_is_not_final() -> None:
    found = violations([SEEN, eoir("REMOVAL_ORDERED", "2020-03-01", appeal=True)])
    assert found == set()


def test_later_decision_wins() -> None:
    order = eoir("REMOVAL_ORDERED", "2018-03-01", absentia=True)
    for later in ("RELIEF_GRANTED", "TERMINATED"):
        found = violations([SEEN, order, eoir(later, "2019-06-01", "2018-05-01")])
        assert "FINAL_ORDER_UNEXECUTED" not in found
    reordered = eoir("REMOVAL_ORDERED", "2021-01-01", "2019-08-01")
    granted_then_ordered = [SEEN, eoir("RELIEF_GRANTED", "2019-06-01"), reordered]
    assert "FINAL_ORDER_UNEXECUTED" in violations(granted_then_ordered)


def test_later_uscis_grant_is_later_relief() -> None:
    grant = benefit("I-485", "APPROVED", "2020-06-01", "2022-01-01")
    assert violations([SEEN, eoir("REMOVAL_ORDERED", "2020-03-01"), grant]) == set()


def test_executed_order_and_departure() -> None:
    order = eoir("REMOVAL_ORDERED", "2020-03-01")
    assert violations([SEEN, order, event("REMOVAL", "2020-09-01")]) == set()
    returned = [SEEN, order, event("REMOVAL", "2020-09-01"), licence("2022-01-01")]
    assert violations(returned) == {"REENTRY_AFTER_REMOVAL", "PRESENT_WITHOUT_ADMISSION"}
    assert violations([SEEN, order, self_departure("2021-01-01", "2021-02-01")]) == set()


def test_decision_after_as_of_is_not_known() -> None:
    assert "FINAL_ORDER_UNEXECUTED" not in violations([SEEN, eoir("REMOVAL_ORDERED", "2027-01-01")])


def test_withheld_court_records_mean_not_run() -> None:
    run = fo.run([SEEN], AS_OF, withheld_sources=frozenset({"eoir_cases"}))
    assert not run.ran and "eoir_cases" in run.reason
