"""One SparkSession per process, configured for the platform's batch stages.

``IMOS_ENGINE=spark`` sends resolution's scoring and targeting's batch stage to Spark;
``IMOS_SPARK_MASTER`` names the cluster (``local[*]`` by default: every core of this
machine, for tests and a single node). Splink's similarity functions (Jaro-Winkler and
the others, shipped as a JAR with Splink) are registered on the session, and Spark's UI is
off. Spark needs a Java runtime (17 or later): :func:`spark_session` says so in words when
there is none, instead of Py4J's traceback.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from typing import TYPE_CHECKING

from immigrationos import config

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# For small data (tests, a demo world): two shuffle partitions (one per core) spare Spark
# idle tasks; generated code and adaptive re-planning cost more than they save on a few
# thousand rows (measured: 300 persons scored in 29 s instead of 32 s, 13 s instead of 16 s
# warm). Set on a session with ``session.conf.set``; a cluster keeps Spark's defaults.
SMALL_DATA_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
}

_LOCK = threading.Lock()
_SESSION: SparkSession | None = None


class SparkUnavailableError(RuntimeError):
    """Spark cannot start here: PySpark or a Java runtime is missing."""


def _check_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.exists(os.path.join(java_home, "bin", "java")):
        return
    if shutil.which("java") is None:
        raise SparkUnavailableError(
            "IMOS_ENGINE=spark needs a Java runtime (17 or later) and found none: install "
            "Debian's openjdk-17-jre-headless or set JAVA_HOME"
        )


def spark_session(master: str | None = None) -> SparkSession:
    """Return the process's SparkSession, starting it on first use.

    Args:
        master: the Spark master URL; the ``spark_master`` setting when None.

    Raises:
        SparkUnavailableError: PySpark is not installed or no Java runtime was found.
    """
    global _SESSION
    with _LOCK:
        if _SESSION is not None:
            return _SESSION
        try:
            from pyspark.sql import SparkSession
        except ImportError as err:  # pragma: no cover - pyspark is a declared dependency
            raise SparkUnavailableError(
                "IMOS_ENGINE=spark needs PySpark: pip install 'immigrationos[spark]'"
            ) from err
        _check_java()
        # Python workers run this interpreter (its venv), not whatever python3 is on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from splink.backends.spark import similarity_jar_location

        settings = config.get_settings()
        builder = (
            SparkSession.builder.master(master or settings.spark_master)
            .appName("immigrationos")
            .config("spark.jars", similarity_jar_location())
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(settings.spark_shuffle_partitions))
            .config("spark.driver.memory", settings.spark_driver_memory)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.local.dir", str(settings.var_dir.absolute() / "spark-tmp"))
        )
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        session.sparkContext.setCheckpointDir(
            str(settings.var_dir.absolute() / "spark-checkpoints")
        )
        _SESSION = session
        return session


def release_heap(spark: SparkSession) -> int:
    """Collect the driver JVM's garbage so that it hands its free heap back to the system.

    A stage that has dropped its cached tables leaves their heap committed to the JVM,
    resident, until a full collection; then G1 (Java 17's default collector) shrinks the
    heap as ``MaxHeapFreeRatio`` allows. Resolution calls this after Spark's training and
    scoring, so that the memory is the driver's Python side's (DuckDB's clustering and
    explanations) again. Measured in local mode: 60 million rows cached, then uncached,
    kept the JVM at 2.0 GiB resident until this call, 0.5 GiB after. In local mode the
    executors are the driver's JVM; on a cluster it frees the driver alone.

    Returns:
        The bytes of heap the JVM still holds committed afterwards.
    """
    jvm = spark.sparkContext._jvm
    jvm.System.gc()  # type: ignore[union-attr]
    return int(jvm.java.lang.Runtime.getRuntime().totalMemory())  # type: ignore[union-attr]


def stop_spark() -> None:
    """Stop the process's SparkSession, if one was started."""
    global _SESSION
    with _LOCK:
        if _SESSION is not None:
            _SESSION.stop()
            _SESSION = None
