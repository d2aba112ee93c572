"""Facts several rules need: the first day, the end of employment, the documents present."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from immigrationos.worksite import documents
from immigrationos.worksite.calendar import add_business_days
from immigrationos.worksite.model import AuditContext, Document, I9Form, RosterEntry

# Box 4 and document expirations that lawfully hold no date (M-274 sections 4.2, 13).
NO_EXPIRATION = frozenset({"N/A", "NA", "D/S", "DS", "NONE", "INDEFINITE", "NO EXPIRATION"})

# Forms for employees hired before this date are not required (IRCA, 8 CFR 274a.7).
IRCA_DATE = date(1986, 11, 7)

_EXTENSION = re.compile(r"\b(ead\s*ext|ext|extended|extension|auto[- ]?extended|i-?797c?)\b", re.I)


def is_no_expiration(raw: str) -> bool:
    """Return True for a written expiration meaning "none": N/A, D/S."""
    return raw.strip().upper().replace(".", "") in NO_EXPIRATION


def roster_entry(form: I9Form, ctx: AuditContext) -> RosterEntry | None:
    """Return the roster's entry for a form's employee, when the roster has one."""
    if form.employee_id and ctx.roster:
        return ctx.roster.get(form.employee_id)
    return None


def first_day(form: I9Form, ctx: AuditContext) -> date | None:
    """Return the first day of employment: Section 2's, else the roster's hire date."""
    if form.section2.first_day_of_employment is not None:
        return form.section2.first_day_of_employment
    entry = roster_entry(form, ctx)
    return entry.hire_date if entry is not None else None


def termination(form: I9Form, ctx: AuditContext) -> date | None:
    """Return the last day of employment from the roster, None while employed."""
    entry = roster_entry(form, ctx)
    return entry.termination_date if entry is not None else None


def short_employment(form: I9Form, ctx: AuditContext) -> bool:
    """Return True when employment lasted fewer than three business days (8 CFR 274a.2(b)(1)(iii))."""
    start = first_day(form, ctx)
    end = termination(form, ctx)
    return start is not None and end is not None and end < add_business_days(start, 2)


def section2_deadline(form: I9Form, ctx: AuditContext) -> date | None:
    """Return the last day to complete Section 2: the third business day, or the first day."""
    start = first_day(form, ctx)
    if start is None:
        return None
    return start if short_employment(form, ctx) else add_business_days(start, 3)


def present(doc: Document | None) -> bool:
    """Return True when a document row holds anything."""
    return doc is not None and bool(
        doc.title or doc.issuing_authority or doc.number or doc.expiration or doc.expiration_raw
    )


# The audit pins the form it is checking, so facts several rules need (the rows, the
# document set, the reverification chain) are computed once per form. Outside an audit
# (a rule called alone) nothing is pinned and every fact is computed afresh.
_pinned: list[object] = [None]
_memo: dict[str, object] = {}
_T = TypeVar("_T")


def pin(form: I9Form | None) -> None:
    """Pin the form being audited (None: unpin), forgetting the facts of the previous one."""
    _pinned[0] = form
    _memo.clear()


def memo(form: I9Form, key: str, compute: Callable[[I9Form], _T]) -> _T:
    """Return ``compute(form)``, once per pinned form."""
    if _pinned[0] is not form:
        return compute(form)
    try:
        return _memo[key]  # type: ignore[return-value]
    except KeyError:
        value = _memo[key] = compute(form)
        return value


def section2_rows(form: I9Form) -> list[tuple[str, Document]]:
    """Return the filled document rows of Section 2 with their field paths."""
    return memo(form, "rows", _rows)


def _rows(form: I9Form) -> list[tuple[str, Document]]:
    s2 = form.section2
    rows = [(f"section2.list_a[{i}]", d) for i, d in enumerate(s2.list_a) if present(d)]
    if present(s2.list_b):
        rows.append(("section2.list_b", s2.list_b))  # type: ignore[arg-type]
    if present(s2.list_c):
        rows.append(("section2.list_c", s2.list_c))  # type: ignore[arg-type]
    return rows


def section2_blank(form: I9Form) -> bool:
    """Return True when nothing but (perhaps) the first day was written in Section 2."""
    s2 = form.section2
    return not (
        section2_rows(form)
        or s2.signed
        or s2.date_signed
        or s2.representative_last_name
        or s2.representative_first_name
        or s2.representative_title
        or s2.business_name
        or s2.business_address
    )


def section2_not_due(form: I9Form, ctx: AuditContext) -> bool:
    """Return True when Section 2 is not signed yet and its deadline has not passed.

    An employer completing Section 2 within its three business days is not late: what
    is missing from an unsigned Section 2 is not a finding until the deadline passes.
    """
    s2 = form.section2
    if s2.signed or s2.date_signed is not None:
        return False
    deadline = section2_deadline(form, ctx)
    return deadline is not None and ctx.audit_date <= deadline


def examined_on(form: I9Form) -> date | None:
    """Return the day the Section 2 documents were examined (Section 2's date)."""
    return form.section2.date_signed or form.section2.first_day_of_employment


def extension_noted(text: str) -> bool:
    """Return True when a note records an extension of a document's validity (EAD EXT)."""
    return bool(text) and bool(_EXTENSION.search(text))


def kind_of(doc: Document) -> documents.DocumentType | None:
    """Return the type of a document row (None for an unlisted title)."""
    return documents.identify_document(doc)
