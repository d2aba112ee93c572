"""Edge cases of single rules: editions, unnumbered documents, unreadable values, patterns."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from immigrationos.worksite.audit import audit_forms
from immigrationos.worksite.model import (
    AuditContext,
    Document,
    DocumentList,
    Employer,
    ParseIssue,
    Reverification,
    Status,
)
from immigrationos.worksite.rules.form import edition_window

from .test_rules_audit import clean

AUDIT = date(2025, 11, 3)


def rules_of(forms: list, **kw: object) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    ctx = AuditContext(audit_date=kw.pop("audit_date", AUDIT), employer=Employer(state="TX"), **kw)  # type: ignore[arg-type]
    return {(f.form_id, f.rule_id) for f in audit_forms(forms, ctx).findings()}


@pytest.mark.parametrize(
    ("edition", "window"),
    [
        ("08/01/23", (date(2023, 8, 1), date(2026, 7, 31))),
        ("Rev. 08/01/2023", (date(2023, 8, 1), date(2026, 7, 31))),
        ("08/01/23 Expires 05/31/2027", (date(2023, 8, 1), date(2027, 5, 31))),
        ("01/20/25", (date(2025, 4, 2), date(2027, 5, 31))),
        ("10/21/19", (date(2020, 1, 31), date(2023, 10, 31))),
        ("12/31/99", None),
    ],
)
def test_edition_windows(edition: str, window: tuple[date, date] | None) -> None:
    assert edition_window(edition) == window


def test_01_20_25_before_its_release_is_invalid() -> None:
    form = clean()
    form.edition = "01/20/25"  # Section 1 signed 2025-03-03, before the 2025-04-02 release
    assert rules_of([form]) == {("F1", "EDITION_INVALID")}


def test_unknown_edition_is_not_guessed() -> None:
    form = clean()
    form.edition = "Form I-9 (unknown)"
    assert rules_of([form]) == set()


def test_a_school_record_may_have_no_number() -> None:
    form = clean()
    form.section1.date_of_birth = date(2009, 6, 1)
    form.section2.list_a = []
    form.section2.list_b = Document(DocumentList.B, "Report card", "Austin ISD")
    form.section2.list_c = Document(
        DocumentList.C, "Birth certificate", "Texas DSHS", "142-2009-01"
    )
    assert rules_of([form]) == set()
    form.section2.list_c = Document(DocumentList.C, "Birth certificate", "Texas DSHS")
    form.section2.list_b = Document(
        DocumentList.B, "Driver's license", "Texas DPS", "", date(2030, 1, 1)
    )
    assert rules_of([form]) == {("F1", "S2_DOCUMENT_DETAILS_MISSING")}


def test_a_school_record_for_an_adult_is_unacceptable() -> None:
    form = clean()
    form.section2.list_a = []
    form.section2.list_b = Document(DocumentList.B, "School record", "Austin ISD", "S1")
    form.section2.list_c = Document(DocumentList.C, "Social Security card", "SSA", "212459876")
    assert rules_of([form]) == {("F1", "S2_UNACCEPTABLE_DOCUMENT")}


def _alien(exp: date) -> object:
    form = clean()
    form.section1.status_boxes = [Status.AUTHORIZED_ALIEN]
    form.section1.authorization_expiration = exp
    form.section1.alien_uscis_number = "A098765432"
    form.section2.list_a = [Document(DocumentList.A, "I-766", "USCIS", "SRC2190012345", exp)]
    return form


def test_an_undated_reverification_is_incomplete_not_missing() -> None:
    form = _alien(date(2025, 9, 30))
    new = Document(DocumentList.A, "I-766", "USCIS", "SRC2590054321", date(2027, 9, 29))
    form.supplement_b = [Reverification(document=new, employer_name="GRACE OKAFOR", signed=True)]
    form.parse_issues.append(ParseIssue("supplement_b[0].date_signed", "9/31/2025", "not a date"))
    assert rules_of([form]) == {("F1", "SUPB_INCOMPLETE")}


def test_reverification_chain_of_two_blocks() -> None:
    form = _alien(date(2024, 9, 30))
    form.section1.date_signed = form.section2.date_signed = date(2023, 9, 5)
    form.section2.first_day_of_employment = date(2023, 9, 5)
    first = Document(DocumentList.A, "I-766", "USCIS", "SRC2490054321", date(2025, 9, 30))
    second = Document(DocumentList.A, "I-766", "USCIS", "SRC2590054321", date(2027, 9, 29))
    form.supplement_b = [
        Reverification(
            document=first, employer_name="G OKAFOR", signed=True, date_signed=date(2024, 9, 20)
        ),
        Reverification(
            document=second, employer_name="G OKAFOR", signed=True, date_signed=date(2025, 10, 6)
        ),
    ]
    assert rules_of([form]) == {("F1", "REVERIFICATION_LATE")}
    form.supplement_b = form.supplement_b[:1]
    assert rules_of([form]) == {("F1", "REVERIFICATION_MISSING")}


def test_reverification_not_due_after_termination() -> None:
    from immigrationos.worksite.model import RosterEntry

    form = _alien(date(2025, 9, 30))
    roster = {
        "E1": RosterEntry("E1", hire_date=date(2025, 3, 3), termination_date=date(2025, 9, 12))
    }
    assert rules_of([form], roster=roster) == set()


def test_noncitizens_choosing_their_cards_is_no_pattern() -> None:
    forms = []
    for i in range(20):
        lpr = clean(f"N{i}", f"EN{i}")
        lpr.section1.status_boxes = [Status.PERMANENT_RESIDENT]
        lpr.section1.lpr_uscis_number = "A087654321"
        lpr.section2.list_a = [
            Document(
                DocumentList.A,
                "Permanent Resident Card",
                "USCIS",
                "IOE0912345678",
                date(2033, 1, 1),
            )
        ]
        forms.append(lpr)
        citizen = clean(f"C{i}", f"EC{i}")
        citizen.section2.list_a = []
        citizen.section2.list_b = Document(
            DocumentList.B, "Driver's license", "TX", "4123", date(2030, 1, 1)
        )
        citizen.section2.list_c = Document(
            DocumentList.C, "Social Security card", "SSA", "212459876"
        )
        forms.append(citizen)
    assert rules_of(forms) == set()


def test_a_receipt_replaced_by_the_document_on_another_list_a_row() -> None:
    form = clean()
    form.section1.status_boxes = [Status.PERMANENT_RESIDENT]
    form.section1.lpr_uscis_number = "A087654321"
    receipt = Document(
        DocumentList.A,
        "Receipt: replacement Permanent Resident Card",
        "USCIS",
        "IOE0999999999",
        is_receipt=True,
    )
    card = Document(
        DocumentList.A, "Permanent Resident Card", "USCIS", "IOE0912345678", date(2033, 1, 1)
    )
    form.section2.list_a = [receipt, card]
    assert rules_of([form]) == set()
    form.section2.list_a = [receipt]
    assert rules_of([form]) == {("F1", "S2_RECEIPT_NOT_FOLLOWED_UP")}
    assert rules_of([dataclasses.replace(form)], audit_date=date(2025, 5, 1)) == set()
