"""Benchmark identity resolution on DuckDB and on Spark (local mode): time, memory, agreement.

Generates and ingests a world the way ``bench/resolution.py`` does (cached under
``--cache``), then resolves its record frame

1. on DuckDB (``splink-duckdb``, trained there),
2. on Spark (``splink-spark``, trained there: u sampled with the same seed, other pairs),
3. on Spark with the DuckDB run's model (the same parameters: should agree exactly),

and prints for each: wall time (and its stages), peak memory (RSS of this process plus,
on Spark, of the JVM it started, sampled every 100 ms), pairwise F1 against the truth,
candidate pairs compared per second per core (of blocking and scoring), and the pairwise
F1 between the Spark and the DuckDB clusterings; for the same-model run the largest
difference of a link's probability. Measures, never asserts.

    .venv/bin/python bench/resolution_spark.py --persons 10000
    .venv/bin/python bench/resolution_spark.py --persons 100000 --master 'local[2]'
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.resolution import metrics
from immigrationos.resolution.engine import resolve_frame
from immigrationos.resolution.result import ResolutionResult
from immigrationos.spark.session import spark_session, stop_spark
from machine import header
from machine import tree_measured as measured
from resolution import world_dataset


def _run(
    label: str, resolve: Callable[[], ResolutionResult], truth: pl.DataFrame
) -> ResolutionResult:
    with measured() as m:
        result = resolve()
    stats = result.stats
    cores = os.cpu_count() or 1
    paired = stats.get("seconds_block", 0.0) + stats.get("seconds_predict", 0.0)
    rate = stats["candidate_pairs"] / paired / cores if paired else float("nan")
    f1 = metrics.pairwise_scores(result.clusters, truth).f1
    stages = ", ".join(
        f"{k.removeprefix('seconds_')} {v:.1f}"
        for k, v in stats.items()
        if k.startswith("seconds_") and k != "seconds_total"
    )
    print(
        f"{label:<22} {m.seconds:8.1f} s  peak {m.peak_rss / 2**30:5.2f} GiB  F1 {f1:.4f}  "
        f"{stats['candidate_pairs']:,.0f} candidate pairs, {rate:,.0f} /s/core  ({stages})",
        flush=True,
    )
    return result


def _probability_gap(a: ResolutionResult, b: ResolutionResult) -> tuple[float, int]:
    """Return the largest probability difference of the links both kept, and links not shared."""
    keys = ["unique_id_l", "unique_id_r"]
    joined = a.links.select(*keys, "match_probability").join(
        b.links.select(*keys, pl.col("match_probability").alias("other")), on=keys, how="full"
    )
    unshared = joined.filter(pl.col("match_probability").is_null() | pl.col("other").is_null())
    gap = joined.select((pl.col("match_probability") - pl.col("other")).abs().max()).item()
    return float(gap or 0.0), unshared.height


def main() -> None:
    """Resolve one world on both engines and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--master", default=None, help="Spark master (IMOS_SPARK_MASTER)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-resolution"))
    parser.add_argument("--no-same-model", action="store_true", help="skip run 3")
    args = parser.parse_args()
    header(f"identity resolution on DuckDB and Spark, {args.persons:,} persons")
    data = world_dataset(args.persons, args.seed, args.cache)
    frame, truth = data.frame, data.truth
    print(f"{data.name}: {frame.height:,} records, {os.cpu_count()} cores", flush=True)
    duck = _run("duckdb", lambda: resolve_frame(frame, backend="splink-duckdb"), truth)
    with measured() as m:
        spark_session(args.master)
    print(f"{'spark session start':<22} {m.seconds:8.1f} s", flush=True)
    spark = _run("spark", lambda: resolve_frame(frame, backend="splink-spark"), truth)
    agreement = metrics.clustering_agreement(spark.clusters, duck.clusters)
    print(
        f"spark vs duckdb (trained apart): pairwise F1 between clusterings {agreement.f1:.5f}"
        f" (P {agreement.precision:.5f}, R {agreement.recall:.5f})",
        flush=True,
    )
    if not args.no_same_model:
        same = _run(
            "spark, duckdb's model",
            lambda: resolve_frame(frame, backend="splink-spark", model=duck.model),
            truth,
        )
        agreement = metrics.clustering_agreement(same.clusters, duck.clusters)
        gap, unshared = _probability_gap(same, duck)
        print(
            f"spark vs duckdb (one model): pairwise F1 between clusterings {agreement.f1:.6f},"
            f" largest link probability difference {gap:.2e}, links not in both {unshared}"
        )
    stop_spark()


if __name__ == "__main__":
    main()
