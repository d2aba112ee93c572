"""Reverification and Supplement B (8 CFR 274a.2(b)(1)(vii), (c)(1); M-274 sections 5 and 6).

Reverification is due by the day the employee's evidence of work authorization expires:
the expiration of a List A or List C document that is itself temporary (an EAD, an I-94,
temporary I-551 evidence). It is never due for a citizen or noncitizen national, for a
Permanent Resident Card, for a List B document, or for a document that does not expire;
an employer who reverifies them anyway risks document abuse (8 U.S.C. 1324b(a)(6)).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from immigrationos.worksite import documents
from immigrationos.worksite.model import (
    AuditContext,
    Document,
    Finding,
    I9Form,
    Reverification,
    Status,
)
from immigrationos.worksite.rules.common import (
    extension_noted,
    kind_of,
    memo,
    present,
    section2_rows,
    termination,
)
from immigrationos.worksite.rules.registry import finding, form_rule

_CITATION = (
    "8 CFR 274a.2(b)(1)(vii); Form I-9 instructions (08/01/23) p. 5 (Supplement B); M-274 section 6"
)
_AUTO_EXTENSION = timedelta(days=540)  # 8 CFR 274a.13(d)(1) as amended in 2024 (89 FR 101208)


def _reverifiable_expiry(doc: Document) -> date | None:
    if not present(doc) or documents.is_receipt(doc) or doc.expiration is None:
        return None
    kind = kind_of(doc)
    return doc.expiration if kind is not None and kind.reverify else None


def initial_due(form: I9Form) -> date | None:
    """Return when Section 2's evidence of work authorization expires, None if it never needs reverifying."""
    return memo(form, "initial_due", _initial_due)


def _initial_due(form: I9Form) -> date | None:
    status = form.section1.status
    if status is None or status in (Status.CITIZEN, Status.NONCITIZEN_NATIONAL):
        return None
    dates = []
    for _, doc in section2_rows(form):
        if doc.list.value == "B":
            continue
        kind = kind_of(doc)
        if status is Status.PERMANENT_RESIDENT and (
            kind is None or kind.code != "FOREIGN_PASSPORT_TEMP_I551"
        ):
            continue  # only temporary I-551 evidence of a permanent resident is reverified
        expiry = _reverifiable_expiry(doc)
        if expiry is not None:
            dates.append(expiry)
    if not dates:
        return None
    due = min(dates)
    if extension_noted(form.section2.additional_information):
        due += _AUTO_EXTENSION
    return due


def is_reverification(block: Reverification) -> bool:
    """Return True for a block that reverifies (a document, no rehire date, no new name)."""
    return (
        block.document is not None
        and present(block.document)
        and block.rehire_date is None
        and not (block.last_name or block.first_name)
    )


def _blocks_in_order(form: I9Form) -> list[tuple[int, Reverification]]:
    with_docs = [
        (i, b)
        for i, b in enumerate(form.supplement_b)
        if b.document is not None and present(b.document)
    ]
    return sorted(
        with_docs, key=lambda ib: (ib[1].date_signed or ib[1].rehire_date or date.max, ib[0])
    )


def _chain(form: I9Form) -> tuple[date | None, list[tuple[int, date]]]:
    """Return the last unmet due date and the late blocks (index, due)."""
    return memo(form, "chain", _compute_chain)


def _compute_chain(form: I9Form) -> tuple[date | None, list[tuple[int, date]]]:
    if initial_due(form) is None:
        return None, []
    due = initial_due(form)
    late: list[tuple[int, date]] = []
    for i, block in _blocks_in_order(form):
        if due is None:
            break
        when = block.date_signed or block.rehire_date
        # An undated block (SUPB_INCOMPLETE says so) still shows the reverification.
        if when is not None and when > due:
            late.append((i, due))
        assert block.document is not None
        next_due = _reverifiable_expiry(block.document)
        if next_due is not None and extension_noted(block.additional_information):
            next_due += _AUTO_EXTENSION
        due = next_due
    return due, late


@form_rule(
    "REVERIFICATION_MISSING",
    citation=_CITATION,
    guidance="If the employee still works for you, reverify now in Supplement B with a List A "
    "or List C document the employee chooses, dated today, and attach a note explaining the "
    "late reverification. If the employee cannot show current authorization, employment "
    "cannot continue. Never backdate Supplement B.",
)
def reverification_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Work authorization that expired while the employee still worked was not reverified."""
    due, _ = _chain(form)
    if due is None or due >= ctx.audit_date:
        return
    end = termination(form, ctx)
    if end is not None and end <= due:
        return
    yield finding(
        "REVERIFICATION_MISSING",
        form,
        f"Work authorization evidence expired {due.isoformat()} and was not reverified",
        ["supplement_b"],
    )


@form_rule(
    "REVERIFICATION_LATE",
    citation=_CITATION,
    guidance="A late reverification cannot be made timely: leave its date as written and "
    "attach a signed, dated note explaining why it was late.",
)
def reverification_late(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Reverification is due no later than the day the authorization expires."""
    _, late = _chain(form)
    if late:
        i, due = late[0]
        block = form.supplement_b[i]
        yield finding(
            "REVERIFICATION_LATE",
            form,
            f"Reverified on {block.date_signed}, after the authorization expired {due.isoformat()}",
            [f"supplement_b[{i}].date_signed" for i, _ in late],
        )


@form_rule(
    "REVERIFICATION_IMPROPER",
    citation="8 CFR 274a.2(b)(1)(vii); M-274 section 6.1; 8 U.S.C. 1324b(a)(6)",
    guidance="Do not reverify citizens, noncitizen nationals, Permanent Resident Cards or List "
    "B documents. Leave the block in place, draw a line through it, and attach a note "
    "explaining that it was completed in error; review the practice with the staff who "
    "complete I-9s.",
)
def reverification_improper(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A reverification the rules never call for."""
    status = form.section1.status
    if status is None:
        return
    blocks = [i for i, b in enumerate(form.supplement_b) if is_reverification(b)]
    if not blocks or initial_due(form) is not None:
        return
    if status in (Status.CITIZEN, Status.NONCITIZEN_NATIONAL):
        why = "the employee attested to being a citizen or noncitizen national"
    elif status is Status.PERMANENT_RESIDENT:
        why = "a permanent resident's Permanent Resident Card is never reverified"
    else:
        rows = section2_rows(form)
        if not any(doc.list.value == "B" for _, doc in rows):
            return
        why = "a List B document is never reverified"
    yield finding(
        "REVERIFICATION_IMPROPER",
        form,
        f"Supplement B reverifies when it should not: {why}",
        [f"supplement_b[{i}]" for i in blocks],
    )


@form_rule(
    "SUPB_INCOMPLETE",
    citation=_CITATION,
    guidance="The employer enters what is missing in the Supplement B block and initials and "
    "dates the entry today; if the document itself was never recorded, reverify (or record "
    "the rehire) in a new block dated today with a note explaining the correction.",
)
def supplement_b_incomplete(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Each Supplement B block needs its document (or rehire date or new name), name, signature, date."""
    fields: list[str] = []
    details_only = True
    for i, b in enumerate(form.supplement_b):
        doc = b.document
        has_doc = doc is not None and present(doc)
        if not (
            has_doc
            or b.rehire_date
            or b.last_name
            or b.first_name
            or b.employer_name
            or b.signed
            or b.date_signed
        ):
            continue  # an empty block
        p = f"supplement_b[{i}]"
        if not (has_doc or b.rehire_date or b.last_name or b.first_name):
            fields.append(f"{p}.document")
            details_only = False
        if has_doc:
            assert doc is not None
            for name in ("title", "number"):
                if not getattr(doc, name).strip():
                    fields.append(f"{p}.document.{name}")
            kind = kind_of(doc)
            if (
                doc.expiration is None
                and not doc.expiration_raw
                and kind is not None
                and kind.expires
            ):
                fields.append(f"{p}.document.expiration")
        if not b.signed:
            fields.append(f"{p}.signed")
            details_only = False
        if b.date_signed is None:
            fields.append(f"{p}.date_signed")
        if not b.employer_name.strip():
            fields.append(f"{p}.employer_name")
    if fields:
        yield finding(
            "SUPB_INCOMPLETE",
            form,
            "Supplement B is incomplete: " + ", ".join(fields),
            fields,
            mitigations=["details_only"] if details_only else [],
        )
