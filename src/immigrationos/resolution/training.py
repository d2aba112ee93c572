"""Train the engine's Splink model on the records themselves: prior, u, then m by EM.

- the prior (the probability that two random records match) from deterministic rules
  whose pairs are nearly all matches, divided by an assumed recall;
- u by random sampling. A level no sampled pair reached (two random records with one
  A-number, or with given and family names swapped) gets the rule-of-three bound
  ``UNSEEN_BOUND / n`` over the sample's n pairs where the comparison is not null
  (``unseen_u``; a level EM finds no m for either keeps Splink's defaults for both):
  Splink saves no u for an unobserved level, and a model read back
  gave such a level Splink's generic default instead, a weight that had nothing to do
  with the data (an exact A-number 10.1, a name swap -0.6, against 15.8 for an SSN);
- the address's u then again among records of one
  family name (``household_u``): a family shares a home, so two records of one surname
  at one address are far likelier to be two people than two random records at it, and
  weighing the address as if it were independent of the name counts the household
  twice (a father and son of one name, a W-2 and the licence of a namesake at home);
- m by expectation maximisation on ``comparisons.EM_RULES``, each session training the
  comparisons its rule does not use; EM may drive the m of a level no match reaches to
  zero (a weight of minus forty), so m is floored at ``M_FLOOR``.

Parameters are rounded to ``SIGNIFICANT`` digits: DuckDB sums in parallel, and the last
bits of a float sum depend on the order; rounding makes a run repeatable bit for bit.

The samples (the records whose every pair gives u, and the records whose blocked pairs
train each EM session) are drawn here, on DuckDB, by a hash of the record id and the seed
(``sample_table``), and handed to the training engine whole: Splink's own samplers hash
the id with the engine's hash function, so DuckDB and Spark drew different records and
trained slightly different models from the same data (a few links near the threshold
went either way; docs/scaling.md). With the samples drawn once, either engine trains the
same model up to the rounding above.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
from splink import Linker, SettingsCreator, block_on
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
# A level none of n sampled pairs reached is rarer than this over n, with 95 % confidence
# (the rule of three): the bound, not zero, so that it is evidence, never proof.
UNSEEN_BOUND = 3.0
# The training samples' tables (in DuckDB, and under the same names in the engine), and
# the resolution of the hash that draws them.
SAMPLE_PREFIX = "engine_train_"
SAMPLE_MODULUS = 1_000_000_000


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


def sample_table(
    con: duckdb.DuckDBPyConnection, table: str, name: str, proportion: float, salt: str
) -> str:
    """Create ``SAMPLE_PREFIX + name`` in ``con``: about ``proportion`` of ``table``'s records.

    A record is in the sample when the hash of its ``unique_id`` and ``salt`` falls
    below ``proportion`` of ``SAMPLE_MODULUS``: the same records on every run, whatever
    engine trains on them. Returns the table's name.
    """
    threshold = max(1, round(min(proportion, 1.0) * SAMPLE_MODULUS))
    sample = f"{SAMPLE_PREFIX}{name}"
    con.execute(
        f"CREATE OR REPLACE TABLE {sample} AS SELECT * FROM {table}"
        f" WHERE hash(CAST(unique_id AS VARCHAR) || ':{salt}') % {SAMPLE_MODULUS} < {threshold}"
    )
    return sample


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _linker(
    db_api: DatabaseAPI[Any], table: str, settings: dict[str, Any] | SettingsCreator
) -> Linker:
    # Splink's settings validation only logs warnings, which ERROR level never shows.
    return Linker(
        db_api.register(table), settings, log_level=logging.ERROR, validate_settings=False
    )


def train_model(
    con: duckdb.DuckDBPyConnection,
    db_api: DatabaseAPI[Any],
    table: str,
    options: TrainingOptions | None = None,
    publish: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Return the trained model (Splink's settings dict) of the records in ``table``.

    Args:
        con: the DuckDB connection holding ``table``.
        db_api: Splink's API over the engine that trains (``table`` is one of its tables
            too).
        table: the physical name of the model input (``comparisons.MODEL_COLUMNS``).
        options: sampling sizes and seed.
        publish: makes a table of ``con`` (a training sample) a table of ``db_api``'s
            engine under the same name; None when that engine is ``con`` itself.

    Returns:
        A settings dict ready for ``Linker(table, settings=...)``.
    """
    options = options or TrainingOptions()
    samples: list[str] = []

    def drawn(name: str, proportion: float, salt: str) -> str:
        sample = sample_table(con, table, name, proportion, f"{salt}:{options.seed}")
        samples.append(sample)
        if publish is not None:
            publish(sample)
        return sample

    try:
        linker = _linker(db_api, table, comparisons.settings())
        linker.training.estimate_probability_two_random_records_match(
            list(comparisons.PRIOR_RULES), recall=options.prior_recall
        )
        model = linker.misc.save_model_to_json()
        # u: every pair of a sample of about the records that make ``u_max_pairs`` pairs.
        records = _count(con, table)
        wanted = 0.5 * ((8 * options.u_max_pairs + 1) ** 0.5 + 1)
        sample = drawn("u", wanted / max(records, 1), "u")
        size = _count(con, sample)
        linker = _linker(db_api, sample, model)
        # With ``max_pairs`` above the sample's pairs, Splink compares them all.
        linker.training.estimate_u_using_random_sampling(
            max_pairs=float(size * size + 1), num_chunks=1
        )
        model = linker.misc.save_model_to_json()
        bounded = unseen_u(con, sample, model)  # before EM, which weighs pairs with them
        for number, columns in enumerate(comparisons.EM_RULES):
            pairs = _pairs(con, table, columns)
            # A rule few pairs meet (no SSNs in FEBRL) would train on noise: it is skipped.
            if pairs < EM_MIN_PAIRS:
                continue
            source = table
            if options.em_max_pairs is not None and pairs > options.em_max_pairs:
                # A record sample keeps about p² of the pairs a rule blocks.
                proportion = math.sqrt(options.em_max_pairs / pairs)
                source = drawn(f"em{number}", proportion, "em")
            linker = _linker(db_api, source, model)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True
            )
            model = linker.misc.save_model_to_json()
    finally:
        for sample in samples:
            con.execute(f"DROP TABLE IF EXISTS {sample}")
    _unbound_untrained(model, bounded)
    household_u(con, table, model, options.seed)
    return tidy_model(model)


def _unbound_untrained(model: dict[str, Any], bounded: dict[tuple[str, str], float]) -> None:
    """Take the bound off a level EM left without an m too (no match reached it either).

    A weight is m over u: a bound u under Splink's generic default m would be a weight
    made up of half a guess. Such a level keeps both defaults, as before ``unseen_u``.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            key = (comparison["output_column_name"], str(level.get("label_for_charts")))
            if key in bounded and "m_probability" not in level:
                level.pop("u_probability", None)


def unseen_u(
    con: duckdb.DuckDBPyConnection, sample: str, model: dict[str, Any]
) -> dict[tuple[str, str], float]:
    """Give each level that no pair of the u sample reached a u of ``UNSEEN_BOUND / n``.

    ``n`` is the number of the sample's pairs where the level's comparison is not null
    (Splink's u is a share of those). Levels with a u, fixed levels and null levels are
    left alone, as is a comparison fewer than ``EM_MIN_PAIRS`` pairs of the sample have
    on both sides (FEBRL has no A-numbers). Returns the
    u set per (comparison, level).
    """
    columns = [str(row[0]) for row in con.execute(f"DESCRIBE {sample}").fetchall()]
    sides = ", ".join(f"{side}.{c} AS {c}_{side}" for side in ("l", "r") for c in columns)
    pairs = f"SELECT {sides} FROM {sample} l JOIN {sample} r ON l.unique_id < r.unique_id"
    found: dict[tuple[str, str], float] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        unseen = [
            level
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level")
            and "u_probability" not in level
            and not level.get("fix_u_probability")
        ]
        if not unseen or name not in comparisons.COMPARISONS:
            continue
        levels, _ = comparisons.COMPARISONS[name]
        counts = dict(
            con.execute(
                f"SELECT {case_sql(levels)} AS level, count(*) FROM ({pairs}) GROUP BY level"
            ).fetchall()
        )
        compared = sum(n for level, n in counts.items() if level != comparisons.MISSING)
        if compared < EM_MIN_PAIRS:  # too few pairs to bound anything
            continue
        for level in unseen:
            label = str(level.get("label_for_charts"))
            if counts.get(label, 0) == 0:
                level["u_probability"] = found[(name, label)] = UNSEEN_BOUND / compared
    return found


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
