"""Subjects an authorization names, and whether a record is about one of them.

Matching is exact after normalisation (digits of a number, upper-case names, ISO
dates): an authorization covers the persons it names, never a look-alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from immigrationos.policy.kinds import SubjectKind
from immigrationos.sources.contract import SOURCES

_NINE_DIGITS = re.compile(r"^\d{9}$")
_A_NUMBER = re.compile(r"^A\d{9}$")
_SPACES = re.compile(r"\s+")
# Columns that hold a taxpayer identification number, by source (the contract's names).
TIN_COLUMNS = ("employee_tin", "itin", "ssn")
TIN_ID_TYPES = ("SSN", "ITIN")


def _text(value: Any) -> str:
    return "" if value is None else _SPACES.sub(" ", str(value)).strip().upper()


def normalise_subject(kind: SubjectKind | str, value: str) -> str:
    """Return ``value`` in the canonical form of ``kind``; raise ValueError saying why not."""
    kind = SubjectKind(kind)
    raw = str(value).strip()
    if kind in (SubjectKind.SSN, SubjectKind.ITIN, SubjectKind.TIN):
        digits = re.sub(r"[\s-]", "", raw)
        if not _NINE_DIGITS.match(digits):
            raise ValueError(f"a {kind} is 9 digits (dashes allowed), got {value!r}")
        return digits
    if kind is SubjectKind.A_NUMBER:
        number = re.sub(r"[\s-]", "", raw).upper()
        if not _A_NUMBER.match(number):
            raise ValueError(f"an A_NUMBER is 'A' and 9 digits, got {value!r}")
        return number
    if kind is SubjectKind.LICENSE:
        text = _text(raw).replace(" ", "")
        if not text or text.endswith(":") or text.count(":") > 1:
            raise ValueError(f"a LICENSE is 'NUMBER' or 'ST:NUMBER', got {value!r}")
        return text
    if kind is SubjectKind.RECORD:
        source, sep, record_id = raw.partition(":")
        if not sep or not record_id.strip():
            raise ValueError(f"a RECORD is 'source:record_id', got {value!r}")
        if source not in SOURCES:
            raise ValueError(f"a RECORD names an unknown source {source!r} in {value!r}")
        return f"{source}:{record_id.strip()}"
    parts = [p.strip() for p in raw.split("|")]
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise ValueError(f"a NAME_DOB is 'GIVEN|FAMILY|YYYY-MM-DD', got {value!r}")
    try:
        born = date.fromisoformat(parts[2])
    except ValueError:
        raise ValueError(f"the birth date of NAME_DOB {value!r} is not YYYY-MM-DD") from None
    return f"{_text(parts[0])}|{_text(parts[1])}|{born.isoformat()}"


def record_subject_key(source: str, record_id: str) -> str:
    """Return the subject key of one record (``source:record_id``) until persons are resolved."""
    return f"{source}:{record_id}"


def _tins(record: Mapping[str, Any]) -> set[str]:
    found = {re.sub(r"\D", "", str(record[c])) for c in TIN_COLUMNS if record.get(c)}
    if _text(record.get("id_type")) in TIN_ID_TYPES and record.get("id_number"):
        found.add(re.sub(r"\D", "", str(record["id_number"])))
    return {t for t in found if t}


def _a_numbers(record: Mapping[str, Any]) -> set[str]:
    found = {_text(record.get("a_number")).replace("-", "")} if record.get("a_number") else set()
    if _text(record.get("id_type")) == "A_NUMBER" and record.get("id_number"):
        found.add(_text(record["id_number"]).replace("-", ""))
    return found


def _birth_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "").strip()[:10]


def subject_matches(
    kind: SubjectKind | str, value: str, source: str, record: Mapping[str, Any]
) -> bool:
    """Return whether ``record`` of ``source`` is about the subject (``kind``, ``value``)."""
    kind = SubjectKind(kind)
    if kind in (SubjectKind.SSN, SubjectKind.ITIN, SubjectKind.TIN):
        return value in _tins(record)
    if kind is SubjectKind.A_NUMBER:
        return value in _a_numbers(record)
    if kind is SubjectKind.LICENSE:
        number = _text(record.get("license_number")).replace(" ", "")
        if not number:
            return False
        state, _, wanted = value.rpartition(":")
        return number == wanted and (not state or state == _text(record.get("state")))
    if kind is SubjectKind.RECORD:
        return value == record_subject_key(source, str(record.get("record_id", "")))
    given, family, born = value.split("|")
    return (
        bool(record.get("birth_date"))
        and _text(record.get("given_name")) == given
        and _text(record.get("family_name")) == family
        and _birth_date(record.get("birth_date")) == born
    )


@dataclass(frozen=True)
class _SubjectIndex:
    """The subjects of one authorization, by kind, as sets (one lookup per record key)."""

    tins: frozenset[str]
    a_numbers: frozenset[str]
    licenses: frozenset[str]
    records: frozenset[str]
    names: frozenset[tuple[str, str, str]]


@lru_cache(maxsize=256)
def _index(subjects: tuple[tuple[str, str], ...]) -> _SubjectIndex:
    by: dict[SubjectKind, set[str]] = {k: set() for k in SubjectKind}
    for kind, value in subjects:
        by[SubjectKind(kind)].add(value)
    return _SubjectIndex(
        tins=frozenset(by[SubjectKind.SSN] | by[SubjectKind.ITIN] | by[SubjectKind.TIN]),
        a_numbers=frozenset(by[SubjectKind.A_NUMBER]),
        licenses=frozenset(by[SubjectKind.LICENSE]),
        records=frozenset(by[SubjectKind.RECORD]),
        names=frozenset(tuple(v.split("|")) for v in by[SubjectKind.NAME_DOB]),  # type: ignore[misc]
    )


def any_subject_matches(
    subjects: Iterable[tuple[str, str]], source: str, record: Mapping[str, Any]
) -> bool:
    """Return whether ``record`` is about any of ``subjects``.

    Exactly ``any(subject_matches(...))``, but the subjects are indexed by kind once per
    authorization and the record's numbers read once: an order naming thousands of
    taxpayers costs a batch a set lookup per record, not thousands of comparisons.
    """
    index = _index(tuple(subjects))
    if index.tins and not index.tins.isdisjoint(_tins(record)):
        return True
    if index.a_numbers and not index.a_numbers.isdisjoint(_a_numbers(record)):
        return True
    if index.licenses:
        number = _text(record.get("license_number")).replace(" ", "")
        state = _text(record.get("state"))
        if number and (number in index.licenses or f"{state}:{number}" in index.licenses):
            return True
    if index.records and record_subject_key(source, str(record.get("record_id", ""))) in (
        index.records
    ):
        return True
    if index.names and record.get("birth_date"):
        key = (
            _text(record.get("given_name")),
            _text(record.get("family_name")),
            _birth_date(record.get("birth_date")),
        )
        if key in index.names:
            return True
    return False
