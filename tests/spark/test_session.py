"""The process's SparkSession hands the heap a stage freed back to the system.

In local mode Spark's executors are the driver's JVM: the heap that cached the blocked
pairs of a resolution stays committed, resident, after they are uncached, until a full
collection. ``release_heap`` forces one, so that DuckDB's clustering on the Python side
has that memory (at 10M records, gigabytes).
"""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from immigrationos.spark.session import release_heap

pytestmark = pytest.mark.xdist_group("spark")

ROWS = 8_000_000


def test_release_heap_returns_the_heap_of_uncached_tables(spark: SparkSession) -> None:
    runtime = spark.sparkContext._jvm.java.lang.Runtime.getRuntime()  # type: ignore[union-attr]
    frame = spark.range(ROWS).selectExpr("id", "id * 2 AS b", "CAST(id AS STRING) AS c")
    frame.cache().count()
    frame.unpersist(blocking=True)
    held = runtime.totalMemory()
    left = release_heap(spark)
    assert left == runtime.totalMemory()
    # The cached rows took well over 100 MB of heap; a full collection gives most back.
    assert held - left > 100 * 2**20, (held, left)
