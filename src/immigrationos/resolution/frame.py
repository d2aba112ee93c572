"""One frame of every person record, in one schema, for resolution to read.

Each person source names its fields its own way (``employee_tin``, ``id_type`` /
``id_number``, ``country_of_citizenship``, ``nationality``...). ``record_frame`` maps
them onto ``RECORD_SCHEMA`` with Polars expressions, one source at a time, and stacks
the results: one row per current accepted record, census tracts never (they hold no
person). Values stay raw; normalization is ``resolution.normalize``'s job.

Mapping choices worth knowing:

- ``irs_w2.employee_tin`` is an SSN or an ITIN as the employer wrote it; it goes to
  ``itin`` when it has the ITIN shape (9 first, group digits 50-65, 70-88, 90-92,
  94-99), otherwise to ``ssn`` (a never-issued 9xx SSN stays an SSN: that is fraud
  evidence, not an ITIN).
- FinCEN ``id_number`` lands in the column its ``id_type`` names (SSN, ITIN, PASSPORT,
  A_NUMBER); consular IDs and driver licences have no column here.
- ``citizenship_country`` holds the country a record states as the person's own:
  citizenship or nationality, USCIS's ``country_of_birth`` (benefit applicants are born
  abroad), FinCEN's ``id_country``; never a place of birth inside the US.
- ``birth_place`` is where a record says the person was born: Numident's and a US
  passport's ``birth_place`` (a US state or territory, or a country), USCIS's
  ``country_of_birth``.
- ``event_date`` is the record's own main date (arrival, filing, NTA, issue...); a W-2
  carries only its tax year, so 31 December of that year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from immigrationos.sources import lake
from immigrationos.sources.contract import PERSON_SOURCES, SOURCES

RECORD_SCHEMA: dict[str, pl.DataType] = {
    "unique_id": pl.Utf8(),
    "source": pl.Utf8(),
    "record_id": pl.Utf8(),
    "given_name": pl.Utf8(),
    "middle_name": pl.Utf8(),
    "family_name": pl.Utf8(),
    "birth_date": pl.Date(),
    "sex": pl.Utf8(),
    "ssn": pl.Utf8(),
    "itin": pl.Utf8(),
    "a_number": pl.Utf8(),
    "passport": pl.Utf8(),
    "i94": pl.Utf8(),
    "fbi": pl.Utf8(),
    "zip": pl.Utf8(),
    "city": pl.Utf8(),
    "state": pl.Utf8(),
    "street": pl.Utf8(),
    "employer_ein": pl.Utf8(),
    "event_date": pl.Date(),
    "citizenship_country": pl.Utf8(),
    "birth_place": pl.Utf8(),
}
RECORD_COLUMNS: tuple[str, ...] = tuple(RECORD_SCHEMA)
# Columns whose value comes from the source column of the same name, when it has one.
_SAME_NAME = (
    "given_name",
    "middle_name",
    "family_name",
    "birth_date",
    "sex",
    "ssn",
    "itin",
    "a_number",
    "zip",
    "city",
    "state",
    "street",
    "employer_ein",
    "birth_place",
)
# Columns a source holds under the same name but meaning something else than the
# common schema (criminal_history.state is the jurisdiction, not an address).
_NOT_THE_SAME: dict[str, tuple[str, ...]] = {"criminal_history": ("state",)}


def is_itin(tin: pl.Expr) -> pl.Expr:
    """Return whether a nine-digit TIN has the ITIN shape (9, then a group in the ITIN ranges)."""
    group = tin.str.slice(3, 2).cast(pl.Int32, strict=False)
    in_ranges = (
        group.is_between(50, 65)
        | group.is_between(70, 88)
        | group.is_between(90, 92)
        | group.is_between(94, 99)
    )
    return (
        (tin.str.len_chars() == 9)
        & tin.str.starts_with("9")
        & tin.str.contains(r"^\d{9}$")
        & in_ranges.fill_null(False)
    )


def _id_of(kind: str) -> pl.Expr:
    return pl.when(pl.col("id_type") == kind).then(pl.col("id_number"))


def _fincen(date_column: str) -> dict[str, pl.Expr]:
    return {
        "ssn": _id_of("SSN"),
        "itin": _id_of("ITIN"),
        "passport": _id_of("PASSPORT"),
        "a_number": _id_of("A_NUMBER"),
        "citizenship_country": pl.col("id_country"),
        "event_date": pl.col(date_column),
    }


def _w2() -> dict[str, pl.Expr]:
    tin = pl.col("employee_tin")
    return {
        "ssn": pl.when(~is_itin(tin)).then(tin),
        "itin": pl.when(is_itin(tin)).then(tin),
        "event_date": pl.date(pl.col("tax_year").cast(pl.Int32, strict=False), 12, 31),
    }


# What each source holds under another name than the common schema's (or derives).
_SPECIAL: dict[str, dict[str, pl.Expr]] = {
    "cbp_i94": {
        "passport": pl.col("passport_number"),
        "i94": pl.col("i94_number"),
        "event_date": pl.col("event_date"),
        "citizenship_country": pl.col("citizenship_country"),
    },
    "uscis_benefits": {
        "event_date": pl.col("filed_date"),
        "citizenship_country": pl.col("country_of_birth"),
        "birth_place": pl.col("country_of_birth"),
    },
    "eoir_cases": {
        "event_date": pl.col("nta_date"),
        "citizenship_country": pl.col("nationality"),
    },
    "enforcement_events": {
        "fbi": pl.col("fbi_number"),
        "event_date": pl.col("event_date"),
        "citizenship_country": pl.col("nationality"),
    },
    "criminal_history": {
        "fbi": pl.col("fbi_number"),
        "event_date": pl.col("disposition_date"),
    },
    "ssa_numident": {"event_date": pl.col("issue_date")},
    "irs_w2": _w2(),
    "irs_itin": {
        "passport": pl.when(pl.col("foreign_id_type") == "PASSPORT").then(
            pl.col("foreign_id_number")
        ),
        "event_date": pl.col("issue_date"),
        "citizenship_country": pl.col("country_of_citizenship"),
    },
    "fincen_sar": _fincen("filing_date"),
    "fincen_ctr": _fincen("transaction_date"),
    "dmv_licenses": {"event_date": pl.col("issue_date")},
    "dos_passports": {
        "passport": pl.col("passport_number"),
        "event_date": pl.col("issue_date"),
    },
    "cbp_home_departures": {
        "passport": pl.col("passport_number"),
        "event_date": pl.col("report_date"),
        "citizenship_country": pl.col("citizenship_country"),
    },
    "tips": {"event_date": pl.col("received_date")},
}


def source_mapping(source: str) -> tuple[list[str], dict[str, pl.Expr]]:
    """Return the lake columns a source's mapping reads and its expression per schema column."""
    spec = SOURCES[source]
    if not spec.person_records:
        raise ValueError(f"{source} holds no person records")
    names = set(spec.column_names)
    skip = set(_NOT_THE_SAME.get(source, ()))
    exprs: dict[str, pl.Expr] = {c: pl.col(c) for c in _SAME_NAME if c in names and c not in skip}
    exprs.update(_SPECIAL.get(source, {}))
    inputs = ["record_id"]
    for expr in exprs.values():
        inputs += [c for c in expr.meta.root_names() if c not in inputs]
    unknown = set(inputs) - names
    if unknown:
        raise KeyError(f"{source} mapping reads unknown column(s) {sorted(unknown)}")
    return inputs, exprs


def _cast(name: str, expr: pl.Expr) -> pl.Expr:
    dtype = RECORD_SCHEMA[name]
    return expr.cast(dtype, strict=False).alias(name)


def map_source(source: str, rows: pl.DataFrame) -> pl.DataFrame:
    """Return a source's rows (its own columns) in the common record schema."""
    _, exprs = source_mapping(source)
    wanted: Mapping[str, pl.Expr] = {
        "unique_id": pl.lit(f"{source}:") + pl.col("record_id").cast(pl.Utf8),
        "source": pl.lit(source),
        "record_id": pl.col("record_id"),
        **exprs,
    }
    return rows.select(
        _cast(name, wanted[name])
        if name in wanted
        else pl.lit(None, RECORD_SCHEMA[name]).alias(name)
        for name in RECORD_COLUMNS
    )


def record_frame(lake_dir: Path, sources: Iterable[str] | None = None) -> pl.DataFrame:
    """Return every current accepted person record of the lake in the common record schema.

    Args:
        lake_dir: the lake folder written by ingest.
        sources: person sources to read (all of them by default); a source with no
            data in the lake adds no rows.

    Returns:
        One row per record, columns ``RECORD_COLUMNS`` typed as ``RECORD_SCHEMA``,
        ordered by source (contract order) then ``record_id``.
    """
    chosen = list(PERSON_SOURCES if sources is None else sources)
    frames = []
    for source in chosen:
        inputs, _ = source_mapping(source)
        rows = lake.current(lake_dir, source, inputs)
        frames.append(map_source(source, rows))
    if not frames:
        return pl.DataFrame(schema=RECORD_SCHEMA)
    return pl.concat(frames, how="vertical")


def febrl_frame(df: pl.DataFrame, source: str = "febrl") -> pl.DataFrame:
    """Return a FEBRL data set (``rec_id`` column included) in the common record schema.

    FEBRL's ``date_of_birth`` is ``YYYYMMDD`` (an impossible date becomes null),
    ``soc_sec_id`` is an SSN-like number, ``postcode`` a ZIP-like code.
    """

    def text(column: str) -> pl.Expr:
        value = pl.col(column).cast(pl.Utf8).str.strip_chars()
        return pl.when(value.str.len_chars() > 0).then(value)

    street = pl.concat_str(
        [text("street_number"), text("address_1"), text("address_2")],
        separator=" ",
        ignore_nulls=True,
    )
    wanted: dict[str, pl.Expr] = {
        "unique_id": pl.lit(f"{source}:") + pl.col("rec_id").cast(pl.Utf8),
        "source": pl.lit(source),
        "record_id": pl.col("rec_id").cast(pl.Utf8),
        "given_name": text("given_name"),
        "family_name": text("surname"),
        "birth_date": text("date_of_birth").str.to_date("%Y%m%d", strict=False),
        "ssn": text("soc_sec_id"),
        "zip": text("postcode"),
        "city": text("suburb"),
        "state": text("state"),
        "street": pl.when(street.str.len_chars() > 0).then(street),
    }
    return df.select(
        wanted[name].cast(RECORD_SCHEMA[name]).alias(name)
        if name in wanted
        else pl.lit(None, RECORD_SCHEMA[name]).alias(name)
        for name in RECORD_COLUMNS
    )
