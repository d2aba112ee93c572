"""The travel model of team routes: great-circle distance times a circuity factor, at a speed.

Road networks do not run in straight lines. The ratio of the road distance to the
great-circle distance between two points, the *circuity factor*, was estimated at about 1.2
for the United States by Ballou, Rahardja and Sakai ("Selected country circuity factors for
road travel distance estimation", Transportation Research Part A 36, 2002); studies of short
urban trips find higher values, so the factor is a parameter, 1.2 by default
(:data:`CIRCUITY_FACTOR`). Addresses are geocoded to ZIP centroids at best (see
``reference/geocode.py``), which is a larger error than the factor's on short trips.

Both route solvers read the same integer matrices: metres for distance, and seconds, rounded
*up*, for travel time, so that a schedule the solvers accept holds in exact arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # the mean Earth radius (IUGG)
CIRCUITY_FACTOR = 1.2  # road distance / great-circle distance, US average (Ballou et al. 2002)
DEFAULT_SPEED_KMH = 40.0  # a mixed urban and suburban average, configurable per plan


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres between two points in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_matrix_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return the great-circle distances in kilometres between all pairs of points."""
    return haversine_cross_km(lat, lon, lat, lon)


def haversine_cross_km(
    lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray, lon_b: np.ndarray
) -> np.ndarray:
    """Return the great-circle distances in kilometres from each point a to each point b."""
    p = np.radians(np.asarray(lat_a, dtype=float))[:, None]
    q = np.radians(np.asarray(lat_b, dtype=float))[None, :]
    dl = (
        np.radians(np.asarray(lon_b, dtype=float))[None, :]
        - np.radians(np.asarray(lon_a, dtype=float))[:, None]
    )
    a = np.sin((q - p) / 2) ** 2 + np.cos(p) * np.cos(q) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


@dataclass(frozen=True)
class TravelModel:
    """Road distance = great-circle distance × circuity; travel time = road distance / speed."""

    speed_kmh: float = DEFAULT_SPEED_KMH
    circuity: float = CIRCUITY_FACTOR

    def __post_init__(self) -> None:
        if not self.speed_kmh > 0:
            raise ValueError(f"speed must be positive, got {self.speed_kmh} km/h")
        if not self.circuity >= 1:
            raise ValueError(f"circuity factor must be at least 1, got {self.circuity}")

    def road_km(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        """Return the modelled road distance in kilometres between two points."""
        return self.circuity * haversine_km(lat1, lon1, lat2, lon2)

    def travel_seconds(self, lat1: float, lon1: float, lat2: float, lon2: float) -> int:
        """Return the modelled travel time in whole seconds, rounded up."""
        return _seconds(self.road_km(lat1, lon1, lat2, lon2), self.speed_kmh)

    def matrices(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (road distance in metres, rounded; travel time in seconds, rounded up)."""
        road_km = self.circuity * haversine_matrix_km(np.asarray(lat), np.asarray(lon))
        metres = np.rint(road_km * 1000).astype(np.int64)
        seconds = np.ceil(road_km / self.speed_kmh * 3600 - 1e-9).astype(np.int64)
        np.fill_diagonal(seconds, 0)
        return metres, seconds


def _seconds(road_km: float, speed_kmh: float) -> int:
    return max(0, math.ceil(road_km / speed_kmh * 3600 - 1e-9))
