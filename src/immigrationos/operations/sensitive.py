"""Sensitive locations: schools, hospitals, places of worship, courts (configurable).

A stop of an operation within the radius of one needs the requester's recorded
justification and a second approval by another supervisor. The list is a YAML file:
``categories`` (name: ``{label, radius_m}``) and ``locations`` (``{id, name, category,
lat, lon, radius_m?}``); the bundled one (``operations/data/sensitive_locations.yaml``)
is synthetic. ``IMOS_SENSITIVE_LOCATIONS`` names another file. Distances are great-circle
(haversine), not road distances: "near" is about where the stop is, not how to get there.
A malformed file raises :class:`SensitiveLocationsError` naming the file, the entry and
the field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from immigrationos.operations.travel import haversine_km

BUNDLED = Path(__file__).parent / "data" / "sensitive_locations.yaml"
ENV_VAR = "IMOS_SENSITIVE_LOCATIONS"


class SensitiveLocationsError(ValueError):
    """A sensitive-locations file that cannot be used: the file, the entry and the field."""


@dataclass(frozen=True)
class Category:
    """A kind of sensitive location and the radius within which a stop is near one."""

    name: str
    label: str
    radius_m: float


@dataclass(frozen=True)
class SensitiveLocation:
    """One sensitive location: where it is, of which kind, and its radius."""

    id: str
    name: str
    category: str
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class Nearby:
    """A sensitive location a stop is within the radius of, and how far it is."""

    location: SensitiveLocation
    label: str
    metres: float

    def as_dict(self) -> dict[str, Any]:
        """Return what an operation records of it."""
        return {
            "id": self.location.id,
            "name": self.location.name,
            "category": self.location.category,
            "label": self.label,
            "metres": round(self.metres),
            "radius_m": round(self.location.radius_m),
        }


@dataclass(frozen=True)
class SensitiveLocations:
    """The categories and locations in force."""

    source: str
    categories: dict[str, Category]
    locations: tuple[SensitiveLocation, ...]

    def near(self, lat: float, lon: float) -> list[Nearby]:
        """Return the locations within whose radius a point lies, nearest first."""
        found = []
        for place in self.locations:
            metres = haversine_km(lat, lon, place.lat, place.lon) * 1000
            if metres <= place.radius_m:
                found.append(Nearby(place, self.categories[place.category].label, metres))
        return sorted(found, key=lambda n: (n.metres, n.location.id))


def _number(raw: Any, where: str, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise SensitiveLocationsError(f"{where}: field '{field}' must be a number, got {raw!r}")
    return float(raw)


def parse(data: Any, source: str) -> SensitiveLocations:
    """Return the sensitive locations of a parsed YAML document; raise on any bad entry."""
    if not isinstance(data, dict):
        raise SensitiveLocationsError(f"{source}: expected 'categories' and 'locations'")
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, dict) or not raw_categories:
        raise SensitiveLocationsError(f"{source}: 'categories' must map names to radii")
    categories: dict[str, Category] = {}
    for name, spec in raw_categories.items():
        where = f"{source}: category '{name}'"
        if not isinstance(spec, dict):
            raise SensitiveLocationsError(f"{where}: expected {{label, radius_m}}")
        radius = _number(spec.get("radius_m"), where, "radius_m")
        if radius <= 0:
            raise SensitiveLocationsError(f"{where}: field 'radius_m' must be positive")
        categories[str(name)] = Category(str(name), str(spec.get("label") or name), radius)
    raw_locations = data.get("locations") or []
    if not isinstance(raw_locations, list):
        raise SensitiveLocationsError(f"{source}: 'locations' must be a list")
    locations: list[SensitiveLocation] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw_locations, start=1):
        where = f"{source}: location {i}"
        if not isinstance(entry, dict):
            raise SensitiveLocationsError(f"{where}: expected a mapping")
        ident = str(entry.get("id") or "").strip()
        if not ident:
            raise SensitiveLocationsError(f"{where}: field 'id' is missing")
        where = f"{source}: location {i} ({ident})"
        if ident in seen:
            raise SensitiveLocationsError(f"{where}: field 'id' repeats an earlier location")
        seen.add(ident)
        category = str(entry.get("category") or "")
        if category not in categories:
            known = ", ".join(sorted(categories))
            raise SensitiveLocationsError(
                f"{where}: field 'category' is {category!r}, not one of {known}"
            )
        lat = _number(entry.get("lat"), where, "lat")
        lon = _number(entry.get("lon"), where, "lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SensitiveLocationsError(f"{where}: fields 'lat'/'lon' out of range")
        radius = (
            _number(entry["radius_m"], where, "radius_m")
            if entry.get("radius_m") is not None
            else categories[category].radius_m
        )
        if radius <= 0:
            raise SensitiveLocationsError(f"{where}: field 'radius_m' must be positive")
        name = str(entry.get("name") or ident)
        locations.append(SensitiveLocation(ident, name, category, lat, lon, radius))
    return SensitiveLocations(source, categories, tuple(locations))


def default_path() -> Path:
    """Return the file in force: ``IMOS_SENSITIVE_LOCATIONS``, else the bundled one."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured) if configured else BUNDLED


def load(path: Path | str | None = None) -> SensitiveLocations:
    """Return the sensitive locations of a YAML file (the one in force by default)."""
    chosen = Path(path) if path is not None else default_path()
    try:
        stamp = chosen.stat().st_mtime_ns
    except OSError as exc:
        raise SensitiveLocationsError(f"{chosen}: cannot be read ({exc.strerror})") from exc
    return _load_cached(str(chosen), stamp)


@lru_cache(maxsize=4)
def _load_cached(path: str, stamp: int) -> SensitiveLocations:
    del stamp  # part of the cache key: an edited file is read again
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SensitiveLocationsError(f"{path}: not valid YAML ({exc})") from exc
    return parse(data, path)
