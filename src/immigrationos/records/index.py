"""Build the index rows of a batch's versioned lake rows and bulk-load them into the database.

``index_rows`` is called by ingest inside the batch's own transaction (so the batch, its
index rows and its audit event commit together) and by ``flows.reindex`` for the whole
lake. It flushes, never commits. PostgreSQL is loaded with COPY, SQLite with executemany.

Only person sources are indexed: ``census_tracts`` holds aggregates (no individuals, by
law) and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from immigrationos.records import bulk, normalize
from immigrationos.reference import field_offices
from immigrationos.reference import normalize as address
from immigrationos.sources.contract import SOURCES

# (column, kind) of each source's identifiers; a kind may depend on the row (see _kind_of).
IDENTIFIER_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "cbp_i94": (("i94_number", "I94"), ("passport_number", "PASSPORT")),
    "uscis_benefits": (("receipt_number", "RECEIPT"), ("a_number", "A_NUMBER")),
    "eoir_cases": (("a_number", "A_NUMBER"),),
    "enforcement_events": (("a_number", "A_NUMBER"), ("fbi_number", "FBI")),
    "criminal_history": (("fbi_number", "FBI"), ("state_id", "STATE_ID")),
    "ssa_numident": (("ssn", "SSN"),),
    "irs_w2": (("employer_ein", "EIN"), ("employee_tin", "TIN")),
    "irs_itin": (("itin", "ITIN"), ("foreign_id_number", "foreign_id_type")),
    "fincen_sar": (("id_number", "id_type"),),
    "fincen_ctr": (("id_number", "id_type"),),
    "dmv_licenses": (("license_number", "LICENSE"),),
    "dos_passports": (("passport_number", "PASSPORT"),),
    "cbp_home_departures": (("a_number", "A_NUMBER"), ("passport_number", "PASSPORT")),
    "tips": (),
}
# FinCEN ``id_type`` and ITIN ``foreign_id_type`` values, as key kinds (others: OTHER_ID).
DOCUMENT_KINDS = {
    "SSN": "SSN",
    "ITIN": "ITIN",
    "PASSPORT": "PASSPORT",
    "CONSULAR_ID": "CONSULAR_ID",
    "DRIVER_LICENSE": "LICENSE",
    "A_NUMBER": "A_NUMBER",
}
STATE_COLUMNS = ("state", "location_state")

RECORD_COLUMNS = (
    "source", "record_id", "version", "change", "withdrawn", "batch_id", "display_name",
    "given_name", "family_name", "birth_date", "sex", "state", "zip", "field_office",
    "payload", "ingested_at",
)  # fmt: skip
VERSION_COLUMNS = (
    "source", "record_id", "version", "change", "batch_id", "row_hash", "source_file",
    "line_number", "ingested_at", "payload",
)  # fmt: skip
KEY_COLUMNS = ("record_pk", "kind", "value")


@dataclass(frozen=True)
class IndexFrames:
    """The index rows of some lake rows of one source: current records, versions, keys."""

    records: pl.DataFrame  # RECORD_COLUMNS, one row per record (its latest version here)
    versions: pl.DataFrame  # VERSION_COLUMNS, every row
    keys: pl.DataFrame  # record_id, kind, value


@dataclass(frozen=True)
class IndexCounts:
    """How many rows one call wrote to each table."""

    records: int = 0
    versions: int = 0
    keys: int = 0


def indexed(source: str) -> bool:
    """Return whether a source's records go into the index (person sources only)."""
    return source in SOURCES and SOURCES[source].person_records


def _column(rows: pl.DataFrame, name: str, dtype: Any = pl.Utf8) -> pl.Expr:
    return pl.col(name) if name in rows.columns else pl.lit(None, dtype).alias(name)


def _payload(source: str) -> pl.Expr:
    """Return the canonical JSON of the contract fields: sorted keys, no whitespace."""
    names = sorted(SOURCES[source].column_names)
    return pl.struct(names).struct.json_encode().alias("payload")


def _fold_map(values: pl.Series) -> pl.DataFrame:
    """Return each distinct raw name with its folded form (None when nothing is left)."""
    unique = values.drop_nulls().unique()
    folded = [normalize.fold(v) or None for v in unique.to_list()]
    return pl.DataFrame(
        {"raw": unique, "folded": pl.Series(folded, dtype=pl.Utf8)},
        schema={"raw": pl.Utf8, "folded": pl.Utf8},
    )


def _folded(frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
    mapping = _fold_map(frame.get_column(column)).rename({"raw": column, "folded": out})
    return frame.join(mapping, on=column, how="left")


def _location(rows: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    states = [pl.col(c) for c in STATE_COLUMNS if c in rows.columns]
    state = address.state_expr(pl.coalesce(states)) if states else pl.lit(None, pl.Utf8)
    zip5 = address.zip5_expr(pl.col("zip")) if "zip" in rows.columns else pl.lit(None, pl.Utf8)
    return state.alias("state"), zip5.alias("zip")


def build(source: str, rows: pl.DataFrame) -> IndexFrames:
    """Return the index rows of lake rows (contract columns plus provenance) of one source."""
    if not indexed(source):
        raise ValueError(f"{source} is not a person source and is not indexed")
    display = (
        pl.concat_str(
            [_column(rows, n) for n in ("given_name", "middle_name", "family_name")],
            separator=" ",
            ignore_nulls=True,
        )
        .str.to_uppercase()
        .str.replace_all(r"[\s\x00-\x1f\x7f]+", " ")
        .str.strip_chars(" ")
        .fill_null("")
    )
    state, zip5 = _location(rows)
    frame = rows.select(
        pl.lit(source).alias("source"),
        # PostgreSQL text cannot hold NUL; the contract lets a record_id carry one.
        pl.col("record_id").str.replace_all("\x00", "\ufffd", literal=True),
        pl.col("_version").cast(pl.Int64).alias("version"),
        pl.col("_change").alias("change"),
        (pl.col("_change") == "WITHDRAWN").alias("withdrawn"),
        pl.col("_batch_id").alias("batch_id"),
        display.alias("display_name"),
        _column(rows, "given_name").alias("_given"),
        _column(rows, "family_name").alias("_family"),
        _column(rows, "birth_date", pl.Date).cast(pl.Date).alias("birth_date"),
        _column(rows, "sex").alias("sex"),
        state,
        zip5,
        _payload(source),
        pl.col("_ingested_at").alias("ingested_at"),
        pl.col("_row_hash").alias("row_hash"),
        pl.col("_source_file").alias("source_file"),
        pl.col("_line_number").cast(pl.Int64).alias("line_number"),
        *[pl.col(c) for c, _ in IDENTIFIER_COLUMNS[source]],
        *[pl.col(k) for _, k in IDENTIFIER_COLUMNS[source] if k in rows.columns],
    )
    versions = frame.select(VERSION_COLUMNS)
    current = frame.sort("record_id", "version").unique(
        "record_id", keep="last", maintain_order=True
    )
    current = _folded(_folded(current, "_given", "given_name"), "_family", "family_name")
    offices = field_offices.offices_for_keys(current.get_column("state"), current.get_column("zip"))
    current = current.with_columns(offices.alias("field_office"))
    keys = pl.concat([_name_keys(current), _identifier_keys(source, current)], how="vertical")
    return IndexFrames(
        records=current.select(RECORD_COLUMNS),
        versions=versions,
        keys=keys.unique(maintain_order=True),
    )


def _name_keys(current: pl.DataFrame) -> pl.DataFrame:
    """Return the NAME keys of current records (computed once per distinct name)."""
    names = current.select(
        pl.col("given_name").fill_null(""), pl.col("family_name").fill_null("")
    ).unique()
    keyed = names.with_columns(
        pl.Series(
            "value",
            [sorted(normalize.name_keys(g, f)) for g, f in names.iter_rows()],
            dtype=pl.List(pl.Utf8),
        )
    )
    return (
        current.select(
            "record_id", pl.col("given_name").fill_null(""), pl.col("family_name").fill_null("")
        )
        .join(keyed, on=["given_name", "family_name"], how="left")
        .explode("value")
        .drop_nulls("value")
        .select("record_id", pl.lit(normalize.NAME_KIND).alias("kind"), "value")
    )


def _kind_of(kind: str) -> pl.Expr:
    """Return the key kind of an identifier column: fixed, by form (TIN) or by a type column."""
    if kind == "TIN":
        itin = pl.col("employee_tin").str.starts_with("9")
        return pl.when(itin).then(pl.lit("ITIN")).otherwise(pl.lit("SSN"))
    if kind in ("id_type", "foreign_id_type"):
        return pl.col(kind).replace_strict(DOCUMENT_KINDS, default="OTHER_ID", return_dtype=pl.Utf8)
    return pl.lit(kind)


def _identifier_keys(source: str, current: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for column, kind in IDENTIFIER_COLUMNS[source]:
        if column not in current.columns:
            continue
        kind_expr = _kind_of(kind)
        parts.append(
            current.select(
                "record_id",
                kind_expr.alias("kind"),
                normalize.identifier_expr(kind_expr, pl.col(column)).alias("value"),
            )
        )
    empty = pl.DataFrame(schema={"record_id": pl.Utf8, "kind": pl.Utf8, "value": pl.Utf8})
    return pl.concat([empty, *parts], how="vertical").drop_nulls()


def index_rows(
    *, session: Session, source: str, rows: pl.DataFrame, truncated: bool = False
) -> IndexCounts:
    """Index versioned lake rows of one source: append versions, upsert records, replace keys.

    ``rows`` are lake rows (contract columns plus provenance), e.g. the rows a batch staged.
    ``truncated``: the index tables were emptied in this transaction (a rebuild), so
    PostgreSQL may write the rows frozen. Sources that are not person records are
    skipped. Flushes, never commits.
    """
    if not indexed(source) or rows.height == 0:
        return IndexCounts()
    frames = build(source, rows)
    session.flush()
    with bulk.Loader(session, truncated=truncated) as loader:
        loader.append("record_versions", VERSION_COLUMNS, frames.versions)
        if loader.source_is_empty(source):
            ids = loader.insert_records(RECORD_COLUMNS, frames.records)
        else:
            ids = loader.upsert_records(RECORD_COLUMNS, frames.records)
        keys = frames.keys.join(ids, on="record_id", how="inner").select(KEY_COLUMNS)
        loader.append("record_keys", KEY_COLUMNS, keys.sort(KEY_COLUMNS))
        loader.refresh_statistics(ids.height)
    return IndexCounts(records=ids.height, versions=frames.versions.height, keys=keys.height)
