"""Shared or stolen SSNs: who really holds a number, and who only uses it.

An SSN is issued to one person (its Numident record). Other records may carry it:

- the holder's own W-2s and FinCEN reports (usually under the holder's name);
- a worker using the number, under their own name, or sometimes under the holder's name
  too, at the worker's address and employer.

The SSN is then no evidence that the two are one person. For every SSN carried by two
records or more, the records are grouped into *units* (a W-2 unit: one employer's W-2s
under the number; any other record: itself), and a unit is judged **another identity**
than the Numident holder when:

- its names clearly differ from the holder's (neither given nor family name agrees);
- a birth date it gives clearly differs from the holder's;
- it has a W-2 for a tax year in which another unit has one from another employer (two
  people drawing wages on one number: measured, one person's W-2s under one SSN never
  share a tax year in these worlds, at one address or two; real workers do hold two
  jobs, which this rule would split and flag for review), and the other unit is better
  attested as the holder's (an address where the holder's own records are); when
  neither is, both are set apart. Either way the two units never join each other.

The evidence was chosen on measured errors: someone else living at a
unit's address says little (people share homes, and a father and son share a name), nor
does a W-2 in another state than the holder's other records (people move).

Such units get their own identity key: SSN agreement between records of different keys
counts for nothing (neutralised), a cannot-link keeps them out of the holder's person,
and a ``SHARED_SSN`` flag names the number and the records for the identity-fraud
detector.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from immigrationos.resolution.normalize import (
    case_sql,
    date_level_conditions,
    family_level_conditions,
    given_level_conditions,
)

NUMIDENT = "ssa_numident"
W2 = "irs_w2"
# Sources whose address says nothing of where a person lives (an anonymous tip).
NOT_RESIDENCE = frozenset({"tips"})

GIVEN_AGREES = (
    "EXACT", "FIRST_GIVEN", "SAME_GROUP", "PHONETIC", "JARO_WINKLER_HIGH",
    "JARO_WINKLER_MID", "OTHER_GIVEN",
)  # fmt: skip
FAMILY_AGREES = (
    "EXACT", "SAME_GROUP", "FIRST_SURNAME", "FIRST_SURNAME_ONLY", "PHONETIC",
    "JARO_WINKLER_HIGH", "JARO_WINKLER_MID", "OTHER_SURNAME",
)  # fmt: skip
DATE_AGREES = ("EXACT", "DAY_MONTH_SWAP", "ONE_OFF_YEAR", "ONE_OFF_DAY_OR_MONTH")

# Columns compared between a record and the holder, with the _l/_r suffixes Splink uses.
NAME_COLUMNS = (
    "given_std", "given_joined", "given_full", "given_groups", "given_all_groups",
    "given_phon", "family_std", "family_first", "family_last", "family_canon",
    "family_groups", "family_words", "family_phon",
)  # fmt: skip
COMPARED = (*NAME_COLUMNS, "birth_date")
# The columns of the record frame the analysis reads.
USED = (
    "rid", "unique_id", "source", "ssn", "event_date", "employer_ein", "street_std", "zip5",
    "state_std", *COMPARED,
)  # fmt: skip

# The evidence that sets a unit apart on its own (see the module docstring).
EVIDENCE: tuple[str, ...] = ("name", "birth_date")
REASONS = {
    "name": "names clearly differ from the holder's",
    "birth_date": "a birth date clearly differs from the holder's",
    "same_year": "W-2s for a tax year in which another employer's W-2 carries the number",
}


@dataclass(frozen=True)
class SharedSsns:
    """What the analysis found, keyed by the frame's row index ``rid``.

    ``identity``: ``rid, ssn_identity`` for every record of an SSN found shared (records
    of one identity share a key). ``cannot``: ``rid, token`` signed integers: a record
    holding ``+t`` never joins one holding ``-t``. ``flags``: ``FLAG_COLUMNS`` rows.
    """

    identity: pl.DataFrame
    cannot: pl.DataFrame
    flags: pl.DataFrame


def _relations(
    con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame, *, keep: bool = False
) -> pl.DataFrame:
    """Return ``pairs`` with ``name_same``, ``name_differs``, ``dob_same``, ``dob_differs``.

    The compared ``<column>_l`` / ``<column>_r`` are dropped unless ``keep``.
    """
    given = case_sql(given_level_conditions())
    family = case_sql(family_level_conditions())
    dob = case_sql(date_level_conditions("birth_date"))
    con.register("shared_ssn_pairs", pairs.to_arrow())
    try:
        dropped = ", ".join(f"{c}_l, {c}_r" for c in COMPARED)
        found: pl.DataFrame = con.sql(
            f"SELECT * {'' if keep else f'EXCLUDE ({dropped})'},"
            f" {given} AS given_level, {family} AS family_level, {dob} AS dob_level"
            " FROM shared_ssn_pairs"
        ).pl()
    finally:
        con.unregister("shared_ssn_pairs")
    g, f = pl.col("given_level"), pl.col("family_level")
    swapped = (g == "SWAPPED") & (f == "SWAPPED")
    return found.with_columns(
        name_same=(g.is_in(GIVEN_AGREES) & f.is_in(FAMILY_AGREES)) | swapped,
        name_differs=(g == "DIFFERENT") & (f == "DIFFERENT"),
        dob_same=pl.col("dob_level").is_in(DATE_AGREES),
        dob_differs=pl.col("dob_level") == "DIFFERENT",
    ).drop("given_level", "family_level", "dob_level")


def _against_holder(
    con: duckdb.DuckDBPyConnection, records: pl.DataFrame, holders: pl.DataFrame
) -> pl.DataFrame:
    """Return ``records`` (with ``holder_ssn``) compared with the Numident holder of that SSN."""
    left = records.rename({c: f"{c}_l" for c in COMPARED})
    right = holders.select("ssn", *[pl.col(c).alias(f"{c}_r") for c in COMPARED])
    pairs = left.join(right, left_on="holder_ssn", right_on="ssn", how="inner")
    return _relations(con, pairs)


def _units(grouped: pl.DataFrame) -> pl.DataFrame:
    """Return the records of shared-SSN groups with a ``unit``: one employer's W-2s, or itself."""
    w2_unit = pl.concat_str(pl.col("ssn"), pl.lit("|W2|"), pl.col("employer_ein"))
    return grouped.with_columns(
        pl.when((pl.col("source") == W2) & pl.col("employer_ein").is_not_null())
        .then(w2_unit)
        .otherwise(pl.concat_str(pl.col("ssn"), pl.lit("|R|"), pl.col("rid").cast(pl.Utf8)))
        .alias("unit")
    )


def _same_year_conflicts(units: pl.DataFrame) -> pl.DataFrame:
    """Return ``ssn, unit_a, unit_b``: units with W-2s of one tax year from two employers."""
    w2 = units.filter(pl.col("source") == W2, pl.col("employer_ein").is_not_null()).select(
        "ssn",
        "unit",
        pl.col("event_date").dt.year().alias("year"),
        "employer_ein",
        "street_std",
        "zip5",
    )
    pairs = w2.join(w2, on=["ssn", "year"], suffix="_b").filter(
        (pl.col("unit") < pl.col("unit_b")) & (pl.col("employer_ein") != pl.col("employer_ein_b"))
    )
    return pairs.select("ssn", pl.col("unit").alias("unit_a"), "unit_b").unique()


def _holder_records(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, holders: pl.DataFrame
) -> pl.DataFrame:
    """Return ``ssn, year, state_std, street_std, zip5``: where each holder's own records put them.

    A holder's record is one giving the holder's name and birth date (any source but
    the W-2s, which carry no birth date, and tips).
    """
    dated = frame.filter(
        pl.col("birth_date").is_not_null()
        & pl.col("state_std").is_not_null()
        & (pl.col("source") != NUMIDENT)
        & ~pl.col("source").is_in(list(NOT_RESIDENCE))
    ).select(
        pl.col("event_date").dt.year().alias("year"),
        "state_std",
        "street_std",
        "zip5",
        *COMPARED,
    )
    keys = holders.select(pl.col("ssn").alias("holder_ssn"), "birth_date", "family_phon")
    candidates = dated.join(keys, on=["birth_date", "family_phon"], how="inner")
    if candidates.height == 0:
        return pl.DataFrame(
            schema={
                "ssn": pl.Utf8,
                "year": pl.Int32,
                "state_std": pl.Utf8,
                "street_std": pl.Utf8,
                "zip5": pl.Utf8,
            }
        )
    compared = _against_holder(con, candidates, holders)
    return compared.filter(pl.col("name_same") & pl.col("dob_same")).select(
        pl.col("holder_ssn").alias("ssn"), "year", "state_std", "street_std", "zip5"
    )


def _holder_homes(
    con: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    units: pl.DataFrame,
    holders: pl.DataFrame,
) -> pl.DataFrame:
    """Return the units (``unit``) at an address of the holder's own records."""
    holder_at = _holder_records(con, frame, holders)
    addresses = units.filter(
        pl.col("street_std").is_not_null() & pl.col("zip5").is_not_null()
    ).select("ssn", "unit", "street_std", "zip5")
    return (
        addresses.join(holder_at, on=["ssn", "street_std", "zip5"], how="semi")
        .select("unit")
        .unique()
    )


def find_shared_ssns(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> SharedSsns:
    """Return the identities, cannot-links and flags of SSNs used by more than one identity.

    Args:
        con: a DuckDB connection (the level SQL of ``normalize`` runs there).
        frame: the normalised records with ``rid`` (row index), ``source``, ``unique_id``,
            ``event_date``, ``employer_ein``, addresses and the name and date keys.

    Returns:
        See :class:`SharedSsns`.
    """
    frame = frame.select(USED)
    grouped = frame.filter(pl.col("ssn").is_not_null() & (pl.len().over("ssn") > 1))
    holders = grouped.filter(pl.col("source") == NUMIDENT).unique("ssn", keep="first")
    units = _units(grouped.filter(pl.col("source") != NUMIDENT))
    held = pl.col("ssn").is_in(holders.get_column("ssn").implode())

    compared = _against_holder(con, units.with_columns(holder_ssn=pl.col("ssn")), holders)
    per_unit = compared.group_by("ssn", "unit").agg(
        pl.col("name_differs").all().alias("name"),
        pl.col("dob_differs").any().alias("birth_date"),
    )
    own = EVIDENCE
    apart = per_unit.filter(pl.any_horizontal(own))
    conflicts = _same_year_conflicts(units)
    either_way = pl.concat(
        [
            conflicts.select(
                "ssn", pl.col("unit_a").alias("unit"), pl.col("unit_b").alias("other")
            ),
            conflicts.select(
                "ssn", pl.col("unit_b").alias("unit"), pl.col("unit_a").alias("other")
            ),
        ]
    )
    # Of two units in conflict for a tax year, the one not at the holder's home is apart,
    # unless the other is apart on its own evidence (then it explains the conflict).
    home = _holder_homes(con, frame, units, holders).get_column("unit")
    year_apart = either_way.filter(
        held
        & ~pl.col("unit").is_in(home.implode())
        & ~pl.col("other").is_in(apart.get_column("unit").implode())
    ).select("ssn", "unit")
    reasons = (
        pl.concat(
            [
                apart.select(
                    "ssn",
                    "unit",
                    pl.concat_list([pl.when(pl.col(k)).then(pl.lit(REASONS[k])) for k in own])
                    .list.drop_nulls()
                    .alias("reasons"),
                ),
                year_apart.select(
                    "ssn", "unit", pl.concat_list([pl.lit(REASONS["same_year"])]).alias("reasons")
                ),
            ]
        )
        .group_by("ssn", "unit")
        .agg(pl.col("reasons").list.explode(keep_nulls=False, empty_as_null=False).unique().sort())
    )
    # Two units in conflict that are both apart from the holder (or have none) stay apart
    # from each other too.
    # Two units in conflict never join each other, whichever joins the holder.
    mutual = conflicts.with_columns(pl.lit(REASONS["same_year"]).alias("reason"))
    return _outcome(frame, holders, units, reasons, mutual)


def _outcome(
    frame: pl.DataFrame,
    holders: pl.DataFrame,
    units: pl.DataFrame,
    reasons: pl.DataFrame,
    mutual: pl.DataFrame,
) -> SharedSsns:
    """Return identity keys, cannot-link tokens and flags from the units set apart."""
    shared = reasons.get_column("ssn").unique().sort()
    token_of = pl.DataFrame(
        {"ssn": shared, "token": pl.int_range(1, shared.len() + 1, eager=True)},
        schema={"ssn": pl.Utf8, "token": pl.Int64},
    )
    unit_records = units.select("rid", "ssn", "unit")
    apart_records = unit_records.join(reasons.select("unit"), on="unit", how="semi")
    holder_side = pl.concat(
        [
            holders.filter(pl.col("ssn").is_in(shared.implode())).select("rid", "ssn"),
            unit_records.filter(pl.col("ssn").is_in(shared.implode()))
            .join(reasons.select("unit"), on="unit", how="anti")
            .select("rid", "ssn"),
        ]
    )
    first = shared.len() + 1
    pairs = mutual.with_columns(pl.int_range(first, first + pl.len()).alias("token"))
    side_a = unit_records.join(pairs.select(pl.col("unit_a").alias("unit"), "token"), on="unit")
    side_b = unit_records.join(pairs.select(pl.col("unit_b").alias("unit"), "token"), on="unit")
    identity = pl.concat(
        [
            holder_side.select("rid", (pl.col("ssn") + "#holder").alias("ssn_identity")),
            apart_records.select("rid", pl.col("unit").alias("ssn_identity")),
            side_a.select("rid", pl.col("unit").alias("ssn_identity")),
            side_b.select("rid", pl.col("unit").alias("ssn_identity")),
        ]
    ).unique("rid", keep="first")
    cannot = pl.concat(
        [
            holder_side.join(token_of, on="ssn").select("rid", "token"),
            apart_records.join(token_of, on="ssn").select("rid", (-pl.col("token")).alias("token")),
            side_a.select("rid", "token"),
            side_b.select("rid", (-pl.col("token")).alias("token")),
        ]
    )
    return SharedSsns(
        identity=identity.sort("rid"),
        cannot=cannot.unique().sort("rid", "token"),
        flags=_flags(frame, holders, apart_records, reasons, mutual, units),
    )


def _flags(
    frame: pl.DataFrame,
    holders: pl.DataFrame,
    apart_records: pl.DataFrame,
    reasons: pl.DataFrame,
    mutual: pl.DataFrame,
    units: pl.DataFrame,
) -> pl.DataFrame:
    """Return one ``SHARED_SSN`` flag per number used by more than one identity."""
    uid = frame.select("rid", "unique_id")
    conflicting = pl.concat(
        [mutual.select("ssn", pl.col(c).alias("unit"), "reason") for c in ("unit_a", "unit_b")]
    )
    why_mutual = conflicting.group_by("ssn", "unit").agg(pl.col("reason").unique().sort())
    # With a holder, the flag names the other identities; without, every unit in conflict.
    in_conflict = (
        units.join(conflicting, on=["ssn", "unit"], how="semi")
        .filter(~pl.col("ssn").is_in(holders.get_column("ssn").implode()))
        .select("rid", "ssn", "unit")
    )
    users = (
        pl.concat([apart_records, in_conflict])
        .unique("rid")
        .join(uid, on="rid")
        .join(reasons, on=["ssn", "unit"], how="left")
        .join(why_mutual, on=["ssn", "unit"], how="left")
        .with_columns(
            pl.coalesce(pl.col("reasons").list.concat(pl.col("reason")), "reasons", "reason").alias(
                "reasons"
            )
        )
    )
    per_ssn = (
        users.group_by("ssn")
        .agg(
            pl.col("unique_id").sort().alias("users"),
            pl.col("reasons")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("why"),
        )
        .join(holders.select("ssn", pl.col("unique_id").alias("holder")), on="ssn", how="left")
    )
    holder_text = (
        pl.when(pl.col("holder").is_not_null())
        .then(pl.format("SSN issued to {}", pl.col("holder")))
        .otherwise(pl.lit("SSN with no Numident record"))
    )
    return per_ssn.select(
        pl.lit("SHARED_SSN").alias("kind"),
        pl.col("ssn").alias("value"),
        pl.concat_list([pl.col("holder")])
        .list.drop_nulls()
        .list.concat("users")
        .alias("unique_ids"),
        pl.format(
            "{} is used by {} record(s) of another identity: {}",
            holder_text,
            pl.col("users").list.len(),
            pl.col("why").list.join("; "),
        ).alias("detail"),
    ).sort("value")
