"""The lake read by Spark: a source's current records as a Spark DataFrame.

The same partitioned Parquet DuckDB reads (``sources/lake.py``:
``<lake>/<source>/batch=<batch_id>/rows.parquet``) and the same meaning as
``lake.current``: of every record, its highest ``_version``; a record whose highest
version is WITHDRAWN is not current. The ``batch=`` folders are not read as a column
(DuckDB reads them with ``hive_partitioning = false``): each row carries its
``_batch_id`` already. Batches written under different contract versions are merged by
column name, as DuckDB's ``union_by_name`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from immigrationos.sources import lake as lake_files
from immigrationos.sources.contract import SOURCES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_RANK = "_rn"


def versions(spark: SparkSession, lake: Path, source: str) -> DataFrame | None:
    """Return every version of every record of a source (None: no batch in the lake yet)."""
    if source not in SOURCES:
        raise KeyError(f"no source {source!r} in the data contract")
    if lake_files.parquet_glob(lake, source) is None:
        return None
    return (
        spark.read.option("mergeSchema", "true")
        # Recursive lookup reads no partition column from the batch=... folder names.
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "rows.parquet")
        .parquet(str(lake_files.source_dir(lake, source)))
    )


def current(
    spark: SparkSession, lake: Path, source: str, columns: list[str] | None = None
) -> DataFrame:
    """Return a source's current rows: the latest version per record, withdrawn left out.

    Args:
        spark: the session (``spark.session.spark_session``).
        lake: the lake folder.
        source: a contract source.
        columns: the columns wanted (all, provenance included, when None).

    Returns:
        The rows ordered by the source's key, as ``sources.lake.current`` returns them;
        an empty frame of text columns when the source has no batch yet.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    rows = versions(spark, lake, source)
    spec = SOURCES[source]
    if rows is None:
        schema = StructType([StructField(c, StringType()) for c in columns or spec.column_names])
        return spark.createDataFrame([], schema)
    key = spec.key or "record_id"
    latest = Window.partitionBy(key).orderBy(F.col("_version").desc())
    ranked = rows.withColumn(_RANK, F.row_number().over(latest))
    kept = ranked.where((F.col(_RANK) == 1) & (F.col("_change") != "WITHDRAWN")).drop(_RANK)
    return kept.select(*(columns or kept.columns)).orderBy(key)
