"""Train the engine's Splink model on the records themselves: prior, u, then m by EM.

- the prior (the probability that two random records match) from deterministic rules
  whose pairs are nearly all matches, divided by an assumed recall;
- u by random sampling (seeded); the address's u then again among records of one
  family name (``household_u``): a family shares a home, so two records of one surname
  at one address are far likelier to be two people than two random records at it, and
  weighing the address as if it were independent of the name counts the household
  twice (a father and son of one name, a W-2 and the licence of a namesake at home);
- m by expectation maximisation on ``comparisons.EM_RULES``, each session training the
  comparisons its rule does not use; EM may drive the m of a level no match reaches to
  zero (a weight of minus forty), so m is floored at ``M_FLOOR``.

Parameters are rounded to ``SIGNIFICANT`` digits: DuckDB sums in parallel, and the last
bits of a float sum depend on the order; rounding makes a run repeatable bit for bit.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import duckdb
from splink import Linker, block_on
from splink.internals.database_api import DatabaseAPI

from immigrationos.resolution import comparisons
from immigrationos.resolution.normalize import case_sql

M_FLOOR = 1e-4
EM_MIN_PAIRS = 1_000
SIGNIFICANT = 9
# The comparison whose u is measured among records of one family name, and the sample.
HOUSEHOLD_COMPARISON = "address"
HOUSEHOLD_RECORDS = 200_000
# Two birth dates more than this many days apart are two people (for the sample of u).
APART_DAYS = 400
# A level seen fewer times than this in the sample keeps random sampling's u (too few
# pairs to measure a frequency; FEBRL's independent records have no households).
MIN_LEVEL_PAIRS = 30


@dataclass(frozen=True)
class TrainingOptions:
    """How the model is trained: sampling sizes, seed, the recall assumed of the prior rules."""

    seed: int = 42
    u_max_pairs: float = 5e5
    em_max_pairs: float | None = 5e5
    prior_recall: float = 0.8


def _rounded(value: float) -> float:
    if value <= 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{SIGNIFICANT}g}")


def tidy_model(model: dict[str, Any]) -> dict[str, Any]:
    """Return a trained model with m floored at ``M_FLOOR`` and every parameter rounded."""
    model["probability_two_random_records_match"] = _rounded(
        float(model["probability_two_random_records_match"])
    )
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            if "m_probability" in level:
                level["m_probability"] = _rounded(max(float(level["m_probability"]), M_FLOOR))
            if "u_probability" in level:
                level["u_probability"] = _rounded(float(level["u_probability"]))
    return model


def _pairs(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> int:
    """Return how many record pairs agree on all ``columns`` (none null)."""
    keys = ", ".join(columns)
    present = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    sql = (
        f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM"
        f" (SELECT count(*) AS n FROM {table} WHERE {present} GROUP BY {keys})"
    )
    return int(con.execute(sql).fetchall()[0][0])


def train_model(
    con: duckdb.DuckDBPyConnection,
    db_api: DatabaseAPI[Any],
    table: str,
    options: TrainingOptions | None = None,
) -> dict[str, Any]:
    """Return the trained model (Splink's settings dict) of the records in ``table``.

    Args:
        con: the DuckDB connection holding ``table``.
        db_api: Splink's API over ``con`` (its term-frequency tables serve predict too).
        table: the physical name of the model input (``comparisons.MODEL_COLUMNS``).
        options: sampling sizes and seed.

    Returns:
        A settings dict ready for ``Linker(table, settings=...)``.
    """
    options = options or TrainingOptions()
    # Splink's settings validation only logs warnings, which ERROR level never shows.
    linker = Linker(
        db_api.register(table),
        comparisons.settings(),
        log_level=logging.ERROR,
        validate_settings=False,
    )
    linker.training.estimate_probability_two_random_records_match(
        list(comparisons.PRIOR_RULES), recall=options.prior_recall
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=options.u_max_pairs, seed=options.seed, num_chunks=1
    )
    for columns in comparisons.EM_RULES:
        # A rule few pairs meet (no SSNs in FEBRL) would train on noise: it is skipped.
        if _pairs(con, table, columns) < EM_MIN_PAIRS:
            continue
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns),
            estimate_without_term_frequencies=True,
            max_pairs=options.em_max_pairs,
        )
    model = linker.misc.save_model_to_json()
    household_u(con, table, model, options.seed)
    return tidy_model(model)


def household_u(
    con: duckdb.DuckDBPyConnection, table: str, model: dict[str, Any], seed: int
) -> dict[str, float]:
    """Set the address levels' u to their frequency among two people of one family name.

    The pairs: records of a sample sharing a normalised family name whose birth dates
    are more than ``APART_DAYS`` apart and whose given names differ in spelling and
    sound (two people, not one whose birth date or name was mistyped). A level
    is never made less likely than random sampling made it, nor measured on fewer than
    ``MIN_LEVEL_PAIRS`` pairs. Returns the u set per level
    (empty when the sample holds too few pairs to measure).
    """
    levels, _ = comparisons.COMPARISONS[HOUSEHOLD_COMPARISON]
    case = case_sql(levels)
    columns = ", ".join(
        f"{side}.{c} AS {c}_{suffix}"
        for side, suffix in (("l", "l"), ("r", "r"))
        for c in ("zip5", "city_std", "state_std", "street_std")
    )
    sql = (
        f"WITH s AS (SELECT * FROM {table} WHERE family_std IS NOT NULL AND birth_date IS NOT"
        f" NULL USING SAMPLE reservoir({HOUSEHOLD_RECORDS} ROWS) REPEATABLE ({int(seed)})),"
        f" p AS (SELECT {columns} FROM s l JOIN s r ON l.family_std = r.family_std"
        " AND l.unique_id < r.unique_id"
        f" WHERE abs(date_diff('day', l.birth_date, r.birth_date)) > {APART_DAYS}"
        " AND l.given_std <> r.given_std AND l.given_phon <> r.given_phon)"
        f" SELECT level, count(*) AS n FROM (SELECT {case} AS level FROM p) GROUP BY level"
    )
    counts = dict(con.execute(sql).fetchall())
    compared = sum(n for level, n in counts.items() if level != comparisons.MISSING)
    if compared < EM_MIN_PAIRS:
        return {}
    found: dict[str, float] = {}
    comparison = next(
        c for c in model["comparisons"] if c["output_column_name"] == HOUSEHOLD_COMPARISON
    )
    for level in comparison["comparison_levels"]:
        label = level.get("label_for_charts")
        if level.get("is_null_level") or counts.get(label, 0) < MIN_LEVEL_PAIRS:
            continue
        if "u_probability" not in level:
            continue
        u = max(counts[label] / compared, float(level["u_probability"]))
        level["u_probability"] = found[label] = u
    return found
