"""Section 2: the documents examined and the employer's certification (8 CFR 274a.2(b)(1)(ii)).

Rules about receipts live in ``receipts.py``; the combination analysis here is shared with
the over-documentation rule of ``abuse.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from immigrationos.worksite import documents
from immigrationos.worksite.model import AuditContext, Document, DocumentList, Finding, I9Form
from immigrationos.worksite.rules.common import (
    examined_on,
    extension_noted,
    first_day,
    is_no_expiration,
    kind_of,
    memo,
    present,
    section2_blank,
    section2_not_due,
    section2_rows,
)
from immigrationos.worksite.rules.registry import finding, form_rule, unreadable

_S2 = "8 CFR 274a.2(b)(1)(ii); Form I-9 instructions (08/01/23) pp. 4-5; M-274 section 4.0"
_EMPLOYER_FIX = (
    "The employer (or the representative who completed Section 2) enters the missing "
    "information, then initials and dates the entry with today's date; never a past date "
    "(M-274 section 11.2)."
)
_NEW_FORM = (
    "Complete a new Section 2 (or a new Form I-9 if Section 1 also needs redoing) with "
    "documents the employee chooses from the Lists, dated today, and attach it to the old "
    "form with a signed note explaining the problem and the correction. Do not ask for a "
    "specific document (8 U.S.C. 1324b(a)(6)); M-274 section 11.3."
)


@dataclass(slots=True)
class DocumentSet:
    """What Section 2's documents amount to: one List A, B plus C, too many or too few."""

    has_a: bool
    has_b: bool
    has_c: bool
    a_valid: bool  # the List A rows form one acceptable List A document
    a_unknown: bool  # a List A row names no listed document (its own finding)
    a_more_than_one: bool  # two or more List A documents each sufficient alone

    @property
    def invalid(self) -> bool:
        """Return True unless the rows are one List A document alone, or one B with one C.

        A List A document recorded with a List B or C document is an invalid mix (and,
        when the List A document suffices, also over-documentation); so are two List A
        documents each sufficient alone ("two of one list").
        """
        if self.has_a:
            if self.a_unknown and not (self.has_b or self.has_c):
                return False  # an unlisted title: S2_UNACCEPTABLE_DOCUMENT says it
            return (
                self.has_b
                or self.has_c
                or self.a_more_than_one
                or not (self.a_valid or self.a_unknown)
            )
        return self.has_b != self.has_c

    @property
    def excess(self) -> bool:
        """Return True when documents were recorded beyond a sufficient List A document."""
        if self.a_more_than_one:
            return True
        return self.a_valid and (self.has_b or self.has_c)


def document_set(form: I9Form) -> DocumentSet:
    """Return the analysis of Section 2's document rows."""
    return memo(form, "document_set", _document_set)


def _document_set(form: I9Form) -> DocumentSet:
    s2 = form.section2
    a_rows = [d for d in s2.list_a if present(d)]
    codes: list[str] = []
    unknown = False
    for doc in a_rows:
        kind = kind_of(doc)
        if kind is None or DocumentList.A not in kind.lists:
            unknown = True
        else:
            codes.append(kind.code)
    a_valid = documents.combination_is_list_a(codes)
    standalone = {c for c in codes if documents.TYPES[c].standalone}
    more = not a_valid and len(standalone) >= 2
    return DocumentSet(
        has_a=bool(a_rows),
        has_b=present(s2.list_b),
        has_c=present(s2.list_c),
        a_valid=a_valid,
        a_unknown=unknown,
        a_more_than_one=more,
    )


@form_rule(
    "S2_NO_DOCUMENTS",
    citation=_S2,
    guidance="If the employee still works for you, complete Section 2 now with documents the "
    "employee chooses, dated today (never backdated), and attach a note explaining the "
    "omission. " + _NEW_FORM,
)
def no_documents(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 2 must record the documents examined (once its three days have passed)."""
    if section2_rows(form) or section2_not_due(form, ctx):
        return
    what = (
        "Section 2 was not completed" if section2_blank(form) else "Section 2 records no document"
    )
    yield finding(
        "S2_NO_DOCUMENTS",
        form,
        what,
        ["section2.list_a", "section2.list_b", "section2.list_c"],
    )


@form_rule(
    "S2_INVALID_COMBINATION",
    citation=f"8 CFR 274a.2(b)(1)(v); {_S2}; M-274 section 13",
    guidance=_NEW_FORM,
)
def invalid_combination(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """The documents are one List A document, or one from List B and one from List C."""
    docs = document_set(form)
    if not docs.invalid or section2_not_due(form, ctx):
        return
    if docs.has_a and (docs.has_b or docs.has_c):
        others = " and ".join(x for x, y in (("B", docs.has_b), ("C", docs.has_c)) if y)
        what = f"List A recorded together with List {others}"
    elif docs.a_more_than_one:
        what = "more than one List A document"
    elif docs.has_a:
        what = "the List A rows do not form one acceptable List A document"
    elif docs.has_b:
        what = "a List B document without a List C document"
    else:
        what = "a List C document without a List B document"
    yield finding(
        "S2_INVALID_COMBINATION",
        form,
        f"Section 2: {what}",
        [path for path, _ in section2_rows(form)],
    )


_PHOTO_REQUIRED = "E-Verify employers accept List B documents only with a photograph"


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@form_rule(
    "S2_UNACCEPTABLE_DOCUMENT",
    citation=f"8 CFR 274a.2(b)(1)(v)(A)-(C); {_S2}; M-274 sections 13.1-13.3",
    guidance=_NEW_FORM,
)
def unacceptable(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Every document must be on its list; E-Verify List B needs a photograph."""
    problems: list[str] = []
    fields: list[str] = []
    examined = examined_on(form)
    everify = ctx.employer.everify and (
        ctx.employer.everify_since is None
        or examined is None
        or ctx.employer.everify_since <= examined
    )
    birth = form.section1.date_of_birth
    start = first_day(form, ctx)
    for path, doc in section2_rows(form):
        if documents.is_receipt(doc):
            continue  # receipts have their own rule
        kind = kind_of(doc)
        why = ""
        if kind is None:
            why = f"{doc.title!r} is not a List {doc.list.value} document"
        elif doc.list not in kind.lists:
            why = f"{kind.title} is not a List {doc.list.value} document"
        elif kind.code == "SS_CARD" and documents.is_restricted_ss_card(doc):
            why = "a Social Security card with a restriction legend is not acceptable"
        elif kind.minors_only and birth and start and _age_on(birth, start) >= 18:
            why = f"{kind.title} is acceptable only for employees under 18"
        elif doc.list is DocumentList.B and everify and kind.photo is False:
            why = f"{kind.title}: {_PHOTO_REQUIRED}"
        if why:
            problems.append(why)
            fields.append(f"{path}.title")
    if problems:
        yield finding("S2_UNACCEPTABLE_DOCUMENT", form, "; ".join(problems), fields)


def _expiration_unreadable(form: I9Form, path: str, doc: Document) -> bool:
    return bool(
        doc.expiration is None and doc.expiration_raw and not is_no_expiration(doc.expiration_raw)
    ) or (unreadable(form, f"{path}.expiration") is not None)


@form_rule(
    "S2_DOCUMENT_DETAILS_MISSING",
    citation=f"8 CFR 274a.2(b)(1)(ii)(A); {_S2}",
    guidance="If you kept a copy of the document, copy its details into Section 2 and "
    "initial and date the entry today. If not, and the employee still works for you, "
    "ask to see the document again (or any acceptable document the employee chooses) and "
    "record it with today's date. " + _EMPLOYER_FIX,
)
def details_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Each recorded document needs its title, issuing authority, number and expiration."""
    fields: list[str] = []
    if section2_not_due(form, ctx):
        return
    for path, doc in section2_rows(form):
        if not doc.title.strip():
            fields.append(f"{path}.title")
        if not doc.issuing_authority.strip():
            fields.append(f"{path}.issuing_authority")
        if not doc.number.strip():
            kind = kind_of(doc)
            if kind is None or kind.numbered or documents.is_receipt(doc):
                fields.append(f"{path}.number")
        if _expiration_unreadable(form, path, doc):
            fields.append(f"{path}.expiration")
        elif doc.expiration is None and not doc.expiration_raw and not documents.is_receipt(doc):
            kind = kind_of(doc)
            if kind is not None and kind.expires:
                fields.append(f"{path}.expiration")
    if fields:
        yield finding(
            "S2_DOCUMENT_DETAILS_MISSING",
            form,
            "Section 2 lacks document details: " + ", ".join(f.split(".")[-1] for f in fields),
            fields,
            mitigations=["copy_retained"] if form.copies_retained else [],
        )


@form_rule(
    "S2_DOCUMENT_EXPIRED",
    citation="8 CFR 274a.2(b)(1)(v); M-274 sections 4.1 and 13 (documents must be unexpired)",
    guidance="If the employee still works for you, complete a new Section 2 (or Supplement B "
    "block) with an unexpired document the employee chooses, dated today, and attach a "
    "note explaining that an expired document was accepted. " + _NEW_FORM,
)
def expired(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Documents must be unexpired when examined (an issuer's extension counts)."""
    fields: list[str] = []
    examined = examined_on(form)
    if examined is not None and not extension_noted(form.section2.additional_information):
        for path, doc in section2_rows(form):
            if (
                doc.expiration is not None
                and doc.expiration < examined
                and not documents.is_receipt(doc)
            ):
                fields.append(f"{path}.expiration")
    for i, block in enumerate(form.supplement_b):
        shown = block.document
        if (
            shown is not None
            and shown.expiration is not None
            and block.date_signed is not None
            and shown.expiration < block.date_signed
            and not extension_noted(block.additional_information)
        ):
            fields.append(f"supplement_b[{i}].document.expiration")
    if fields:
        yield finding(
            "S2_DOCUMENT_EXPIRED", form, "A document had expired when it was examined", fields
        )


@form_rule(
    "S2_STATUS_DOCUMENT_MISMATCH",
    citation="8 CFR 274a.2(b)(1)(ii)(A); M-274 sections 3.1 and 4.1",
    guidance="Ask the employee to check that Section 1's status box is right; if it is wrong, "
    "the employee corrects it, initials and dates today. If the status is right, complete "
    "a new Section 2 with documents consistent with it that the employee chooses, and "
    "attach an explanatory note.",
)
def status_mismatch(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Documents must fit the attested status (no I-551 for a citizen)."""
    status = form.section1.status
    if status is None:
        return
    fields = []
    titles = []
    for path, doc in section2_rows(form):
        kind = kind_of(doc)
        if kind is not None and documents.status_conflict(kind, status):
            fields.append(f"{path}.title")
            titles.append(kind.title)
    if fields:
        yield finding(
            "S2_STATUS_DOCUMENT_MISMATCH",
            form,
            f"{', '.join(titles)} inconsistent with the status attested ({status.value})",
            [*fields, "section1.status_boxes"],
        )


@form_rule("S2_HIRE_DATE_MISSING", citation=_S2, guidance=_EMPLOYER_FIX)
def hire_date_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 2 needs the employee's first day of employment."""
    if form.section2.first_day_of_employment is not None or section2_not_due(form, ctx):
        return
    if section2_blank(form):
        return  # the blank Section 2 is one finding, not one per field
    written = unreadable(form, "section2.first_day_of_employment")
    what = f"is unreadable ({written!r})" if written is not None else "is missing"
    yield finding(
        "S2_HIRE_DATE_MISSING",
        form,
        f"Section 2's first day of employment {what}",
        ["section2.first_day_of_employment"],
    )


@form_rule("S2_REPRESENTATIVE_MISSING", citation=_S2, guidance=_EMPLOYER_FIX)
def representative_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 2 needs the representative's last and first name and title."""
    s2 = form.section2
    if section2_blank(form) or section2_not_due(form, ctx):
        return
    fields = [
        f"section2.{n}"
        for n in ("representative_last_name", "representative_first_name", "representative_title")
        if not getattr(s2, n).strip()
    ]
    if fields:
        yield finding(
            "S2_REPRESENTATIVE_MISSING",
            form,
            "Section 2 lacks the representative's name or title",
            fields,
        )


@form_rule("S2_BUSINESS_MISSING", citation=_S2, guidance=_EMPLOYER_FIX)
def business_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 2 needs the business's name and address."""
    s2 = form.section2
    if section2_blank(form) or section2_not_due(form, ctx):
        return
    fields = [
        f"section2.{n}" for n in ("business_name", "business_address") if not getattr(s2, n).strip()
    ]
    if fields:
        yield finding(
            "S2_BUSINESS_MISSING", form, "Section 2 lacks the business name or address", fields
        )


@form_rule(
    "S2_SIGNATURE_MISSING",
    citation=_S2,
    guidance="The person who examined the documents signs Section 2 now and dates the "
    "signature today, with a note explaining the late signature; if that person is gone, "
    "complete a new Section 2 after examining documents again. " + _NEW_FORM,
)
def s2_unsigned(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """The employer or representative must sign Section 2."""
    if not form.section2.signed and not section2_blank(form) and not section2_not_due(form, ctx):
        yield finding("S2_SIGNATURE_MISSING", form, "Section 2 is not signed", ["section2.signed"])


@form_rule(
    "S2_DATE_MISSING",
    citation=_S2,
    guidance="Enter today's date beside the signature (never the date it should have been) "
    "and attach a note explaining the correction.",
)
def s2_undated(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """The employer or representative must date Section 2."""
    if form.section2.date_signed is not None or section2_blank(form) or section2_not_due(form, ctx):
        return
    written = unreadable(form, "section2.date_signed")
    what = f"is unreadable ({written!r})" if written is not None else "is missing"
    yield finding("S2_DATE_MISSING", form, f"Section 2's date {what}", ["section2.date_signed"])


_REMOTE = re.compile(
    r"\b(remote|remotely|video|live video|alternative procedure|alt\.? proc|alt procedure)\b", re.I
)
_COVID = re.compile(r"covid", re.I)
ALTERNATIVE_PROCEDURE_START = date(2023, 8, 1)  # 88 FR 47749 (July 25, 2023)
_COVID_FLEXIBILITY = (date(2020, 3, 20), date(2023, 7, 31))


@form_rule(
    "REMOTE_EXAMINATION_INVALID",
    citation="8 CFR 274a.2(b)(1)(ii)(C) (88 FR 47749, 2023); M-274 section 4.2 "
    "(DHS-authorized alternative procedure)",
    guidance="Examine the employee's documents physically now (in person), complete a new "
    "Section 2 dated today, and attach the old one with a note explaining that the remote "
    "examination did not qualify for the alternative procedure.",
)
def remote_examination(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Remote examination: only with the box checked, by an E-Verify employer in good standing."""
    employer = ctx.employer
    blocks = [
        (
            "section2",
            form.section2.alternative_procedure,
            form.section2.additional_information,
            form.section2.date_signed,
        )
    ]
    blocks += [
        (f"supplement_b[{i}]", b.alternative_procedure, b.additional_information, b.date_signed)
        for i, b in enumerate(form.supplement_b)
    ]
    for where, checked, note, signed in blocks:
        why = ""
        if checked:
            if signed is not None and signed < ALTERNATIVE_PROCEDURE_START:
                why = "the alternative procedure began on 2023-08-01"
            elif not employer.everify:
                why = "the employer does not participate in E-Verify"
            elif (
                employer.everify_since is not None
                and signed is not None
                and signed < employer.everify_since
            ):
                why = "the employer was not yet in E-Verify"
        elif note and _REMOTE.search(note):
            in_covid = (
                signed is not None and _COVID_FLEXIBILITY[0] <= signed <= _COVID_FLEXIBILITY[1]
            )
            if not (in_covid and _COVID.search(note)):
                why = "documents examined remotely without the alternative-procedure box checked"
        if why:
            yield finding(
                "REMOTE_EXAMINATION_INVALID",
                form,
                f"Remote examination not allowed: {why}",
                [f"{where}.alternative_procedure"],
            )
            return
