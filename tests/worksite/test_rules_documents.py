"""Document titles, lists, combinations and receipts (M-274 sections 4.3 and 13)."""

from __future__ import annotations

from datetime import date

import pytest

from immigrationos.worksite import documents
from immigrationos.worksite.model import Document, DocumentList, Status

A, B, C = DocumentList.A, DocumentList.B, DocumentList.C


@pytest.mark.parametrize(
    ("title", "issuer", "list_", "code"),
    [
        ("U.S. Passport", "", A, "US_PASSPORT"),
        ("US PASSPORT", "U.S. Dept of State", A, "US_PASSPORT"),
        ("Passport", "", A, "US_PASSPORT"),
        ("Passport", "United Mexican States", A, "FOREIGN_PASSPORT"),
        ("U.S. Passport Card", "", A, "US_PASSPORT_CARD"),
        ("I-551", "USCIS", A, "I551"),
        ("Permanent Resident Card", "", A, "I551"),
        ("green card", "", A, "I551"),
        ("I-766", "", A, "I766"),
        ("EAD", "USCIS", A, "I766"),
        ("Employment Authorization Document", "DHS", A, "I766"),
        ("Employment authorization document issued by DHS", "DHS", C, "DHS_EAD_C"),
        ("Foreign passport with I-94", "", A, "FOREIGN_PASSPORT_I94"),
        ("Form I-94", "CBP", A, "I94"),
        ("Foreign passport with temporary I-551 stamp", "", A, "FOREIGN_PASSPORT_TEMP_I551"),
        ("I-94 with temporary I-551 stamp", "", A, "I94_TEMP_I551"),
        ("I-94 refugee admission stamp", "", A, "I94_REFUGEE"),
        ("Driver's License", "TX", B, "DRIVERS_LICENSE"),
        ("Drivers Lic.", "CA DMV", B, "DRIVERS_LICENSE"),
        ("DL", "", B, "DRIVERS_LICENSE"),
        ("State ID card", "", B, "STATE_ID"),
        ("Canadian driver's licence", "Ontario", B, "CANADIAN_DL"),
        ("Voter registration card", "", B, "VOTER_CARD"),
        ("School record", "", B, "SCHOOL_RECORD"),
        ("Day-care or nursery school record", "", B, "DAYCARE_RECORD"),
        ("Native American tribal document", "", C, "TRIBAL_DOCUMENT"),
        ("SS card", "SSA", C, "SS_CARD"),
        ("Social Security Card", "", C, "SS_CARD"),
        ("Birth Certificate", "", C, "BIRTH_CERTIFICATE"),
        ("FS-240", "", C, "FS240"),
        ("Consular Report of Birth Abroad", "", C, "FS240"),
        ("I-197", "", C, "I197"),
        ("Library card", "", B, None),
    ],
)
def test_titles(title: str, issuer: str, list_: DocumentList, code: str | None) -> None:
    kind = documents.identify(title, issuer, list_)
    assert (kind.code if kind else None) == code


def test_every_official_title_reads_back() -> None:
    for code, kind in documents.TYPES.items():
        for list_ in kind.lists:
            got = documents.identify(kind.title, "", list_)
            assert got is not None and got.code == code, (code, list_)


def test_i766_card_number_under_list_c_is_the_list_a_card() -> None:
    doc = Document(C, "Employment Authorization Document", "USCIS", "SRC2190012345")
    kind = documents.identify_document(doc)
    assert kind is not None and kind.code == "I766"


@pytest.mark.parametrize(
    ("codes", "ok"),
    [
        (["US_PASSPORT"], True),
        (["FOREIGN_PASSPORT", "I94"], True),
        (["FOREIGN_PASSPORT", "I94", "I20"], True),
        (["FOREIGN_PASSPORT", "I94", "DS2019"], True),
        (["FSM_RMI_PASSPORT", "I94"], True),
        (["FOREIGN_PASSPORT"], False),
        (["I94"], False),
        (["I20"], False),
        (["US_PASSPORT", "I551"], False),
        ([], False),
    ],
)
def test_list_a_combinations(codes: list[str], ok: bool) -> None:
    assert documents.combination_is_list_a(codes) is ok


def test_receipts() -> None:
    replacement = Document(
        C, "Receipt: replacement Social Security card", "SSA", "R1", is_receipt=True
    )
    assert documents.is_receipt(replacement)
    assert documents.receipt_kind(replacement) is documents.ReceiptKind.REPLACEMENT
    start = date(2025, 3, 3)
    assert documents.receipt_valid_until(
        documents.ReceiptKind.REPLACEMENT, replacement, start
    ) == date(2025, 6, 1)
    initial = Document(A, "Receipt for I-765 application", "USCIS", "IOE1", is_receipt=True)
    assert documents.receipt_kind(initial) is None
    stamp = Document(
        A, "I-94 with temporary I-551 stamp", "CBP", "12345678901", expiration=date(2026, 1, 1)
    )
    assert documents.is_receipt(stamp)
    assert documents.receipt_valid_until(
        documents.ReceiptKind.TEMPORARY_I551, stamp, start
    ) == date(2026, 1, 1)
    undated = Document(A, "I-94 with temporary I-551 stamp", "CBP", "12345678901")
    assert documents.receipt_valid_until(
        documents.ReceiptKind.TEMPORARY_I551, undated, start
    ) == date(2026, 3, 3)
    refugee = Document(A, "Refugee I-94", "CBP", "12345678901")
    assert documents.receipt_kind(refugee) is documents.ReceiptKind.REFUGEE_I94


def test_restricted_social_security_cards() -> None:
    assert documents.is_restricted_ss_card(Document(C, "SS card NOT VALID FOR EMPLOYMENT"))
    assert documents.is_restricted_ss_card(
        Document(C, "SS card valid for work only with DHS authorization")
    )
    assert not documents.is_restricted_ss_card(
        Document(C, "Social Security Account Number card (unrestricted)")
    )


def test_status_conflicts() -> None:
    t = documents.TYPES
    assert documents.status_conflict(t["I551"], Status.CITIZEN)
    assert documents.status_conflict(t["US_PASSPORT"], Status.PERMANENT_RESIDENT)
    assert documents.status_conflict(t["I551"], Status.AUTHORIZED_ALIEN)
    assert not documents.status_conflict(t["US_PASSPORT"], Status.NONCITIZEN_NATIONAL)
    assert not documents.status_conflict(t["DRIVERS_LICENSE"], Status.AUTHORIZED_ALIEN)
    assert not documents.status_conflict(t["SS_CARD"], Status.PERMANENT_RESIDENT)
