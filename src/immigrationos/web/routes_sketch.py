"""A team's route drawn as inline SVG: the office, the stops in order, the path between.

Routes lie within a city, far below the national basemap's scale, and the interface uses
no map tiles: each operation gets its own frame, an equirectangular projection fitted to
the office and the stops (with the latitude's cosine so that distances look right), a
scale bar and north up. Stops without a place (no usable address) are listed, not drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 420
MARGIN = 36
# Team colours: distinct at a glance and against white (contrast over 3:1 for graphics).
COLOURS = ("#1f5fa8", "#b3471d", "#2e7d32", "#6a1b9a", "#8d6e00", "#00695c", "#ad1457")


@dataclass(frozen=True)
class SketchStop:
    """A stop placed in the frame."""

    label: str
    x: float
    y: float


@dataclass(frozen=True)
class SketchRoute:
    """One team's path: its colour, the office and the stops in order."""

    team_id: str
    colour: str
    office: SketchStop
    stops: list[SketchStop]

    @property
    def points(self) -> str:
        """Return the SVG polyline points: office, stops, back to the office."""
        path = [self.office, *self.stops, self.office]
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in path)


@dataclass(frozen=True)
class Sketch:
    """The frame of an operation's routes."""

    routes: list[SketchRoute]
    scale_px: float
    scale_label: str
    width: int = WIDTH
    height: int = HEIGHT


def _nice(metres: float) -> float:
    for step in (100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000):
        if step >= metres:
            return float(step)
    return 200_000.0


def sketch(
    teams: list[tuple[str, tuple[float, float], list[tuple[str, float | None, float | None]]]],
) -> Sketch | None:
    """Return the routes fitted to one frame, or None when nothing can be placed.

    Args:
        teams: per team, its ID, its office's (lat, lon) and its stops in order as
            (label, lat, lon); a stop without coordinates is left out of the drawing.
    """
    points = [office for _, office, _ in teams]
    points += [
        (lat, lon)
        for _, _, stops in teams
        for _, lat, lon in stops
        if lat is not None and lon is not None
    ]
    if not points:
        return None
    lat0 = sum(p[0] for p in points) / len(points)
    k = math.cos(math.radians(lat0))
    xs = [p[1] * k for p in points]
    ys = [p[0] for p in points]
    span_x = max(max(xs) - min(xs), 1e-4)
    span_y = max(max(ys) - min(ys), 1e-4)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    left, top = min(xs), max(ys)

    def place(label: str, lat: float, lon: float) -> SketchStop:
        return SketchStop(label, MARGIN + (lon * k - left) * scale, MARGIN + (top - lat) * scale)

    routes = []
    for i, (team_id, office, stops) in enumerate(teams):
        placed = [
            place(label, lat, lon)
            for label, lat, lon in stops
            if lat is not None and lon is not None
        ]
        routes.append(
            SketchRoute(team_id, COLOURS[i % len(COLOURS)], place("office", *office), placed)
        )
    metres_per_px = 111_320.0 / scale  # a degree of latitude is ~111.32 km
    bar = _nice(metres_per_px * 120)
    label = f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m"
    return Sketch(routes=routes, scale_px=bar / metres_per_px, scale_label=label)
