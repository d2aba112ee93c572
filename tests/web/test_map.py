"""The map of leads: the projection against the basemap, placing leads, selection by shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.conftest import HOME_OFFICE, OTHER_OFFICE, Api
from immigrationos.web import geo

from .conftest import Web
from .test_pages import _lead_office

BASEMAP = Path(geo.__file__).parent / "static" / "us-states.svg"
PATH = re.compile(r'<path id="s(\d+)" d="([^"]+)"><title>([^<]+)</title>')
POINT = re.compile(
    r'data-lead="([^"]+)">\s*<title>[^<]*</title>\s*<circle cx="([\d.]+)" cy="([\d.]+)"'
)


def _states() -> dict[str, list[list[geo.Point]]]:
    """Return each state's rings as the basemap draws them."""
    found = {}
    for match in PATH.finditer(BASEMAP.read_text(encoding="utf-8")):
        rings = []
        for part in match.group(2).split("Z"):
            pairs = [p.split(",") for p in part.lstrip("M").split("L") if p]
            rings.append([(float(x), float(y)) for x, y in pairs])
        found[match.group(3)] = [r for r in rings if len(r) >= 3]
    return found


CITIES = {
    "Illinois": (-87.63, 41.88),
    "California": (-118.24, 34.05),
    "Texas": (-95.37, 29.76),
    "New York": (-73.94, 40.67),
    "Florida": (-80.19, 25.76),
    "Washington": (-122.33, 47.61),
    "Colorado": (-104.99, 39.74),
    "Alaska": (-149.90, 61.22),
    "Hawaii": (-157.86, 21.31),
}


@pytest.mark.parametrize("state", sorted(CITIES))
def test_known_cities_land_inside_their_state_on_the_basemap(state: str) -> None:
    rings = _states()[state]
    point = geo.albers_usa(*CITIES[state])
    assert point is not None
    xs = [x for r in rings for x, _ in r]
    ys = [y for r in rings for _, y in r]
    assert min(xs) <= point[0] <= max(xs) and min(ys) <= point[1] <= max(ys)
    assert any(geo.inside(point, ring) for ring in rings), (state, point)


def test_the_basemap_holds_every_state_in_the_frame() -> None:
    states = _states()
    assert len(states) >= 51 and "District of Columbia" in states
    xs = [x for rings in states.values() for r in rings for x, _ in r]
    assert min(xs) > -60 and max(xs) < geo.WIDTH  # the file's own extent (Alaska overhangs)
    assert geo.albers_usa(2.35, 48.86) is None  # Paris is on no part of the map


def test_point_in_polygon_and_shapes() -> None:
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    assert geo.inside((5, 5), square) and geo.inside((10, 5), square)
    assert not geo.inside((11, 5), square) and not geo.inside((-1, -1), square)
    notch = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (5.0, 2.0), (0.0, 10.0)]
    assert not geo.inside((5, 8), notch) and geo.inside((2, 2), notch)
    assert geo.parse_shape("1,2 3,4 5,6") == [(1, 2), (3, 4), (5, 6)]
    for bad in ("", "1,2 3,4", "a,b 1,2 3,4", "nan,1 1,2 3,4"):
        assert geo.parse_shape(bad) is None


def _points(html: str) -> dict[str, geo.Point]:
    return {m.group(1): (float(m.group(2)), float(m.group(3))) for m in POINT.finditer(html)}


def _box(x: float, y: float, half: float = 4) -> str:
    return (
        f"{x - half},{y - half} {x + half},{y - half} {x + half},{y + half} {x - half},{y + half}"
    )


def test_the_map_places_the_leads_of_the_area_and_selects_by_shape(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    analyst = web.user("ANALYST")
    analyst.declare_purpose()
    shown = analyst.get("/map")
    assert shown.status_code == 200 and 'href="/static/us-states.svg"' in shown.text
    assert 'src="/static/map.js"' in shown.text and "<script>" not in shown.text
    points = _points(shown.text)
    lead = world["lead"]
    assert lead in points, "the lead's best address is placed on the map"
    assert 'data-testid="map-row"' in shown.text  # the same leads as a table
    x, y = points[lead]
    inside = analyst.get(
        "/map/selection", params={"shape": _box(x, y)}, headers={"HX-Request": "true"}
    )
    assert inside.status_code == 200 and "<html" not in inside.text
    assert lead in inside.text and "inside the shape" in inside.text
    away = analyst.get("/map/selection", params={"shape": _box(x + 200, y + 200, 2)})
    assert lead not in away.text and "0 leads inside the shape" in away.text
    bad = analyst.get("/map/selection", params={"shape": "1,2"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400
    reads = api.audit_events(action="leads.read", actor=analyst.id)
    assert {json.loads(e.details)["person_id"] for e in reads}  # placing a lead reads it
    assert api.audit_count(action="leads.list", actor=analyst.id, outcome="SUCCESS") >= 3


def test_the_map_keeps_to_the_area_and_the_purpose(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    office = _lead_office(api, world["lead"])
    other = OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE
    outsider = web.user("OFFICER", [other])
    assert outsider.get("/map").status_code == 428  # no purpose yet: say why you look
    outsider.declare_purpose()
    page = outsider.get("/map", params={"area": office})
    assert page.status_code == 200 and world["lead"] not in page.text
    everywhere = "-100,-100 1100,-100 1100,700 -100,700"
    assert world["lead"] not in outsider.get("/map/selection", params={"shape": everywhere}).text
    insider = web.user("OFFICER", [office])
    insider.declare_purpose()
    assert world["lead"] in insider.get("/map/selection", params={"shape": everywhere}).text
    assert web.user("ADMIN").get("/map").status_code == 403
