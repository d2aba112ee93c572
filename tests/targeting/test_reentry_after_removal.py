"""REENTRY_AFTER_REMOVAL on hand-built persons."""

from __future__ import annotations

from immigrationos.targeting.detectors import reentry_after_removal as reentry

from .builders import AS_OF, arrival, event, licence, numident, tip, violations


def test_present_after_removal() -> None:
    removal, seen = event("REMOVAL", "2019-01-01"), event("ARREST", "2024-03-01")
    (finding,) = reentry.run([removal, seen], AS_OF).findings
    assert finding.evidence == (removal.ref, seen.ref)
    assert "2019-01-01" in finding.detail


def test_removal_with_no_sign_of_return() -> None:
    assert violations([event("ARREST", "2018-06-01"), event("REMOVAL", "2019-01-01")]) == set()


def test_a_tip_is_not_a_return() -> None:
    assert violations([event("REMOVAL", "2019-01-01"), tip("2025-01-01")]) == set()


def test_a_voluntary_return_is_not_a_removal() -> None:
    records = [
        event("ENCOUNTER", "2015-01-01"),
        event("RETURN", "2015-01-02"),
        licence("2020-01-01"),
    ]
    assert violations(records) == {"PRESENT_WITHOUT_ADMISSION"}


def test_lawful_readmission_after_removal_is_flagged_with_the_admission_named() -> None:
    # The contract's definition has no exception for consent to reapply: the finding names
    # the admission so that a reviewer checks for an approved I-212 first.
    records = [
        event("REMOVAL", "2015-01-01"),
        arrival("2022-01-01", "LPR", None),
        numident("123456789", place="MEX", code="B", issued="2022-02-01"),
    ]
    (finding,) = reentry.run(records, AS_OF).findings
    assert "I-212" in finding.detail
    assert violations(records) == {"REENTRY_AFTER_REMOVAL"}


def test_deceased_after_return_is_not_present() -> None:
    records = [
        event("REMOVAL", "2015-01-01"),
        licence("2018-01-01"),
        numident("123456789", place="MEX", code=None, issued="2018-02-01", died="2024-01-01"),
    ]
    assert violations(records) == set()


def test_withheld_enforcement_events_means_not_run() -> None:
    run = reentry.run([event("REMOVAL", "2015-01-01")], AS_OF,
                      withheld_sources=frozenset({"enforcement_events"}))  # fmt: skip
    assert not run.ran and "enforcement_events" in run.reason
