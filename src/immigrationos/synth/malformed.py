"""Malformed rows: contract breaks interleaved into the source files at a given rate."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from immigrationos.sources.contract import Kind, SourceSpec

MALFORMED_KINDS = (
    "bad_date", "unknown_enum", "missing_record_id", "too_many_fields", "too_few_fields",
    "duplicate_record_id", "missing_required", "bad_identifier",
)  # fmt: skip

BAD_DATES = ("2023-02-30", "13/05/1990", "1990-13-05", "2021-04-31", "31-12-2019", "2019-00-10")
BAD_VALUE: dict[Kind, tuple[str, ...]] = {
    Kind.SSN: ("12345678", "123-45-678", "1234567890"),
    Kind.ITIN: ("9123", "ITIN-UNKNOWN"),
    Kind.TIN: ("12345678", "XX1234567"),
    Kind.A_NUMBER: ("A12345", "B123456789", "A12345678901"),
    Kind.I94_NUMBER: ("12345", "I94-0000000000000"),
    Kind.RECEIPT_NUMBER: ("EAC12345", "1234567890123"),
    Kind.EIN: ("12-345678", "1234"),
    Kind.ZIP: ("9021", "ABCDE"),
    Kind.STATE: ("XX", "CALIFORNIA"),
    Kind.COUNTRY: ("ZZZ", "MEXICO"),
    Kind.BIRTH_PLACE: ("ZZZ", "NOWHERE"),
    Kind.FBI_NUMBER: ("FBI1234567890",),
    Kind.MONEY: ("N/A", "12.3.4"),
    Kind.INT: ("TWELVE", "20X1"),
    Kind.SEX: ("Q", "UNKNOWN"),
    Kind.BOOL: ("maybe", "2"),
}
DATE_KINDS = (Kind.DATE, Kind.ADMIT_UNTIL)
ENUM_KINDS = (Kind.ENUM, Kind.ENUM_LIST, Kind.SEX, Kind.BOOL)


def csv_field(value: object) -> str:
    """Return one CSV field (RFC 4180 quoting, empty for null)."""
    if value is None:
        return ""
    s = str(value)
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_line(values: Sequence[object]) -> str:
    """Return one CSV line without its line end."""
    return ",".join(csv_field(v) for v in values)


def kinds_for(spec: SourceSpec) -> list[str]:
    """Return the malformed kinds that can occur in a source."""
    kinds = ["missing_record_id", "too_many_fields", "too_few_fields", "duplicate_record_id"]
    if any(c.kind in DATE_KINDS for c in spec.columns):
        kinds.append("bad_date")
    if any(c.kind in ENUM_KINDS for c in spec.columns):
        kinds.append("unknown_enum")
    if any(not c.optional and c.kind != Kind.RECORD_ID for c in spec.columns):
        kinds.append("missing_required")
    if any(c.kind in BAD_VALUE for c in spec.columns):
        kinds.append("bad_identifier")
    return [k for k in MALFORMED_KINDS if k in kinds]


def make_malformed(
    spec: SourceSpec,
    rows: Sequence[Sequence[object]],
    count: int,
    rnd: random.Random,
    prefix: str,
) -> tuple[list[tuple[int, str]], Counter[str]]:
    """Return ``count`` malformed lines as (insert position, line), and counts per kind.

    Position ``p`` means "after the first ``p`` valid rows"; a duplicate always comes after
    the row whose record_id it repeats.
    """
    kinds = kinds_for(spec)
    cols = spec.columns
    out: list[tuple[int, str]] = []
    counts: Counter[str] = Counter()
    if not rows or count <= 0:
        return out, counts
    for k in range(count):
        kind = kinds[k % len(kinds)] if k < len(kinds) else rnd.choice(kinds)
        base_index = rnd.randrange(len(rows))
        values = list(rows[base_index])
        position = rnd.randint(0, len(rows))
        if kind != "duplicate_record_id":
            values[0] = f"{prefix}M{k + 1:08d}"
        if kind == "bad_date":
            i = rnd.choice([j for j, c in enumerate(cols) if c.kind in DATE_KINDS])
            values[i] = rnd.choice(BAD_DATES)
        elif kind == "unknown_enum":
            i = rnd.choice([j for j, c in enumerate(cols) if c.kind in ENUM_KINDS])
            c = cols[i]
            bad = BAD_VALUE.get(c.kind, ("UNKNOWN_VALUE",))
            values[i] = rnd.choice([v for v in (*bad, "UNKNOWN_VALUE") if v not in c.values])
        elif kind == "missing_record_id":
            values[0] = None
        elif kind == "too_many_fields":
            values += ["EXTRA"] * rnd.randint(1, 2)
        elif kind == "too_few_fields":
            values = values[: len(values) - rnd.randint(1, min(3, len(values) - 1))]
        elif kind == "duplicate_record_id":
            position = rnd.randint(base_index + 1, len(rows))
        elif kind == "missing_required":
            i = rnd.choice(
                [j for j, c in enumerate(cols) if not c.optional and c.kind != Kind.RECORD_ID]
            )
            values[i] = None
        elif kind == "bad_identifier":
            i = rnd.choice([j for j, c in enumerate(cols) if c.kind in BAD_VALUE])
            values[i] = rnd.choice(BAD_VALUE[cols[i].kind])
        out.append((position, csv_line(values)))
        counts[kind] += 1
    return out, counts


def interleave(lines: list[str], extra: list[tuple[int, str]]) -> list[str]:
    """Return valid ``lines`` (no header) with ``extra`` lines inserted at their positions."""
    if not extra:
        return lines
    extra = sorted(extra, key=lambda t: t[0])
    out: list[str] = []
    j = 0
    for i, line in enumerate(lines):
        while j < len(extra) and extra[j][0] <= i:
            out.append(extra[j][1])
            j += 1
        out.append(line)
    out.extend(e[1] for e in extra[j:])
    return out
