"""Benchmark team route planning (issue 7): 200 stops, 15 teams, PyVRP vs OR-Tools, 10 s each.

A synthetic operation (``operations.synthetic``: stops within 30 km of downtown Los Angeles,
teams of 14-20 seats at three offices, 05:00-18:00 shifts, travel at 40 km/h on
great-circle distance × 1.2) is planned by PyVRP (``operations.routing``) and by OR-Tools
(``operations.routing_ortools``) with the same time budget. Prints each plan's road
distance, teams used, stops left out, time, and whether every route is feasible
(``operations.plan.violations``), then the distance ratio PyVRP / OR-Tools. Measures,
never asserts. The machine is shared: times are upper bounds.

    .venv/bin/python bench/routing_teams.py
    .venv/bin/python bench/routing_teams.py --stops 200 --teams 15 --seconds 10 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from immigrationos.operations import plan, routing, routing_ortools, synthetic
from machine import header


def main() -> None:
    """Plan each synthetic operation with both solvers and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=200)
    parser.add_argument("--teams", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    args = parser.parse_args()
    header(f"Team routes: {args.stops} stops, {args.teams} teams, {args.seconds:g} s per solver")
    print(
        f"{'seed':>4} {'solver':<8} {'distance km':>11} {'teams':>5} {'left out':>8} "
        f"{'time s':>7} {'cpu s':>6} feasible"
    )
    for seed in args.seeds:
        problem = synthetic.synthetic_operation(args.stops, args.teams, seed=seed)
        distances = {}
        for name, solve in (
            ("pyvrp", lambda p: routing.plan_routes(p, args.seconds)),
            ("ortools", lambda p: routing_ortools.plan_routes(p, args.seconds)),
        ):
            cpu = time.process_time()
            result = solve(problem)
            cpu = time.process_time() - cpu
            problems = plan.violations(problem, result)
            distances[name] = result.distance_m / 1000
            print(
                f"{seed:>4} {name:<8} {distances[name]:>11.1f} {len(result.routes):>5} "
                f"{len(result.unassigned):>8} {result.seconds:>7.1f} {cpu:>6.1f} {not problems}"
            )
            for u in result.unassigned[:5]:
                print(f"     left out {u.stop_id}: {u.reason}")
        print(
            f"{seed:>4} ratio PyVRP / OR-Tools distance: {distances['pyvrp'] / distances['ortools']:.3f}"
        )


if __name__ == "__main__":
    main()
