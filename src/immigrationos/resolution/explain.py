"""Why two records link: each kept link's waterfall, as the JSON of ``result.Explanation``.

A link's match weight is the prior's weight plus one weight per comparison (Splink's
``mw_<comparison>``, the log2 of its Bayes factor) plus the term-frequency adjustments
(``mw_tf_adj_<comparison>``, their own ``<comparison> (tf)`` steps). A comparison at its
MISSING level weighs exactly nothing and is left out. Step weights are rounded to
``DECIMALS`` places, and the match weight is the sum of the rounded steps. An SSN agreement neutralised because the number is
shared keeps its step, at weight 0, so the reviewer sees why it did not count.

``match_weight`` is the steps summed left to right from the prior, in the order they are
listed; a test holds every stored link to it.
"""

from __future__ import annotations

import duckdb
import polars as pl

from immigrationos.resolution.comparisons import COMPARISONS
from immigrationos.resolution.normalize import case_sql

NEUTRALISED = "EXACT (shared SSN: not evidence)"
TERM_FREQUENCY = "how rare the value is"
# Step weights are stored to a millionth of a bit; the match weight is their sum.
DECIMALS = 6
JUDGED = "SAME (reviewer's judgement)"
# What a reviewer reads on each side of a comparison: the record's own values.
DISPLAY: dict[str, pl.Expr] = {
    "given_name": pl.concat_str(["given_name", "middle_name"], separator=" ", ignore_nulls=True),
    "family_name": pl.col("family_name"),
    "birth_date": pl.col("birth_date").cast(pl.Utf8),
    "sex": pl.col("sex"),
    "ssn": pl.col("ssn"),
    "itin": pl.col("itin"),
    "a_number": pl.col("a_number"),
    "passport": pl.col("passport"),
    "i94": pl.col("i94"),
    "fbi": pl.col("fbi"),
    "employer": pl.col("employer_ein"),
    "address": pl.concat_str(["street", "city", "state", "zip"], separator=", ", ignore_nulls=True),
}
DISPLAY_INPUTS = (
    "given_name", "middle_name", "family_name", "birth_date", "sex", "ssn", "itin",
    "a_number", "passport", "i94", "fbi", "employer_ein", "street", "city", "state", "zip",
)  # fmt: skip
LINK_SCHEMA: dict[str, pl.DataType] = {
    "unique_id_l": pl.Utf8(),
    "unique_id_r": pl.Utf8(),
    "match_weight": pl.Float64(),
    "match_probability": pl.Float64(),
    "explanation": pl.Utf8(),
}
TF_COMPARISONS = tuple(name for name, (_, tf) in COMPARISONS.items() if tf)


def level_sql(con: duckdb.DuckDBPyConnection, pairs_table: str, input_table: str) -> str:
    """Return the query of ``rid_l, rid_r, level_<comparison>`` for ``pairs_table``'s pairs.

    The levels are computed with the very conditions the model's comparisons use.
    """
    columns = [
        r[0] for r in con.execute(f"DESCRIBE {input_table}").fetchall() if r[0] != "unique_id"
    ]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    cases = ", ".join(
        f"{case_sql(levels)} AS level_{name}" for name, (levels, _) in COMPARISONS.items()
    )
    return (
        f"WITH both_sides AS (SELECT p.rid_l, p.rid_r, {sides} FROM {pairs_table} p"
        f" JOIN {input_table} l ON l.unique_id = p.rid_l"
        f" JOIN {input_table} r ON r.unique_id = p.rid_r)"
        f" SELECT rid_l, rid_r, {cases} FROM both_sides"
    )


def level_columns(
    con: duckdb.DuckDBPyConnection, pairs_table: str, input_table: str
) -> pl.DataFrame:
    """Return ``rid_l, rid_r, level_<comparison>`` for the pairs of ``pairs_table``."""
    levels: pl.DataFrame = con.sql(level_sql(con, pairs_table, input_table)).pl()
    return levels


def _step(comparison: str, level: pl.Expr, weight: pl.Expr, side: str | None) -> pl.Expr:
    """Return one step as JSON text (encoded one by one: lists of structs are slow to build).

    ``side`` names the displayed values (``<side>_l``, ``<side>_r``); a term-frequency
    step has none of its own (its comparison's step shows them).
    """
    fields = [
        pl.lit(comparison).alias("comparison"),
        level.alias("level"),
        weight.alias("weight"),
    ]
    if side is not None:
        fields += [pl.col(f"{side}_l").alias("left"), pl.col(f"{side}_r").alias("right")]
    return pl.struct(fields).struct.json_encode()


def _explanation(steps: list[pl.Expr]) -> pl.Expr:
    """Return the explanation JSON: the scalars' object with the steps spliced in first."""
    scalars = pl.struct("prior_weight", "match_weight", "match_probability").struct.json_encode()
    listed = pl.concat_str(steps, separator=",", ignore_nulls=True)
    return pl.concat_str([pl.lit('{"steps":['), listed, pl.lit("],"), scalars.str.slice(1)])


def explained_links(
    links: pl.DataFrame, display: pl.DataFrame, prior_weight: float
) -> pl.DataFrame:
    """Return ``LINK_COLUMNS`` for scored links, each with its waterfall as JSON.

    Args:
        links: ``rid_l, rid_r``, ``mw_<comparison>`` and ``mw_tf_adj_<comparison>``
            weights (a neutralised SSN already at 0), ``level_<comparison>`` labels and
            ``ssn_neutralised``.
        display: ``rid``, ``unique_id`` and the record columns ``DISPLAY`` reads.
        prior_weight: log2 of the prior odds.

    Returns:
        ``unique_id_l, unique_id_r, match_weight, match_probability, explanation``.
    """
    prior = round(prior_weight, DECIMALS)
    shown = display.select("rid", "unique_id", *[e.alias(n) for n, e in DISPLAY.items()])
    frame = links.join(
        shown.rename(lambda c: f"{c}_l" if c != "rid" else "rid_l"), on="rid_l", how="left"
    ).join(shown.rename(lambda c: f"{c}_r" if c != "rid" else "rid_r"), on="rid_r", how="left")
    steps: list[pl.Expr] = []
    weight = pl.lit(prior, pl.Float64)
    for name in COMPARISONS:
        level = pl.col(f"level_{name}")
        if name == "ssn":
            level = pl.when(pl.col("ssn_neutralised")).then(pl.lit(NEUTRALISED)).otherwise(level)
        present = pl.col(f"level_{name}") != "MISSING"
        step = pl.col(f"mw_{name}").round(DECIMALS)
        steps.append(pl.when(present).then(_step(name, level, step, name)))
        weight = weight + step
        if name in TF_COMPARISONS:
            tf = pl.col(f"mw_tf_adj_{name}").round(DECIMALS)
            label = pl.lit(TERM_FREQUENCY)
            steps.append(pl.when(tf != 0).then(_step(f"{name} (tf)", label, tf, None)))
            weight = weight + tf
    frame = frame.with_columns(
        pl.lit(prior, pl.Float64).alias("prior_weight"), weight.alias("match_weight")
    )
    probability = (2.0 ** pl.col("match_weight")) / (1.0 + 2.0 ** pl.col("match_weight"))
    frame = frame.with_columns(probability.alias("match_probability"))
    return frame.select(
        pl.col("unique_id_l"),
        pl.col("unique_id_r"),
        "match_weight",
        "match_probability",
        _explanation(steps).alias("explanation"),
    )


def judged_links(pairs: pl.DataFrame, prior_weight: float, weight: float) -> pl.DataFrame:
    """Return links a reviewer's SAME made (no score of their own): one step, the judgement.

    Args:
        pairs: ``unique_id_l, unique_id_r``.
        prior_weight: log2 of the prior odds.
        weight: the match weight such a link is given (that of certainty, for the record).
    """
    prior = round(prior_weight, DECIMALS)
    step = round(weight - prior, DECIMALS)
    total = prior + step
    frame = pairs.with_columns(
        pl.col("unique_id_l").alias("judgement_l"),
        pl.col("unique_id_r").alias("judgement_r"),
        pl.lit(prior, pl.Float64).alias("prior_weight"),
        pl.lit(total, pl.Float64).alias("match_weight"),
        pl.lit(2.0**total / (1.0 + 2.0**total), pl.Float64).alias("match_probability"),
    )
    judged = _step("judgement", pl.lit(JUDGED), pl.lit(step, pl.Float64), "judgement")
    return frame.select(
        "unique_id_l",
        "unique_id_r",
        "match_weight",
        "match_probability",
        _explanation([judged]).alias("explanation"),
    )
