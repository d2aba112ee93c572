"""The shape of the numbers written on a Form I-9: SSN, ITIN, A-number, I-94, card number.

Only structure is checked here; whether a number was issued to this person is the
inspection's cross-check against SSA and USCIS records (``crosscheck.py``).

- SSN (SSA, "Social Security Number Randomization", 2011): nine digits; area never
  000, 666 or 900-999; group never 00; serial never 0000. No check digit; since
  2011-06-25 the area and group carry no meaning.
- ITIN (IRS, Publication 1915): nine digits starting with 9, the fourth and fifth
  digits in 50-65, 70-88, 90-92 or 94-99. It is a tax number, never a work
  authorization.
- A-number (8 CFR 1.2; form instructions, Section 1): ``A`` and 7 to 9 digits; the
  USCIS number on the form is the same digits without the ``A``.
- I-94 admission number (CBP): 11 characters: 11 digits (paper and early electronic
  records) or, since May 2019, 9 digits, a letter and a digit.
- Permanent Resident Card / EAD card number (M-274 section 13, the card's receipt
  number): 3 letters and 10 digits.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-./]")
_NOT_GIVEN = frozenset({"", "NA", "N/A", "NONE", "APPLIEDFOR", "APPLIED FOR", "PENDING", "-"})


def compact(value: str) -> str:
    """Return a number without spaces, dashes, dots and slashes, upper-cased."""
    return _SEPARATORS.sub("", value).upper()


def is_blank_number(value: str) -> bool:
    """Return True when a number box holds nothing or a placeholder ("N/A", "Applied for")."""
    if not value:
        return True
    if value.isdigit():
        return False
    text = value.strip().upper()
    return text in _NOT_GIVEN or compact(text) in _NOT_GIVEN


def _itin_group(group: int) -> bool:
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


def is_itin(value: str) -> bool:
    """Return True when ``value`` has the structure of an IRS ITIN (9XX-[IRS range]-XXXX)."""
    digits = value if value.isdigit() else compact(value)
    return (
        len(digits) == 9 and digits.isdigit() and digits[0] == "9" and _itin_group(int(digits[3:5]))
    )


def ssn_problem(value: str) -> str | None:
    """Return why an SSN cannot have been issued, or None when its structure is possible.

    An ITIN is reported by :func:`is_itin`, not here (it is its own finding).
    """
    digits = value if value.isdigit() else compact(value)
    if len(digits) != 9 or not digits.isdigit():
        return "not nine digits"
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area == "000":
        return "area 000 is never issued"
    if area == "666":
        return "area 666 is never issued"
    if area[0] == "9":
        return "areas 900-999 are never issued"
    if group == "00":
        return "group 00 is never issued"
    if serial == "0000":
        return "serial 0000 is never issued"
    return None


_ANUMBER = re.compile(r"A?(\d{7,9})")


def anumber_digits(value: str) -> str | None:
    """Return the digits of an A-number or USCIS number ("A012345678", "012-345-678").

    Returns None when the value is not ``A`` (optional) followed by 7 to 9 digits.
    """
    text = compact(value)
    if text.startswith("A#"):
        text = "A" + text[2:]
    match = _ANUMBER.fullmatch(text)
    return match.group(1) if match else None


def is_valid_anumber(value: str) -> bool:
    """Return True when ``value`` is an A-number or USCIS number of 7 to 9 digits."""
    return anumber_digits(value) is not None


_I94_LEGACY = re.compile(r"\d{11}")
_I94_2019 = re.compile(r"\d{9}[A-Z]\d")


def is_valid_i94(value: str) -> bool:
    """Return True for an 11-character I-94 number: 11 digits, or 9 digits, a letter, a digit."""
    text = compact(value)
    return bool(_I94_LEGACY.fullmatch(text) or _I94_2019.fullmatch(text))


_CARD = re.compile(r"[A-Z]{3}\d{10}")


def is_valid_card_number(value: str) -> bool:
    """Return True for a Permanent Resident Card or EAD number: 3 letters and 10 digits."""
    return bool(_CARD.fullmatch(compact(value)))
