"""A person's row from its records: best name, birth date, sex, area, sources, confidence.

Pure Polars over the facts of the records (``service.record_facts`` joined to the new
membership) and the run's links, so 100,000 persons take a second, not a loop.

- best name: the name most records give (ties: the more authoritative source, then the
  alphabet), with the given and family name of that source's record;
- birth date and sex: the most common value given (same ties);
- field office (area of responsibility): that of the latest dated record with a known
  location (ties: the more authoritative source);
- confidence: the probability of the weakest link holding the person together (1 for a
  single record: nothing was inferred).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from immigrationos.resolution.service import PERSON_COLUMNS


def _mode(facts: pl.DataFrame, column: str) -> pl.DataFrame:
    """Return per person the most common non-empty value of ``column`` (ties: rank, value)."""
    return (
        facts.filter(pl.col(column).is_not_null())
        .group_by("person_id", column)
        .agg(pl.len().alias("n"), pl.col("rank").min().alias("best_rank"))
        .sort(
            ["person_id", "n", "best_rank", column],
            descending=[False, True, False, False],
        )
        .unique("person_id", keep="first", maintain_order=True)
        .select("person_id", column)
    )


def _names(facts: pl.DataFrame) -> pl.DataFrame:
    named = facts.filter(
        pl.col("display_name").is_not_null() & (pl.col("display_name").str.strip_chars() != "")
    )
    first_of_name = named.sort("rank", "unique_id").unique(
        ["person_id", "display_name"], keep="first", maintain_order=True
    )
    best = _mode(named, "display_name")
    return best.join(
        first_of_name.select("person_id", "display_name", "given_name", "family_name"),
        on=["person_id", "display_name"],
        how="left",
    )


def _offices(facts: pl.DataFrame) -> pl.DataFrame:
    return (
        facts.filter(pl.col("field_office").is_not_null())
        .sort(
            ["person_id", "record_date", "rank", "unique_id"],
            descending=[False, True, False, False],
            nulls_last=True,
        )
        .unique("person_id", keep="first", maintain_order=True)
        .select("person_id", "field_office")
    )


def person_rows(
    facts: pl.DataFrame, links: pl.DataFrame, *, run_id: str, now: datetime
) -> pl.DataFrame:
    """Return one ``persons`` row (``PERSON_COLUMNS``) per person of ``facts``.

    Args:
        facts: one row per record: ``person_id`` and the columns of
            ``service.FACT_SCHEMA``.
        links: the run's links with their ``person_id`` and ``match_probability``.
        run_id: the run writing the rows (first and latest run of new persons).
        now: the time written as created and updated.
    """
    base = facts.group_by("person_id").agg(
        pl.len().alias("records"),
        pl.col("source").unique().sort().alias("source_list"),
    )
    confidence = links.group_by("person_id").agg(
        pl.col("match_probability").min().alias("confidence")
    )
    rows = (
        base.join(_names(facts), on="person_id", how="left")
        .join(_mode(facts, "birth_date"), on="person_id", how="left")
        .join(_mode(facts, "sex"), on="person_id", how="left")
        .join(_offices(facts), on="person_id", how="left")
        .join(confidence, on="person_id", how="left")
    )
    stamp = pl.lit(now).cast(pl.Datetime("us", "UTC"))
    return (
        rows.with_columns(
            pl.lit("ACTIVE").alias("status"),
            pl.lit(None, pl.Utf8).alias("merged_into"),
            pl.col("confidence").fill_null(1.0).clip(0.0, 1.0),
            pl.col("records").cast(pl.Int64),
            ('["' + pl.col("source_list").list.join('","') + '"]').alias("sources"),
            pl.lit(run_id).alias("created_run"),
            pl.lit(run_id).alias("updated_run"),
            stamp.alias("created_at"),
            stamp.alias("updated_at"),
        )
        .select(PERSON_COLUMNS)
        .sort("person_id")
    )
