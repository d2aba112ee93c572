"""Validate the rows of one source against the contract, column by column, in Polars.

Every check is a Polars expression over a whole column; a row's reasons are the
messages of the checks it fails, joined. Accepted rows are cast to the lake's types.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl
import pycountry

from immigrationos.sources import duck
from immigrationos.sources.contract import (
    US_BIRTH_PLACES,
    USPS_CODES,
    Column,
    Kind,
    SourceSpec,
)

MONEY_TYPE = pl.Decimal(20, 4)

# Codes in wide use that ISO 3166-1 leaves to its users (Kosovo) or that a Numident
# birth place or an I-94 may carry for stateless persons.
EXTRA_COUNTRY_CODES = ("XKX", "XXA", "XXB", "XXC", "XXX")


@lru_cache(maxsize=1)
def country_codes() -> tuple[str, ...]:
    """Return every ISO 3166-1 alpha-3 code (current), plus the user-assigned ones in use."""
    return tuple(sorted({c.alpha_3 for c in pycountry.countries} | set(EXTRA_COUNTRY_CODES)))


# Identifier formats: (regular expression, what a person should be told).
PATTERNS: dict[Kind, tuple[str, str]] = {
    Kind.SSN: (r"^\d{9}$", "must be 9 digits without dashes"),
    Kind.ITIN: (r"^\d{9}$", "must be 9 digits without dashes"),
    Kind.TIN: (r"^\d{9}$", "must be an SSN or ITIN: 9 digits without dashes"),
    Kind.A_NUMBER: (r"^A\d{9}$", "must be A followed by 9 digits"),
    Kind.FBI_NUMBER: (r"^[A-Za-z0-9]{1,9}$", "must be 1 to 9 letters or digits"),
    Kind.I94_NUMBER: (r"^[A-Za-z0-9]{11}$", "must be 11 letters or digits"),
    Kind.RECEIPT_NUMBER: (r"^[A-Za-z]{3}\d{10}$", "must be 3 letters and 10 digits"),
    Kind.EIN: (r"^\d{9}$", "must be 9 digits without dashes"),
    Kind.ZIP: (r"^\d{5}$", "must be a 5-digit ZIP code"),
    Kind.TRACT_GEOID: (r"^\d{11}$", "must be an 11-digit census tract GEOID"),
    Kind.INT: (r"^-?\d{1,18}$", "must be a whole number"),
    Kind.MONEY: (r"^-?\d{1,15}(\.\d{1,4})?$", "must be a decimal number of dollars (e.g. 1234.56)"),
    Kind.DATE: (r"^\d{4}-\d{2}-\d{2}$", "must be a date written YYYY-MM-DD"),
}

RECORD_ID_PATTERN = r"^[^\s].{0,127}$"


@dataclass(frozen=True)
class Validated:
    """The outcome of validating one file: accepted rows typed, rejected rows with reasons."""

    accepted: pl.DataFrame
    rejected: pl.DataFrame  # _line_number, _raw_text, record_id, _reason


def _quote(col: str) -> pl.Expr:
    return pl.col(col).str.slice(0, 40)


def _problem(column: Column) -> pl.Expr | None:
    """Return an expression: the message for a bad value of ``column``, else null."""
    name, kind = column.name, column.kind
    value = pl.col(name)
    bad: pl.Expr
    what: str
    if kind in (Kind.ENUM, Kind.SEX):
        bad = ~value.is_in(list(column.values))
        what = "is not one of " + ", ".join(column.values)
    elif kind is Kind.ENUM_LIST:
        parts = value.str.split("|")
        bad = ~parts.list.eval(pl.element().is_in(list(column.values))).list.all()
        what = "must be |-separated values from " + ", ".join(column.values)
    elif kind is Kind.BOOL:
        bad = ~value.is_in(["true", "false"])
        what = "must be true or false"
    elif kind is Kind.DATE:
        pattern, what = PATTERNS[Kind.DATE]
        bad = ~value.str.contains(pattern) | value.str.to_date("%Y-%m-%d", strict=False).is_null()
        what = "is not a valid date: " + what
    elif kind is Kind.ADMIT_UNTIL:
        is_date = (
            value.str.contains(PATTERNS[Kind.DATE][0])
            & value.str.to_date("%Y-%m-%d", strict=False).is_not_null()
        )
        bad = ~(is_date | (value == "D/S"))
        what = "must be a date written YYYY-MM-DD or D/S"
    elif kind is Kind.STATE:
        bad = ~value.is_in(list(USPS_CODES))
        what = "is not a USPS state code"
    elif kind is Kind.COUNTRY:
        bad = ~value.is_in(list(country_codes()))
        what = "is not an ISO 3166-1 alpha-3 country code"
    elif kind is Kind.BIRTH_PLACE:
        bad = ~value.is_in(list(US_BIRTH_PLACES) + list(country_codes()))
        what = "is neither a US state or territory code nor an ISO3 country code"
    elif kind in PATTERNS:
        pattern, what = PATTERNS[kind]
        bad = ~value.str.contains(pattern)
    elif kind is Kind.RECORD_ID:
        bad = ~value.str.contains(RECORD_ID_PATTERN)
        what = "must be 1 to 128 characters, not starting with a space"
    else:
        return None
    message = pl.format(f"{name} '{{}}' {what}", _quote(name))
    return pl.when(value.is_not_null() & bad).then(message)


def _missing(column: Column) -> pl.Expr | None:
    if column.optional:
        return None
    label = (
        "record_id is missing" if column.kind is Kind.RECORD_ID else f"{column.name} is required"
    )
    return pl.when(pl.col(column.name).is_null()).then(pl.lit(f"{label} but empty"))


def _typed(column: Column) -> pl.Expr:
    value = pl.col(column.name)
    if column.kind is Kind.DATE:
        return value.str.to_date("%Y-%m-%d", strict=False)
    if column.kind is Kind.BOOL:
        return value == "true"
    if column.kind is Kind.INT:
        return value.cast(pl.Int64, strict=False)
    if column.kind is Kind.MONEY:
        return value.cast(MONEY_TYPE, strict=False)
    return value


def validate(spec: SourceSpec, fields: pl.DataFrame) -> Validated:
    """Validate well-shaped rows of ``spec``; return typed accepted rows and rejected rows.

    ``fields`` holds one text column per contract column (missing columns must have
    been added as nulls by the caller) plus ``_line_number`` and ``_raw_text``.
    Whitespace around values is ignored. A second row with a ``record_id`` already
    seen in the file is rejected as a duplicate.
    """
    names = spec.column_names
    frame = fields.with_columns(
        [
            pl.col(n).str.strip_chars().replace("", None)
            if fields.schema[n] == pl.Utf8
            else pl.col(n).cast(pl.Utf8)
            for n in names
        ]
    )
    checks: list[pl.Expr] = []
    for column in spec.columns:
        for expr in (_missing(column), _problem(column)):
            if expr is not None:
                checks.append(expr)
    if spec.key is not None:
        key = pl.col(spec.key)
        duplicate = key.is_not_null() & ~key.is_first_distinct()
        first_line = pl.col("_line_number").first().over(spec.key)
        checks.append(
            pl.when(duplicate).then(
                pl.format(
                    f"duplicate {spec.key} '{{}}': already on line {{}} of this file",
                    _quote(spec.key),
                    first_line,
                )
            )
        )
    frame = frame.with_columns(
        pl.concat_str(checks, separator="; ", ignore_nulls=True).alias("_reason")
        if checks
        else pl.lit(None, dtype=pl.Utf8).alias("_reason")
    )
    frame = frame.with_columns(
        pl.when(pl.col("_reason") == "").then(None).otherwise(pl.col("_reason")).alias("_reason")
    )
    rejected = frame.filter(pl.col("_reason").is_not_null()).select(
        "_line_number",
        "_raw_text",
        pl.col(spec.key).alias("record_id")
        if spec.key
        else pl.lit(None, pl.Utf8).alias("record_id"),
        "_reason",
    )
    accepted_text = frame.filter(pl.col("_reason").is_null())
    accepted = accepted_text.select(
        [_typed(c).alias(c.name) for c in spec.columns] + [pl.col("_line_number")]
    ).with_columns(row_hash(accepted_text, names).alias("_row_hash"))
    return Validated(accepted=accepted, rejected=rejected)


def row_hash(frame: pl.DataFrame, names: list[str]) -> pl.Series:
    """Return the MD5 of each row's contract values (stable across versions and engines).

    Values are joined with the unit separator; a null is written as the NUL character,
    so an empty field and a missing one hash alike (the contract makes them equal).
    """
    parts = ", ".join(f'coalesce("{n}", chr(0))' for n in names)
    values = frame.select(names)  # noqa: F841 - read by DuckDB's replacement scan
    with duck.cursor() as con:
        hashes = con.sql(f"SELECT md5(concat_ws(chr(31), {parts})) AS h FROM values").pl()
    return hashes.get_column("h")


REASON_CODES: tuple[tuple[str, str], ...] = (
    ("wrong number of fields", "WRONG_FIELD_COUNT"),
    ("not valid UTF-8", "NOT_UTF8"),
    ("NUL (0x00) byte", "NUL_BYTE"),
    ("quote", "BAD_QUOTING"),
    ("record_id is missing", "MISSING_RECORD_ID"),
    ("tract_geoid is required", "MISSING_RECORD_ID"),
    ("duplicate", "DUPLICATE_RECORD_ID"),
    ("file lacks", "MISSING_COLUMN"),
    ("is required but empty", "MISSING_REQUIRED"),
    ("valid date", "BAD_DATE"),
    ("D/S", "BAD_DATE"),
    ("is not one of", "UNKNOWN_ENUM"),
    ("|-separated", "UNKNOWN_ENUM"),
    ("true or false", "BAD_BOOLEAN"),
    ("country code", "BAD_COUNTRY"),
    ("USPS state", "BAD_STATE"),
    ("decimal number", "BAD_MONEY"),
    ("whole number", "BAD_NUMBER"),
)


def reason_code(reason: pl.Expr) -> pl.Expr:
    """Return an expression: a short code for a rejection message's first reason."""
    first = reason.str.split("; ").list.first()
    expr: pl.Expr = pl.lit("BAD_FORMAT")
    for needle, code in reversed(REASON_CODES):
        expr = pl.when(first.str.contains(needle, literal=True)).then(pl.lit(code)).otherwise(expr)
    return expr
