"""I-9 records as CSV, rosters, employers and whole directories."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date
from pathlib import Path

import pytest

from immigrationos.worksite import generator, io_csv, io_json, pdf_form
from immigrationos.worksite.model import Status


@pytest.fixture(scope="module")
def gset() -> generator.GeneratedSet:
    return generator.generate(11, 120)


def _csv(forms: list) -> str:
    buf = io.StringIO()
    io_csv.write_forms_csv(forms, buf)
    return buf.getvalue()


def test_round_trip_every_generated_form(gset: generator.GeneratedSet) -> None:
    text = _csv(gset.forms)
    back = io_csv.read_forms_csv(io.StringIO(text), name="forms.csv")
    assert len(back) == len(gset.forms)
    for row, (original, read) in enumerate(zip(gset.forms, back, strict=True), start=2):
        assert read.source == f"forms.csv:{row}"
        read.source = original.source
        assert read == original


def test_schema_doc_lists_every_column() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "worksite-schema.md").read_text(encoding="utf-8")
    missing = [c for c in io_csv.FORM_COLUMNS if f"`{c}`" not in doc]
    assert missing == []


def test_status_boxes_several_and_aliases() -> None:
    text = "form_id,s1_status\nF1,CITIZEN|PERMANENT_RESIDENT\nF2,4\nF3,\n"
    forms = io_csv.read_forms_csv(io.StringIO(text))
    assert forms[0].section1.status_boxes == [Status.CITIZEN, Status.PERMANENT_RESIDENT]
    assert forms[0].section1.status is None
    assert forms[1].section1.status is Status.AUTHORIZED_ALIEN
    assert forms[2].section1.status_boxes == []


def test_only_form_id_is_required_and_missing_columns_are_blank() -> None:
    form = io_csv.read_forms_csv(io.StringIO("form_id,s1_last_name\nF1,DOE\n"))[0]
    assert form.section1.last_name == "DOE"
    assert form.section2.documents() == [] and form.supplement_b == [] and form.language == "en"


@pytest.mark.parametrize(
    ("text", "row", "column", "message"),
    [
        ("s1_last_name\nDOE\n", 1, "form_id", "missing required column"),
        ("form_id,s1_nickname\nF1,X\n", 1, "s1_nickname", "unknown column"),
        ("form_id,form_id\nF1,F1\n", 1, "form_id", "twice"),
        ("form_id,s1_last_name\nF1,DOE\nF2\n", 3, "", "expected 2 cells, found 1"),
        ("form_id,s1_last_name\nF1,DOE,EXTRA\n", 2, "", "expected 2 cells, found 3"),
        ("form_id,s1_status\nF1,MARTIAN\n", 2, "s1_status", "not one of"),
        ("form_id,s1_signed\nF1,maybe\n", 2, "s1_signed", "not Y or blank"),
        ("form_id,corrections\nF1,[oops\n", 2, "corrections", "not JSON"),
        (
            "form_id,supb_1_doc_title,supb_1_doc_list\nF1,EAD,Z\n",
            2,
            "supb_1_doc_list",
            "not A, B or C",
        ),
        ("form_id,s1_last_name\n,DOE\n", 2, "form_id", "blank"),
    ],
)
def test_structural_errors_name_file_row_and_column(
    text: str, row: int, column: str, message: str
) -> None:
    with pytest.raises(io_csv.InputError) as info:
        io_csv.read_forms_csv(io.StringIO(text), name="forms.csv")
    err = info.value
    assert (err.file, err.row, err.column) == ("forms.csv", row, column)
    assert message in str(err)
    assert str(err).startswith(f"forms.csv, row {row}")


def test_unparseable_date_is_kept_not_an_error() -> None:
    text = (
        "form_id,s1_date_of_birth,s1_authorization_expiration,s2_a1_title,s2_a1_expiration,s2_first_day_of_employment\n"
        "F1,13/45/1990,D/S,Employment Authorization Document (Form I-766),sometime,2024-03-05\n"
    )
    form = io_csv.read_forms_csv(io.StringIO(text))[0]
    assert form.section1.date_of_birth is None
    assert form.section1.authorization_expiration_raw == "D/S"
    assert form.section2.list_a[0].expiration is None
    assert form.section2.list_a[0].expiration_raw == "sometime"
    assert form.section2.first_day_of_employment == date(2024, 3, 5)
    assert form.raw == {
        "section1.date_of_birth": "13/45/1990",
        "section2.list_a[0].expiration": "sometime",
    }
    assert {i.field for i in form.parse_issues} == set(form.raw)


def test_bad_rows_are_skipped_and_reported_when_collecting() -> None:
    text = "form_id,s1_last_name\nF1,DOE\nF2\nF3,ROE\n"
    errors: list[io_csv.InputError] = []
    forms = list(io_csv.iter_forms_csv(io.StringIO(text), name="f.csv", errors=errors))
    assert [f.form_id for f in forms] == ["F1", "F3"]
    assert [str(e) for e in errors] == ["f.csv, row 3: expected 2 cells, found 1"]


def test_roster_reader(tmp_path: Path, gset: generator.GeneratedSet) -> None:
    path = tmp_path / "roster.csv"
    io_csv.write_roster_csv(gset.roster, path)
    roster = io_csv.read_roster_csv(path)
    assert roster == gset.roster_map()
    (tmp_path / "bad.csv").write_text(
        "employee_id,hire_date\nE1,2024-01-02\nE2,someday\n", encoding="utf-8"
    )
    with pytest.raises(io_csv.InputError, match=r"bad.csv, row 3, column hire_date"):
        io_csv.read_roster_csv(tmp_path / "bad.csv")
    (tmp_path / "nohire.csv").write_text("employee_id\nE1\n", encoding="utf-8")
    with pytest.raises(io_csv.InputError, match="missing required column"):
        io_csv.read_roster_csv(tmp_path / "nohire.csv")


def test_employer_json_and_yaml(tmp_path: Path, gset: generator.GeneratedSet) -> None:
    (tmp_path / "e.json").write_text(
        json.dumps(dataclasses.asdict(gset.employer), default=str), encoding="utf-8"
    )
    assert io_csv.read_employer(tmp_path / "e.json") == gset.employer
    (tmp_path / "e.yaml").write_text(
        "employer:\n  name: ACME\n  state: PR\n  everify: true\n  everify_since: 2020-01-02\n",
        encoding="utf-8",
    )
    employer = io_csv.read_employer(tmp_path / "e.yaml")
    assert (employer.name, employer.state, employer.everify_since) == (
        "ACME",
        "PR",
        date(2020, 1, 2),
    )
    (tmp_path / "bad.yaml").write_text("name: ACME\nsize: 3\n", encoding="utf-8")
    with pytest.raises(io_csv.InputError, match=r"bad\.yaml"):
        io_csv.read_employer(tmp_path / "bad.yaml")


def test_read_directory_mixes_csv_json_and_pdf(
    tmp_path: Path, gset: generator.GeneratedSet
) -> None:
    forms = gset.forms[:12]
    io_csv.write_forms_csv(forms[:6], tmp_path / "b_forms.csv")
    (tmp_path / "a.json").write_text(
        json.dumps({"forms": [io_json.form_to_dict(f) for f in forms[6:9]]}), encoding="utf-8"
    )
    pdfs = [f for f in forms[9:] if not pdf_form.unrepresentable(f)]
    (tmp_path / "pdf").mkdir()
    for f in pdfs:
        (tmp_path / "pdf" / f"{f.form_id}.pdf").write_bytes(pdf_form.fill(f))
    io_csv.write_roster_csv(gset.roster, tmp_path / "roster.csv")  # not forms: skipped
    (tmp_path / "employer.json").write_text("{}", encoding="utf-8")  # not forms: skipped
    (tmp_path / "broken.csv").write_text("form_id,s1_last_name\nF9,DOE,X\n", encoding="utf-8")
    (tmp_path / "pdf" / "junk.pdf").write_bytes(b"not a pdf")
    read, errors = io_csv.read_directory(tmp_path)
    assert [f.source for f in read] == [
        "a.json:1",
        "a.json:2",
        "a.json:3",
        "b_forms.csv:2",
        "b_forms.csv:3",
        "b_forms.csv:4",
        "b_forms.csv:5",
        "b_forms.csv:6",
        "b_forms.csv:7",
        *(f"pdf/{f.form_id}.pdf" for f in pdfs),
    ]
    by_id = {f.form_id: f for f in forms}
    for f in read:
        f.source = ""
        assert f == by_id[f.form_id]
    assert sorted((e.file, e.row) for e in errors) == [("broken.csv", 2), ("pdf/junk.pdf", None)]


def test_read_directory_reports_a_form_id_seen_twice(
    tmp_path: Path, gset: generator.GeneratedSet
) -> None:
    io_csv.write_forms_csv(gset.forms[:2], tmp_path / "a.csv")
    io_csv.write_forms_csv(gset.forms[1:3], tmp_path / "b.csv")
    forms, errors = io_csv.read_directory(tmp_path)
    assert len(forms) == 4  # nothing is lost
    assert [str(e) for e in errors] == [
        f"b.csv, row 2, column form_id: form_id {gset.forms[1].form_id} also at a.csv:3 (both kept)"
    ]
