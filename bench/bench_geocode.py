"""Measure geocode_frame on synthetic addresses: elapsed time and peak memory.

Usage: .venv/bin/python bench/bench_geocode.py [--rows 1000000] [--repeat 3] [--seed 42]

Addresses are real bundled ZIPs with their city and state, a share of them corrupted the
way real records are (ZIP+4, lost leading zero, unknown or malformed ZIP, wrong state,
misspelled or abbreviated city, missing fields). The script measures; it never asserts.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np
import polars as pl

from immigrationos.reference import geocode
from immigrationos.reference.zipcodes import load_zipcodes
from machine import commit as git_commit  # bench/machine.py: one place for this
from machine import machine


def synthetic_addresses(rows: int, seed: int) -> pl.DataFrame:
    """Return ``rows`` addresses sampled from the real ZIPs, about 40% of them corrupted."""
    rng = np.random.default_rng(seed)
    zips = load_zipcodes()
    picked = zips[rng.integers(0, zips.height, rows)].select("zip", "city", "state")
    kind = rng.choice(
        10,
        size=rows,
        p=[0.60, 0.08, 0.04, 0.06, 0.05, 0.05, 0.05, 0.03, 0.02, 0.02],
    )
    fake_zip = pl.Series(rng.integers(0, 100_000, rows)).cast(pl.Utf8).str.zfill(5)
    other_state = picked.get_column("state").sample(rows, with_replacement=True, seed=seed)
    k = pl.Series("kind", kind)
    frame = picked.with_columns(k, fake_zip.alias("fake_zip"), other_state.alias("other_state"))
    zip_, city, state = pl.col("zip"), pl.col("city"), pl.col("state")
    return frame.select(
        (pl.lit("1 Main St")).alias("street"),
        pl.when(k == 6)
        .then(city.str.slice(1) + "x")  # misspelled city, no ZIP: state fallback
        .when(k == 7)
        .then(city.str.to_uppercase().str.replace("SAINT ", "ST. "))
        .when(k == 9)
        .then(None)
        .otherwise(city)
        .alias("city"),
        pl.when(k == 5)
        .then(pl.col("other_state"))
        .when(k == 9)
        .then(None)
        .otherwise(state)
        .alias("state"),
        pl.when(k == 1)
        .then(zip_ + "-0001")
        .when(k == 2)
        .then(zip_.str.strip_chars_start("0"))
        .when(k.is_in([3, 6, 7, 9]))
        .then(None)
        .when(k == 4)
        .then(pl.col("fake_zip"))
        .when(k == 8)
        .then(pl.lit("N/A"))
        .otherwise(zip_)
        .alias("zip"),
    )


def peak_rss_mib() -> float:
    """Return the peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if platform.system() == "Darwin" else peak / 1024


def main() -> None:
    """Generate the addresses, geocode them, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    print(f"commit   {git_commit()}")
    print(f"machine  {machine()}")
    print(f"polars   {pl.__version__}, threads {pl.thread_pool_size()}")

    start = time.perf_counter()
    addresses = synthetic_addresses(args.rows, args.seed)
    distinct = addresses.select("city", "state", "zip").n_unique()
    print(
        f"generate {args.rows:,} addresses: {time.perf_counter() - start:.2f} s "
        f"({distinct:,} distinct city/state/zip triples)"
    )

    start = time.perf_counter()
    geocode.get_gazetteer()
    print(f"gazetteer build (once per process): {time.perf_counter() - start:.2f} s")
    rss_before = peak_rss_mib()

    for details in (False, True):
        times = []
        result = addresses
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = geocode.geocode_frame(addresses, details=details)
            times.append(time.perf_counter() - start)
        label = "geocode_frame(details=True) " if details else "geocode_frame               "
        print(
            f"{label} {args.rows:,} rows: best {min(times):.2f} s, "
            f"median {sorted(times)[len(times) // 2]:.2f} s "
            f"({args.rows / min(times):,.0f} rows/s)"
        )
    shares = result.get_column("geo_precision").value_counts(normalize=True).sort("geo_precision")
    print(
        "precision "
        + ", ".join(f"{p} {s:.1%}" for p, s in shares.iter_rows())
        + f"; no office {result.get_column('field_office').null_count() / args.rows:.1%}"
    )
    print(f"peak RSS {peak_rss_mib():,.0f} MiB (after generation and gazetteer {rss_before:,.0f})")


if __name__ == "__main__":
    main()
