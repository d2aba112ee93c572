"""Plain Splink: the baseline of issue 4, configured like Splink's own demos and nothing more.

The issue fixes it: one common schema (names, birth date, sex, SSN/TIN, A-number,
passport, ZIP); ``NameComparison`` on given and family names; ``DateOfBirthComparison``;
Damerau-Levenshtein <= 1 on SSN/TIN and A-number; exact passport and ZIP with term
frequencies; blocking on the name pair, SSN/TIN, A-number, passport, birth date with
family initial, and ZIP with family name; u by random sampling; EM on two blocking
rules; connected components at 0.99 and 0.9. The one step it takes from the demos
besides (they all do it) is estimating the prior, the probability that two random
records match, from deterministic rules with an assumed recall.

Values go in raw (no normalization): that is what "plain" means. ``tin`` is the SSN,
or the ITIN when there is no SSN. DuckDB, in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import polars as pl
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

BASELINE_COLUMNS = (
    "unique_id",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "tin",
    "a_number",
    "passport",
    "zip",
)


@dataclass
class BaselineRun:
    """What one plain-Splink run produced: clusters per threshold and the scored links."""

    clusters: dict[float, pl.DataFrame]
    links: pl.DataFrame
    prior: float


def baseline_input(frame: pl.DataFrame) -> pl.DataFrame:
    """Return the baseline's schema from a record frame: ``BASELINE_COLUMNS``, ``tin`` = SSN or ITIN."""
    return frame.select(
        "unique_id",
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        pl.coalesce("ssn", "itin").alias("tin"),
        "a_number",
        "passport",
        "zip",
    )


def baseline_settings() -> SettingsCreator:
    """Return the plain-Splink model: comparisons and prediction blocking rules of the issue."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.DamerauLevenshteinAtThresholds("tin", 1),
            cl.DamerauLevenshteinAtThresholds("a_number", 1),
            cl.ExactMatch("passport").configure(term_frequency_adjustments=True),
            cl.ExactMatch("zip").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "family_name"),
            block_on("tin"),
            block_on("a_number"),
            block_on("passport"),
            block_on("birth_date", "substr(family_name, 1, 1)"),
            block_on("zip", "family_name"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def run_plain_splink(
    frame: pl.DataFrame,
    thresholds: Sequence[float] = (0.99, 0.9),
    seed: int = 42,
    *,
    max_pairs: float = 1e7,
    prior_recall: float = 0.7,
    threads: int | None = None,
) -> BaselineRun:
    """Train and run plain Splink on a record frame; return clusters per threshold and links.

    Args:
        frame: a record frame (``resolution.frame.RECORD_SCHEMA``).
        thresholds: match probabilities at which connected components are taken.
        seed: seed of u's random sampling (the run is otherwise deterministic).
        max_pairs: pairs sampled to estimate u.
        prior_recall: recall assumed of the deterministic rules that estimate the prior.
        threads: DuckDB threads (DuckDB's default, all cores, when None).

    Returns:
        ``clusters[t]`` = ``unique_id, cluster_id`` for each threshold ``t``; ``links``
        = every scored pair at or above the lowest threshold (``unique_id_l,
        unique_id_r, match_weight, match_probability`` and the ``gamma_*`` levels).
    """
    if not thresholds:
        raise ValueError("give at least one threshold")
    con = duckdb.connect()
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    try:
        data = baseline_input(frame).to_arrow()
        con.register("baseline_arrow", data)
        con.execute("CREATE TABLE baseline_input AS SELECT * FROM baseline_arrow")
        con.unregister("baseline_arrow")
        del data
        db_api = DuckDBAPI(connection=con)
        table = db_api.register("baseline_input")
        linker = Linker(table, baseline_settings(), log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("given_name", "family_name", "birth_date"),
                block_on("tin", "birth_date"),
                block_on("a_number", "birth_date"),
            ],
            recall=prior_recall,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("given_name", "family_name")
        )
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
        prior = float(linker._settings_obj._probability_two_random_records_match)
        predictions = linker.inference.predict(
            threshold_match_probability=min(thresholds), warning_mode="never"
        )
        keep = [
            c.unquote().name
            for c in predictions.columns
            if c.unquote().name
            in ("unique_id_l", "unique_id_r", "match_weight", "match_probability")
            or c.unquote().name.startswith("gamma_")
        ]
        links = pl.from_arrow(
            con.sql(f"SELECT {', '.join(keep)} FROM {predictions.physical_name}").arrow()
        )
        assert isinstance(links, pl.DataFrame)
        clusters: dict[float, pl.DataFrame] = {}
        for threshold in thresholds:
            clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold
            )
            found = pl.from_arrow(
                con.sql(f"SELECT unique_id, cluster_id FROM {clustered.physical_name}").arrow()
            )
            assert isinstance(found, pl.DataFrame)
            clusters[threshold] = found
            clustered.drop_table_from_database_and_remove_from_cache()
        return BaselineRun(clusters=clusters, links=links, prior=prior)
    finally:
        con.close()


def plain_splink(
    frame: pl.DataFrame, thresholds: Sequence[float] = (0.99, 0.9), seed: int = 42
) -> dict[float, pl.DataFrame]:
    """Return plain Splink's clusters (``unique_id, cluster_id``) of a record frame per threshold."""
    return run_plain_splink(frame, thresholds, seed).clusters
