"""Benchmark the production engine at scale: time and peak RSS by stage, pairs, F1.

For each ``--records N`` the synthetic world (``--persons``, ``--seed``; generated and
cached by ``bench/resolution.py``'s ``world_dataset``) is scaled to N records (its
``scaled``: copies into new populations, names kept) or, with ``N = 0``, taken as it
is; then ``engine.normalized`` and the DuckDB backend's ``resolve`` run (together they
are ``engine.resolve_frame``), with DuckDB at ``--threads`` threads and its
``--memory-limit``, scoring ``--predict-part`` candidate pairs at a time; with
``--engine spark`` the Spark backend trains and scores instead (``IMOS_SPARK_MASTER``,
``local[*]`` by default). RSS (this process and its descendants: Spark's JVM and its
workers) is sampled every 20 ms and split by the backend's own stage clock
(``stats['seconds_*']``). Prints per stage seconds and peak RSS, candidate pairs,
comparisons per second per thread, links, clusters, pairwise P/R/F1. Measures, never
asserts.

    nice -n 5 .venv/bin/python bench/resolution_scale.py --records 1000000 3000000
    nice -n 5 .venv/bin/python bench/resolution_scale.py --records 10000000 --memory-limit 6GB
    IMOS_SPARK_MASTER='local[2]' .venv/bin/python bench/resolution_scale.py --engine spark
    nice -n 5 .venv/bin/python bench/resolution_scale.py --persons 100000 --records 0 \\
        --save /tmp/run-a          # write clusters and links, to compare two versions
    .venv/bin/python bench/resolution_scale.py --compare /tmp/run-a /tmp/run-b

``--compare A B`` reads two ``--save`` folders and prints whether the clusters (as a
partition of the records) and the links (pairs, weights) are identical.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.resolution import engine, metrics
from immigrationos.resolution.splink_backend import SplinkDuckDBBackend
from immigrationos.resolution.splink_spark import SplinkSparkBackend
from machine import header, tree_rss
from resolution import Dataset, scaled, world_dataset

# The backend's clock, in the order its stages run.
STAGES = ("load", "keys", "train", "block", "predict", "shared_ssn", "cluster", "explain")
GIB = 2**30


def _rss() -> int:
    return tree_rss()


class Sampler:
    """Sample this process's RSS every 20 ms into a timeline."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.samples.append((time.perf_counter(), _rss()))

    def __enter__(self) -> Sampler:
        self.samples.append((time.perf_counter(), _rss()))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter(), _rss()))

    def peak(self, start: float, stop: float) -> int:
        """Return the peak RSS sampled in [start, stop] (0 when no sample falls there)."""
        return max((r for t, r in self.samples if start <= t <= stop), default=0)


def run_one(data: Dataset, args: argparse.Namespace, save: Path | None) -> None:
    """Resolve one data set and print its figures."""
    gc.collect()
    threads = args.threads
    kind = SplinkSparkBackend if args.engine == "spark" else SplinkDuckDBBackend
    backend = kind(
        threads=threads,
        memory_limit=args.memory_limit,
        load_chunk=args.load_chunk,
        shared_ssn_part=args.shared_ssn_part,
        predict_part=args.predict_part,
    )
    with Sampler() as sampler:
        t0 = time.perf_counter()
        start_rss = _rss()
        # As ``engine.resolve_frame`` does: the backend normalises a chunk at a time.
        result = backend.resolve(
            data.frame,
            constraints=None,
            threshold=engine.PRODUCTION_THRESHOLD,
            normalizer=engine.normalized,
            progress=lambda stage: print(
                f"  [{time.perf_counter() - t0:7.1f} s, RSS {_rss() / GIB:.2f} GiB] {stage}",
                flush=True,
            ),
        )
        t2 = time.perf_counter()
    t1 = t2 - result.stats["seconds_total"]
    stats = result.stats
    engine_name = f"DuckDB {threads} threads" if args.engine == "duckdb" else "Spark"
    print(f"\n== {data.name}: {data.frame.height:,} records, {engine_name}")
    print(f"  RSS before: {start_rss / GIB:.2f} GiB (the input frame and the bench)")
    print(f"  {'stage':<12} {'seconds':>8} {'peak RSS':>10}")
    mark = t1
    for stage in STAGES:
        secs = stats.get(f"seconds_{stage}", 0.0)
        print(f"  {stage:<12} {secs:>8.1f} {sampler.peak(mark, mark + secs) / GIB:>8.2f}GiB")
        mark += secs
    print(f"  {'rest':<12} {t2 - mark:>8.1f} {sampler.peak(mark, t2) / GIB:>8.2f}GiB")
    total_peak = sampler.peak(t0, t2)
    print(f"  {'total':<12} {t2 - t0:>8.1f} {total_peak / GIB:>8.2f}GiB")
    candidates = stats["candidate_pairs"]
    predict = stats.get("seconds_predict", 0.0)
    per_core = candidates / predict / threads if predict else float("nan")
    print(
        f"  candidate pairs {candidates:,.0f}; scored >= threshold {stats['scored_pairs']:,.0f};"
        f" edges {stats['edges_above_threshold']:,.0f}; links {stats['links']:,.0f};"
        f" clusters {stats['clusters']:,.0f}"
    )
    print(f"  comparisons per second per thread (predict): {per_core:,.0f}")
    scores = metrics.pairwise_scores(result.clusters, data.truth)
    print(
        f"  true pairs {scores.true_pairs:,}, predicted {scores.predicted_pairs:,}: "
        f"P {scores.precision:.4f} R {scores.recall:.4f} F1 {scores.f1:.4f}"
    )
    print(
        f"RESULT | {data.frame.height:,} | {args.engine} | {t2 - t0:.0f} | {total_peak / GIB:.2f} | "
        f"{candidates:,.0f} | {per_core:,.0f} | {scores.f1:.4f} |"
    )
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        result.clusters.write_parquet(save / "clusters.parquet")
        result.links.write_parquet(save / "links.parquet")
        result.flags.write_parquet(save / "flags.parquet")
        print(f"  saved clusters, links, flags in {save}")


def compare(a: Path, b: Path) -> None:
    """Print whether two saved runs made the same clusters, links and flags."""
    ca, cb = pl.read_parquet(a / "clusters.parquet"), pl.read_parquet(b / "clusters.parquet")
    both = ca.join(cb, on="unique_id", how="full", suffix="_b", coalesce=True)
    # The same partition: each cluster of one maps to exactly one of the other, and back.
    same = (
        ca.height == cb.height
        and both.null_count().sum_horizontal().item() == 0
        and both.group_by("cluster_id").agg(pl.col("cluster_id_b").n_unique()).max().item(0, 1) == 1
        and both.group_by("cluster_id_b").agg(pl.col("cluster_id").n_unique()).max().item(0, 1) == 1
    )
    print(f"clusters: {ca.height:,} vs {cb.height:,} records; same partition: {same}")
    for name, keys in (
        ("links", ["unique_id_l", "unique_id_r"]),
        ("flags", ["kind", "value"]),
    ):
        la, lb = pl.read_parquet(a / f"{name}.parquet"), pl.read_parquet(b / f"{name}.parquet")
        la, lb = la.sort(keys), lb.sort(keys)
        print(f"{name}: {la.height:,} vs {lb.height:,}; identical: {la.equals(lb)}")
        if not la.equals(lb) and la.height == lb.height:
            for column in la.columns:
                if not la.get_column(column).equals(lb.get_column(column)):
                    print(f"  column {column} differs")


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument(
        "--records", type=int, nargs="*", default=[1_000_000],
        help="scale the world to these record counts (0: the world as it is)",
    )  # fmt: skip
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--memory-limit", default=SplinkDuckDBBackend.memory_limit)
    parser.add_argument(
        "--load-chunk", type=int, default=SplinkDuckDBBackend.load_chunk,
        help="records normalised and loaded at a time",
    )  # fmt: skip
    parser.add_argument(
        "--shared-ssn-part", type=int, default=SplinkDuckDBBackend.shared_ssn_part,
        help="records of shared SSNs analysed at a time",
    )  # fmt: skip
    parser.add_argument(
        "--predict-part", type=int, default=SplinkDuckDBBackend.predict_part,
        help="candidate pairs scored at a time (DuckDB)",
    )  # fmt: skip
    parser.add_argument("--save", type=Path, default=None, help="write the last run's frames")
    parser.add_argument("--compare", type=Path, nargs=2, default=None)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-resolution"))
    args = parser.parse_args()
    if args.compare is not None:
        compare(*args.compare)
        return
    header("identity resolution at scale (issue 10)")
    world = world_dataset(args.persons, args.seed, args.cache)
    for n in args.records:
        data = world if n == 0 else scaled(world, n, args.seed)
        run_one(data, args, args.save)
        del data
        gc.collect()


if __name__ == "__main__":
    main()
