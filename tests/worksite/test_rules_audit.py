"""The audit: modes, classification, destroy-by dates, forms required, parse issues."""

from __future__ import annotations

from datetime import date

from immigrationos.worksite.audit import audit_forms
from immigrationos.worksite.model import (
    AuditContext,
    Document,
    DocumentList,
    Employer,
    I9Form,
    Mode,
    ParseIssue,
    RosterEntry,
    Section1,
    Section2,
    Status,
)
from immigrationos.worksite.rules.roster import destroy_by

AUDIT = date(2025, 11, 3)


def clean(form_id: str = "F1", employee_id: str = "E1", hire: date = date(2025, 3, 3)) -> I9Form:
    return I9Form(
        form_id=form_id,
        employee_id=employee_id,
        edition="08/01/23",
        section1=Section1(
            last_name="RIVERA",
            first_name="ANA",
            address="12 ELM ST",
            city="AUSTIN",
            state="TX",
            zip_code="78702",
            date_of_birth=date(1990, 5, 1),
            ssn="212459876",
            status_boxes=[Status.CITIZEN],
            signed=True,
            date_signed=hire,
        ),
        section2=Section2(
            list_a=[
                Document(
                    DocumentList.A,
                    "U.S. Passport",
                    "U.S. Department of State",
                    "A12345678",
                    date(2031, 1, 1),
                )
            ],
            first_day_of_employment=hire,
            representative_last_name="OKAFOR",
            representative_first_name="GRACE",
            representative_title="HR Manager",
            signed=True,
            date_signed=hire,
            business_name="PECAN GROVE FOODS LLC",
            business_address="400 COMMERCE DR, AUSTIN, TX",
        ),
    )


def ctx(**kw: object) -> AuditContext:
    return AuditContext(audit_date=kw.pop("audit_date", AUDIT), employer=Employer(state="TX"), **kw)  # type: ignore[arg-type]


def test_clean_form_draws_nothing_in_either_mode() -> None:
    for mode in Mode:
        result = audit_forms([clean()], ctx(mode=mode))
        assert result.findings() == []
        assert result.forms[0].destroy_by is None  # still employed
        assert result.forms_required == 1


def test_policy_is_recorded_on_the_result_and_findings() -> None:
    form = clean()
    form.section1.date_of_birth = None
    result = audit_forms([form], ctx(), policy="ice-2026-03")
    assert result.policy.startswith("ice-2026-03@")
    (finding,) = result.findings()
    assert finding.rule_id == "S1_DOB_MISSING"
    assert finding.classification.value == "SUBSTANTIVE"
    assert finding.policy == result.policy
    assert finding.fields == ["section1.date_of_birth"]


def test_destroy_by_is_the_later_of_three_years_and_one_year() -> None:
    # Short employment: three years after hire is later.
    assert destroy_by(date(2020, 1, 6), date(2020, 3, 1)) == date(2023, 1, 6)
    # Long employment: one year after termination is later.
    assert destroy_by(date(2015, 1, 5), date(2022, 6, 30)) == date(2023, 6, 30)
    assert destroy_by(date(2020, 2, 29), date(2020, 3, 1)) == date(2023, 2, 28)
    assert destroy_by(date(2020, 1, 6), None) is None


def test_destroy_by_on_the_result_and_forms_required_from_the_roster() -> None:
    roster = {
        "E1": RosterEntry("E1", hire_date=date(2019, 4, 1), termination_date=date(2021, 2, 26)),
        "E2": RosterEntry("E2", hire_date=date(2025, 3, 3)),
        "E3": RosterEntry("E3", hire_date=date(1985, 2, 1)),  # before IRCA: no form needed
    }
    old = clean("F1", "E1", date(2019, 4, 1))
    old.edition = "07/17/17"
    result = audit_forms([old, clean("F2", "E2")], ctx(roster=roster))
    assert result.forms[0].destroy_by == date(2022, 4, 1)
    assert [f.rule_id for f in result.forms[0].findings] == ["RETENTION_DESTROY_BY"]
    assert result.forms[0].findings[0].classification.value == "NOT_A_VIOLATION"
    assert result.forms_required == 1  # E2 only: E1 past retention, E3 before IRCA


def test_missing_form_is_an_employer_finding_with_the_employee() -> None:
    roster = {
        "E1": RosterEntry("E1", hire_date=date(2025, 3, 3)),
        "E9": RosterEntry("E9", "LEE", "MAY", hire_date=date(2024, 1, 8)),
    }
    result = audit_forms([clean()], ctx(roster=roster))
    (finding,) = result.employer_findings
    assert (finding.rule_id, finding.form_id, finding.employee_id) == ("MISSING_FORM", "", "E9")
    assert result.forms_required == 2


def test_unreadable_date_is_flagged_once_without_a_cascade() -> None:
    form = clean()
    form.section1.date_signed = None
    form.parse_issues.append(ParseIssue("section1.date_signed", "02/30/2025", "not a date"))
    form.section2.first_day_of_employment = None
    form.parse_issues.append(
        ParseIssue("section2.first_day_of_employment", "3/3/25x", "not a date")
    )
    result = audit_forms([form], ctx())
    rules = sorted(f.rule_id for f in result.findings())
    assert rules == ["S1_DATE_MISSING", "S2_HIRE_DATE_MISSING"]
    assert "unreadable ('02/30/2025')" in result.findings()[0].message


def test_on_progress_reports_the_end() -> None:
    calls: list[tuple[int, int]] = []
    audit_forms(
        [clean(f"F{i}", f"E{i}") for i in range(3)],
        ctx(),
        on_progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1] == (3, 3)


def test_inspection_cross_checks_do_not_run_in_a_self_audit() -> None:
    a, b = clean("F1", "E1"), clean("F2", "E2")  # one SSN on two employees
    result = audit_forms([a, b], ctx(mode=Mode.SELF))
    assert all(f.rule_id != "SSN_SHARED" for f in result.findings())
