"""The inspection workflow: deadlines in business days, and which notices results call for."""

from __future__ import annotations

from datetime import date

import pytest

from immigrationos.worksite.fines import compute_fine
from immigrationos.worksite.inspection import (
    InspectionTimeline,
    NoticeKind,
    notices_due,
    warning_decision,
)
from immigrationos.worksite.model import (
    AuditResult,
    Category,
    Classification,
    Employer,
    Finding,
    FormResult,
    Mode,
)

ASSESSED = date(2026, 3, 2)


def test_production_due_three_business_days_across_thanksgiving() -> None:
    # Served Tue 2026-11-24: Wed 25 (1), Thu 26 Thanksgiving (skipped), Fri 27 (2), Mon 30 (3).
    assert InspectionTimeline(served=date(2026, 11, 24)).production_due == date(2026, 11, 30)
    # Served Mon 2026-03-02, no holiday: Thu 2026-03-05.
    assert InspectionTimeline(served=date(2026, 3, 2)).production_due == date(2026, 3, 5)


def test_correction_due_ten_business_days_across_christmas() -> None:
    # NTPF served Mon 2026-12-14: 15-18 (4), 21-24 (8), Fri 25 Christmas skipped,
    # Mon 28 (9), Tue 29 (10).
    timeline = InspectionTimeline(served=date(2026, 11, 24)).with_ntpf(date(2026, 12, 14))
    assert timeline.correction_due == date(2026, 12, 29)


def test_hearing_request_thirty_days_rolls_to_a_business_day() -> None:
    # NIF served Fri 2026-06-05: day 30 is Sun 2026-07-05 -> Mon 2026-07-06.
    timeline = InspectionTimeline(served=date(2026, 5, 1)).with_nif(date(2026, 6, 5))
    assert timeline.hearing_request_due == date(2026, 7, 6)
    # NIF served Wed 2026-06-10: day 30 is Fri 2026-07-10, a business day.
    assert timeline.with_nif(date(2026, 6, 10)).hearing_request_due == date(2026, 7, 10)


def test_deadlines_known_so_far_in_order() -> None:
    timeline = InspectionTimeline(served=date(2026, 3, 2))
    assert timeline.correction_due is None
    assert timeline.hearing_request_due is None
    assert [d.name for d in timeline.deadlines()] == ["Produce the Forms I-9"]
    full = timeline.with_ntpf(date(2026, 4, 1)).with_nif(date(2026, 5, 1))
    assert [d.due for d in full.deadlines()] == [
        date(2026, 3, 5),
        date(2026, 4, 15),  # 10 business days after Wed 2026-04-01
        date(2026, 6, 1),  # 30 days after 2026-05-01 is Sun 2026-05-31 -> Mon 2026-06-01
    ]
    with pytest.raises(ValueError, match="cannot be served before the Notice of Inspection"):
        timeline.with_nif(date(2026, 3, 1))


def _result(*findings: Finding, required: int = 10) -> AuditResult:
    by_form: dict[str, list[Finding]] = {}
    for f in findings:
        by_form.setdefault(f.form_id, []).append(f)
    return AuditResult(
        mode=Mode.INSPECTION,
        policy="long-standing",
        audit_date=ASSESSED,
        employer=Employer(name="Synthetic Co"),
        forms=[FormResult(form_id, findings=fs) for form_id, fs in by_form.items()],
        forms_required=required,
    )


def _f(
    form: str,
    cls: Classification = Classification.SUBSTANTIVE,
    cat: Category = Category.PAPERWORK,
    rule: str = "S2_LATE",
) -> Finding:
    return Finding(rule, form, "m", classification=cls, category=cat)


def kinds(result: AuditResult, fine=None) -> list[NoticeKind]:  # type: ignore[no-untyped-def]
    return [n.kind for n in notices_due(result, fine)]


def test_nothing_found_is_a_compliance_letter() -> None:
    clean = AuditResult(Mode.INSPECTION, "p", ASSESSED, Employer(), [FormResult("F1")], [], 1)
    assert kinds(clean) == [NoticeKind.COMPLIANCE_LETTER]
    # Informational and document-abuse findings call for no ICE notice.
    other = _result(
        _f("F1", Classification.NOT_A_VIOLATION, Category.RETENTION, "RETENTION_DESTROY_BY"),
        _f("F2", cat=Category.DISCRIMINATION, rule="OVERDOCUMENTATION"),
    )
    assert kinds(other) == [NoticeKind.COMPLIANCE_LETTER]


def test_technical_and_suspect_notices() -> None:
    result = _result(
        _f("F1", Classification.TECHNICAL, rule="S1_ADDRESS_MISSING"),
        _f("F2", cat=Category.SUSPECT_DOCUMENT, rule="SSN_DECEASED"),
    )
    due = notices_due(result)
    assert [n.kind for n in due] == [NoticeKind.TECHNICAL_FAILURES, NoticeKind.SUSPECT_DOCUMENTS]
    assert [f.form_id for f in due[0].findings] == ["F1"]
    assert [f.form_id for f in due[1].findings] == ["F2"]


def test_substantive_without_a_fine_is_a_warning() -> None:
    assert kinds(_result(_f("F1"))) == [NoticeKind.WARNING_NOTICE]


def test_warning_policy_decides_warning_or_intent_to_fine() -> None:
    # 1 violation of 20 forms = 5 %, 1st offense, good faith neutral: every condition met.
    result = _result(_f("F1"), required=20)
    small = compute_fine(forms_required=20, violations=["F1"], assessment_date=ASSESSED)
    assert warning_decision(small).chosen
    assert kinds(result, small) == [NoticeKind.WARNING_NOTICE]
    # The same, 2nd offense: a fine.
    second = compute_fine(forms_required=20, violations=["F1"], assessment_date=ASSESSED, offense=2)
    decision = warning_decision(second)
    assert not decision.chosen
    assert "not met: offense tier 2, one of [1]" in decision.reasons
    assert kinds(result, second) == [NoticeKind.INTENT_TO_FINE]
    # Bad faith: a fine.
    bad_faith = compute_fine(
        forms_required=20,
        violations=["F1"],
        assessment_date=ASSESSED,
        factors={"good_faith": "aggravating"},
    )
    assert kinds(result, bad_faith) == [NoticeKind.INTENT_TO_FINE]
    # Too many: 6 violations of 100 (6 %), above the 5 allowed.
    many = compute_fine(
        forms_required=100, violations=[f"F{i}" for i in range(6)], assessment_date=ASSESSED
    )
    assert not warning_decision(many).chosen
    # Too high a share: 3 of 20 = 15 %.
    share = compute_fine(forms_required=20, violations=["a", "b", "c"], assessment_date=ASSESSED)
    assert not warning_decision(share).chosen


def test_knowing_hire_alone_calls_for_intent_to_fine() -> None:
    result = _result(_f("F1", Classification.TECHNICAL, rule="S1_ADDRESS_MISSING"))
    fine = compute_fine(
        forms_required=10, violations=[], assessment_date=ASSESSED, knowing_hire=["E1"]
    )
    assert kinds(result, fine) == [NoticeKind.TECHNICAL_FAILURES, NoticeKind.INTENT_TO_FINE]


def test_all_notices_together_in_order() -> None:
    result = _result(
        _f("F1", Classification.TECHNICAL, rule="S1_DOB_MISSING"),
        _f("F2", cat=Category.SUSPECT_DOCUMENT, rule="NUMIDENT_MISMATCH"),
        *[_f(f"F{i}") for i in range(3, 9)],
    )
    fine = compute_fine(
        forms_required=10, violations=[f"F{i}" for i in range(3, 9)], assessment_date=ASSESSED
    )
    assert kinds(result, fine) == [
        NoticeKind.TECHNICAL_FAILURES,
        NoticeKind.SUSPECT_DOCUMENTS,
        NoticeKind.INTENT_TO_FINE,
    ]
