"""The seeded errors of the I-9 set generator: one kind per rule, each with its truth.

Each entry of :data:`ERRORS` makes one clean form of a suitable kind (a permanent
resident, an alien whose authorization expired, List B and C documents ...) and breaks
it in one way; its truth lists the exact rule ids the break triggers (two where one
error necessarily breaks two rules: a malformed card number that USCIS cannot hold).
:func:`seed_pattern` seeds the employer-level pattern of documents demanded of
noncitizens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from immigrationos.worksite import calendar
from immigrationos.worksite.generator_world import (
    ALTERNATIVE_PROCEDURE_START,
    I94,
    I551,
    I766,
    US_PASSPORT,
    Builder,
    Person,
    clean_form,
    next_business_day,
    receipt_document,
)
from immigrationos.worksite.model import (
    Correction,
    CorrectionMethod,
    Document,
    DocumentList,
    I9Form,
    Preparer,
    Reverification,
    Status,
)


@dataclass
class Made:
    """What one draw produced: forms, their people, truth pairs and the error's name."""

    forms: list[I9Form]
    people: list[Person]
    truth: list[tuple[str, str]]
    kind: str = ""


def _one(form: I9Form, p: Person, *rules: str) -> Made:
    return Made([form], [p], [(form.form_id, r) for r in rules])


def _alien_current(b: Builder, n: int) -> tuple[I9Form, Person]:
    """Return an alien authorized to work, recently hired, authorization still current."""
    form, p = clean_form(b, n, Status.AUTHORIZED_ALIEN, hire=b.hire_date(20, 200), terminate=False)
    return form, p


def _alien_reverified(b: Builder, n: int) -> tuple[I9Form, Person]:
    """Return an alien with an EAD that expired and was reverified in time."""
    while True:
        hire = b.hire_date(500, 1400)
        form, p = clean_form(b, n, Status.AUTHORIZED_ALIEN, hire=hire, terminate=False)
        if form.supplement_b and form.section2.list_a[0].title == I766 and p.termination is None:
            return form, p


def _with_bc(
    b: Builder, n: int, status: Status = Status.CITIZEN, **kw: object
) -> tuple[I9Form, Person]:
    """Return a clean form with List B and List C documents."""
    while True:
        form, p = clean_form(b, n, status, **kw)  # type: ignore[arg-type]
        if form.section2.list_b is not None and form.section2.list_c is not None:
            return form, p


def _with_a(b: Builder, n: int, status: Status, title: str, **kw: object) -> tuple[I9Form, Person]:
    while True:
        form, p = clean_form(b, n, status, **kw)  # type: ignore[arg-type]
        if form.section2.list_a and form.section2.list_a[0].title == title:
            return form, p


def _e_s1_late(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.CITIZEN, terminate=False)
    hire = p.hire
    form.section1.date_signed = calendar.add_business_days(hire, b.rng.randint(1, 3))
    form.section2.date_signed = calendar.add_business_days(hire, 3)
    return _one(form, p, "S1_LATE")


def _e_s2_late(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.CITIZEN, hire=b.hire_date(90, 2000), terminate=False)
    form.section2.date_signed = calendar.add_business_days(p.hire, b.rng.randint(4, 30))
    return _one(form, p, "S2_LATE")


def _blank(
    attr: str, value: object, rule: str, status: Status = Status.CITIZEN
) -> Callable[[Builder, int], Made]:
    section, name = attr.split(".")

    def make(b: Builder, n: int) -> Made:
        form, p = clean_form(b, n, status)
        setattr(getattr(form, section), name, value)
        return _one(form, p, rule)

    make.__name__ = f"_e_{rule.lower()}"
    return make


def _e_status_missing(b: Builder, n: int) -> Made:
    form, p = _with_bc(b, n, Status.CITIZEN)
    form.section1.status_boxes = []
    return _one(form, p, "S1_STATUS_MISSING")


def _e_status_number_missing(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.PERMANENT_RESIDENT)
    form.section1.lpr_uscis_number = ""
    return _one(form, p, "S1_STATUS_NUMBER_MISSING")


def _e_expiration_missing(b: Builder, n: int) -> Made:
    form, p = _alien_current(b, n)
    form.section1.authorization_expiration = None
    form.section1.authorization_expiration_raw = ""
    return _one(form, p, "S1_EXPIRATION_MISSING")


def _e_supa_incomplete(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    last, first, middle = b.name("ANGLO")
    form.preparer_used = True
    form.preparers = [
        Preparer(
            last_name=last,
            first_name=first,
            middle_initial=middle,
            address="",
            city="",
            state="",
            zip_code="",
            signed=b.rng.random() < 0.5,
            date_signed=form.section1.date_signed,
        )
    ]
    return _one(form, p, "SUPA_INCOMPLETE")


def _e_no_documents(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.CITIZEN)
    s2 = form.section2
    s2.list_a, s2.list_b, s2.list_c = [], None, None
    return _one(form, p, "S2_NO_DOCUMENTS")


def _e_invalid_combination(b: Builder, n: int) -> Made:
    form, p = _with_bc(b, n, Status.CITIZEN)
    form.section2.list_c = None
    return _one(form, p, "S2_INVALID_COMBINATION")


def _e_unacceptable(b: Builder, n: int) -> Made:
    form, p = _with_bc(b, n, Status.PERMANENT_RESIDENT)
    form.section2.list_c = Document(
        DocumentList.C,
        "Social Security card (restricted: valid for work only with DHS authorization)",
        "Social Security Administration",
        p.ssn,
        expiration_raw="N/A",
    )
    return _one(form, p, "S2_UNACCEPTABLE_DOCUMENT")


def _e_details_missing(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    doc = form.section2.documents()[0]
    if b.rng.random() < 0.5:
        doc.number = ""
    else:
        doc.issuing_authority = ""
    return _one(form, p, "S2_DOCUMENT_DETAILS_MISSING")


def _e_expired(b: Builder, n: int) -> Made:
    form, p = _with_bc(b, n, Status.CITIZEN)
    assert form.section2.list_b is not None and form.section2.date_signed is not None
    form.section2.list_b.expiration = form.section2.date_signed - b.days(5, 400)
    return _one(form, p, "S2_DOCUMENT_EXPIRED")


def _e_status_mismatch(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.CITIZEN)
    s2 = form.section2
    assert s2.date_signed is not None
    s2.list_a, s2.list_b, s2.list_c = [b.i551(p, s2.date_signed)], None, None
    return _one(form, p, "S2_STATUS_DOCUMENT_MISMATCH")


def _e_receipt_invalid(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.PERMANENT_RESIDENT, hire=b.hire_date(15, 60), terminate=False)
    s2 = form.section2
    assert s2.first_day_of_employment is not None
    s2.list_a = [
        Document(
            DocumentList.A,
            "Receipt for Form I-90 renewal of Permanent Resident Card",
            "USCIS",
            "IOE" + b.digits(10),
            s2.first_day_of_employment + timedelta(days=90),
            is_receipt=True,
        )
    ]
    s2.list_b = s2.list_c = None
    return _one(form, p, "S2_RECEIPT_INVALID")


def _e_receipt_not_followed_up(b: Builder, n: int) -> Made:
    form, p = _with_bc(b, n, Status.CITIZEN, hire=b.hire_date(120, 1500), terminate=False)
    assert form.section2.first_day_of_employment is not None
    form.section2.list_c = receipt_document(b, p, form.section2.first_day_of_employment)
    return _one(form, p, "S2_RECEIPT_NOT_FOLLOWED_UP")


def _e_representative_missing(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    if b.rng.random() < 0.5:
        form.section2.representative_title = ""
    else:
        form.section2.representative_last_name = ""
        form.section2.representative_first_name = ""
    return _one(form, p, "S2_REPRESENTATIVE_MISSING")


def _e_business_missing(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    form.section2.business_address = ""
    return _one(form, p, "S2_BUSINESS_MISSING")


def _e_remote_invalid(b: Builder, n: int) -> Made:
    since = b.employer.everify_since or b.ad
    hire = b.hire_date(max(30, (b.ad - since).days + 30), 6 * 365)
    form, p = clean_form(b, n, Status.CITIZEN, hire=hire)
    form.section2.alternative_procedure = True
    form.section2.additional_information = "Documents examined by live video"
    form.everify_case = ""
    return _one(form, p, "REMOTE_EXAMINATION_INVALID")


def _expired_alien(b: Builder, n: int) -> tuple[I9Form, Person, date]:
    form, p = _alien_current(b, n)
    # Authorization that ran out a while ago, the employee still on the payroll.
    hire = b.hire_date(400, 1200)
    p.hire = hire
    form.section2.first_day_of_employment = hire
    form.section1.date_signed = hire
    form.section2.date_signed = hire
    form.edition = b.edition_for(hire)
    exp = b.ad - b.days(30, 300)
    if exp <= hire + timedelta(days=60):
        exp = hire + timedelta(days=61)
    form.section1.authorization_expiration = exp
    for doc in form.section2.list_a:
        if doc.title in (I766, I94):
            doc.expiration = exp
        elif doc.expiration is not None and doc.expiration < exp:
            doc.expiration = exp + timedelta(days=400)
    form.supplement_b = []
    return form, p, exp


def _e_reverification_missing(b: Builder, n: int) -> Made:
    form, p, _exp = _expired_alien(b, n)
    return _one(form, p, "REVERIFICATION_MISSING")


def _e_reverification_late(b: Builder, n: int) -> Made:
    form, p, exp = _expired_alien(b, n)
    signed = exp + b.days(3, 25)
    form.supplement_b = [
        Reverification(
            document=b.ead(p, b.ad + b.days(200, 700)),
            employer_name=f"{form.section2.representative_first_name} {form.section2.representative_last_name}",
            signed=True,
            date_signed=signed,
        )
    ]
    return _one(form, p, "REVERIFICATION_LATE")


def _e_reverification_improper(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.CITIZEN, hire=b.hire_date(500, 2000), terminate=False)
    form.supplement_b = [
        Reverification(
            document=b.us_passport(p.hire + timedelta(days=400)),
            employer_name=f"{form.section2.representative_first_name} {form.section2.representative_last_name}",
            signed=True,
            date_signed=next_business_day(p.hire + timedelta(days=400)),
        )
    ]
    return _one(form, p, "REVERIFICATION_IMPROPER")


def _e_supb_incomplete(b: Builder, n: int) -> Made:
    form, p = _alien_reverified(b, n)
    block = form.supplement_b[0]
    if b.rng.random() < 0.5:
        block.signed = False
    else:
        block.employer_name = ""
    return _one(form, p, "SUPB_INCOMPLETE")


def _e_edition(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, hire=b.hire_date(20, 1000))
    form.edition = "10/21/19" if b.rng.random() < 0.6 else "07/17/17"
    return _one(form, p, "EDITION_INVALID")


def _e_spanish(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    form.language = "es"
    return _one(form, p, "SPANISH_FORM")


def _set_ssn(form: I9Form, p: Person, ssn: str) -> None:
    c = form.section2.list_c
    if c is not None and c.number == form.section1.ssn:
        c.number = ssn
    form.section1.ssn = ssn
    p.ssn = ssn


def _e_ssn_invalid(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.CITIZEN)

    def make() -> str:
        group = f"{b.rng.randint(1, 99):02d}"
        serial = f"{b.rng.randint(1, 9999):04d}"
        area = f"{b.rng.randint(1, 899):03d}".replace("666", "667")
        return b.pick(
            (
                "000" + group + serial,
                "666" + group + serial,
                area + "00" + serial,
                area + group + "0000",
            )
        )

    bad = b.unique(make)
    _set_ssn(form, p, bad)
    return _one(form, p, "SSN_INVALID")


def _e_itin(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.PERMANENT_RESIDENT)
    _set_ssn(form, p, "9" + b.digits(2) + str(b.rng.randint(70, 88)) + b.digits(4))
    return _one(form, p, "ITIN_AS_SSN")


def _e_anumber(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, Status.PERMANENT_RESIDENT)
    form.section1.lpr_uscis_number = "A" + b.digits(5)
    return _one(form, p, "ANUMBER_INVALID", "USCIS_DOCUMENT_MISMATCH")


def _e_i94(b: Builder, n: int) -> Made:
    while True:
        form, p = _alien_current(b, n)
        if len(form.section2.list_a) == 2:
            break
    bad = b.digits(7)
    form.section1.i94_number = bad
    form.section2.list_a[1].number = bad
    return _one(form, p, "I94_INVALID")


def _e_card(b: Builder, n: int) -> Made:
    form, p = _with_a(b, n, Status.PERMANENT_RESIDENT, I551)
    form.section2.list_a[0].number = "IOE" + b.digits(6)
    return _one(form, p, "CARD_NUMBER_INVALID", "USCIS_DOCUMENT_MISMATCH")


def _correction(b: Builder, form: I9Form, **kw: object) -> Correction:
    assert form.section2.date_signed is not None
    made = form.section2.date_signed + b.days(10, 120)
    if made >= b.ad:
        made = b.ad - timedelta(days=1)
    c = Correction(
        field="section1.zip_code",
        old_value=b.digits(5),
        new_value=form.section1.zip_code,
        method=CorrectionMethod.STRIKE_THROUGH,
        initials=form.section1.first_name[:1] + form.section1.last_name[:1],
        dated=made,
        made_on=made,
    )
    for k, v in kw.items():
        setattr(c, k, v)
    return c


def _e_backdated(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, hire=b.hire_date(200, 2000))
    c = _correction(b, form)
    assert c.made_on is not None and form.section1.date_signed is not None
    c.made_on = c.made_on + b.days(60, 150)
    c.dated = form.section1.date_signed
    if c.made_on >= b.ad:
        c.made_on = b.ad - timedelta(days=1)
    form.corrections = [c]
    return _one(form, p, "CORRECTION_BACKDATED")


def _e_obliterated(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    method = CorrectionMethod.WHITE_OUT if b.rng.random() < 0.6 else CorrectionMethod.OVERWRITE
    form.corrections = [_correction(b, form, method=method, old_value="")]
    return _one(form, p, "CORRECTION_OBLITERATED")


def _e_uninitialed(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    form.corrections = [_correction(b, form, initials="")]
    return _one(form, p, "CORRECTION_UNINITIALED")


def _e_overdocumentation(b: Builder, n: int) -> Made:
    form, p = _with_a(b, n, Status.CITIZEN, US_PASSPORT)
    assert form.section2.date_signed is not None
    form.section2.list_b = b.drivers_license(p, form.section2.date_signed)
    form.section2.list_c = b.list_c(p, citizen=True)
    # A List A document with B and C: more than required, and an invalid mix (spec).
    return _one(form, p, "OVERDOCUMENTATION", "S2_INVALID_COMBINATION")


def _e_numident_mismatch(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    fact = b.gov.numidents[p.ssn]
    if b.rng.random() < 0.5:
        fact.last_name = "ZZYZX" if p.last != "ZZYZX" else "QUIMBY"
        fact.first_name = "OTHERTON"
    else:
        assert p.dob is not None
        fact.date_of_birth = p.dob.replace(
            year=p.dob.year - b.rng.randint(3, 15), day=min(p.dob.day, 28)
        )
        if fact.date_of_birth.day == fact.date_of_birth.month:
            fact.date_of_birth = fact.date_of_birth + timedelta(days=1)
    return _one(form, p, "NUMIDENT_MISMATCH")


def _e_deceased(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    assert form.section1.date_signed is not None
    b.gov.numidents[p.ssn].date_of_death = form.section1.date_signed - b.days(30, 3000)
    return _one(form, p, "SSN_DECEASED")


def _e_ssn_shared(b: Builder, n: int) -> Made:
    form1, p1 = clean_form(b, n, Status.CITIZEN)
    form2, p2 = clean_form(b, n + 1, Status.CITIZEN)
    del b.gov.numidents[p2.ssn]
    _set_ssn(form2, p2, p1.ssn)
    while p2.last == p1.last or p2.first == p1.first:
        p2.last, p2.first, _ = b.name("ANGLO")
        form2.section1.last_name, form2.section1.first_name = p2.last, p2.first
    return Made(
        [form1, form2],
        [p1, p2],
        [
            (form1.form_id, "SSN_SHARED"),
            (form2.form_id, "SSN_SHARED"),
            (form2.form_id, "NUMIDENT_MISMATCH"),
        ],
    )


def _e_uscis_mismatch(b: Builder, n: int) -> Made:
    form, p = _with_a(b, n, Status.PERMANENT_RESIDENT, I551)
    number = form.section2.list_a[0].number
    for facts in b.gov.uscis.values():
        for f in facts:
            if f.number == number:
                f.last_name, f.first_name = "OTHERTON", "ZEBULON"
    return _one(form, p, "USCIS_DOCUMENT_MISMATCH")


def _e_two_boxes(b: Builder, n: int) -> Made:
    form, p = _with_a(b, n, Status.CITIZEN, US_PASSPORT)
    form.section1.status_boxes = [Status.CITIZEN, Status.NONCITIZEN_NATIONAL]
    return _one(form, p, "S1_STATUS_MISSING")


def _e_supa_absent(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n)
    form.preparer_used = True
    form.preparers = []
    return _one(form, p, "SUPA_INCOMPLETE")


def _e_receipt_short_employment(b: Builder, n: int) -> Made:
    form, p = _with_bc(b, n, Status.CITIZEN, hire=b.hire_date(200, 1500), terminate=False)
    s2 = form.section2
    assert s2.first_day_of_employment is not None
    p.termination = calendar.add_business_days(p.hire, 1)  # a two-day job
    s2.date_signed = p.hire
    s2.list_c = receipt_document(b, p, s2.first_day_of_employment)
    return _one(form, p, "S2_RECEIPT_INVALID")


def _e_remote_without_box(b: Builder, n: int) -> Made:
    since = max(b.employer.everify_since or b.ad, ALTERNATIVE_PROCEDURE_START)
    form, p = clean_form(
        b, n, Status.CITIZEN, hire=b.hire_date(20, max(21, (b.ad - since).days - 20))
    )
    form.section2.alternative_procedure = False
    form.section2.additional_information = "Documents examined remotely over live video call"
    return _one(form, p, "REMOTE_EXAMINATION_INVALID")


def _e_printing_expired(b: Builder, n: int) -> Made:
    form, p = clean_form(b, n, hire=b.hire_date(20, (b.ad - date(2026, 8, 10)).days))
    form.edition = "08/01/23"  # its printing expired 07/31/2026
    return _one(form, p, "EDITION_INVALID")


def _e_passport_expired(b: Builder, n: int) -> Made:
    form, p = _with_a(b, n, Status.CITIZEN, US_PASSPORT)
    assert form.section2.date_signed is not None
    form.section2.list_a[0].expiration = form.section2.date_signed - b.days(20, 700)
    return _one(form, p, "S2_DOCUMENT_EXPIRED")


# Each seeded error: its name, how it is made, the rule ids its truth lists.
ERRORS: dict[str, Callable[[Builder, int], Made]] = {
    "s1_late": _e_s1_late,
    "s2_late": _e_s2_late,
    "s1_name_missing": _blank("section1.first_name", "", "S1_NAME_MISSING"),
    "s1_address_missing": _blank("section1.address", "", "S1_ADDRESS_MISSING"),
    "s1_dob_missing": _blank("section1.date_of_birth", None, "S1_DOB_MISSING"),
    "s1_status_missing": _e_status_missing,
    "s1_status_two_boxes": _e_two_boxes,
    "s1_status_number_missing": _e_status_number_missing,
    "s1_expiration_missing": _e_expiration_missing,
    "s1_signature_missing": _blank("section1.signed", False, "S1_SIGNATURE_MISSING"),
    "s1_date_missing": _blank("section1.date_signed", None, "S1_DATE_MISSING"),
    "supa_incomplete": _e_supa_incomplete,
    "supa_absent": _e_supa_absent,
    "s2_no_documents": _e_no_documents,
    "s2_invalid_combination": _e_invalid_combination,
    "s2_unacceptable_document": _e_unacceptable,
    "s2_document_details_missing": _e_details_missing,
    "s2_document_expired": _e_expired,
    "s2_list_a_expired": _e_passport_expired,
    "s2_status_document_mismatch": _e_status_mismatch,
    "s2_receipt_invalid": _e_receipt_invalid,
    "s2_receipt_short_employment": _e_receipt_short_employment,
    "s2_receipt_not_followed_up": _e_receipt_not_followed_up,
    "s2_hire_date_missing": _blank(
        "section2.first_day_of_employment", None, "S2_HIRE_DATE_MISSING"
    ),
    "s2_representative_missing": _e_representative_missing,
    "s2_business_missing": _e_business_missing,
    "s2_signature_missing": _blank("section2.signed", False, "S2_SIGNATURE_MISSING"),
    "s2_date_missing": _blank("section2.date_signed", None, "S2_DATE_MISSING"),
    "remote_examination_invalid": _e_remote_invalid,
    "remote_without_box": _e_remote_without_box,
    "reverification_missing": _e_reverification_missing,
    "reverification_late": _e_reverification_late,
    "reverification_improper": _e_reverification_improper,
    "supb_incomplete": _e_supb_incomplete,
    "edition_invalid": _e_edition,
    "edition_printing_expired": _e_printing_expired,
    "spanish_form": _e_spanish,
    "ssn_invalid": _e_ssn_invalid,
    "itin_as_ssn": _e_itin,
    "anumber_invalid": _e_anumber,
    "i94_invalid": _e_i94,
    "card_number_invalid": _e_card,
    "correction_backdated": _e_backdated,
    "correction_obliterated": _e_obliterated,
    "correction_uninitialed": _e_uninitialed,
    "overdocumentation": _e_overdocumentation,
    "numident_mismatch": _e_numident_mismatch,
    "ssn_deceased": _e_deceased,
    "ssn_shared": _e_ssn_shared,
    "uscis_document_mismatch": _e_uscis_mismatch,
}


def seed_pattern(
    b: Builder, forms: list[I9Form], error_kinds: dict[str, str]
) -> list[tuple[str, str]]:
    """Seed DOCUMENT_PATTERN: noncitizens asked for a List B and a List C on top of List A.

    One representative, over the last years, recorded a driver's license and a Social
    Security card besides the Permanent Resident Card or EAD of a fifth of the clean
    noncitizens' forms: each such form is over-documented (its own truth), and together
    they are the employer-level pattern (8 U.S.C. 1324b(a)(6)).
    """
    noncitizens = [
        f
        for f in forms
        if f.section1.status in (Status.PERMANENT_RESIDENT, Status.AUTHORIZED_ALIEN)
    ]
    candidates = [
        f
        for f in noncitizens
        if f.form_id not in error_kinds
        and f.section2.list_a
        and f.section2.list_b is None
        and f.section2.date_signed is not None
    ]
    want = max(3, -(-len(noncitizens) // 5))
    chosen = candidates[:: max(1, len(candidates) // want)][:want] if candidates else []
    truth: list[tuple[str, str]] = []
    for form in chosen:
        s1, s2 = form.section1, form.section2
        assert s2.date_signed is not None
        holder = Person(
            form.employee_id, s1.last_name, s1.first_name, s1.middle_initial,
            s1.date_of_birth or b.ad, s1.ssn, s1.address, s1.apt, s1.city, s1.state,
            s1.zip_code, s1.email, s1.phone, "", s2.first_day_of_employment or b.ad,
        )  # fmt: skip
        s2.list_b = b.drivers_license(holder, s2.date_signed)
        s2.list_c = b.list_c(holder, citizen=False)
        error_kinds[form.form_id] = "document_pattern"
        truth.append((form.form_id, "OVERDOCUMENTATION"))
        truth.append((form.form_id, "S2_INVALID_COMBINATION"))
    if len(chosen) >= 3:
        truth.append(("", "DOCUMENT_PATTERN"))
    return truth
