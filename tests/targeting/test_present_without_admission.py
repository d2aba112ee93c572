"""PRESENT_WITHOUT_ADMISSION on hand-built persons."""

from __future__ import annotations

from immigrationos.targeting.detectors import present_without_admission as pwa

from .builders import (
    AS_OF,
    arrival,
    benefit,
    ctr,
    eoir,
    event,
    licence,
    numident,
    passport,
    self_departure,
    tip,
    violations,
    w2,
)


def test_evidence_of_presence_without_admission_or_status() -> None:
    wages, seen = w2(2024, "912785678"), licence("2022-05-01")
    run = pwa.run([wages, seen], AS_OF)
    (finding,) = run.findings
    assert set(finding.evidence) == {wages.ref, seen.ref}
    assert "no admission or status" in finding.detail
    assert "tied to immigration" in finding.detail  # the ITIN


def test_a_licence_alone_ties_no_one_to_immigration() -> None:
    # A citizen's licence that resolution did not join to the rest of their records
    # looks exactly like this: the absence of records is no evidence of alienage.
    assert violations([licence("2022-05-01")]) == set()
    assert violations([licence("2022-05-01"), ctr("2024-01-01")]) == set()


def test_no_evidence_of_presence_is_no_finding() -> None:
    assert violations([]) == set()
    assert violations([tip("2026-01-01"), tip("2026-02-01")]) == set()


def test_an_expired_admission_is_an_overstay_not_this() -> None:
    assert violations([arrival("2020-01-01", "B2", "2020-06-30"), ctr("2025-03-01")]) == {
        "OVERSTAY"
    }


def test_us_citizen_and_residents_are_not_flagged() -> None:
    assert violations([numident("123456789"), w2(2024, "123456789")]) == set()
    assert violations([passport("2019-01-01"), licence("2022-01-01")]) == set()
    lpr = [benefit("I-485", "APPROVED", "2010-01-01", "2011-01-01"), licence("2022-01-01")]
    assert violations(lpr) == set()


def test_pending_relief_is_not_flagged() -> None:
    records = [event("ENCOUNTER", "2024-01-01"), benefit("I-589", "PENDING", "2024-06-01")]
    assert violations(records) == set()
    court = [event("ENCOUNTER", "2024-01-01"), eoir("PENDING", None, "2024-01-20")]
    assert violations(court) == {"PRESENT_WITHOUT_ADMISSION"}


def test_return_after_removal_needs_a_new_admission() -> None:
    removed = [event("ARREST", "2018-01-01"), event("REMOVAL", "2019-01-01")]
    back = [*removed, w2(2021, "912345678")]
    assert violations(back) == {
        "PRESENT_WITHOUT_ADMISSION",
        "REENTRY_AFTER_REMOVAL",
        "UNAUTHORIZED_EMPLOYMENT",
    }
    # A W-2 of the year of the removal does not show a return.
    assert violations([*removed, licence("2018-06-01")]) == set()


def test_removal_then_lawful_readmission_is_not_this() -> None:
    records = [
        event("REMOVAL", "2015-01-01"),
        arrival("2022-01-01", "H1B", "2027-01-01"),
        w2(2023, "123456789"),
        numident("123456789", place="IND", code="B", issued="2022-02-01"),
    ]
    found = violations(records)
    assert "PRESENT_WITHOUT_ADMISSION" not in found
    assert "UNAUTHORIZED_EMPLOYMENT" not in found


def test_confirmed_departure_without_return_is_not_present() -> None:
    records = [licence("2020-01-01"), self_departure("2024-01-01", "2024-02-01")]
    assert violations(records) == set()
    assert violations([*records, tip("2025-01-01")]) == set()
    # A later record shows them back; only a record tying them to immigration flags them.
    assert violations([*records, ctr("2025-01-01")]) == set()
    back = [*records, ctr("2025-01-01"), event("ENCOUNTER", "2025-03-01")]
    assert violations(back) == {"PRESENT_WITHOUT_ADMISSION"}
