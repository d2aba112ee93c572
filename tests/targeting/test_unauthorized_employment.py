"""UNAUTHORIZED_EMPLOYMENT on hand-built persons."""

from __future__ import annotations

from immigrationos.targeting.detectors import unauthorized_employment as ue
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo

from .builders import AS_OF, arrival, benefit, eoir, event, numident, passport, violations, w2


def test_wages_under_an_itin_are_unauthorized_work_not_fraud() -> None:
    wages = w2(2024, "912785678")
    (finding,) = ue.run([wages], AS_OF).findings
    assert finding.evidence == (wages.ref,)
    assert "ITIN" in finding.detail and "2024" in finding.detail
    assert violations([wages]) == {"UNAUTHORIZED_EMPLOYMENT", "PRESENT_WITHOUT_ADMISSION"}


def test_one_finding_per_unauthorized_year() -> None:
    runs = ue.run([w2(2023, "912785678"), w2(2024, "912785678"), w2(2024, "912785678")], AS_OF)
    assert [len(f.evidence) for f in runs.findings] == [1, 2]


def test_citizen_and_lpr_work() -> None:
    assert violations([numident("123456789"), w2(2024, "123456789")]) == set()
    owners = {"123456789": OwnerInfo("P1", "ANA PEREZ")}
    born_here = [passport("2010-01-01", place="NY"), w2(2005, "123456789")]
    assert violations(born_here, ssn_owner=owners) == set()
    lpr = [benefit("I-485", "APPROVED", "2015-01-01", "2016-01-01"), w2(2020, "912785678")]
    assert "UNAUTHORIZED_EMPLOYMENT" not in violations(lpr)
    returning = [arrival("2021-01-01", "LPR", None), w2(2022, "912785678")]
    assert "UNAUTHORIZED_EMPLOYMENT" not in violations(returning)


def test_valid_ead_covers_its_years_only() -> None:
    ead = benefit("I-765", "APPROVED", "2021-01-01", "2021-03-01", ("2021-03-01", "2023-02-28"))
    pending = benefit("I-589", "PENDING", "2020-10-01")
    base = [event("ENCOUNTER", "2020-09-01"), pending, ead]
    assert violations([*base, w2(2022, "912785678"), w2(2023, "912785678")]) == set()
    assert violations([*base, w2(2024, "912785678")]) == {"UNAUTHORIZED_EMPLOYMENT"}


def test_work_class_covers_its_admission_period_only() -> None:
    entry = arrival("2020-02-01", "H1B", "2023-01-31")
    own = numident("123456789", place="IND", code="B", issued="2020-03-01")
    assert "UNAUTHORIZED_EMPLOYMENT" not in violations([entry, own, w2(2022, "123456789")])
    late = violations([entry, own, w2(2025, "123456789")])
    assert late == {"UNAUTHORIZED_EMPLOYMENT", "OVERSTAY"}


def test_student_in_duration_of_status_may_not_work_off_campus() -> None:
    records = [arrival("2022-08-20", "F1", "D/S"), w2(2023, "912785678")]
    assert violations(records) == {"UNAUTHORIZED_EMPLOYMENT"}


def test_tps_daca_and_asylum_grants_authorize_work() -> None:
    tps = benefit("I-821", "APPROVED", "2021-01-01", "2021-05-01", ("2021-05-01", "2027-04-30"))
    daca = benefit("I-821D", "APPROVED", "2021-01-01", "2021-05-01", ("2021-05-01", "2027-04-30"))
    asylum = eoir("RELIEF_GRANTED", "2021-05-01")
    for grant in (tps, daca, asylum):
        assert violations([grant, w2(2024, "912785678")]) == set()


def test_withheld_irs_data_means_not_run() -> None:
    run = ue.run([w2(2024, "912785678")], AS_OF, withheld_sources=frozenset({"irs_w2"}))
    assert not run.ran and not run.findings and "irs_w2" in run.reason
