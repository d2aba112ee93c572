"""Synthetic operations for benchmarks, tests and demos: stops and teams around an office.

Nothing here describes real people or places beyond a city's rough coordinates.
"""

from __future__ import annotations

import math
import random

from immigrationos.operations.plan import RoutingProblem, Stop, Team
from immigrationos.operations.travel import TravelModel

# Downtown Los Angeles, roughly: the centre of the synthetic area.
CENTRE = (34.05, -118.25)
HOUR = 3600


def synthetic_operation(
    stops: int,
    teams: int,
    *,
    seed: int = 1,
    radius_km: float = 30.0,
    offices: int = 3,
    travel: TravelModel | None = None,
) -> RoutingProblem:
    """Return a random operation: stops within a radius, teams at a few offices.

    Stops take 10 to 30 minutes, open a window of 2 to 5 hours between 06:00 and 16:00, and
    have one person (85 %) or two. Teams have 14 to 20 seats and a shift from 05:00 to 18:00.
    """
    rng = random.Random(seed)
    lat0, lon0 = CENTRE
    km_per_deg_lon = 111.32 * math.cos(math.radians(lat0))

    def point(radius: float) -> tuple[float, float]:
        r = radius * math.sqrt(rng.random())
        a = rng.uniform(0, 2 * math.pi)
        return lat0 + r * math.sin(a) / 110.57, lon0 + r * math.cos(a) / km_per_deg_lon

    office_points = [point(radius_km / 2) for _ in range(max(1, offices))]
    stop_list = []
    for i in range(stops):
        lat, lon = point(radius_km)
        opens = rng.randrange(6 * HOUR, 12 * HOUR, 900)
        width = rng.randrange(2 * HOUR, 5 * HOUR + 1, 900)
        stop_list.append(
            Stop(
                id=f"S{i + 1:04d}",
                lat=round(lat, 6),
                lon=round(lon, 6),
                service_s=rng.randrange(10, 31, 5) * 60,
                earliest_s=opens,
                latest_s=min(opens + width, 16 * HOUR),
                persons=1 if rng.random() < 0.85 else 2,
                address_confidence=rng.choice(("zip", "zip", "zip", "city")),
            )
        )
    team_list = []
    for t in range(teams):
        lat, lon = office_points[t % len(office_points)]
        team_list.append(
            Team(
                id=f"T{t + 1:02d}",
                seats=rng.randint(14, 20),
                shift_start_s=5 * HOUR,
                shift_end_s=18 * HOUR,
                office_lat=round(lat, 6),
                office_lon=round(lon, 6),
                office=f"office {t % len(office_points) + 1}",
            )
        )
    return RoutingProblem(tuple(stop_list), tuple(team_list), travel or TravelModel())
