"""Benchmark the synthetic world generator: 100,000 persons into a temporary folder.

Run: ``.venv/bin/python bench/bench_synth.py [--persons N] [--seed S]``. Prints elapsed
seconds, peak RSS, rows per source, the git commit and the machine. Measures, never asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from immigrationos.synth.world import generate_world
from machine import commit as git_commit  # bench/machine.py: one place for this
from machine import machine


def main() -> None:
    """Generate one world and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--malformed", type=float, default=0.01)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = generate_world(
            persons=args.persons,
            seed=args.seed,
            as_of=dt.date(2025, 6, 1),
            out_dir=Path(tmp),
            malformed_rate=args.malformed,
        )
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"commit:    {git_commit()}")
    print(f"machine:   {machine()}")
    print(f"persons:   {args.persons:,} (seed {args.seed}, malformed rate {args.malformed})")
    print(f"elapsed:   {elapsed:.1f} s")
    print(f"peak RSS:  {peak_kib / 1024:.0f} MiB")
    print(f"on disk:   {size / 1024 / 1024:.1f} MiB")
    print(f"truth records: {summary.records:,}")
    for source, rows in summary.rows_per_source.items():
        bad = summary.malformed_per_source.get(source, 0)
        print(f"  {source:<22} {rows:>9,} rows ({bad:,} malformed)")
    print("violations:", summary.violations)


if __name__ == "__main__":
    main()
