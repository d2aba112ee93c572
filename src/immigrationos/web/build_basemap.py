"""Convert us-atlas's ``states-albers-10m.json`` into the map's offline SVG basemap, once.

``python -m immigrationos.web.build_basemap states-albers-10m.json`` writes
``web/static/us-states.svg``: one path per state (id ``s`` + FIPS code, its name as
title) in the file's own pre-projected coordinates (d3's Albers USA, scale 1300,
translate 487.5/305, a 975 x 610 frame), rounded to a tenth of a pixel with points
closer than that dropped. The input comes from the npm package ``us-atlas`` (US Census
Bureau cartographic boundaries, ISC licence): ``npm pack us-atlas``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 975, 610
OUT = Path(__file__).parent / "static" / "us-states.svg"
Point = tuple[float, float]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Return the topology's arcs as absolute coordinates (undo quantization and deltas)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[Point]]) -> list[Point]:
    """Return a ring's points from its arc indexes (a negative index is an arc reversed)."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def path_of(rings: list[list[Point]]) -> str:
    """Return an SVG path of closed rings, a tenth of a pixel, near-duplicate points dropped."""
    parts = []
    for points in rings:
        kept: list[Point] = []
        for x, y in points:
            p = (round(x, 1), round(y, 1))
            if not kept or p != kept[-1]:
                kept.append(p)
        if len(kept) >= 3:
            parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z")
    return "".join(parts)


def state_paths(topology: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Return ``(fips, name, path)`` of every state, in the file's order."""
    arcs = decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["states"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [ring(r, arcs) for polygon in polygons for r in polygon]
        found.append((geometry["id"], geometry["properties"]["name"], path_of(rings)))
    return found


def svg(paths: list[tuple[str, str, str]]) -> str:
    """Return the basemap SVG document."""
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}">',
        "<!-- US states from us-atlas 3 (states-albers-10m.json), US Census Bureau "
        "cartographic boundaries; ISC licence, Copyright 2013-2019 Michael Bostock. -->",
        '<g fill="#eef1f4" stroke="#8a96a3" stroke-width="0.8" stroke-linejoin="round">',
    ]
    for fips, name, d in paths:
        lines.append(f'<path id="s{fips}" d="{d}"><title>{escape(name)}</title></path>')
    lines += ["</g>", "</svg>", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Write the basemap from the path of ``states-albers-10m.json``."""
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    topology = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    OUT.write_text(svg(state_paths(topology)), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT} ({OUT.stat().st_size} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
