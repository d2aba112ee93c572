"""An independent check of CSV rows against the contract (for the generator's tests)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pycountry

from immigrationos.sources.contract import SOURCES, US_BIRTH_PLACES, USPS_CODES, Kind

FORMATS = {
    Kind.SSN: re.compile(r"^\d{9}$"),
    Kind.ITIN: re.compile(r"^9\d{8}$"),
    Kind.TIN: re.compile(r"^\d{9}$"),
    Kind.A_NUMBER: re.compile(r"^A\d{9}$"),
    Kind.FBI_NUMBER: re.compile(r"^[A-Za-z0-9]{1,9}$"),
    Kind.I94_NUMBER: re.compile(r"^[A-Za-z0-9]{11}$"),
    Kind.RECEIPT_NUMBER: re.compile(r"^[A-Z]{3}\d{10}$"),
    Kind.EIN: re.compile(r"^\d{9}$"),
    Kind.ZIP: re.compile(r"^\d{5}$"),
    Kind.TRACT_GEOID: re.compile(r"^\d{11}$"),
    Kind.MONEY: re.compile(r"^-?\d+(\.\d+)?$"),
    Kind.INT: re.compile(r"^-?\d+$"),
}


def _date(v: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return False
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _country(v: str) -> bool:
    return pycountry.countries.get(alpha_3=v) is not None


def value_ok(kind: Kind, values: tuple[str, ...], v: str) -> bool:
    """Return whether one non-empty value is valid for its column kind."""
    if kind in (Kind.ENUM, Kind.SEX) or (kind == Kind.BOOL):
        allowed = values or (("true", "false") if kind == Kind.BOOL else ())
        return v in allowed
    if kind == Kind.ENUM_LIST:
        return all(p in values for p in v.split("|"))
    if kind == Kind.DATE:
        return _date(v)
    if kind == Kind.ADMIT_UNTIL:
        return v == "D/S" or _date(v)
    if kind == Kind.STATE:
        return v in USPS_CODES
    if kind == Kind.COUNTRY:
        return _country(v)
    if kind == Kind.BIRTH_PLACE:
        return v in US_BIRTH_PLACES or _country(v)
    if kind in FORMATS:
        return bool(FORMATS[kind].match(v))
    return True


def row_problem(source: str, row: list[str]) -> str | None:
    """Return why a row breaks the contract, or None if it is valid (ignoring duplicates)."""
    spec = SOURCES[source]
    if len(row) != len(spec.columns):
        return "column_count"
    for col, v in zip(spec.columns, row, strict=True):
        if v == "":
            if not col.optional:
                return f"missing {col.name}"
            continue
        if not value_ok(col.kind, col.values, v):
            return f"bad {col.name}={v!r}"
    return None


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Return header and rows of a CSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def split_valid(source: str, path: Path) -> tuple[list[dict[str, str]], int]:
    """Return the valid rows (as dicts, first occurrence of each id) and the invalid count."""
    header, rows = read_rows(path)
    key = SOURCES[source].key or "record_id"
    seen: set[str] = set()
    valid: list[dict[str, str]] = []
    bad = 0
    for row in rows:
        if row_problem(source, row) is not None:
            bad += 1
            continue
        rec = dict(zip(header, row, strict=True))
        if rec[key] in seen:
            bad += 1
            continue
        seen.add(rec[key])
        valid.append(rec)
    return valid, bad
