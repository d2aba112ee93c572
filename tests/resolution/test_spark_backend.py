"""The Spark backend (Splink on Spark, local mode) agrees with the DuckDB backend.

One small world is resolved on DuckDB, and on Spark with the DuckDB run's model: with one
model the two engines must give the same link probabilities (to 1e-6) and the same
clusters; constraints, a new batch and explanations are checked on Spark with that model
too. Last, the world is resolved on Spark training its own model: trained apart on the
same samples (drawn on DuckDB by a hash of the record id), the two models' parameters must
agree to 1e-6 and the clusterings to a pairwise F1 of 0.995, the issue's floor. One
SparkSession serves the module (``local[2]``), in one xdist worker with the other Spark
tests.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pyspark.sql import SparkSession

from immigrationos import config
from immigrationos.resolution import metrics
from immigrationos.resolution.backend import BACKENDS, Constraints, get_backend
from immigrationos.resolution.engine import resolve_frame
from immigrationos.resolution.result import CLUSTER_COLUMNS, LINK_COLUMNS, ResolutionResult
from world_cache import shared_world

from .test_engine import world_frame

pytestmark = pytest.mark.xdist_group("spark")

PERSONS, SEED, AS_OF = 300, 7, dt.date(2026, 11, 1)
# Trained apart on the same samples: the floor, and EM's float sums in another order.
TRAINED_APART_F1 = 0.995
TRAINED_APART_PARAMETER = 1e-6
# Scored with one model: the same levels and weights, up to float sums.
SAME_MODEL_PROBABILITY = 1e-6


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The small world's person records and its truth (``unique_id, person_id``)."""
    folder, _ = shared_world(tmp_path_factory, persons=PERSONS, seed=SEED, as_of=AS_OF)
    truth, _ = metrics.read_truth(folder)
    return world_frame(folder), truth


@pytest.fixture(scope="module")
def on_duckdb(world: tuple[pl.DataFrame, pl.DataFrame]) -> ResolutionResult:
    return resolve_frame(world[0], backend="splink-duckdb")


@pytest.fixture(scope="module")
def on_spark(world: tuple[pl.DataFrame, pl.DataFrame], spark: SparkSession) -> ResolutionResult:
    """The world resolved on Spark, the model trained there too."""
    return resolve_frame(world[0], backend="splink-spark")


@pytest.fixture(scope="module")
def on_spark_same_model(
    world: tuple[pl.DataFrame, pl.DataFrame], spark: SparkSession, on_duckdb: ResolutionResult
) -> ResolutionResult:
    return resolve_frame(world[0], backend="splink-spark", model=on_duckdb.model)


def _probabilities(result: ResolutionResult) -> dict[tuple[str, str], float]:
    rows = result.links.select("unique_id_l", "unique_id_r", "match_probability").iter_rows()
    return {(a, b): p for a, b, p in rows}


# -- choosing the backend -------------------------------------------------------------


def test_engine_spark_chooses_splink_spark_unless_a_backend_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "splink-spark" in BACKENDS
    chosen = config.Settings(engine="spark")
    monkeypatch.setattr(config, "get_settings", lambda: chosen)
    assert get_backend().name == "splink-spark"
    named = config.Settings(engine="spark", resolution_backend="splink-duckdb")
    monkeypatch.setattr(config, "get_settings", lambda: named)
    assert get_backend().name == "splink-duckdb"
    default = config.Settings(engine="duckdb")
    monkeypatch.setattr(config, "get_settings", lambda: default)
    assert get_backend().name == "splink-duckdb"


def test_clustering_agreement_is_pairwise_f1_of_one_clustering_against_the_other() -> None:
    a = pl.DataFrame({"unique_id": ["1", "2", "3", "4"], "cluster_id": ["x", "x", "x", "y"]})
    b = pl.DataFrame({"unique_id": ["1", "2", "3", "4"], "cluster_id": ["p", "p", "q", "q"]})
    # a's pairs: 1-2, 1-3, 2-3; b's: 1-2, 3-4; in common 1-2: P 1/3, R 1/2, F1 0.4.
    scores = metrics.clustering_agreement(a, b)
    assert (scores.precision, scores.recall) == (pytest.approx(1 / 3), 0.5)
    assert scores.f1 == pytest.approx(0.4)
    assert metrics.clustering_agreement(b, a).f1 == pytest.approx(0.4)
    assert metrics.clustering_agreement(a, a).f1 == 1.0


# -- agreement with DuckDB ------------------------------------------------------------


def test_with_one_model_the_link_probabilities_agree(
    on_duckdb: ResolutionResult, on_spark_same_model: ResolutionResult
) -> None:
    duck, spark = _probabilities(on_duckdb), _probabilities(on_spark_same_model)
    assert len(duck) > 100
    assert set(duck) == set(spark)
    worst = max(abs(duck[pair] - spark[pair]) for pair in duck)
    assert worst <= SAME_MODEL_PROBABILITY
    assert on_spark_same_model.stats["scored_pairs"] == on_duckdb.stats["scored_pairs"]
    agreement = metrics.clustering_agreement(on_spark_same_model.clusters, on_duckdb.clusters)
    assert agreement.f1 == 1.0


def test_a_new_batch_is_linked_alike(
    world: tuple[pl.DataFrame, pl.DataFrame],
    on_duckdb: ResolutionResult,
    spark: SparkSession,
) -> None:
    frame = world[0]
    new_ids = frame.get_column("unique_id").sort().gather_every(7).to_list()
    runs = [
        resolve_frame(frame, backend=name, model=on_duckdb.model, new_ids=new_ids)
        for name in ("splink-duckdb", "splink-spark")
    ]
    duck, spark_links = (_probabilities(r) for r in runs)
    assert duck and set(duck) == set(spark_links)
    assert all(a in new_ids or b in new_ids for a, b in spark_links)
    assert max(abs(duck[p] - spark_links[p]) for p in duck) <= SAME_MODEL_PROBABILITY
    assert runs[1].stats["scored_pairs"] == runs[0].stats["scored_pairs"]
    assert runs[1].stats["scored_pairs"] < on_duckdb.stats["scored_pairs"]


# -- constraints and explanations on Spark --------------------------------------------


def test_reviewers_judgements_are_honoured_on_spark(
    world: tuple[pl.DataFrame, pl.DataFrame],
    on_duckdb: ResolutionResult,
    spark: SparkSession,
) -> None:
    frame, clusters = world[0], on_duckdb.clusters
    cluster_of = dict(clusters.iter_rows())
    linked = on_duckdb.links.row(0, named=True)
    apart = (linked["unique_id_l"], linked["unique_id_r"])
    singles = clusters.filter(pl.col("cluster_id").count().over("cluster_id") == 1)
    together = tuple(singles.get_column("unique_id").head(2).to_list())
    assert len(together) == 2 and cluster_of[together[0]] != cluster_of[together[1]]
    result = resolve_frame(
        frame,
        backend="splink-spark",
        model=on_duckdb.model,
        constraints=Constraints.of(must_link=[together], cannot_link=[apart]),
    )
    after = dict(result.clusters.iter_rows())
    assert after[apart[0]] != after[apart[1]]
    assert after[together[0]] == after[together[1]]


def test_explanations_add_up_to_the_match_weight_on_spark(
    on_spark_same_model: ResolutionResult,
) -> None:
    assert on_spark_same_model.links.height > 100
    for row in on_spark_same_model.links.iter_rows(named=True):
        explanation = json.loads(row["explanation"])
        total = explanation["prior_weight"] + sum(s["weight"] for s in explanation["steps"])
        assert total == pytest.approx(row["match_weight"], abs=1e-6)
        assert explanation["match_weight"] == pytest.approx(row["match_weight"], abs=1e-9)
        w = row["match_weight"]
        assert row["match_probability"] == pytest.approx(2**w / (1 + 2**w), abs=1e-9)
        assert not math.isnan(w)


# -- no Java --------------------------------------------------------------------------


def test_without_java_the_spark_backend_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "no-java"
    empty.mkdir()
    code = (
        "import polars as pl\n"
        "from immigrationos.resolution.engine import resolve_frame\n"
        "from immigrationos.resolution.frame import RECORD_SCHEMA\n"
        "from immigrationos.spark.session import SparkUnavailableError\n"
        "try:\n"
        "    resolve_frame(pl.DataFrame(schema=RECORD_SCHEMA), backend='splink-spark')\n"
        "except SparkUnavailableError as err:\n"
        "    print('UNAVAILABLE:', err)\n"
    )
    env = {**os.environ, "JAVA_HOME": str(empty), "PATH": str(empty)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "UNAVAILABLE:" in done.stdout
    assert "Java runtime" in done.stdout and "JAVA_HOME" in done.stdout


# -- trained apart (the slow part: Splink's EM on Spark) -------------------------------


# Splink's EM on Spark: minutes on a loaded machine (12 of the module's 21 at load 15).
@pytest.mark.slow
def test_trained_apart_the_engines_cluster_alike(
    world: tuple[pl.DataFrame, pl.DataFrame],
    on_duckdb: ResolutionResult,
    on_spark: ResolutionResult,
) -> None:
    frame, truth = world
    assert on_spark.backend == "splink-spark"
    assert on_spark.clusters.columns == list(CLUSTER_COLUMNS)
    assert on_spark.links.columns == list(LINK_COLUMNS)
    assert on_spark.clusters.height == frame.height
    spark_parameters = _parameters(on_spark.model)
    duckdb_parameters = _parameters(on_duckdb.model)
    assert spark_parameters.keys() == duckdb_parameters.keys()
    differ = {
        key: (value, duckdb_parameters[key])
        for key, value in spark_parameters.items()
        if not math.isclose(value, duckdb_parameters[key], rel_tol=TRAINED_APART_PARAMETER)
    }
    assert not differ
    agreement = metrics.clustering_agreement(on_spark.clusters, on_duckdb.clusters)
    assert agreement.f1 >= TRAINED_APART_F1
    # Not agreement by linking nothing: both find the world's persons.
    assert metrics.pairwise_scores(on_spark.clusters, truth).f1 > 0.95
    # The model comes back in DuckDB's SQL, so the DuckDB backend can score with it.
    again = resolve_frame(frame, backend="splink-duckdb", model=on_spark.model)
    assert metrics.clustering_agreement(again.clusters, on_spark.clusters).f1 == 1.0


def _parameters(model: dict[str, Any] | None) -> dict[str, float]:
    """Return the model's prior and every level's m and u, by comparison and level."""
    assert model is not None
    found = {"prior": float(model["probability_two_random_records_match"])}
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if key in level:
                    label = f"{comparison['output_column_name']}/{level['label_for_charts']}"
                    found[f"{label}/{key}"] = float(level[key])
    return found


def test_a_spark_run_deletes_the_tables_splink_wrote(
    on_spark_same_model: ResolutionResult, spark: SparkSession
) -> None:
    """Splink's intermediate tables go to parquet under the checkpoint folder, then away."""
    folder = spark.sparkContext._jsc.sc().getCheckpointDir().get()  # type: ignore[union-attr]
    local = Path(str(folder).removeprefix("file:"))
    assert local.is_dir()
    assert on_spark_same_model.stats["scored_pairs"] > 0
    assert not [p.name for p in local.iterdir() if p.name.startswith("__splink__")]


def test_scored_pairs_come_back_alike_as_parquet_files_and_as_arrow(
    spark: SparkSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pairs written as Parquet by the executors are the pairs Arrow brings back.

    Parquet is the way in local mode: the driver collects nothing, so a result past
    ``spark.driver.maxResultSize`` (1 GiB by default, passed by 3M records) does no harm.
    """
    import duckdb

    from immigrationos.resolution import splink_spark

    rows = [(f"r{n}", f"r{n + 1}", n / 7, n % 4, None if n % 5 else 0.25) for n in range(500)]
    scored = spark.createDataFrame(
        rows, "rid_l string, rid_r string, match_weight double, gamma_name int, bf double"
    )
    folder = splink_spark._local_checkpoint_folder(spark)
    assert folder is not None
    before = splink_spark._checkpoint_entries(spark)
    as_files = duckdb.connect()
    splink_spark._scored_into_duckdb(as_files, spark, scored)
    written = splink_spark._checkpoint_entries(spark) - before
    assert len(written) == 1 and list((folder / written.pop()).glob("*.parquet"))
    monkeypatch.setattr(splink_spark, "_local_checkpoint_folder", lambda _spark: None)
    as_arrow = duckdb.connect()
    splink_spark._scored_into_duckdb(as_arrow, spark, scored)
    query = "SELECT * FROM engine_predict ORDER BY rid_l"
    assert as_files.sql(query).fetchall() == as_arrow.sql(query).fetchall()
    assert len(as_files.sql(query).fetchall()) == 500
    assert as_files.sql("DESCRIBE engine_predict").fetchall() == (
        as_arrow.sql("DESCRIBE engine_predict").fetchall()
    )
    splink_spark._delete_checkpoints(spark, before)
    assert splink_spark._checkpoint_entries(spark) == before
