"""Read detained persons to place from a CSV file, or make a synthetic population.

The CSV has a header and one person a row: ``id``, ``sex`` (F/M), ``security_level``
(A-D) and where the person is now, either ``lat`` and ``lon`` or a five-digit ``zip``
(placed at the bundled ZIP table's coordinates). A bad row is an error that names the
file, the row and the field; nothing is skipped silently.

The synthetic population is the benchmark's (``bench/placement.py``): 85 % male, levels
A 25 % / B 35 % / C 25 % / D 15 %, each person at one of the 25 ERO field offices.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from immigrationos.custody.placement import DetainedPerson
from immigrationos.custody.sites import SECURITY_LEVELS, SEXES
from immigrationos.reference import field_offices, zipcodes

LEVEL_WEIGHTS = (25, 35, 25, 15)


class PlacementInputError(ValueError):
    """A persons file that cannot be read: the file, row and field are named."""


def read_persons(path: Path) -> list[DetainedPerson]:
    """Return the detained persons of a CSV file (see the module's docstring for columns)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PlacementInputError(f"{path}: cannot read: {exc}") from exc
    rows = list(csv.DictReader(text.splitlines()))
    header = set(rows[0]) if rows else set()
    for needed in ("id", "sex", "security_level"):
        if rows and needed not in header:
            raise PlacementInputError(f"{path}: no column {needed!r}")
    zips: dict[str, tuple[float, float]] = {}
    if rows and "zip" in header:
        table = zipcodes.load_zipcodes().drop_nulls(["lat", "lon"])
        zips = {
            z: (lat, lon)
            for z, lat, lon in zip(
                table.get_column("zip").to_list(), table.get_column("lat").to_list(),
                table.get_column("lon").to_list(), strict=True,
            )
        }  # fmt: skip
    persons = []
    for n, row in enumerate(rows, start=2):
        where = f"{path}, row {n}"
        sex = (row.get("sex") or "").strip().upper()
        level = (row.get("security_level") or "").strip().upper()
        if not (row.get("id") or "").strip():
            raise PlacementInputError(f"{where}, field id: empty")
        if sex not in SEXES:
            raise PlacementInputError(f"{where}, field sex: {sex!r} is not one of {SEXES}")
        if level not in SECURITY_LEVELS:
            raise PlacementInputError(
                f"{where}, field security_level: {level!r} is not one of {SECURITY_LEVELS}"
            )
        lat_lon = _where(row, zips, where)
        persons.append(DetainedPerson(row["id"].strip(), sex, level, *lat_lon))
    return persons


def _where(
    row: dict[str, str], zips: dict[str, tuple[float, float]], where: str
) -> tuple[float, float]:
    if (row.get("lat") or "").strip() or (row.get("lon") or "").strip():
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PlacementInputError(f"{where}, field lat/lon: not a pair of numbers") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlacementInputError(f"{where}, field lat/lon: ({lat}, {lon}) out of range")
        return lat, lon
    code = (row.get("zip") or "").strip().zfill(5)
    if code not in zips:
        raise PlacementInputError(
            f"{where}, field zip: {code!r} is not a known ZIP code (or give lat, lon)"
        )
    return zips[code]


def synthetic_persons(n: int, seed: int = 1) -> list[DetainedPerson]:
    """Return n synthetic detained persons at the ERO field offices."""
    rng = random.Random(seed)
    origins = [(o.lat, o.lon) for o in field_offices.load_field_offices()]
    return [
        DetainedPerson(
            id=f"P{i:06d}",
            sex="M" if rng.random() < 0.85 else "F",
            security_level=rng.choices(SECURITY_LEVELS, LEVEL_WEIGHTS)[0],
            lat=(origin := rng.choice(origins))[0],
            lon=origin[1],
        )
        for i in range(n)
    ]
