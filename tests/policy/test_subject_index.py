"""Matching records to an authorization's subjects: the indexed match equals the plain one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.policy.kinds import SubjectKind
from immigrationos.policy.subjects import (
    any_subject_matches,
    normalise_subject,
    subject_matches,
)

digits9 = st.from_regex(r"\A[0-9]{9}\Z", fullmatch=True)
names = st.sampled_from(["ANA", "Ana ", "JOSE", "josé", "LI"])
days = st.sampled_from(["1980-01-02", "1990-12-31", "1980-01-02T00:00:00", None])


@st.composite
def subject(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(list(SubjectKind)))
    if kind in (SubjectKind.SSN, SubjectKind.ITIN, SubjectKind.TIN):
        raw = draw(digits9)
    elif kind is SubjectKind.A_NUMBER:
        raw = "A" + draw(digits9)
    elif kind is SubjectKind.LICENSE:
        raw = draw(st.sampled_from(["D123", "CA:D123", "TX:D123", "NY:X9"]))
    elif kind is SubjectKind.RECORD:
        raw = draw(st.sampled_from(["irs_w2:W2-1", "irs_w2:W2-2", "dmv_licenses:DMV-1"]))
    else:
        raw = f"{draw(names)}|{draw(names)}|{draw(st.sampled_from(['1980-01-02', '1990-12-31']))}"
    return kind.value, normalise_subject(kind, raw)


@st.composite
def record(draw: st.DrawFn) -> dict[str, Any]:
    tin = draw(st.one_of(st.none(), digits9, digits9.map(lambda d: f"{d[:3]}-{d[3:5]}-{d[5:]}")))
    return {
        "record_id": draw(st.sampled_from(["W2-1", "W2-2", "DMV-1"])),
        "employee_tin": tin,
        "a_number": draw(st.one_of(st.none(), digits9.map(lambda d: "A" + d))),
        "license_number": draw(st.sampled_from([None, "D123", "d 123", "X9"])),
        "state": draw(st.sampled_from([None, "CA", "tx", "NY"])),
        "given_name": draw(names),
        "family_name": draw(names),
        "birth_date": draw(days),
    }


@settings(max_examples=300)
@given(
    subjects=st.lists(subject(), max_size=6),
    source=st.sampled_from(["irs_w2", "dmv_licenses"]),
    rec=record(),
    echo=st.booleans(),
)
def test_the_indexed_match_is_the_plain_match(
    subjects: list[tuple[str, str]], source: str, rec: dict[str, Any], echo: bool
) -> None:
    if echo and rec["employee_tin"]:
        # Name the record's own number, so that matches are common, not only misses.
        subjects.append(("TIN", normalise_subject("TIN", rec["employee_tin"])))
    plain = any(subject_matches(k, v, source, rec) for k, v in subjects)
    assert any_subject_matches(tuple(subjects), source, rec) is plain


def test_an_order_naming_thousands_of_taxpayers_matches_by_lookup() -> None:
    named = tuple(("TIN", f"{n:09d}") for n in range(100_000, 105_000))
    assert any_subject_matches(named, "irs_w2", {"employee_tin": "000-10-4999"})
    assert not any_subject_matches(named, "irs_w2", {"employee_tin": "000-20-4999"})
