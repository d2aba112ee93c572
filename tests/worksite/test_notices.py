"""The notices of an inspection: real PDFs, read back with pypdf, carrying the key facts."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from immigrationos.worksite import notices
from immigrationos.worksite.fines import FineComputation, compute_fine
from immigrationos.worksite.inspection import NoticeKind
from immigrationos.worksite.model import (
    AuditResult,
    Category,
    Classification,
    Document,
    DocumentList,
    Employer,
    Finding,
    FormResult,
    I9Form,
    Mode,
    Section1,
    Section2,
)

SERVED = date(2026, 3, 2)  # a Monday
EMPLOYER = Employer(name="Quillfeather Synthetic Orchards LLC", address="12 Test Lane, Springfield")


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def squash(text: str) -> str:
    return "".join(text.split())


def _finding(form: str, rule: str, **kw: object) -> Finding:
    return Finding(rule_id=rule, form_id=form, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def result() -> AuditResult:
    forms = [
        FormResult(
            "F001",
            employee_id="E001",
            findings=[
                _finding(
                    "F001",
                    "S1_ADDRESS_MISSING",
                    message="Section 1 lacks the address",
                    fields=["section1.address"],
                    citation="8 CFR 274a.2(b)(1)(i)(A)",
                    classification=Classification.TECHNICAL,
                    policy="long-standing",
                    employee_id="E001",
                )
            ],
        ),
        FormResult(
            "F002",
            employee_id="E002",
            findings=[
                _finding(
                    "F002",
                    "S1_DOB_MISSING",
                    message="Section 1 lacks the date of birth",
                    fields=["section1.date_of_birth"],
                    citation="Form I-9 instructions, Section 1",
                    classification=Classification.TECHNICAL,
                    employee_id="E002",
                ),
                _finding(
                    "F002",
                    "NUMIDENT_MISMATCH",
                    message="Date of birth differs from ssa_numident:NUM-0042",
                    fields=["section1.ssn", "section1.date_of_birth"],
                    category=Category.SUSPECT_DOCUMENT,
                    employee_id="E002",
                ),
            ],
        ),
        *[
            FormResult(
                f"F{i:03d}",
                findings=[
                    _finding(
                        f"F{i:03d}",
                        "S2_LATE",
                        message="Section 2 completed 6 business days after hire",
                        fields=["section2.date_signed"],
                        citation="8 CFR 274a.2(b)(1)(ii)",
                    )
                ],
            )
            for i in range(3, 15)
        ],
    ]
    return AuditResult(
        mode=Mode.INSPECTION,
        policy="long-standing",
        audit_date=SERVED,
        employer=EMPLOYER,
        forms=forms,
        forms_required=25,
    )


@pytest.fixture(scope="module")
def fine() -> FineComputation:
    # 12 of 25 = 48 % -> 40-49 %, 1st offense $2,003; history aggravating +5 %:
    # 2003 x 1.05 = 2103.15 -> $2,103; x 12 = $25,236.
    fine = compute_fine(
        forms_required=25,
        violations=[f"F{i:03d}" for i in range(3, 15)],
        assessment_date=SERVED,
        factors={"history": "aggravating"},
    )
    assert fine.total == 25236
    return fine


def test_notice_of_inspection_names_the_production_date() -> None:
    pdf = notices.notice_of_inspection(EMPLOYER, SERVED, case_number="WS-2026-0007")
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "Notice of Inspection"  # type: ignore[union-attr]
    text = text_of(pdf)
    assert "SYNTHETIC DATA" in text
    assert "Notice of Inspection" in text
    assert EMPLOYER.name in text
    assert "WS-2026-0007" in text
    assert "March 2, 2026" in text
    assert "2026-03-05" in text  # 3 business days after Mon 2026-03-02
    assert "Forms I-9 of current employees" in text


def test_technical_failures_notice(result: AuditResult) -> None:
    text = text_of(notices.technical_failures_notice(result, date(2026, 4, 1)))
    assert "Notice of Technical or Procedural Failures" in text
    assert EMPLOYER.name in text
    assert "found 2 technical or procedural failure(s) on 2 form(s)" in text
    assert "2026-04-15" in text  # 10 business days after Wed 2026-04-01
    for expected in ("S1_ADDRESS_MISSING", "S1_DOB_MISSING", "section1.address", "F001", "F002"):
        assert expected in text
    assert "8CFR274a.2(b)(1)(i)(A)" in squash(text)  # a narrow column breaks it
    assert "S2_LATE" not in text  # substantive: not on this notice
    assert "SYNTHETIC DATA" in text


def test_suspect_documents_notice_names_employee_document_and_record(result: AuditResult) -> None:
    form = I9Form(
        form_id="F002",
        section1=Section1(last_name="Marrowby", first_name="Testa"),
        section2=Section2(
            list_b=Document(DocumentList.B, "Driver's license", "ZZ DMV", "D1234567"),
            list_c=Document(DocumentList.C, "Social Security card", "SSA", "900-00-0000"),
        ),
    )
    text = text_of(notices.suspect_documents_notice(result, SERVED, forms={"F002": form}))
    assert "Notice of Suspect Documents" in text
    assert "1 finding(s) concerning 1 employee(s)" in text
    assert "Marrowby, Testa" in text
    assert "Driver's license" in text and "D1234567" in text
    assert "ssa_numident:NUM-0042" in text
    assert "NUMIDENT_MISMATCH" in text
    assert EMPLOYER.name in text


def test_warning_notice(result: AuditResult) -> None:
    text = text_of(notices.warning_notice(result, SERVED))
    assert "Warning Notice" in text
    assert "found 12 substantive violation(s) on 12 form(s) of the 25 required" in text
    assert "S2_LATE" in text
    assert EMPLOYER.name in text
    assert "SYNTHETIC DATA" in text


def test_intent_to_fine_carries_the_computation_and_hearing_right(
    result: AuditResult, fine: FineComputation
) -> None:
    text = text_of(notices.intent_to_fine_notice(result, fine, date(2026, 5, 1)))
    assert "Notice of Intent to Fine" in text
    assert EMPLOYER.name in text
    assert "civil penalty of $25,236" in text
    assert "12 substantive violation(s)" in text
    assert "48.00 %" in text
    assert "40-49 %" in text
    assert "$2,003" in text and "$2,103" in text
    assert "+5 %" in text
    assert "Office of the Chief Administrative Hearing Officer (OCAHO)" in text
    # 30 days after Fri 2026-05-01 is Sun 2026-05-31 -> Mon 2026-06-01.
    assert "2026-06-01" in text
    assert "scaled from ICE's 2009 schedule" in text
    assert "SYNTHETIC DATA" in text


def test_compliance_letter() -> None:
    clean = AuditResult(
        Mode.INSPECTION, "long-standing", SERVED, EMPLOYER, [FormResult("F1")], [], 1
    )
    text = text_of(notices.compliance_letter(clean, SERVED))
    assert "Compliance Letter" in text
    assert "Of the 1 form(s) inspected (1 required)" in text
    assert "found in compliance" in text
    assert EMPLOYER.name in text


def test_every_kind_renders_html_with_the_banner(
    result: AuditResult, fine: FineComputation
) -> None:
    for kind in NoticeKind:
        req = notices.NoticeRequest(kind, EMPLOYER, SERVED, result=result, fine=fine)
        html = notices.notice_html(req)
        assert notices.SYNTHETIC_BANNER in html
        assert req.title in html


def test_missing_inputs_are_clear_errors(result: AuditResult) -> None:
    with pytest.raises(ValueError, match="needs the audit result"):
        notices.notice_html(notices.NoticeRequest(NoticeKind.WARNING_NOTICE, EMPLOYER, SERVED))
    with pytest.raises(ValueError, match="needs the fine computation"):
        notices.notice_html(
            notices.NoticeRequest(NoticeKind.INTENT_TO_FINE, EMPLOYER, SERVED, result=result)
        )
