"""The official fillable Form I-9, filled by the tests, reads back field for field."""

from __future__ import annotations

import io
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from immigrationos.worksite import pdf_form
from immigrationos.worksite.model import (
    Correction,
    CorrectionMethod,
    Document,
    DocumentList,
    I9Form,
    Preparer,
    Reverification,
    Section1,
    Section2,
    Status,
)

EAD = "Employment Authorization Document (Form I-766)"


def full_form() -> I9Form:
    """Return a form that uses every field of the PDF, the quirky ones included."""
    return I9Form(
        form_id="F000042",
        employee_id="E000042",
        edition="08/01/23",
        everify_case="2024123456789AB",
        copies_retained=True,
        preparer_used=True,
        section1=Section1(
            last_name="NGUYEN",
            first_name="LAN",
            middle_initial="T",
            other_last_names="TRAN",
            address="123 MAIN ST",
            apt="4B",
            city="AUSTIN",
            state="TX",
            zip_code="78701",
            date_of_birth=date(1990, 2, 3),
            ssn="123456789",
            email="lan.nguyen@example.com",
            phone="5125550100",
            status_boxes=[Status.AUTHORIZED_ALIEN],
            lpr_uscis_number="",
            authorization_expiration=date(2027, 5, 6),
            alien_uscis_number="A123456789",
            i94_number="12345678A12",
            foreign_passport="K1234567 VIETNAM",
            signed=True,
            date_signed=date(2024, 3, 4),
        ),
        section2=Section2(
            list_a=[
                Document(DocumentList.A, EAD, "USCIS", "IOE0123456789", date(2027, 5, 6)),
                Document(DocumentList.A, "Form I-94", "CBP", "12345678A12", expiration_raw="D/S"),
                Document(DocumentList.A, "Form I-20", "SEVP", "N0012345678", date(2028, 1, 31)),
            ],
            additional_information="Doc 3 expiry is the quirky field",
            alternative_procedure=True,
            first_day_of_employment=date(2024, 3, 5),
            representative_last_name="MORGAN",
            representative_first_name="TAYLOR",
            representative_title="HR Manager, West Region",
            signed=True,
            date_signed=date(2024, 3, 6),
            business_name="PECAN FOODS LLC",
            business_address="100 COMMERCE DR, AUSTIN, TX 78701",
        ),
        preparers=[
            Preparer(
                "SMITH", "JOHN", "Q", "1 OAK ST", "AUSTIN", "TX", "78702", True, date(2024, 3, 4)
            ),
            # The second preparer's first-name box is the last-name field drawn twice.
            Preparer(
                "GARCIA", "GARCIA", "", "2 ELM ST", "DALLAS", "TX", "75201", True, date(2024, 3, 4)
            ),
            Preparer("LEE", "KIM", "", "3 PINE ST", "HOUSTON", "TX", "77001", False, None),
            Preparer(
                "WONG", "AMY", "B", "4 FIR ST", "EL PASO", "TX", "79901", True, date(2024, 3, 4)
            ),
        ],
        supplement_b=[
            Reverification(
                document=Document(
                    DocumentList.A, EAD, number="IOE0123456790", expiration=date(2028, 5, 6)
                ),
                employer_name="TAYLOR MORGAN",
                signed=True,
                date_signed=date(2027, 4, 1),
            ),
            # Block 2's title is "Document Title 1": the same field as List A document 1's.
            Reverification(
                rehire_date=date(2027, 9, 1),
                last_name="NGUYEN-TRAN",
                first_name="LAN",
                middle_initial="T",
                document=Document(
                    DocumentList.A, EAD, number="IOE0123456791", expiration=date(2029, 5, 6)
                ),
                employer_name="TAYLOR MORGAN",
                signed=True,
                date_signed=date(2027, 9, 1),
                additional_information="Rehired; new name",
                alternative_procedure=True,
            ),
            Reverification(
                document=Document(
                    DocumentList.A, EAD, number="IOE0123456792", expiration_raw="N/A"
                ),
                employer_name="TAYLOR MORGAN",
                signed=False,
                date_signed=date(2029, 4, 1),
            ),
        ],
        corrections=[
            Correction(
                field="section1.zip_code",
                old_value="78700",
                new_value="78701",
                method=CorrectionMethod.STRIKE_THROUGH,
                initials="LN",
                dated=date(2024, 3, 10),
                made_on=date(2024, 3, 10),
            )
        ],
    )


def test_template_holds_every_listed_field() -> None:
    listed = set()
    text = (
        resources.files("immigrationos.worksite") / "data" / "i-9_edition_08-01-23.fields.txt"
    ).read_text()
    for line in text.splitlines():
        if re.match(r"p\d \| ", line):
            listed.add(line.split(" | ")[1])
    template, _ = pdf_form.read_fields(pdf_form.template_bytes())
    assert set(template) == listed
    assert len(listed) == 128  # 130 widgets: two fields are drawn twice


def test_fill_reads_back_field_for_field() -> None:
    form = full_form()
    assert pdf_form.unrepresentable(form) == []
    data = pdf_form.fill(form)
    back = pdf_form.read(data, source="pdf/F000042.pdf")
    assert back.source == "pdf/F000042.pdf"
    back.source = form.source
    assert back == form
    # Field by field, under the PDF's own names.
    values, info = pdf_form.read_fields(data)
    expected = pdf_form.field_values(form)
    for name, value in expected.items():
        assert values[name] == value, name
    assert values["CB_4"] == "/On" and values["CB_1"] == "/Off"
    assert (
        values["CB_Alt"] == "/Yes" and values["CB_Alt_1"] == "/Yes" and values["CB_Alt_0"] == "/Off"
    )
    # The quirks: List A document 3's expiration lives in "Document Number if any_3".
    assert values["Document Number if any_3"] == "01/31/2028"
    assert values["List A.  Document 3 Number.  If any"] == "N0012345678"
    assert values["Document Title 1"] == EAD  # List A doc 1 and Supplement B block 2
    assert values[pdf_form.PREPARER2_NAME] == "GARCIA"
    assert values["Signature of Preparer or Translator 2"] == ""  # unsigned preparer 3
    assert values["Last Name First Name and Title of Employer or Authorized Representative"] == (
        "MORGAN, TAYLOR, HR Manager, West Region"
    )
    assert info["/ImosFormId"] == "F000042"


def test_filled_file_is_whole_and_exact() -> None:
    data = pdf_form.fill(full_form())
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 4
    # Every cross-reference entry points at its object (strict pypdf checks each header).
    nums = sorted(reader.xref[0])
    for num in nums[::7]:
        assert reader.get_object(num) is not None
    fields = reader.get_fields()
    assert fields is not None
    assert fields["Last Name (Family Name)"]["/V"] == "NGUYEN"
    assert fields["CB_4"]["/V"] == "/On"
    assert data.count(b"%%EOF") == 1  # one whole file, not an incremental update
    assert pdf_form.fill(full_form()) == data  # the same form gives the same bytes


def test_fast_scan_reads_what_pypdf_reads() -> None:
    form = full_form()
    form.section1.last_name = "NGUYỄN (阮) \\ O'BRIEN"
    form.section1.other_last_names = "MUÑOZ-PEÑA ( nested ( parens ) )"
    data = pdf_form.fill(form)
    fast = pdf_form._read_fields(data, strict=True, fast=True)
    slow = pdf_form._read_fields(data, strict=True, fast=False)
    assert fast == slow
    assert fast[0]["Last Name (Family Name)"] == form.section1.last_name
    assert pdf_form.read(data).section1.other_last_names == form.section1.other_last_names
    # The template itself (with its own untidy cross-references) reads the same both ways.
    template = pdf_form.template_bytes()
    assert pdf_form._read_fields(template, strict=False) == pdf_form._read_fields(
        template, strict=False, fast=False
    )


def test_check_boxes_carry_their_on_state_on_the_widgets() -> None:
    data = pdf_form.fill(full_form())
    reader = pypdf.PdfReader(io.BytesIO(data))
    states = {}
    annots: Any = reader.pages[0]["/Annots"]
    for annot in annots:
        a = annot.get_object()
        if str(a.get("/T", "")).startswith("CB_"):
            states[str(a["/T"])] = str(a.get("/AS"))
    assert states["CB_4"] == "/On" and states["CB_1"] == "/Off" and states["CB_Alt"] == "/Yes"
    root: Any = reader.trailer["/Root"]
    assert "/Perms" not in root  # usage rights would be broken by the fill


def test_document_title_1_goes_where_the_form_shows_it() -> None:
    # List B + C with a rehire and reverification in block 2: the title is block 2's.
    form = full_form()
    s2 = form.section2
    s2.list_a = []
    s2.list_b = Document(
        DocumentList.B, "Driver's license", "Texas DPS", "12345678", date(2028, 1, 1)
    )
    s2.list_c = Document(
        DocumentList.C, "Social Security card", "SSA", "123456789", expiration_raw="N/A"
    )
    form.section1.status_boxes = [Status.CITIZEN]
    back = pdf_form.read(pdf_form.fill(form))
    assert back.section2.list_a == []
    assert back.supplement_b[1].document is not None
    assert back.supplement_b[1].document.title == EAD
    # List A with a rehire-only block 2 (no document): the title is List A's alone.
    form = full_form()
    form.supplement_b[1].document = None
    back = pdf_form.read(pdf_form.fill(form))
    assert back.section2.list_a[0].title == EAD
    assert back.supplement_b[1].document is None
    # Two different titles cannot both be held: the reader would see Section 2's twice.
    form = full_form()
    assert form.supplement_b[1].document is not None
    form.supplement_b[1].document.title = "Foreign passport with Form I-94"
    assert any("Document" in p or "title" in p for p in pdf_form.unrepresentable(form))
    back = pdf_form.read(pdf_form.fill(form))
    assert back.supplement_b[1].document is not None
    assert back.supplement_b[1].document.title == EAD


def test_second_preparer_first_name_repeats_the_last_name() -> None:
    form = full_form()
    form.preparers[1].first_name = "MARIA"
    assert "preparers[1].first_name" in " ".join(pdf_form.unrepresentable(form))
    back = pdf_form.read(pdf_form.fill(form))
    assert back.preparers[1].last_name == "GARCIA"
    assert back.preparers[1].first_name == "GARCIA"  # what the printed box shows


def _damaged(data: bytes) -> dict[str, bytes]:
    first_line = data.index(b"\n") + 1
    xref = data.rindex(b"\nxref") + 1
    shifted = re.sub(
        rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 3), data[xref:]
    )
    return {
        "wrong startxref": re.sub(rb"startxref\s+\d+", b"startxref\n12345", data),
        "every offset shifted": data[:first_line] + b"%" + b"x" * 500 + b"\n" + data[first_line:],
        "xref offsets corrupted": data[:xref] + shifted,
        "trailer truncated": data[: data.rindex(b"trailer")],
        "tail cut": data[:-1000],
    }


def test_truncated_file_defeats_plain_pypdf_but_not_the_reader() -> None:
    data = _damaged(pdf_form.fill(full_form()))["trailer truncated"]
    with pytest.raises(Exception):  # noqa: B017 - pypdf's own error kinds vary
        pypdf.PdfReader(io.BytesIO(data), strict=False).trailer["/Root"]
    assert pdf_form.read(data).form_id == "F000042"


@pytest.mark.parametrize("damage", list(_damaged(b"\nxref\ntrailer\nstartxref 1\n" + b"x" * 1000)))
def test_damaged_cross_references_still_read(damage: str) -> None:
    form = full_form()
    data = _damaged(pdf_form.fill(form))[damage]
    back = pdf_form.read(data, source="pdf/x.pdf")
    back.source = form.source
    assert back == form


def test_read_many_in_worker_processes_keeps_order_and_errors(tmp_path: Path) -> None:
    form = full_form()
    items = []
    for i in range(3):
        form.form_id = f"F{i}"
        (tmp_path / f"{i}.pdf").write_bytes(pdf_form.fill(form))
        items.append((tmp_path / f"{i}.pdf", f"pdf/{i}.pdf"))
    (tmp_path / "junk.pdf").write_bytes(b"junk")
    items.insert(1, (tmp_path / "junk.pdf", "pdf/junk.pdf"))
    results = pdf_form.read_many(items, workers=2, parallel_min=1)
    assert isinstance(results[1], pdf_form.PdfFormError)
    read = [r for r in results if isinstance(r, I9Form)]
    assert [(f.form_id, f.source) for f in read] == [
        ("F0", "pdf/0.pdf"),
        ("F1", "pdf/1.pdf"),
        ("F2", "pdf/2.pdf"),
    ]


def test_a_pdf_that_is_not_the_form_is_refused() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(pdf_form.PdfFormError, match="no form fields"):
        pdf_form.read(buf.getvalue())
    with pytest.raises(pdf_form.PdfFormError, match="unreadable"):
        pdf_form.read(b"%PDF-1.4\nnot really a pdf")


def _set_field(data: bytes, name: str, value: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    acro: Any = writer._root_object["/AcroForm"]
    for ref in acro["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            field[pypdf.generic.NameObject("/V")] = pypdf.generic.TextStringObject(value)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_check_box_set_only_by_its_appearance_state_counts() -> None:
    form = full_form()
    form.section1.status_boxes = []
    data = pdf_form.fill(form)
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    acro: Any = writer._root_object["/AcroForm"]
    for ref in acro["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == "CB_3":
            field.pop(pypdf.generic.NameObject("/V"), None)
            field[pypdf.generic.NameObject("/AS")] = pypdf.generic.NameObject("/On")
    buf = io.BytesIO()
    writer.write(buf)
    assert pdf_form.read(buf.getvalue()).section1.status_boxes == [Status.PERMANENT_RESIDENT]


def test_unparseable_date_is_kept_as_written() -> None:
    form = full_form()
    data = _set_field(pdf_form.fill(form), "Date of Birth mmddyyyy", "31/02/1990")
    back = pdf_form.read(data)
    assert back.section1.date_of_birth is None
    assert back.raw["section1.date_of_birth"] == "31/02/1990"
    assert [i.field for i in back.parse_issues] == ["section1.date_of_birth"]


def test_a_form_without_metadata_takes_its_file_name() -> None:
    form = full_form()
    data = pdf_form.fill(form)
    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.metadata = {"/Producer": "someone else"}
    buf = io.BytesIO()
    writer.write(buf)
    back = pdf_form.read(buf.getvalue(), source="pdf/0003.pdf")
    assert back.form_id == "0003"
    assert back.employee_id == "" and back.corrections == []
    assert back.section1 == form.section1


# ---------------------------------------------------------------- the round-trip property

_TEXT = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefgh0123456789-.'#()/\\Ñé", max_size=24
).map(str.strip)
_NAME = _TEXT.filter(lambda s: "," not in s)
_DATES = st.dates(min_value=date(1930, 1, 1), max_value=date(2099, 12, 31))
_OPT_DATE = st.none() | _DATES
_TITLES = st.sampled_from(
    [EAD, "U.S. Passport", "Permanent Resident Card (Form I-551)", "Foreign passport", "Form I-94"]
)


@st.composite
def _document(draw: st.DrawFn, lst: DocumentList, *, issuer: bool = True) -> Document:
    receipt = draw(st.booleans())
    title = draw(_TITLES)
    if receipt:
        title = "Receipt for " + title
    exp = draw(_OPT_DATE)
    raw = "" if exp is not None else draw(st.sampled_from(["", "N/A", "D/S"]))
    return Document(
        list=lst,
        title=title,
        issuing_authority=draw(_TEXT) if issuer else "",
        number=draw(_TEXT),
        expiration=exp,
        expiration_raw=raw,
        is_receipt=receipt,
    )


@st.composite
def forms(draw: st.DrawFn) -> I9Form:
    """Forms the 08/01/23 PDF can hold."""
    boxes = draw(st.lists(st.sampled_from(list(Status)), unique=True, max_size=4))
    order = list(pdf_form.STATUS_BOXES)
    auth = draw(_OPT_DATE)
    s1 = Section1(
        last_name=draw(_NAME),
        first_name=draw(_NAME),
        middle_initial=draw(st.sampled_from(["", "A", "Z"])),
        other_last_names=draw(_TEXT),
        address=draw(_TEXT),
        apt=draw(_TEXT),
        city=draw(_TEXT),
        state=draw(st.sampled_from(["", "TX", "PR", "CA"])),
        zip_code=draw(st.from_regex(r"\A(\d{5})?\Z")),
        date_of_birth=draw(_OPT_DATE),
        ssn=draw(st.from_regex(r"\A(\d{9})?\Z")),
        email=draw(_TEXT),
        phone=draw(_TEXT),
        status_boxes=sorted(boxes, key=order.index),
        lpr_uscis_number=draw(_TEXT),
        authorization_expiration=auth,
        authorization_expiration_raw="" if auth else draw(st.sampled_from(["", "N/A", "D/S"])),
        alien_uscis_number=draw(_TEXT),
        i94_number=draw(_TEXT),
        foreign_passport=draw(_TEXT),
        signed=draw(st.booleans()),
        date_signed=draw(_OPT_DATE),
    )
    list_a = draw(st.lists(_document(DocumentList.A), max_size=3))
    s2 = Section2(
        list_a=list_a,
        list_b=draw(st.none() | _document(DocumentList.B)),
        list_c=draw(st.none() | _document(DocumentList.C)),
        additional_information=draw(_TEXT),
        alternative_procedure=draw(st.booleans()),
        first_day_of_employment=draw(_OPT_DATE),
        representative_last_name=draw(_NAME),
        representative_first_name=draw(_NAME),
        representative_title=draw(_TEXT),
        signed=draw(st.booleans()),
        date_signed=draw(_OPT_DATE),
        business_name=draw(_TEXT),
        business_address=draw(_TEXT),
    )
    preparers = []
    for i in range(draw(st.integers(0, 4))):
        last = draw(_NAME.filter(bool))
        preparers.append(
            Preparer(
                last_name=last,
                first_name=last if i == 1 else draw(_NAME),
                middle_initial=draw(st.sampled_from(["", "Q"])),
                address=draw(_TEXT),
                city=draw(_TEXT),
                state=draw(st.sampled_from(["", "TX"])),
                zip_code=draw(st.from_regex(r"\A(\d{5})?\Z")),
                signed=draw(st.booleans()),
                date_signed=draw(_OPT_DATE),
            )
        )
    blocks = []
    for i in range(draw(st.integers(0, 3))):
        doc = draw(st.none() | _document(DocumentList.A, issuer=False))
        if doc is not None:
            doc.list = pdf_form.infer_list(doc.title)
            if i == 1 and list_a:
                doc.title = list_a[0].title
                doc.is_receipt = list_a[0].is_receipt
        blocks.append(
            Reverification(
                rehire_date=draw(_OPT_DATE),
                last_name=draw(_TEXT),
                first_name=draw(_TEXT),
                middle_initial=draw(st.sampled_from(["", "M"])),
                document=doc,
                employer_name=draw(_NAME.filter(bool)),  # a block is seen by its entries
                signed=draw(st.booleans()),
                date_signed=draw(_OPT_DATE),
                additional_information=draw(_TEXT),
                alternative_procedure=draw(st.booleans()),
            )
        )
    return I9Form(
        form_id=draw(st.from_regex(r"\AF\d{6}\Z")),
        employee_id=draw(st.from_regex(r"\A(E\d{6})?\Z")),
        edition="08/01/23",
        section1=s1,
        preparers=preparers,
        preparer_used=draw(st.booleans()),
        section2=s2,
        supplement_b=blocks,
        copies_retained=draw(st.booleans()),
        everify_case=draw(st.from_regex(r"\A(\d{13}[A-Z]{2})?\Z")),
    )


def _visible(form: I9Form) -> I9Form:
    """Return the form as the PDF shows it: a document with no entry is no document."""
    s2 = form.section2
    s2.list_a = [
        d
        for d in s2.list_a
        if d.title or d.issuing_authority or d.number or d.expiration or d.expiration_raw
    ]
    return form


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms())
def test_round_trip_property(form: I9Form) -> None:
    # Block 2's shared title: when List A doc 1 is otherwise blank and block 2 has no
    # number or expiration, the reader cannot tell whose the title is.
    assume(not pdf_form.unrepresentable(form))
    data = pdf_form.fill(form)
    assert pdf_form._read_fields(data, strict=True) == pdf_form._read_fields(
        data, strict=True, fast=False
    )
    back = pdf_form.read(data)
    back.source = form.source
    assert back == _visible(form)
