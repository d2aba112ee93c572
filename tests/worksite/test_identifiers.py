"""Identifier structure: SSN, ITIN, A-number, I-94, card numbers."""

from __future__ import annotations

import pytest

from immigrationos.worksite import identifiers as ids


@pytest.mark.parametrize(
    ("ssn", "problem"),
    [
        ("212-45-9876", None),
        ("212459876", None),
        ("899-12-3456", None),  # high areas issued since randomization
        ("000-12-3456", "area 000"),
        ("666-12-3456", "area 666"),
        ("900-12-3456", "900-999"),
        ("123-00-4567", "group 00"),
        ("123-45-0000", "serial 0000"),
        ("12345678", "nine digits"),
        ("12345678X", "nine digits"),
    ],
)
def test_ssn_structure(ssn: str, problem: str | None) -> None:
    got = ids.ssn_problem(ssn)
    if problem is None:
        assert got is None
    else:
        assert got is not None and problem in got


@pytest.mark.parametrize(
    ("value", "itin"),
    [
        ("912-70-1234", True),
        ("912-50-1234", True),
        ("912-65-1234", True),
        ("912-88-1234", True),
        ("912-90-1234", True),
        ("912-92-1234", True),
        ("912-93-1234", False),  # 93 is not an ITIN group
        ("912-94-1234", True),
        ("912-99-1234", True),
        ("912-49-1234", False),
        ("912-66-1234", False),
        ("812-70-1234", False),
    ],
)
def test_itin(value: str, itin: bool) -> None:
    assert ids.is_itin(value) is itin


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("A012345678", True),
        ("A-012-345-678", True),
        ("012345678", True),
        ("A1234567", True),
        ("A123456", False),
        ("A1234567890", False),
        ("B123456789", False),
        ("A#123456789", True),
    ],
)
def test_anumber(value: str, ok: bool) -> None:
    assert ids.is_valid_anumber(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("12345678901", True),
        ("123456789A1", True),
        ("123456789a1", True),
        ("1234567890", False),
        ("12345678A01", False),
        ("ABCDEFGHIJK", False),
    ],
)
def test_i94(value: str, ok: bool) -> None:
    assert ids.is_valid_i94(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("IOE0912345678", True),
        ("SRC-219-001-2345", True),
        ("087654321", False),
        ("IO0912345678", False),
    ],
)
def test_card_number(value: str, ok: bool) -> None:
    assert ids.is_valid_card_number(value) is ok


@pytest.mark.parametrize("value", ["", "N/A", "n/a", "Applied for", " - "])
def test_blank_numbers(value: str) -> None:
    assert ids.is_blank_number(value)
