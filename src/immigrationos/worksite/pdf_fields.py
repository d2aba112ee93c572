"""The fields of the fillable Form I-9 (edition 08/01/23) and what a form puts in them.

The PDF field names by section (Section 1, the three List A rows, List B, List C,
Section 2, the four preparers of Supplement A, the three blocks of Supplement B), the
check boxes' on-states, and :func:`field_values`: the value of every field for a form.
:func:`unrepresentable` names what a form would lose in this PDF, and
:func:`title_owners` decides whose ``Document Title 1`` is (the field drawn twice).
``pdf_form`` fills and reads the PDF with them.
"""

from __future__ import annotations

from datetime import date

from immigrationos.worksite.model import (
    Document,
    DocumentList,
    I9Form,
    Preparer,
    Reverification,
    Section2,
    Status,
)

EDITION = "08/01/23"
TEMPLATE_NAME = "i-9_edition_08-01-23.pdf"

# Section 1 (page 1).
S1_FIELDS: dict[str, str] = {
    "last_name": "Last Name (Family Name)",
    "first_name": "First Name Given Name",
    "middle_initial": "Employee Middle Initial (if any)",
    "other_last_names": "Employee Other Last Names Used (if any)",
    "address": "Address Street Number and Name",
    "apt": "Apt Number (if any)",
    "city": "City or Town",
    "state": "State",
    "zip_code": "ZIP Code",
    "date_of_birth": "Date of Birth mmddyyyy",
    "ssn": "US Social Security Number",
    "email": "Employees E-mail Address",
    "phone": "Telephone Number",
    "lpr_uscis_number": "3 A lawful permanent resident Enter USCIS or ANumber",
    "authorization_expiration": "Exp Date mmddyyyy",
    "alien_uscis_number": "USCIS ANumber",
    "i94_number": "Form I94 Admission Number",
    "foreign_passport": "Foreign Passport Number and Country of IssuanceRow1",
    "signed": "Signature of Employee",
    "date_signed": "Today's Date mmddyyy",
}
STATUS_BOXES: dict[Status, str] = {
    Status.CITIZEN: "CB_1",
    Status.NONCITIZEN_NATIONAL: "CB_2",
    Status.PERMANENT_RESIDENT: "CB_3",
    Status.AUTHORIZED_ALIEN: "CB_4",
}
# Section 2, List A documents 1-3: title, issuer, number, expiration.
LIST_A_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Document Title 1",
        "Issuing Authority 1",
        "Document Number 0 (if any)",
        "Expiration Date if any",
    ),
    (
        "Document Title 2 If any",
        "Issuing Authority_2",
        "Document Number If any_2",
        "List A.  Document 2. Expiration Date (if any)",
    ),
    (
        "List A.   Document Title 3.  If any",
        "List A. Document 3.  Enter Issuing Authority",
        "List A.  Document 3 Number.  If any",
        "Document Number if any_3",  # quirk: this is document 3's EXPIRATION
    ),
)
LIST_B_FIELDS = (
    "List B Document 1 Title",
    "List B Issuing Authority 1",
    "List B Document Number 1",
    "List B Expiration Date 1",
)
LIST_C_FIELDS = (
    "List C Document Title 1",
    "List C Issuing Authority 1",
    "List C Document Number 1",
    "List C Expiration Date 1",
)
S2_FIELDS: dict[str, str] = {
    "additional_information": "Additional Information",
    "alternative_procedure": "CB_Alt",
    "first_day_of_employment": "FirstDayEmployed mmddyyyy",
    "representative": "Last Name First Name and Title of Employer or Authorized Representative",
    "signed": "Signature of Employer or AR",
    "date_signed": "S2 Todays Date mmddyyyy",
    "business_name": "Employers Business or Org Name",
    "business_address": "Employers Business or Org Address",
}
SUPA_NAME_FIELDS = (
    "Last Name Family Name from Section 1",
    "First Name Given Name from Section 1",
    "Middle initial if any from Section 1",
)
SUPB_NAME_FIELDS = (
    "Last Name Family Name from Section 1-2",
    "First Name Given Name from Section 1-2",
    "Middle initial if any from Section 1-2",
)
PREPARER_SLOTS = 4
SUPB_SLOTS = 3
DUPLICATE_TITLE = "Document Title 1"  # List A doc 1 and Supplement B block 2
PREPARER2_NAME = "Preparer or Translator Last Name (Family Name) 1"  # last and first


def preparer_fields(i: int) -> dict[str, str]:
    """Return the PDF field names of preparer ``i`` (0-3) of Supplement A."""
    first = PREPARER2_NAME if i == 1 else f"Preparer or Translator First Name (Given Name) {i}"
    return {
        "signed": f"Signature of Preparer or Translator {i}",
        "date_signed": f"Sig Date mmddyyyy {i}",
        "last_name": f"Preparer or Translator Last Name (Family Name) {i}",
        "first_name": first,
        "middle_initial": f"PT Middle Initial {i}",
        "address": f"Preparer or Translator Address (Street Number and Name) {i}",
        "city": f"Preparer or Translator City or Town {i}",
        "state": f"Preparer State {i}",
        "zip_code": f"Zip Code {i}",
    }


def supb_fields(i: int) -> dict[str, str]:
    """Return the PDF field names of Supplement B block ``i`` (0-2)."""
    return {
        "rehire_date": f"Date of Rehire {i}",
        "last_name": f"Last Name {i}",
        "first_name": f"First Name {i}",
        "middle_initial": f"Middle Initial {i}",
        "doc_title": f"Document Title {i}",
        "doc_number": f"Document Number {i}",
        "doc_expiration": f"Expiration Date {i}",
        "employer_name": f"Name of Emp or Auth Rep {i}",
        "signed": f"Signature of Emp Rep {i}",
        "date_signed": f"Todays Date {i}",
        "additional_information": f"Addtl Info {i}",
        "alternative_procedure": f"CB_Alt_{i}",
    }


CHECKBOX_ON: dict[str, str] = {name: "/On" for name in STATUS_BOXES.values()}
CHECKBOX_ON.update({"CB_Alt": "/Yes", **{f"CB_Alt_{i}": "/Yes" for i in range(SUPB_SLOTS)}})


def _fmt(d: date | None) -> str:
    return d.strftime("%m/%d/%Y") if d is not None else ""


def _doc_values(doc: Document | None) -> tuple[str, str, str, str]:
    if doc is None:
        return ("", "", "", "")
    exp = _fmt(doc.expiration) if doc.expiration is not None else doc.expiration_raw
    return (doc.title, doc.issuing_authority, doc.number, exp)


def _signature(signed: bool, name: str) -> str:
    return f"/s/ {name}".rstrip() if signed else ""


def field_values(form: I9Form) -> dict[str, str]:
    """Return the value of every PDF field for a form (check boxes by their on-state)."""
    s1, s2 = form.section1, form.section2
    v: dict[str, str] = {}
    for attr, name in S1_FIELDS.items():
        if attr == "signed":
            v[name] = _signature(s1.signed, f"{s1.first_name} {s1.last_name}")
        elif attr == "authorization_expiration":
            v[name] = _fmt(s1.authorization_expiration) or s1.authorization_expiration_raw
        elif attr in ("date_of_birth", "date_signed"):
            v[name] = _fmt(getattr(s1, attr))
        else:
            v[name] = getattr(s1, attr)
    for status, box in STATUS_BOXES.items():
        v[box] = CHECKBOX_ON[box] if status in s1.status_boxes else "/Off"
    for i, names in enumerate(LIST_A_FIELDS):
        doc = s2.list_a[i] if i < len(s2.list_a) else None
        for name, value in zip(names, _doc_values(doc), strict=True):
            v[name] = value
    for names, doc in ((LIST_B_FIELDS, s2.list_b), (LIST_C_FIELDS, s2.list_c)):
        for name, value in zip(names, _doc_values(doc), strict=True):
            v[name] = value
    v[S2_FIELDS["representative"]] = representative_text(s2)
    v[S2_FIELDS["additional_information"]] = s2.additional_information
    v[S2_FIELDS["alternative_procedure"]] = "/Yes" if s2.alternative_procedure else "/Off"
    v[S2_FIELDS["first_day_of_employment"]] = _fmt(s2.first_day_of_employment)
    v[S2_FIELDS["signed"]] = _signature(
        s2.signed, f"{s2.representative_first_name} {s2.representative_last_name}"
    )
    v[S2_FIELDS["date_signed"]] = _fmt(s2.date_signed)
    v[S2_FIELDS["business_name"]] = s2.business_name
    v[S2_FIELDS["business_address"]] = s2.business_address
    employee = (s1.last_name, s1.first_name, s1.middle_initial)
    for name, value in zip(SUPA_NAME_FIELDS, employee, strict=True):
        v[name] = value if form.preparers else ""
    for name, value in zip(SUPB_NAME_FIELDS, employee, strict=True):
        v[name] = value if form.supplement_b else ""
    for i in range(PREPARER_SLOTS):
        fields = preparer_fields(i)
        p = form.preparers[i] if i < len(form.preparers) else Preparer()
        for attr, name in fields.items():
            if attr == "first_name" and i == 1:
                continue  # the shared box: the last name fills it (quirk 2)
            if attr == "signed":
                v[name] = _signature(p.signed, f"{p.first_name} {p.last_name}")
            elif attr == "date_signed":
                v[name] = _fmt(p.date_signed)
            else:
                v[name] = getattr(p, attr)
    for i in range(SUPB_SLOTS):
        fields = supb_fields(i)
        b = form.supplement_b[i] if i < len(form.supplement_b) else Reverification()
        title, _issuer, number, exp = _doc_values(b.document)
        v[fields["rehire_date"]] = _fmt(b.rehire_date)
        v[fields["last_name"]] = b.last_name
        v[fields["first_name"]] = b.first_name
        v[fields["middle_initial"]] = b.middle_initial
        if i != 1 or not s2.list_a:
            v[fields["doc_title"]] = title  # block 2's title is Section 2's when both exist
        v[fields["doc_number"]] = number
        v[fields["doc_expiration"]] = exp
        v[fields["employer_name"]] = b.employer_name
        v[fields["signed"]] = _signature(b.signed, b.employer_name)
        v[fields["date_signed"]] = _fmt(b.date_signed)
        v[fields["additional_information"]] = b.additional_information
        v[fields["alternative_procedure"]] = "/Yes" if b.alternative_procedure else "/Off"
    if s2.list_a:
        v[DUPLICATE_TITLE] = s2.list_a[0].title
    return v


def representative_text(s2: Section2) -> str:
    """Return the one box of Section 2's representative: "Last, First, Title".

    Positions are kept (``"Lee, , HR Manager"``) so the reader splits them back.
    """
    parts = [s2.representative_last_name, s2.representative_first_name, s2.representative_title]
    while parts and not parts[-1]:
        parts.pop()
    return ", ".join(parts)


def title_owners(values: dict[str, str]) -> tuple[bool, bool]:
    """Return whether ``Document Title 1`` is List A document 1's, Supplement B block 2's.

    List A document 1 owns it when that row has another entry, or block 2 records no
    document number or expiration; block 2 owns it when it records a document number or
    expiration, or has any entry while List A document 1 has none but the title. When
    neither row says more, both show it (as the printed form does).
    """

    def text(name: str) -> str:
        return values.get(name, "").strip()

    if not text(DUPLICATE_TITLE):
        return False, False
    a1_rest = any(text(n) for n in LIST_A_FIELDS[0][1:])
    b2 = supb_fields(1)
    b2_doc_rest = bool(text(b2["doc_number"]) or text(b2["doc_expiration"]))
    b2_any = any(
        text(n) for k, n in b2.items() if k not in ("doc_title", "alternative_procedure")
    ) or text(b2["alternative_procedure"]) not in ("", "/Off", "Off")
    return a1_rest or not b2_doc_rest, b2_doc_rest or (b2_any and not a1_rest)


def unrepresentable(form: I9Form) -> list[str]:
    """Return what the 08/01/23 PDF cannot hold of a form (empty when it holds it all)."""
    out: list[str] = []
    s2 = form.section2
    if form.edition and form.edition != EDITION:
        out.append(f"edition {form.edition} (the PDF is {EDITION})")
    if form.language != "en":
        out.append(f"language {form.language}")
    if len(s2.list_a) > 3:
        out.append("more than three List A documents")
    if len(form.preparers) > PREPARER_SLOTS:
        out.append("more than four preparers")
    if len(form.supplement_b) > SUPB_SLOTS:
        out.append("more than three Supplement B blocks")
    if len(form.preparers) > 1 and form.preparers[1].first_name != form.preparers[1].last_name:
        out.append("preparers[1].first_name (its box repeats the last name)")
    if len(form.supplement_b) > 1:
        block = form.supplement_b[1]
        title = block.document.title if block.document else ""
        if s2.list_a and title != s2.list_a[0].title:
            out.append("supplement_b[1].document.title (one field with List A document 1)")
    for i, b in enumerate(form.supplement_b):
        if b.document is not None and b.document.issuing_authority:
            out.append(f"supplement_b[{i}].document.issuing_authority")
    for d in s2.documents():
        if d.expiration is not None and d.expiration_raw:
            out.append("an expiration both as a date and as text")
    if form.section1.authorization_expiration and form.section1.authorization_expiration_raw:
        out.append("section1.authorization_expiration both as a date and as text")
    if len(form.section1.status_boxes) != len(set(form.section1.status_boxes)):
        out.append("a status box listed twice")
    if len(form.supplement_b) > 1 and s2.list_a:
        block = form.supplement_b[1]
        owners = title_owners(field_values(form))
        wanted = (bool(s2.list_a[0].title), bool(block.document and block.document.title))
        if owners != wanted:
            out.append("Document Title 1: the rows around it do not tell whose it is")
    if "," in s2.representative_last_name or "," in s2.representative_first_name:
        out.append("a comma in the representative's name (one box: Last, First, Title)")
    docs = [*s2.documents(), *(b.document for b in form.supplement_b if b.document is not None)]
    for d in docs:
        if d.is_receipt != d.title.strip().lower().startswith("receipt"):
            out.append(f"document {d.title!r}: a receipt is one whose title starts 'Receipt'")
    for i, b in enumerate(form.supplement_b):
        if b.document is not None and b.document.list is not infer_list(b.document.title):
            out.append(f"supplement_b[{i}].document.list (Supplement B names no list)")
    if form.raw or form.parse_issues:
        out.append("values kept as written (raw)")
    return out


def infer_list(title: str) -> DocumentList:
    """Return the list a Supplement B document's title belongs to (the PDF does not say)."""
    t = title.lower()
    if any(
        k in t for k in ("social security", "birth", "fs-", "ds-1350", "i-197", "i-179", "list c")
    ):
        return DocumentList.C
    if any(
        k in t for k in ("driver", "id card", "identification card", "school", "voter", "list b")
    ):
        return DocumentList.B
    return DocumentList.A
