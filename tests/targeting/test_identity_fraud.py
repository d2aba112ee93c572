"""IDENTITY_FRAUD on hand-built persons, with the Numident owners passed in."""

from __future__ import annotations

import datetime as dt

from immigrationos.targeting.detectors import identity_fraud as idf
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo

from .builders import AS_OF, numident, tip, violations, w2

VICTIM = OwnerInfo("P2", "JOHN SMITH", dt.date(1950, 1, 1), dt.date(2019, 4, 2), "ssa_numident:N9")
OWNERS = {"123456789": OwnerInfo("P1", "ANA PEREZ"), "555667777": VICTIM}


def test_wages_under_another_persons_ssn() -> None:
    wages = w2(2024, "555667777")
    (finding,) = idf.run([wages], AS_OF, ssn_owner=OWNERS, person_id="P1").findings
    assert finding.evidence == (wages.ref, "ssa_numident:N9")
    assert "JOHN SMITH" in finding.detail and "deceased 2019-04-02" in finding.detail


def test_never_issued_numbers() -> None:
    (found,) = idf.run([w2(2024, "321540000")], AS_OF, ssn_owner=OWNERS).findings
    assert "not a valid SSN" in found.detail
    (found,) = idf.run([w2(2024, "321541234")], AS_OF, ssn_owner=OWNERS).findings
    assert "no Numident record" in found.detail


def test_own_ssn_and_an_employers_typo_in_it_are_not_fraud() -> None:
    own = numident("123456789")
    assert (
        violations([own, w2(2024, "123456789"), w2(2025, "123456780")], ssn_owner=OWNERS) == set()
    )


def test_own_ssn_known_by_the_owner_map_alone() -> None:
    assert idf.run([w2(2024, "123456789")], AS_OF, ssn_owner=OWNERS, person_id="P1").findings == ()


def test_itin_is_not_fraud() -> None:
    assert "IDENTITY_FRAUD" not in violations([w2(2024, "912785678")], ssn_owner=OWNERS)


def test_one_finding_per_misused_number() -> None:
    records = [w2(2023, "555667777"), w2(2024, "555667777"), w2(2024, "321541234")]
    run = idf.run(records, AS_OF, ssn_owner=OWNERS, person_id="P1")
    assert len(run.findings) == 2


def test_a_tip_alone_creates_nothing() -> None:
    assert violations([tip("2025-01-01")], ssn_owner=OWNERS) == set()


def test_withheld_sources_mean_not_run() -> None:
    for source in ("irs_w2", "ssa_numident"):
        run = idf.run([w2(2024, "555667777")], AS_OF, ssn_owner=OWNERS,
                      withheld_sources=frozenset({source}))  # fmt: skip
        assert not run.ran and not run.findings and source in run.reason
