"""Section 1: the employee's attestation and its required fields (8 CFR 274a.2(b)(1)(i)(A))."""

from __future__ import annotations

from collections.abc import Iterator

from immigrationos.worksite.model import AuditContext, DocumentList, Finding, I9Form, Status
from immigrationos.worksite.rules.common import is_no_expiration, kind_of, present, section2_rows
from immigrationos.worksite.rules.registry import finding, form_rule, unreadable

_S1 = "Form I-9 instructions (08/01/23) pp. 1-3; M-274 section 3.0"
_EMPLOYEE_FIXES = (
    "Ask the employee to enter the missing information in Section 1, initial and date it "
    "with today's date (never an earlier date); if someone else helps, they also initial. "
    "Do not complete Section 1 for the employee (M-274 section 11.1)."
)


def _why(form: I9Form, field: str, what: str) -> str:
    written = unreadable(form, field)
    return f"{what} is unreadable ({written!r})" if written is not None else f"{what} is missing"


@form_rule("S1_NAME_MISSING", citation=f"8 CFR 274a.2(b)(1)(i)(A); {_S1}", guidance=_EMPLOYEE_FIXES)
def name_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 1 needs the last and first names (one name only: "Unknown" as first name)."""
    s1 = form.section1
    fields = [f"section1.{n}" for n in ("last_name", "first_name") if not getattr(s1, n).strip()]
    if fields:
        yield finding("S1_NAME_MISSING", form, "Section 1 lacks the employee's name", fields)


@form_rule("S1_ADDRESS_MISSING", citation=_S1, guidance=_EMPLOYEE_FIXES)
def address_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 1 needs the street address and city (a commuter's foreign address counts)."""
    s1 = form.section1
    fields = [f"section1.{n}" for n in ("address", "city") if not getattr(s1, n).strip()]
    if fields:
        yield finding("S1_ADDRESS_MISSING", form, "Section 1 lacks the employee's address", fields)


@form_rule("S1_DOB_MISSING", citation=_S1, guidance=_EMPLOYEE_FIXES)
def dob_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 1 needs the date of birth."""
    if form.section1.date_of_birth is None:
        yield finding(
            "S1_DOB_MISSING",
            form,
            _why(form, "section1.date_of_birth", "The date of birth"),
            ["section1.date_of_birth"],
        )


@form_rule(
    "S1_STATUS_MISSING",
    citation=f"8 CFR 274a.2(b)(1)(i)(A); {_S1}",
    guidance="Only the employee may check the status box: ask the employee to check one box, "
    "initial and date it today. " + _EMPLOYEE_FIXES,
)
def status_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Exactly one attestation box must be checked."""
    boxes = form.section1.status_boxes
    if len(boxes) != 1:
        what = "no status box is checked" if not boxes else f"{len(boxes)} status boxes are checked"
        yield finding("S1_STATUS_MISSING", form, f"Section 1: {what}", ["section1.status_boxes"])


_NUMBER_DOCS = frozenset(
    {"I551", "I766", "FOREIGN_PASSPORT_I94", "FOREIGN_PASSPORT_TEMP_I551", "I94", "I94_TEMP_I551"}
)


@form_rule(
    "S1_STATUS_NUMBER_MISSING",
    citation=f"8 CFR 274a.2(b)(1)(i)(A); {_S1} (items 3 and 4)",
    guidance=_EMPLOYEE_FIXES,
)
def status_number_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A permanent resident needs the USCIS/A-number; box 4 needs one of its three numbers."""
    s1 = form.section1
    if s1.status is Status.PERMANENT_RESIDENT and not s1.lpr_uscis_number.strip():
        fields = ["section1.lpr_uscis_number"]
    elif s1.status is Status.AUTHORIZED_ALIEN and not (
        s1.alien_uscis_number.strip() or s1.i94_number.strip() or s1.foreign_passport.strip()
    ):
        fields = ["section1.alien_uscis_number", "section1.i94_number", "section1.foreign_passport"]
    else:
        return
    mitigations = []
    if any(
        doc.list is DocumentList.A and doc.number and (k := kind_of(doc)) and k.code in _NUMBER_DOCS
        for _, doc in section2_rows(form)
    ):
        mitigations.append("shown_in_section2")
    if form.copies_retained:
        mitigations.append("copy_retained")
    yield finding(
        "S1_STATUS_NUMBER_MISSING",
        form,
        "Section 1 lacks the number its status box requires",
        fields,
        mitigations=mitigations,
    )


@form_rule("S1_EXPIRATION_MISSING", citation=f"{_S1} (item 4)", guidance=_EMPLOYEE_FIXES)
def expiration_missing(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Box 4 needs the expiration of the authorization, or N/A (refugees, asylees), or D/S."""
    s1 = form.section1
    if s1.status is not Status.AUTHORIZED_ALIEN or s1.authorization_expiration is not None:
        return
    raw = s1.authorization_expiration_raw
    if raw and is_no_expiration(raw):
        return
    mitigations = []
    if any(present(doc) and doc.expiration for _, doc in section2_rows(form)):
        mitigations.append("shown_in_section2")
    if form.copies_retained:
        mitigations.append("copy_retained")
    raw = raw or (unreadable(form, "section1.authorization_expiration") or "")
    what = (
        f"is unreadable ({raw!r})"
        if raw
        else "is missing (a date, or N/A when the authorization does not expire)"
    )
    yield finding(
        "S1_EXPIRATION_MISSING",
        form,
        f"The expiration date of the work authorization {what}",
        ["section1.authorization_expiration"],
        mitigations=mitigations,
    )


@form_rule(
    "S1_SIGNATURE_MISSING",
    citation=f"8 CFR 274a.2(b)(1)(i)(A); {_S1}",
    guidance="Ask the employee to sign Section 1 now and date the signature with today's "
    "date; attach a note explaining the late signature. Never sign for the employee.",
)
def s1_unsigned(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """The employee must sign Section 1."""
    if not form.section1.signed:
        yield finding("S1_SIGNATURE_MISSING", form, "Section 1 is not signed", ["section1.signed"])


@form_rule(
    "S1_DATE_MISSING",
    citation=_S1,
    guidance="Ask the employee to enter today's date beside the signature (not the date it "
    "should have been), and attach a note explaining the correction.",
)
def s1_undated(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """The employee must date Section 1."""
    if form.section1.date_signed is None:
        yield finding(
            "S1_DATE_MISSING",
            form,
            _why(form, "section1.date_signed", "The date of the employee's signature"),
            ["section1.date_signed"],
        )


_PREPARER_FIELDS = ("last_name", "first_name", "address", "city", "state", "zip_code")


@form_rule(
    "SUPA_INCOMPLETE",
    citation="Form I-9 instructions (08/01/23) p. 3 (Supplement A); M-274 section 3.3",
    guidance="Ask the preparer or translator to complete, sign and date Supplement A with "
    "today's date; attach a note explaining why it is completed late.",
)
def supplement_a(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A preparer or translator who assisted completes every field of Supplement A."""
    fields: list[str] = []
    filled = [
        (i, p)
        for i, p in enumerate(form.preparers)
        if p.signed or p.date_signed or any(getattr(p, n) for n in _PREPARER_FIELDS)
    ]
    if form.preparer_used and not filled:
        fields.append("preparers")
    for i, p in filled:
        fields.extend(f"preparers[{i}].{n}" for n in _PREPARER_FIELDS if not getattr(p, n).strip())
        if not p.signed:
            fields.append(f"preparers[{i}].signed")
        if p.date_signed is None:
            fields.append(f"preparers[{i}].date_signed")
    if fields:
        yield finding("SUPA_INCOMPLETE", form, "Supplement A is missing or incomplete", fields)
