"""The JSON shape of a Form I-9 record: round trips, bad values named, dates kept."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.worksite.io_json import FormJSONError, form_from_dict, form_to_dict
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

text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789-'", max_size=12)
dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 12, 31))
maybe_date = st.none() | dates
documents = st.builds(
    Document,
    list=st.sampled_from(DocumentList),
    title=text,
    issuing_authority=text,
    number=text,
    expiration=maybe_date,
    is_receipt=st.booleans(),
)
forms = st.builds(
    I9Form,
    form_id=st.text(alphabet="0123456789ABC", min_size=1, max_size=8),
    edition=st.sampled_from(["08/01/23", "01/20/25", "10/21/19"]),
    section1=st.builds(
        Section1,
        last_name=text,
        first_name=text,
        date_of_birth=maybe_date,
        ssn=st.text(alphabet="0123456789", max_size=9),
        status_boxes=st.lists(st.sampled_from(Status), max_size=2),
        authorization_expiration=maybe_date,
        signed=st.booleans(),
        date_signed=maybe_date,
    ),
    preparers=st.lists(st.builds(Preparer, last_name=text, date_signed=maybe_date), max_size=2),
    section2=st.builds(
        Section2,
        list_a=st.lists(documents, max_size=3),
        list_b=st.none() | documents,
        list_c=st.none() | documents,
        first_day_of_employment=maybe_date,
        alternative_procedure=st.booleans(),
    ),
    supplement_b=st.lists(
        st.builds(Reverification, rehire_date=maybe_date, document=st.none() | documents),
        max_size=3,
    ),
    corrections=st.lists(
        st.builds(
            Correction, field=text, method=st.sampled_from(CorrectionMethod), dated=maybe_date
        ),
        max_size=2,
    ),
)


@settings(max_examples=60, deadline=None)
@given(forms)
def test_a_form_survives_json(form: I9Form) -> None:
    data = json.loads(json.dumps(form_to_dict(form)))
    assert form_from_dict(data) == form


def test_omitted_fields_take_defaults_and_dates_read_both_ways() -> None:
    form = form_from_dict(
        {
            "form_id": "7",
            "section1": {"last_name": "DOE", "date_of_birth": "04/05/1990"},
            "section2": {"first_day_of_employment": "2026-03-02"},
        }
    )
    assert form.section1.date_of_birth == date(1990, 4, 5)
    assert form.section2.first_day_of_employment == date(2026, 3, 2)
    assert form.section1.first_name == "" and form.supplement_b == []


def test_an_unreadable_date_is_kept_and_flagged() -> None:
    form = form_from_dict({"form_id": "1", "section1": {"date_of_birth": "31/31/1990"}})
    assert form.section1.date_of_birth is None
    assert form.raw == {"section1.date_of_birth": "31/31/1990"}
    assert [i.field for i in form.parse_issues] == ["section1.date_of_birth"]
    assert form_from_dict(form_to_dict(form)).raw == form.raw


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"form_id": "1", "section1": {"surname": "X"}}, "form.section1"),
        (
            {"form_id": "1", "section1": {"status_boxes": ["ALIEN"]}},
            "form.section1.status_boxes[0]",
        ),
        ({"form_id": "1", "section2": {"list_a": {"title": "x"}}}, "form.section2.list_a"),
        (
            {"form_id": "1", "section2": {"alternative_procedure": "maybe"}},
            "form.section2.alternative_procedure",
        ),
        ({"section1": {}}, "form"),
    ],
)
def test_a_bad_value_is_named_by_its_path(data: dict[str, object], path: str) -> None:
    with pytest.raises(FormJSONError) as err:
        form_from_dict(data)
    assert err.value.path == path
