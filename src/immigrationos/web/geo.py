"""The map's geometry: d3's Albers USA projection and point-in-polygon, in pure Python.

The basemap (``static/us-states.svg``) is us-atlas's ``states-albers-10m.json``, projected
by d3-geo's ``geoAlbersUsa().scale(1300).translate([487.5, 305])``. Leads are placed with
the same projection, reimplemented here: conic equal-area (parallels 29.5/45.5, rotated
96 degrees west, centred at -0.6/38.7) for the lower 48, with d3's Alaska and Hawaii insets
and the clip extents that decide which of the three projects a point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SCALE = 1300.0
TRANSLATE = (487.5, 305.0)
WIDTH, HEIGHT = 975, 610
EPSILON = 1e-6
Point = tuple[float, float]


@dataclass(frozen=True)
class ConicEqualArea:
    """d3's ``geoConicEqualArea`` with a rotation, centre, scale and translation."""

    parallels: tuple[float, float]
    rotate: float  # degrees added to the longitude
    center: tuple[float, float]  # degrees, in the rotated frame
    scale: float
    translate: Point

    def _raw(self, lam: float, phi: float) -> Point:
        y0, y1 = (math.radians(p) for p in self.parallels)
        sy0 = math.sin(y0)
        n = (sy0 + math.sin(y1)) / 2
        c = 1 + sy0 * (2 * n - sy0)
        r0 = math.sqrt(c) / n
        r = math.sqrt(max(c - 2 * n * math.sin(phi), 0.0)) / n
        return r * math.sin(lam * n), r0 - r * math.cos(lam * n)

    def __call__(self, lon: float, lat: float) -> Point:
        """Return the pixel position of a longitude and latitude (degrees)."""
        lam = math.radians(lon + self.rotate)
        lam = (lam + math.pi) % (2 * math.pi) - math.pi  # d3 wraps the rotated longitude
        cx, cy = self._raw(*(math.radians(v) for v in self.center))
        x, y = self._raw(lam, math.radians(lat))
        k = self.scale
        return self.translate[0] + k * (x - cx), self.translate[1] - k * (y - cy)


def _parts(k: float = SCALE, t: Point = TRANSLATE) -> list[tuple[ConicEqualArea, Point, Point]]:
    """Return d3's three projections of Albers USA with the extents each one serves."""
    x, y = t
    lower48 = ConicEqualArea((29.5, 45.5), 96, (-0.6, 38.7), k, (x, y))
    alaska = ConicEqualArea((55, 65), 154, (-2, 58.5), k * 0.35, (x - 0.307 * k, y + 0.201 * k))
    hawaii = ConicEqualArea((8, 18), 157, (-3, 19.9), k, (x - 0.205 * k, y + 0.212 * k))
    e = EPSILON
    return [
        (lower48, (x - 0.455 * k, y - 0.238 * k), (x + 0.455 * k, y + 0.238 * k)),
        (alaska, (x - 0.425 * k + e, y + 0.120 * k + e), (x - 0.214 * k - e, y + 0.234 * k - e)),
        (hawaii, (x - 0.214 * k + e, y + 0.166 * k + e), (x - 0.115 * k - e, y + 0.234 * k - e)),
    ]


PARTS = _parts()


def albers_usa(lon: float, lat: float) -> Point | None:
    """Return a place's position on the basemap, or None when no part of the map holds it."""
    for project, (x0, y0), (x1, y1) in PARTS:
        x, y = project(lon, lat)
        if x0 <= x <= x1 and y0 <= y <= y1:
            return x, y
    return None


def inside(point: Point, polygon: Sequence[Point]) -> bool:
    """Return whether a point lies inside a polygon (even-odd rule; edges count as inside)."""
    px, py = point
    found = False
    count = len(polygon)
    for i in range(count):
        (ax, ay), (bx, by) = polygon[i], polygon[(i + 1) % count]
        on_line = abs((bx - ax) * (py - ay) - (by - ay) * (px - ax)) < 1e-9
        if on_line and min(ax, bx) <= px <= max(ax, bx) and min(ay, by) <= py <= max(ay, by):
            return True  # on an edge
        if (ay > py) != (by > py):
            cross = ax + (py - ay) * (bx - ax) / (by - ay)
            if px < cross:
                found = not found
    return found


def parse_shape(text: str, limit: int = 200) -> list[Point] | None:
    """Return a shape from ``x,y x,y ...`` in map pixels: at least three points, or None."""
    points: list[Point] = []
    for pair in text.replace(";", " ").split()[:limit]:
        xs, _, ys = pair.partition(",")
        try:
            x, y = float(xs), float(ys)
        except ValueError:
            return None
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        points.append((min(max(x, -WIDTH), 2 * WIDTH), min(max(y, -HEIGHT), 2 * HEIGHT)))
    return points if len(points) >= 3 else None
