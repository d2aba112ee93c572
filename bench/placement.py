"""Benchmark detention placement (issue 7): 10,000 detained persons across the reference listing.

Sites are ICE's FY2015 facilities under the default rules (``custody/placement.py``:
``AS NEEDED`` = peak FY10-FY16 average population, under-72-hour sites excluded). Persons
are synthetic: 85 % male, security levels A 25 % / B 35 % / C 25 % / D 15 %, placed

- ``offices``: at the 25 ERO field offices (where a person is booked), few distinct origins;
- ``zips``: at random ZIP codes of the bundled table, up to one origin per person (the hard
  case for the flow's size: groups × facilities arcs).

Prints the time to build the sites (geocoding the listing, done once) and to place, the
persons placed and not, the mean distance and the facilities filled. Measures, never
asserts. The machine is shared: times are upper bounds.

    .venv/bin/python bench/placement.py
    .venv/bin/python bench/placement.py --persons 10000 30000 --seed 2
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from immigrationos.custody import placement, sites
from immigrationos.reference import field_offices, zipcodes
from machine import header

LEVELS = ("A", "B", "C", "D")
LEVEL_WEIGHTS = (25, 35, 25, 15)


def synthetic_persons(n: int, origins: list[tuple[float, float]], seed: int) -> list:
    """Return n synthetic detained persons at random origins."""
    rng = random.Random(seed)
    return [
        placement.DetainedPerson(
            id=f"P{i:06d}",
            sex="M" if rng.random() < 0.85 else "F",
            security_level=rng.choices(LEVELS, LEVEL_WEIGHTS)[0],
            lat=(origin := rng.choice(origins))[0],
            lon=origin[1],
        )
        for i in range(n)
    ]


def main() -> None:
    """Place each synthetic population and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    header("Detention placement (OR-Tools min-cost flow)")
    started = time.perf_counter()
    site_list = sites.build_sites()
    usable = [s for s in site_list if s.excluded is None]
    print(
        f"sites: {len(site_list)} listed, {len(usable)} usable, "
        f"{sum(s.beds for s in usable):,} beds; built in {time.perf_counter() - started:.2f} s"
    )
    office_points = [(o.lat, o.lon) for o in field_offices.load_field_offices()]
    zips = zipcodes.load_zipcodes().drop_nulls(["lat", "lon"])
    zip_points = list(
        zip(zips.get_column("lat").to_list(), zips.get_column("lon").to_list(), strict=True)
    )
    print(
        f"{'origins':<8} {'persons':>8} {'groups':>7} {'placed':>8} {'not':>6} "
        f"{'mean km':>8} {'sites used':>10} {'full':>5} {'place s':>8}"
    )
    for n in args.persons:
        for label, points in (("offices", office_points), ("zips", zip_points)):
            persons = synthetic_persons(n, points, args.seed)
            groups = len({(p.lat, p.lon, p.sex, p.security_level) for p in persons})
            result = placement.place(persons, site_list)
            full = sum(1 for code, load in result.load.items() if load >= result.beds[code])
            mean = result.total_distance_km / max(1, len(result.placements))
            print(
                f"{label:<8} {n:>8,} {groups:>7,} {len(result.placements):>8,} "
                f"{len(result.unplaced):>6,} {mean:>8.1f} {len(result.load):>10} {full:>5} "
                f"{result.seconds:>8.2f}"
            )


if __name__ == "__main__":
    main()
