"""The audit report: per-form findings with their rules, and charts, as HTML and as PDF.

The HTML is one self-contained file (stylesheet inline, charts as inline SVG, no script)
that an auditor can keep or mail; the PDF comes from the same template through
``documents.render``. Three charts: findings by rule stacked by classification, findings
by section of the form, and technical against substantive. Each bar of a chart is an SVG
``rect`` carrying ``data-count``; its length is proportional to the count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from immigrationos.documents import render
from immigrationos.worksite.fines import FineComputation, money
from immigrationos.worksite.inspection import notices_due
from immigrationos.worksite.model import AuditResult, Classification, Finding, Mode
from immigrationos.worksite.notices import SEARCH, SYNTHETIC_BANNER, finding_row
from immigrationos.worksite.rules.catalogue import RULE_IDS, RULE_SPECS

CLASS_ORDER = (
    Classification.SUBSTANTIVE,
    Classification.TECHNICAL,
    Classification.NOT_A_VIOLATION,
)
CLASS_COLOURS = {
    Classification.SUBSTANTIVE: "#b2182b",
    Classification.TECHNICAL: "#ef8a62",
    Classification.NOT_A_VIOLATION: "#9e9e9e",
}
SECTIONS = (
    "Section 1",
    "Supplement A",
    "Section 2",
    "Supplement B",
    "Whole form",
    "Roster and employer",
)
# Where a rule's finding sits when its fields do not say (a rule of the catalogue).
_SECTION_OF_RULE = {
    "SUPA_INCOMPLETE": "Supplement A",
    "REMOTE_EXAMINATION_INVALID": "Section 2",
    "REVERIFICATION_MISSING": "Supplement B",
    "REVERIFICATION_LATE": "Supplement B",
    "REVERIFICATION_IMPROPER": "Supplement B",
    "SUPB_INCOMPLETE": "Supplement B",
    "SSN_INVALID": "Section 1",
    "ITIN_AS_SSN": "Section 1",
    "ANUMBER_INVALID": "Section 1",
    "I94_INVALID": "Section 1",
    "CARD_NUMBER_INVALID": "Section 2",
    "NUMIDENT_MISMATCH": "Section 1",
    "SSN_DECEASED": "Section 1",
    "USCIS_DOCUMENT_MISMATCH": "Section 2",
    "OVERDOCUMENTATION": "Section 2",
}
_SECTION_OF_FIELD = {
    "section1": "Section 1",
    "preparers": "Supplement A",
    "preparer_used": "Supplement A",
    "section2": "Section 2",
    "supplement_b": "Supplement B",
}
# Chart geometry, in SVG user units (1 unit = 1 CSS px).
BAR_THICKNESS = 14
BAR_GAP = 6
RULE_LABEL_WIDTH = 230
RULE_BAR_SPACE = 380
COLUMN_WIDTH = 60
COLUMN_GAP = 36
COLUMN_HEIGHT = 160


def section_of(finding: Finding) -> str:
    """Return the section of the form a finding sits in (its first field, else its rule)."""
    if not finding.form_id:
        return "Roster and employer"
    for path in finding.fields:
        head = path.split(".", 1)[0].split("[", 1)[0]
        if head in _SECTION_OF_FIELD:
            return _SECTION_OF_FIELD[head]
    if finding.rule_id in _SECTION_OF_RULE:
        return _SECTION_OF_RULE[finding.rule_id]
    if finding.rule_id.startswith("S1_"):
        return "Section 1"
    if finding.rule_id.startswith("S2_"):
        return "Section 2"
    return "Whole form"


@dataclass(frozen=True, slots=True)
class Bar:
    """One rectangle of a chart, with the count it stands for."""

    x: float
    y: float
    width: float
    height: float
    count: int
    key: str  # the rule, section or classification
    classification: str  # "" for a chart not stacked by classification
    colour: str


@dataclass(frozen=True, slots=True)
class Label:
    """One text of a chart."""

    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True, slots=True)
class Chart:
    """An SVG chart: its size, bars and labels, and the legend of its colours."""

    chart_id: str
    title: str
    width: float
    height: float
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    unit: float  # length of one finding, in SVG units


def _unit(longest: int, space: float) -> float:
    return space / max(longest, 1)


def rule_chart(findings: list[Finding]) -> Chart:
    """Return the horizontal bars of findings by rule, stacked by classification."""
    counts = Counter((f.rule_id, f.classification) for f in findings)
    per_rule = Counter(f.rule_id for f in findings)
    order = {rule: i for i, rule in enumerate(RULE_IDS)}
    rules = sorted(per_rule, key=lambda r: (-per_rule[r], order.get(r, len(order)), r))
    unit = _unit(max(per_rule.values(), default=0), RULE_BAR_SPACE)
    bars, labels = [], []
    for row, rule in enumerate(rules):
        y = BAR_GAP + row * (BAR_THICKNESS + BAR_GAP)
        x = float(RULE_LABEL_WIDTH)
        labels.append(Label(RULE_LABEL_WIDTH - 6, y + BAR_THICKNESS - 3, rule, "end"))
        for cls in CLASS_ORDER:
            n = counts.get((rule, cls), 0)
            if n:
                bars.append(
                    Bar(x, y, n * unit, BAR_THICKNESS, n, rule, cls.value, CLASS_COLOURS[cls])
                )
                x += n * unit
        labels.append(Label(x + 4, y + BAR_THICKNESS - 3, str(per_rule[rule])))
    height = BAR_GAP + len(rules) * (BAR_THICKNESS + BAR_GAP) + BAR_GAP
    return Chart(
        "by-rule",
        "Findings by rule",
        RULE_LABEL_WIDTH + RULE_BAR_SPACE + 40,
        max(height, 30),
        tuple(bars),
        tuple(labels),
        unit,
    )


def _column_chart(
    chart_id: str, title: str, keys: list[tuple[str, str]], counts: Counter[str]
) -> Chart:
    """Return vertical columns, one per key, heights proportional to the counts."""
    unit = _unit(max(counts.values(), default=0), COLUMN_HEIGHT)
    top, bottom = 16.0, 34.0
    bars, labels = [], []
    for i, (key, colour) in enumerate(keys):
        n = counts.get(key, 0)
        x = 10 + i * (COLUMN_WIDTH + COLUMN_GAP)
        base = top + COLUMN_HEIGHT
        if n:
            bars.append(Bar(x, base - n * unit, COLUMN_WIDTH, n * unit, n, key, "", colour))
        labels.append(Label(x + COLUMN_WIDTH / 2, base - n * unit - 4, str(n), "middle"))
        labels.append(Label(x + COLUMN_WIDTH / 2, base + 14, key, "middle"))
    width = 10 + len(keys) * (COLUMN_WIDTH + COLUMN_GAP) + 10
    return Chart(
        chart_id,
        title,
        width,
        top + COLUMN_HEIGHT + bottom,
        tuple(bars),
        tuple(labels),
        unit,
    )


def section_chart(findings: list[Finding]) -> Chart:
    """Return the columns of findings by section of the form."""
    counts = Counter(section_of(f) for f in findings)
    return _column_chart(
        "by-section", "Findings by section", [(s, "#4a6fa5") for s in SECTIONS], counts
    )


def classification_chart(findings: list[Finding]) -> Chart:
    """Return the columns of technical against substantive findings (and informational)."""
    counts = Counter(f.classification.value for f in findings)
    keys = [(c.value, CLASS_COLOURS[c]) for c in CLASS_ORDER]
    return _column_chart("by-classification", "Technical and substantive", keys, counts)


def report_context(result: AuditResult, fine: FineComputation | None = None) -> dict[str, Any]:
    """Return the template context of the audit report."""
    findings = result.findings()
    show_guidance = result.mode == Mode.SELF
    forms = []
    for form in result.forms:
        rows = [finding_row(f) for f in form.findings]
        forms.append(
            {
                "form_id": form.form_id,
                "source": form.source,
                "employee_id": form.employee_id,
                "destroy_by": form.destroy_by,
                "rows": rows,
            }
        )
    by_class = Counter(f.classification.value for f in findings)
    by_category = Counter(f.category.value for f in findings)
    by_rule = Counter(f.rule_id for f in findings)
    return {
        "result": result,
        "employer": result.employer,
        "mode": result.mode.value,
        "mode_title": "Employer self-audit" if show_guidance else "Inspection",
        "show_guidance": show_guidance,
        "banner": SYNTHETIC_BANNER,
        "generated": result.audit_date,
        "forms": forms,
        "employer_rows": [finding_row(f) for f in result.employer_findings],
        "total_findings": len(findings),
        "forms_with_findings": sum(1 for form in result.forms if form.findings),
        "by_class": [(c.value, by_class.get(c.value, 0)) for c in CLASS_ORDER],
        "by_category": sorted(by_category.items()),
        "by_rule": [
            (rule, RULE_SPECS[rule].title if rule in RULE_SPECS else "", n)
            for rule, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "charts": [
            rule_chart(findings),
            section_chart(findings),
            classification_chart(findings),
        ],
        "legend": [(c.value, CLASS_COLOURS[c]) for c in CLASS_ORDER],
        "fine": fine,
        "steps": fine.steps() if fine else [],
        "money": money,
        "notices": notices_due(result, fine) if result.mode == Mode.INSPECTION else [],
    }


def _title(result: AuditResult) -> str:
    who = result.employer.name or "employer"
    kind = "Self-audit" if result.mode == Mode.SELF else "Inspection"
    return f"Form I-9 {kind} Report - {who}"


def report_html(result: AuditResult, fine: FineComputation | None = None) -> str:
    """Return the audit report as one self-contained HTML file."""
    css = (render.TEMPLATES / "base.css").read_text(encoding="utf-8")
    context = {
        **report_context(result, fine),
        "document_title": _title(result),
        "inline_css": css,
    }
    return render.render_html("audit_report.html", context, search=SEARCH)


def report_pdf(result: AuditResult, fine: FineComputation | None = None) -> bytes:
    """Return the audit report as a PDF."""
    return render.render_pdf(
        "audit_report.html", report_context(result, fine), title=_title(result), search=SEARCH
    )
