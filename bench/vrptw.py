"""Benchmark the VRPTW solver (issue 7): Solomon R101, RC101, C101 in 10 s each.

Reads the instances and best-known solutions copied into ``tests/data/vrp/`` (a checkout
needs nothing else), solves each with ``operations.vrptw.solve_instance`` for the time
given, and prints the distance (unrounded, recomputed from the routes), the best-known
distance (the ``.sol`` routes recomputed the same way, and the file's stated ``Cost``,
whose edges are truncated to one decimal), the gaps, the vehicles, the wall-clock time and
the main process's CPU time (PyVRP runs on one core: on a shared machine the CPU time shows
how much of the budget the search really had). With ``--workers 2`` a second search (seed
s+1) runs in a child process at the same time and the better result is kept. Measures, never asserts.

    .venv/bin/python bench/vrptw.py                      # R101 RC101 C101, 10 s each
    .venv/bin/python bench/vrptw.py --all --seconds 10   # also R105 RC105 C1_2_1
    .venv/bin/python bench/vrptw.py --seeds 1 2 3        # the spread between seeds
    .venv/bin/python bench/vrptw.py --instances RC101 --seconds 30
    .venv/bin/python bench/vrptw.py --workers 2          # both cores: seeds s and s+1 at once
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from immigrationos.operations import instances, vrptw
from machine import header

DATA = Path(__file__).parents[1] / "tests" / "data" / "vrp"
MAIN = ("R101", "RC101", "C101")
MORE = ("R105", "RC105", "C1_2_1")


def main() -> None:
    """Solve each instance and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument(
        "--workers", type=int, default=1, help="searches at once, seeds s, s+1, ... (one core each)"
    )
    parser.add_argument("--all", action="store_true", help="also R105, RC105, C1_2_1")
    parser.add_argument("--instances", nargs="+", help="only these (names in tests/data/vrp)")
    args = parser.parse_args()
    header(
        f"VRPTW (PyVRP), {args.seconds:g} s per instance, seeds {args.seeds}, "
        f"{args.workers} worker(s)"
    )
    print(
        f"{'instance':<9} {'seed':>4} {'n':>4} {'distance':>9} {'best known':>10} {'gap':>7} "
        f"{'trunc.':>8} {'file Cost':>9} {'gap':>7} {'veh':>4} {'time s':>7} {'cpu s':>6} feasible"
    )
    names = args.instances or MAIN + (MORE if args.all else ())
    runs = [(n, seed) for n in names for seed in args.seeds]
    for name, seed in runs:
        inst = instances.read_instance(DATA / f"{name}.txt")
        known = instances.read_best_known(DATA / f"{name}.sol", inst)
        known_distance = instances.total_distance(inst, list(known.routes))
        cpu = time.process_time()
        result = vrptw.solve_instance(inst, args.seconds, seed=seed, workers=args.workers)
        cpu = time.process_time() - cpu
        gap = round(100 * (result.distance / known_distance - 1), 6) + 0.0  # no "-0.00 %"
        gap_file = 100 * (result.dimacs_distance / known.cost - 1)
        print(
            f"{name:<9} {seed:>4} {inst.num_customers:>4} {result.distance:>9.2f} {known_distance:>10.2f} "
            f"{gap:>+6.2f}% {result.dimacs_distance:>8.1f} {known.cost:>9.1f} {gap_file:>+6.2f}% "
            f"{len(result.routes):>4} {result.seconds:>7.1f} {cpu:>6.1f} {result.feasible}"
        )


if __name__ == "__main__":
    main()
