"""The Spark backend: Splink 5's SparkAPI trains and scores, the engine's post-processing follows.

``IMOS_ENGINE=spark`` (or ``IMOS_RESOLUTION_BACKEND=splink-spark``) chooses it. The work
that grows with the candidate pairs runs on Spark (``spark.session.spark_session``, local
mode by default, ``IMOS_SPARK_MASTER`` for a cluster), with the very Splink settings of
the DuckDB backend (``comparisons.settings``, each level's SQL written in Spark's dialect
by ``comparisons.dialect_sql``):

- training: the prior, u by random sampling and m by EM (``training.train_model`` with
  Splink's SparkAPI). The samples are drawn on DuckDB by a hash of the record id, as the
  DuckDB backend draws them, and copied to Spark; the pair counts that pick the EM rules
  and the household u, a sample of at most ``training.HOUSEHOLD_RECORDS`` records, are
  small and run on DuckDB;
- blocking: ``splink_backend.blocking_sql`` in Spark's SQL;
- scoring: Splink's predict over those pairs, at or above the threshold.

The scored pairs (those above the threshold: a small part of the candidates) come back
into the DuckDB ``engine_predict`` table (as Parquet files the executors write in the
checkpoint folder, when DuckDB can read it; else as Arrow through the driver), and from
there the run is the DuckDB backend's own: shared SSNs, ambiguity, constrained
clustering, explanations (``splink_backend.SplinkBackend``). The model is returned in
DuckDB's SQL, as the DuckDB backend returns it, so either engine scores a batch with a
model the other trained.

Equal results: with one given ``model`` both engines compute the same levels and weights
(the link probabilities agree to 1e-6, tested). Trained apart, they train on the same
samples (``training.sample_table``), so their models differ only in the last bits of EM's
float sums, which ``training.tidy_model`` rounds away; tested: the parameters agree to
1e-6, and the pairwise F1 between the two clusterings is at least 0.995.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from splink import SparkAPI

from immigrationos.resolution import comparisons
from immigrationos.resolution.splink_backend import (
    BLOCKED_TABLE,
    INPUT_TABLE,
    NEW_TABLE,
    PREDICT_COLUMNS,
    SplinkBackend,
    blocking_sql,
    predict_blocked,
)
from immigrationos.resolution.training import SAMPLE_PREFIX, train_model
from immigrationos.spark.session import release_heap, spark_session

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPARK_DIALECT = "spark"
# Splink writes its intermediate tables as parquet under the session's checkpoint folder
# and reads them back: that cuts each table's logical plan. With ``persist`` the cached
# data is reused but every later query is still planned over the whole lineage (the
# comparisons' large CASE expressions), and planning dominated: one EM iteration took
# minutes on a 100,000-person world, and a 1,000-person world resolved in 787 s against
# 148 s with parquet (docs/benchmarks.md). A run deletes the files it wrote when it ends.
BREAK_LINEAGE = "parquet"
SPLINK_PREFIX = "__splink__"


@dataclass
class SplinkSparkBackend(SplinkBackend):
    """Splink 5 on Spark for training and scoring; see the module docstring."""

    name: str = "splink-spark"
    master: str | None = None

    def _api(self, con: duckdb.DuckDBPyConnection, *, restricted: bool) -> SparkAPI:
        """Return Splink's SparkAPI with the run's records as Spark views.

        ``INPUT_TABLE`` (and ``NEW_TABLE`` when ``restricted``) are copied from DuckDB
        once per run, under the same names, cached.
        """
        spark = spark_session(self.master)
        for table in (INPUT_TABLE, NEW_TABLE) if restricted else (INPUT_TABLE,):
            _copy(con, spark, table)
        return SparkAPI(spark_session=spark, break_lineage_method=BREAK_LINEAGE)

    def _train(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        """Return the model trained by Splink on Spark, in DuckDB's SQL (as stored)."""
        before = _checkpoint_entries(spark_session(self.master))
        api = self._api(con, restricted=False)
        try:
            model = train_model(
                con, api, INPUT_TABLE, self.training, lambda table: _copy(con, api.spark, table)
            )
        finally:
            _drop_spark_tables(api.spark, (INPUT_TABLE,))
            _delete_checkpoints(api.spark, before)
            release_heap(api.spark)
        return comparisons.model_in_dialect(model, "duckdb")

    def _predict(
        self,
        con: duckdb.DuckDBPyConnection,
        model: dict[str, Any],
        threshold: float,
        clock: dict[str, float],
        *,
        restricted: bool,
    ) -> int:
        """Create ``engine_predict`` in DuckDB from the pairs Splink scored on Spark."""
        mark = time.perf_counter()
        before = _checkpoint_entries(spark_session(self.master))
        api = self._api(con, restricted=restricted)
        views = (INPUT_TABLE, NEW_TABLE, BLOCKED_TABLE)
        try:
            blocked = api.spark.sql(blocking_sql(SPARK_DIALECT, restricted))
            blocked.cache().createOrReplaceTempView(BLOCKED_TABLE)
            candidates = blocked.count()
            clock["block"] = time.perf_counter() - mark
            mark = time.perf_counter()
            predictions = predict_blocked(api, model, threshold)
            scored = api.spark.sql(f"SELECT {PREDICT_COLUMNS} FROM {predictions.physical_name}")
            _scored_into_duckdb(con, api.spark, scored)
        finally:
            _drop_spark_tables(api.spark, views)
            _delete_checkpoints(api.spark, before)
            # The blocked pairs' cache and scoring's heap, freed for the clustering to come.
            release_heap(api.spark)
        clock["predict"] = time.perf_counter() - mark
        return int(candidates)


def _scored_into_duckdb(
    con: duckdb.DuckDBPyConnection, spark: SparkSession, scored: DataFrame
) -> None:
    """Create DuckDB's ``engine_predict`` from Spark's scored pairs.

    When the checkpoint folder is on this machine's file system (local mode, or a driver
    sharing it), the executors write the pairs there as Parquet and DuckDB reads the
    files: nothing is collected through the driver's JVM, whose results are capped by
    ``spark.driver.maxResultSize`` (1 GiB by default; the pairs of 3M records pass it).
    Otherwise (HDFS, an object store) they come back as Arrow.
    """
    folder = _local_checkpoint_folder(spark)
    if folder is not None:
        # Named as Splink's tables are, so that the run's cleanup deletes it with them.
        out = folder / f"{SPLINK_PREFIX}engine_predict_{uuid.uuid4().hex}"
        scored.write.parquet(out.as_uri())
        files = sorted(str(f) for f in out.glob("*.parquet"))
        if files:
            con.execute("CREATE TABLE engine_predict AS SELECT * FROM read_parquet(?)", [files])
            return
    con.register("engine_predict_arrow", scored.toArrow())
    try:
        con.execute("CREATE TABLE engine_predict AS SELECT * FROM engine_predict_arrow")
    finally:
        con.unregister("engine_predict_arrow")


def _local_checkpoint_folder(spark: SparkSession) -> Path | None:
    """Return the checkpoint folder when it is on the local file system, else None."""
    found = _checkpoint_folder(spark)
    if found is None:
        return None
    uri = found[1].toUri()
    if uri.getScheme() not in (None, "file"):
        return None
    return Path(uri.getPath())


def _copy(con: duckdb.DuckDBPyConnection, spark: SparkSession, table: str) -> None:
    """Make DuckDB's ``table`` a cached Spark view of the same name.

    When the checkpoint folder is on this machine's file system, DuckDB writes the table
    there as Parquet and Spark reads it: the records never pass through this process as
    Arrow, nor through the driver's JVM (at 10M records, gigabytes each). The files are
    deleted with Splink's tables when the run ends. Otherwise they go as Arrow.
    """
    folder = _local_checkpoint_folder(spark)
    if folder is None:
        records = spark.createDataFrame(con.sql(f"SELECT * FROM {table}").to_arrow_table())
    else:
        out = folder / f"{SPLINK_PREFIX}copy_{table}_{uuid.uuid4().hex}"
        out.mkdir(parents=True)
        con.execute(f"COPY {table} TO '{out / 'records.parquet'}' (FORMAT parquet)")
        records = spark.read.parquet(out.as_uri())
    records.cache().createOrReplaceTempView(table)


def _drop_spark_tables(spark: SparkSession, views: tuple[str, ...]) -> None:
    """Drop the run's views, its training samples and every table Splink cached."""
    names = [t.name for t in spark.catalog.listTables() if t.isTemporary]
    for name in names:
        if name in views or name.startswith((SPLINK_PREFIX, SAMPLE_PREFIX)):
            spark.catalog.uncacheTable(name)
            spark.catalog.dropTempView(name)


def _checkpoint_folder(spark: SparkSession) -> tuple[Any, Any] | None:
    """Return the checkpoint folder as (Hadoop file system, path), or None when unset."""
    context = spark.sparkContext._jsc.sc()
    folder = context.getCheckpointDir()
    if folder.isEmpty():
        return None
    path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(folder.get())  # type: ignore[union-attr]
    return path.getFileSystem(context.hadoopConfiguration()), path


def _checkpoint_entries(spark: SparkSession) -> set[str]:
    """Return the names of the tables Splink has written under the checkpoint folder."""
    found = _checkpoint_folder(spark)
    if found is None:
        return set()
    fs, path = found
    if not fs.exists(path):
        return set()
    names = {status.getPath().getName() for status in fs.listStatus(path)}
    return {name for name in names if name.startswith(SPLINK_PREFIX)}


def _delete_checkpoints(spark: SparkSession, before: set[str]) -> None:
    """Delete the tables Splink wrote under the checkpoint folder since ``before``.

    Works on whatever file system the folder is on (local, HDFS, an object store), through
    Hadoop's own file system API, as Spark wrote them.
    """
    found = _checkpoint_folder(spark)
    if found is None:
        return
    fs, path = found
    for name in _checkpoint_entries(spark) - before:
        fs.delete(spark.sparkContext._jvm.org.apache.hadoop.fs.Path(path, name), True)  # type: ignore[union-attr]
