"""The audit report: self-contained HTML with SVG charts whose bars match the counts, and PDF."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from pypdf import PdfReader

from immigrationos.worksite.fines import compute_fine
from immigrationos.worksite.model import (
    AuditResult,
    Category,
    Classification,
    Employer,
    Finding,
    FormResult,
    Mode,
)
from immigrationos.worksite.report import (
    COLUMN_HEIGHT,
    RULE_BAR_SPACE,
    report_html,
    report_pdf,
    section_of,
)
from immigrationos.worksite.rules.catalogue import RULE_IDS

S = Classification.SUBSTANTIVE
T = Classification.TECHNICAL
N = Classification.NOT_A_VIOLATION
SVG = "{http://www.w3.org/2000/svg}"


def f(form: str, rule: str, cls: Classification, *fields: str, **kw: object) -> Finding:
    assert rule in RULE_IDS
    return Finding(
        rule_id=rule,
        form_id=form,
        message=f"{rule} on {form}",
        fields=list(fields),
        citation=f"cite-{rule}",
        classification=cls,
        policy="long-standing",
        guidance=f"Correct {rule} by strike-through, initialled and dated today.",
        **kw,  # type: ignore[arg-type]
    )


def build(mode: Mode) -> AuditResult:
    return AuditResult(
        mode=mode,
        policy="long-standing",
        audit_date=date(2026, 3, 2),
        employer=Employer(name="Pemberton Synthetic Bakery Inc", address="4 Example Rd"),
        forms=[
            FormResult(
                "F1",
                source="forms.csv:2",
                findings=[
                    f("F1", "S2_LATE", S, "section2.date_signed"),
                    f("F1", "S1_ADDRESS_MISSING", T, "section1.address"),
                ],
            ),
            FormResult(
                "F2",
                source="forms.csv:3",
                findings=[
                    f("F2", "S2_LATE", S, "section2.date_signed"),
                    f("F2", "S2_LATE", T, "section2.date_signed"),
                    f("F2", "S1_DOB_MISSING", T, "section1.date_of_birth"),
                ],
            ),
            FormResult(
                "F3",
                source="pdf/0003.pdf",
                destroy_by=date(2029, 1, 15),
                findings=[
                    f("F3", "S2_DOCUMENT_EXPIRED", S, "section2.list_a[0].expiration"),
                    f("F3", "RETENTION_DESTROY_BY", N, category=Category.RETENTION),
                ],
            ),
            FormResult("F4", source="forms.csv:5"),
            FormResult(
                "F5",
                source="forms.csv:6",
                findings=[f("F5", "SUPB_INCOMPLETE", S, "supplement_b[0].signed")],
            ),
        ],
        employer_findings=[f("", "MISSING_FORM", S, employee_id="E9")],
        forms_required=6,
    )


BY_RULE = {
    ("S2_LATE", "SUBSTANTIVE"): 2,
    ("S2_LATE", "TECHNICAL"): 1,
    ("S1_ADDRESS_MISSING", "TECHNICAL"): 1,
    ("S1_DOB_MISSING", "TECHNICAL"): 1,
    ("S2_DOCUMENT_EXPIRED", "SUBSTANTIVE"): 1,
    ("RETENTION_DESTROY_BY", "NOT_A_VIOLATION"): 1,
    ("SUPB_INCOMPLETE", "SUBSTANTIVE"): 1,
    ("MISSING_FORM", "SUBSTANTIVE"): 1,
}
BY_SECTION = {
    "Section 1": 2,
    "Section 2": 4,
    "Supplement B": 1,
    "Whole form": 1,
    "Roster and employer": 1,
}
BY_CLASS = {"SUBSTANTIVE": 5, "TECHNICAL": 3, "NOT_A_VIOLATION": 1}


def charts(html: str) -> dict[str, ET.Element]:
    out = {}
    for match in re.finditer(r"<svg .*?</svg>", html, flags=re.S):
        svg = ET.fromstring(match.group(0))
        out[svg.attrib["data-chart"]] = svg
    return out


def bars(svg: ET.Element) -> list[dict[str, str]]:
    return [dict(r.attrib) for r in svg.iter(f"{SVG}rect") if r.attrib.get("class") == "bar"]


@pytest.fixture(scope="module")
def self_html() -> str:
    return report_html(build(Mode.SELF))


def test_html_is_self_contained(self_html: str) -> None:
    assert "<style>" in self_html and "@page" in self_html  # base.css inline
    assert "<link" not in self_html
    assert "<script" not in self_html
    assert "src=" not in self_html
    assert "SYNTHETIC DATA" in self_html
    assert set(charts(self_html)) == {"by-rule", "by-section", "by-classification"}


def test_rule_chart_bars_stack_by_classification_and_match_counts(self_html: str) -> None:
    svg = charts(self_html)["by-rule"]
    unit = float(svg.attrib["data-unit"])
    assert unit == pytest.approx(RULE_BAR_SPACE / 3)  # the longest rule (S2_LATE) has 3
    got = {(b["data-key"], b["data-classification"]): b for b in bars(svg)}
    assert {k: int(b["data-count"]) for k, b in got.items()} == BY_RULE
    for b in got.values():
        assert float(b["width"]) == pytest.approx(int(b["data-count"]) * unit, abs=0.01)
    # The stack: S2_LATE's technical part starts where its substantive part ends, on one row.
    sub, tech = got[("S2_LATE", "SUBSTANTIVE")], got[("S2_LATE", "TECHNICAL")]
    assert float(tech["x"]) == pytest.approx(float(sub["x"]) + float(sub["width"]), abs=0.01)
    assert sub["y"] == tech["y"]
    assert float(sub["width"]) + float(tech["width"]) == pytest.approx(RULE_BAR_SPACE, abs=0.01)
    # The most frequent rule comes first.
    assert min(got.values(), key=lambda b: float(b["y"]))["data-key"] == "S2_LATE"


def test_section_chart_heights_match_counts(self_html: str) -> None:
    svg = charts(self_html)["by-section"]
    unit = float(svg.attrib["data-unit"])
    assert unit == pytest.approx(COLUMN_HEIGHT / 4)
    got = {b["data-key"]: b for b in bars(svg)}
    assert {k: int(b["data-count"]) for k, b in got.items()} == BY_SECTION
    for b in got.values():
        assert float(b["height"]) == pytest.approx(int(b["data-count"]) * unit, abs=0.01)
    # Columns stand on one baseline.
    assert len({round(float(b["y"]) + float(b["height"]), 2) for b in got.values()}) == 1


def test_classification_chart_heights_match_counts(self_html: str) -> None:
    svg = charts(self_html)["by-classification"]
    unit = float(svg.attrib["data-unit"])
    got = {b["data-key"]: b for b in bars(svg)}
    assert {k: int(b["data-count"]) for k, b in got.items()} == BY_CLASS
    assert float(got["SUBSTANTIVE"]["height"]) == pytest.approx(COLUMN_HEIGHT)
    assert float(got["TECHNICAL"]["height"]) == pytest.approx(3 * unit)


def test_sections_of_findings() -> None:
    assert section_of(f("F", "ANUMBER_INVALID", S)) == "Section 1"
    assert section_of(f("F", "ANUMBER_INVALID", S, "supplement_b[1].document.number")) == (
        "Supplement B"
    )
    assert section_of(f("F", "SUPA_INCOMPLETE", S)) == "Supplement A"
    assert section_of(f("F", "EDITION_INVALID", S)) == "Whole form"
    assert section_of(f("", "DOCUMENT_PATTERN", S)) == "Roster and employer"


def test_per_form_findings_with_guidance_in_self_audit(self_html: str) -> None:
    for form in ("F1", "F2", "F3", "F4", "F5"):
        assert f"Form {form}" in self_html
    assert "cite-S2_DOCUMENT_EXPIRED" in self_html
    assert "section2.list_a[0].expiration" in self_html
    assert "policy: long-standing" in self_html
    assert "Correct S2_LATE by strike-through" in self_html
    assert "How to correct" in self_html
    assert "No finding." in self_html
    assert "2029-01-15" in self_html


def test_inspection_report_has_no_guidance_but_the_notices_and_fine() -> None:
    result = build(Mode.INSPECTION)
    fine = compute_fine(
        forms_required=6,
        violations=["F1", "F2", "F3", "F5", "employee:E9"],
        assessment_date=date(2026, 3, 2),
    )
    html = report_html(result, fine)
    assert "How to correct" not in html
    assert "Notice of Intent to Fine" in html
    assert "Notice of Technical or Procedural Failures" in html
    # 5 of 6 = 83.33 % -> 50 % +, 1st offense $2,432 x 5 = $12,160.
    assert "$12,160" in html


def test_pdf_carries_the_counts() -> None:
    result = build(Mode.SELF)
    fine = compute_fine(
        forms_required=6,
        violations=["F1", "F2", "F3", "F5", "employee:E9"],
        assessment_date=date(2026, 3, 2),
    )
    pdf = report_pdf(result, fine)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == "Form I-9 Self-audit Report - Pemberton Synthetic Bakery Inc"
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "SYNTHETIC DATA" in text
    assert "Pemberton Synthetic Bakery Inc" in text
    assert "Findings 9" in text
    assert "Forms required 6" in text
    assert "SUBSTANTIVE 5" in text and "TECHNICAL 3" in text and "NOT_A_VIOLATION 1" in text
    for rule in {r for r, _ in BY_RULE}:
        assert rule in text
    assert "$12,160" in text
