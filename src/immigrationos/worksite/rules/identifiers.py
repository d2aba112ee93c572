"""Identifier formats (SSA, IRS, USCIS and CBP numbering; see ``worksite.identifiers``)."""

from __future__ import annotations

from collections.abc import Iterator

from immigrationos.worksite import documents
from immigrationos.worksite import identifiers as ids
from immigrationos.worksite.model import AuditContext, Finding, I9Form
from immigrationos.worksite.rules.common import kind_of, section2_rows
from immigrationos.worksite.rules.registry import finding, form_rule

_FIX = (
    "Ask the employee to check the number against the card; if it was written wrong, the "
    "employee strikes it through, writes the right one, initials and dates today. Never "
    "ask for a specific document to check it (8 U.S.C. 1324b(a)(6))."
)


@form_rule(
    "SSN_INVALID",
    citation="Form I-9 instructions (08/01/23) p. 2 (SSN); SSA, Social Security Number Randomization (2011)",
    guidance=_FIX,
)
def ssn_invalid(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """An SSN that SSA never issues (area 000, 666, 900-999; group 00; serial 0000)."""
    ssn = form.section1.ssn
    if ids.is_blank_number(ssn) or ids.is_itin(ssn):
        return
    problem = ids.ssn_problem(ssn)
    if problem:
        yield finding(
            "SSN_INVALID", form, f"The SSN cannot have been issued: {problem}", ["section1.ssn"]
        )


@form_rule(
    "ITIN_AS_SSN",
    citation="Form I-9 instructions (08/01/23) p. 2; IRS Publication 1915 (ITIN is not work authorization)",
    guidance="An ITIN is a tax number, not an SSN. Ask the employee for the SSN, if one was "
    "issued; if none, the box stays blank (E-Verify employers wait for the SSN). The "
    "employee corrects Section 1, initials and dates today.",
)
def itin(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """An ITIN in the SSN box."""
    if ids.is_itin(form.section1.ssn):
        yield finding("ITIN_AS_SSN", form, "An ITIN is written in the SSN box", ["section1.ssn"])


@form_rule(
    "ANUMBER_INVALID",
    citation="Form I-9 instructions (08/01/23) p. 2 (USCIS number or A-number, 7-9 digits); 8 CFR 1.2",
    guidance=_FIX,
)
def anumber_invalid(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """An A-number or USCIS number of 7 to 9 digits."""
    s1 = form.section1
    fields = [
        f"section1.{n}"
        for n in ("lpr_uscis_number", "alien_uscis_number")
        if not ids.is_blank_number(getattr(s1, n)) and not ids.is_valid_anumber(getattr(s1, n))
    ]
    if fields:
        yield finding(
            "ANUMBER_INVALID", form, "An A-number/USCIS number is not 7 to 9 digits", fields
        )


@form_rule(
    "I94_INVALID",
    citation="Form I-9 instructions (08/01/23) p. 2 (I-94 admission number, 11 characters); CBP I-94 numbering (2019)",
    guidance=_FIX,
)
def i94_invalid(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """An I-94 number: 11 digits, or 9 digits, a letter and a digit."""
    fields = []
    if not ids.is_blank_number(form.section1.i94_number) and not ids.is_valid_i94(
        form.section1.i94_number
    ):
        fields.append("section1.i94_number")
    for path, doc in section2_rows(form):
        kind = kind_of(doc)
        if (
            kind is not None
            and kind.code in ("I94", "I94_REFUGEE", "I94_TEMP_I551")
            and not ids.is_blank_number(doc.number)
            and not ids.is_valid_i94(doc.number)
        ):
            fields.append(f"{path}.number")
    if fields:
        yield finding(
            "I94_INVALID", form, "An I-94 number is not 11 characters of an issued format", fields
        )


@form_rule(
    "CARD_NUMBER_INVALID",
    citation="M-274 section 13.1 (Forms I-551 and I-766: the card number, 3 letters and 10 digits)",
    guidance="Copy the card number (three letters and ten digits, on the card's face or back) "
    "into Section 2 from the copy kept, or ask to see the card again; initial and date the "
    "correction today.",
)
def card_number_invalid(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A Permanent Resident Card or EAD number: three letters and ten digits."""
    fields = []
    for path, doc in section2_rows(form):
        kind = kind_of(doc)
        if (
            kind is not None
            and kind.code in ("I551", "I766")
            and not documents.is_receipt(doc)
            and doc.number.strip()
            and not ids.is_valid_card_number(doc.number)
        ):
            fields.append(f"{path}.number")
    if fields:
        yield finding(
            "CARD_NUMBER_INVALID",
            form,
            "A card number is not three letters and ten digits",
            fields,
            mitigations=["copy_retained"] if form.copies_retained else [],
        )
