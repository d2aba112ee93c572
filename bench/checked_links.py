"""Benchmark the check of a run's links before storing: time and memory at 10M records.

``resolution.run_flows.persist_result`` first checks the result's links
(``_checked_links``): each link's two records must be in one cluster. This builds, in
memory, ``--records`` clusters (one record each) and ``--links`` links with an
explanation of about 350 bytes, then calls the check as ``persist_result`` does. Prints
the RSS with the frames held, and the check's time and peak RSS (the process's high
water mark). Measures, never asserts.

    .venv/bin/python bench/checked_links.py                 # 10M records, 8M links
    PYTHONPATH=/tmp/other/src .venv/bin/python bench/checked_links.py   # another commit
"""

from __future__ import annotations

import argparse
import gc
import resource
import time

import polars as pl

from immigrationos.resolution import run_flows
from immigrationos.resolution.result import ResolutionResult

GIB = 2**20  # kB in a GiB: /proc and getrusage count in kB
EXPLANATION = '{"prior":-20.1,"terms":[{"c":"name","l":"exact","w":9.1}]}' * 6


def _rss() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / GIB
    return float("nan")


def main() -> None:
    """Build the frames, run the check, print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--links", type=int, default=8_000_000)
    args = parser.parse_args()
    if not 0 < args.links <= args.records:
        parser.error("--links must be between 1 and --records")
    ids = pl.Series("unique_id", [f"cbp_i94:I94-{i:09d}" for i in range(args.records)])
    clusters = pl.DataFrame({"unique_id": ids, "cluster_id": ids})
    links = pl.DataFrame(
        {
            "unique_id_l": ids[: args.links],
            "unique_id_r": ids[: args.links],
            "match_weight": pl.repeat(10.0, args.links, eager=True),
            "match_probability": pl.repeat(0.99, args.links, eager=True),
            "explanation": pl.repeat(EXPLANATION, args.links, eager=True),
        }
    )
    gc.collect()
    held = _rss()
    print(f"{args.records:,} records, {args.links:,} links: frames held, RSS {held:.2f} GiB")
    result = ResolutionResult(
        clusters=clusters, links=links, flags=pl.DataFrame(), backend="bench",
        threshold=0.5, stats={}, model={},
    )  # fmt: skip
    started = time.perf_counter()
    checked = run_flows._checked_links(result, clusters)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / GIB
    print(
        f"_checked_links: {seconds:.1f} s, {checked.height:,} links; peak RSS {peak:.2f} GiB "
        f"({peak - held:+.2f} above the frames)"
    )


if __name__ == "__main__":
    main()
