"""Receipts in place of documents (8 CFR 274a.2(b)(1)(vi); M-274 section 4.3, Table 1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from immigrationos.worksite import documents
from immigrationos.worksite.model import AuditContext, Document, Finding, I9Form
from immigrationos.worksite.rules.common import (
    first_day,
    present,
    section2_rows,
    short_employment,
    termination,
)
from immigrationos.worksite.rules.registry import finding, form_rule

_CITATION = "8 CFR 274a.2(b)(1)(vi); M-274 section 4.3 and Table 1"
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")


def _dates_in(text: str) -> list[date]:
    out = []
    for m in _DATE.finditer(text):
        try:
            if m.group(1):
                out.append(date(int(m.group(3)), int(m.group(1)), int(m.group(2))))
            else:
                out.append(date(int(m.group(4)), int(m.group(5)), int(m.group(6))))
        except ValueError:
            continue
    return out


def _follow_up(form: I9Form, receipt_path: str, receipt: Document) -> tuple[bool, date | None]:
    """Return whether the actual document was recorded after a receipt, and when."""
    s2 = form.section2
    # The actual document written on another row of the same list (List A has three).
    for path, doc in section2_rows(form):
        if path == receipt_path or doc.list is not receipt.list or documents.is_receipt(doc):
            continue
        if present(doc):
            return True, None
    # Written in Additional Information (the M-274's way): a document title or the
    # document's number, usually with the date the employer saw it.
    note = s2.additional_information
    if note.strip():
        mentions = documents.identify(note, "", receipt.list) is not None or re.search(
            r"\b(receipt|presented|actual|follow|replacement|card)\b", note, re.I
        )
        if mentions:
            dates = _dates_in(note)
            return True, max(dates) if dates else None
    # A correction of the receipt row into the document, with its date.
    prefix = receipt_path + "."
    dated = [
        c.dated for c in form.corrections if c.field.startswith(prefix) or c.field == receipt_path
    ]
    if dated:
        known = [d for d in dated if d is not None]
        return True, max(known) if known else None
    # Supplement B block recording a document (a later reverification records the new one).
    for block in form.supplement_b:
        if block.document is not None and present(block.document):
            return True, block.date_signed
    return False, None


@form_rule(
    "S2_RECEIPT_INVALID",
    citation=_CITATION,
    guidance="A receipt for an application (not a replacement) is not acceptable: if the "
    "employee still works for you, complete a new Section 2 with an acceptable document "
    "the employee chooses, dated today, and attach a note explaining the correction.",
)
def receipt_invalid(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Only the three receipts of Table 1, and never for employment of under 3 business days."""
    problems: list[str] = []
    fields: list[str] = []
    short = short_employment(form, ctx)
    for path, doc in section2_rows(form):
        if not documents.is_receipt(doc):
            continue
        if documents.receipt_kind(doc) is None:
            problems.append(f"{doc.title!r} is not an acceptable receipt")
            fields.append(f"{path}.title")
        elif short:
            problems.append(
                "receipts are not acceptable for employment of under three business days"
            )
            fields.append(f"{path}.title")
    if problems:
        yield finding("S2_RECEIPT_INVALID", form, "; ".join(problems), fields)


@form_rule(
    "S2_RECEIPT_NOT_FOLLOWED_UP",
    citation=_CITATION,
    guidance="If the employee still works for you, examine the actual document now (or other "
    "acceptable documents the employee chooses), record it in Additional Information with "
    "today's date and your initials, and attach a note explaining the late follow-up. Do "
    "not date the entry back to the receipt's deadline.",
)
def receipt_not_followed_up(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A receipt stands in for its document only until its period ends (90 days, or the stamp)."""
    start = first_day(form, ctx)
    if start is None:
        return
    end = termination(form, ctx)
    for path, doc in section2_rows(form):
        if not documents.is_receipt(doc):
            continue
        kind = documents.receipt_kind(doc)
        if kind is None:
            continue  # an invalid receipt is its own finding
        until = documents.receipt_valid_until(kind, doc, start)
        if until >= ctx.audit_date or (end is not None and end <= until):
            continue  # the period is still running, or employment ended within it
        done, when = _follow_up(form, path, doc)
        if done and (when is None or when <= until):
            continue
        if done:
            msg = f"The receipt's document was recorded on {when}, after its period ended {until}"
            mitigations = ["followed_up_late"]
        else:
            msg = f"The receipt's period ended {until.isoformat()} without the document recorded"
            mitigations = []
        yield finding(
            "S2_RECEIPT_NOT_FOLLOWED_UP",
            form,
            msg,
            [f"{path}.title", "section2.additional_information"],
            mitigations=mitigations,
        )
        return
