"""OVERSTAY on hand-built persons: the positive case and its lawful look-alikes."""

from __future__ import annotations

from immigrationos.targeting.detectors import overstay
from immigrationos.targeting.status import derive_status

from .builders import (
    AS_OF,
    arrival,
    benefit,
    departure,
    licence,
    numident,
    self_departure,
    tip,
    violations,
    w2,
)


def test_expired_admission_with_no_departure_is_an_overstay() -> None:
    entry = arrival("2023-03-01", "B2", "2023-08-28")
    seen = licence("2024-02-01")
    run = overstay.run([entry, seen], AS_OF)
    assert run.ran
    (finding,) = run.findings
    assert finding.violation == "OVERSTAY"
    assert finding.as_of == AS_OF
    assert finding.evidence[0] == entry.ref
    assert seen.ref in finding.evidence
    assert "2023-08-28" in finding.detail


def test_admission_still_running_is_not_an_overstay() -> None:
    assert "OVERSTAY" not in violations([arrival("2026-09-01", "B2", "2027-02-28")])


def test_duration_of_status_student_is_not_an_overstay() -> None:
    assert violations([arrival("2019-08-20", "F1", "D/S"), licence("2020-01-10")]) == set()


def test_departure_after_the_arrival_ends_it() -> None:
    records = [arrival("2023-03-01", "B2", "2023-08-28"), departure("2023-10-01")]
    assert "OVERSTAY" not in violations(records)


def test_only_the_latest_arrival_counts() -> None:
    old = [arrival("2015-01-01", "B2", "2015-06-30"), departure("2015-06-01")]
    assert "OVERSTAY" not in violations([*old, arrival("2026-10-01", "WT", "2026-12-30")])


def test_timely_pending_extension_is_relief() -> None:
    records = [arrival("2026-01-10", "B2", "2026-07-09"), benefit("I-539", "PENDING", "2026-06-20")]
    assert "OVERSTAY" not in violations(records)


def test_extension_filed_after_expiry_is_no_relief() -> None:
    records = [arrival("2026-01-10", "B2", "2026-07-09"), benefit("I-539", "PENDING", "2026-08-20")]
    assert "OVERSTAY" in violations(records)


def test_visa_waiver_entrant_cannot_extend() -> None:
    records = [arrival("2026-01-10", "WT", "2026-04-09"), benefit("I-539", "PENDING", "2026-03-20")]
    assert "OVERSTAY" in violations(records)


def test_denied_extension_is_no_relief() -> None:
    denied = benefit("I-539", "DENIED", "2026-03-20", "2026-05-01")
    assert "OVERSTAY" in violations([arrival("2026-01-10", "B2", "2026-04-09"), denied])


def test_approved_extension_counts_only_while_valid() -> None:
    entry = arrival("2025-01-10", "B2", "2025-07-09")
    valid = benefit("I-539", "APPROVED", "2025-06-01", "2025-07-01", ("2025-07-10", "2027-01-09"))
    expired = benefit("I-539", "APPROVED", "2025-06-01", "2025-07-01", ("2025-07-10", "2026-01-09"))
    assert "OVERSTAY" not in violations([entry, valid])
    assert "OVERSTAY" in violations([entry, expired])


def test_pending_asylum_is_relief() -> None:
    records = [arrival("2024-01-10", "B2", "2024-07-09"), benefit("I-589", "PENDING", "2024-12-01")]
    assert "OVERSTAY" not in violations(records)


def test_naturalized_citizen_with_old_i94s_has_no_violation() -> None:
    records = [
        arrival("2001-05-01", "B2", "2001-10-31"),
        benefit("I-485", "APPROVED", "2002-01-10", "2003-02-01"),
        benefit("N-400", "APPROVED", "2008-03-01", "2008-11-20"),
        numident("123456789", place="MEX", code="B", issued="2003-03-01"),
        w2(2010, "123456789"),
        licence("2020-01-01"),
    ]
    assert violations(records) == set()


def test_confirmed_self_departure_ends_presence_but_an_unconfirmed_one_does_not() -> None:
    entry = arrival("2023-03-01", "B2", "2023-08-28")
    assert violations([entry, self_departure("2024-01-01", "2024-02-01")]) == set()
    assert violations([entry, self_departure("2024-01-01", None)]) == {"OVERSTAY"}


def test_a_tip_is_no_evidence_of_presence() -> None:
    records = [
        arrival("2023-03-01", "B2", "2023-08-28"),
        self_departure("2024-01-01", "2024-02-01"),
    ]
    assert violations([*records, tip("2026-05-01")]) == set()


def test_deceased_person_is_not_present() -> None:
    entry = arrival("2020-03-01", "H1B", "2023-02-28")
    dead = numident("123456789", place="IND", code="B", issued="2020-04-01", died="2024-01-05")
    assert violations([entry, dead]) == set()


def test_records_after_as_of_are_not_known_yet() -> None:
    entry = arrival("2023-03-01", "B2", "2023-08-28")
    later = benefit("I-589", "PENDING", "2027-01-01")
    assert "OVERSTAY" in violations([entry, later])


def test_unreadable_admit_until_is_ignored_without_crashing() -> None:
    records = [arrival("2023-03-01", "B2", "2023-02-30"), licence("not a date")]
    status = derive_status(records, AS_OF)
    assert status.latest_admission is not None
    assert status.latest_admission.admit_until is None
    assert "OVERSTAY" not in violations(records)


def test_withheld_sources() -> None:
    entry = [arrival("2023-03-01", "B2", "2023-08-28"), w2(2024, "912345678")]
    run = overstay.run(entry, AS_OF, withheld_sources=frozenset({"uscis_benefits"}))
    assert not run.ran and not run.findings and "uscis_benefits" in run.reason
    run = overstay.run(entry, AS_OF, withheld_sources=frozenset({"irs_w2"}))
    assert run.ran and "irs_w2" in run.reason
    assert all(not ref.startswith("irs_w2") for f in run.findings for ref in f.evidence)
