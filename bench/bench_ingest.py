"""Benchmark: ingest at least 1,000,000 contract rows on the embedded default.

Generates a synthetic world big enough (or reuses one given with --world), then runs
`imos ingest` in a child process and reports wall time and the child's peak memory.
Goal (issue 2): 1,000,000 rows in at most 60 s and under 4 GiB on 2 cores.

    python bench/bench_ingest.py [--persons 180000] [--world DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.synth.world import generate_world
from machine import header


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=180_000)
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument("--malformed", type=float, default=0.01)
    args = parser.parse_args()
    header("ingest")
    with tempfile.TemporaryDirectory(prefix="imos-bench-") as tmp:
        world = args.world
        if world is None:
            world = Path(tmp) / "world"
            t0 = time.perf_counter()
            generate_world(
                persons=args.persons,
                seed=7,
                as_of=dt.date(2026, 11, 1),
                out_dir=world,
                malformed_rate=args.malformed,
            )
            print(
                f"world:   {args.persons:,} persons generated in {time.perf_counter() - t0:.1f} s"
            )
        env = dict(os.environ, IMOS_VAR_DIR=str(Path(tmp) / "var"))
        env.pop("IMOS_DATABASE_URL", None)
        env.pop("IMOS_LAKE_DIR", None)
        report = Path(tmp) / "report.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "immigrationos.cli",
                "ingest",
                str(world),
                "--report",
                str(report),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - t0
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024**2
        data = json.loads(report.read_text())
        totals = data["totals"]
        print(
            f"rows:    {totals['rows_read']:,} read = {totals['accepted']:,} accepted "
            f"+ {totals['quarantined']:,} quarantined"
        )
        print(
            f"ingest:  {elapsed:.1f} s wall (process start and migrations included), "
            f"{totals['rows_read'] / elapsed:,.0f} rows/s"
        )
        print(f"memory:  {peak:.2f} GiB peak RSS of the ingest process")
        for s in data["sources"]:
            print(f"  {s['source']:<22}{s['rows_read']:>10,} read {s['quarantined']:>8,} held")


if __name__ == "__main__":
    main()
