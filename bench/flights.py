"""Benchmark removal flight assignment (issue 7): 10,000 persons, target under 1 s.

Synthetic flights (12 destination countries, 90 days, 50 to 135 seats, about as many seats
as persons) and persons (removal-ready over the same 90 days, priorities 1 to 3, half with
a detention date) are filled by ``custody.flights.assign_flights`` in the default priority
order. Prints the time (best of three runs), the seats given, the persons without one by
reason, and the mean wait from ready date to flight. Measures, never asserts. The machine is
shared: times are upper bounds.

    .venv/bin/python bench/flights.py
    .venv/bin/python bench/flights.py --persons 10000 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from immigrationos.custody import flights
from machine import header

COUNTRIES = ("MX", "GT", "HN", "SV", "CO", "EC", "DO", "HT", "VE", "NI", "IN", "BR")
START = dt.date(2027, 1, 4)


def synthetic(
    persons: int, seed: int
) -> tuple[list[flights.RemovalFlight], list[flights.RemovalCandidate]]:
    """Return flights with about as many seats as persons, and the persons."""
    rng = random.Random(seed)
    weights = [30, 15, 14, 10, 6, 5, 5, 4, 4, 3, 2, 2]
    flight_list: list[flights.RemovalFlight] = []
    seats = 0
    while seats < persons:
        n = rng.choice((50, 76, 100, 135))
        flight_list.append(
            flights.RemovalFlight(
                f"F{len(flight_list):05d}",
                rng.choices(COUNTRIES, weights)[0],
                START + dt.timedelta(days=rng.randrange(90)),
                n,
            )
        )
        seats += n
    candidates = [
        flights.RemovalCandidate(
            f"P{i:06d}",
            rng.choices(COUNTRIES, weights)[0],
            START + dt.timedelta(days=rng.randrange(90)),
            rng.choice((1, 2, 2, 3, 3, 3)),
            START - dt.timedelta(days=rng.randrange(200)) if rng.random() < 0.5 else None,
        )
        for i in range(persons)
    ]
    return flight_list, candidates


def main() -> None:
    """Fill the synthetic flights and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    header("Removal flight assignment")
    for n in args.persons:
        flight_list, candidates = synthetic(n, args.seed)
        runs = [flights.assign_flights(flight_list, candidates) for _ in range(3)]
        plan = min(runs, key=lambda r: r.seconds)
        waits = [a.wait_days for a in plan.assignments]
        reasons = Counter(
            "no flight to the country"
            if " on or after " not in r.reason
            else ("all later flights full" if r.reason.endswith("full") else "no later flight")
            for r in plan.not_assigned
        )
        print(
            f"{n:,} persons, {len(flight_list):,} flights, "
            f"{sum(f.seats for f in flight_list):,} seats: "
            f"{plan.seconds * 1000:.1f} ms (best of 3; others "
            f"{', '.join(f'{r.seconds * 1000:.1f}' for r in runs if r is not plan)} ms)"
        )
        print(
            f"  seated {len(plan.assignments):,}, mean wait {sum(waits) / max(1, len(waits)):.1f} "
            f"days; without a seat {len(plan.not_assigned):,}: "
            + ", ".join(f"{k} {v:,}" for k, v in reasons.most_common())
        )


if __name__ == "__main__":
    main()
