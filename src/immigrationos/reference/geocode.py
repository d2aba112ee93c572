"""Offline geocoding of contract addresses from the bundled GeoNames ZIP table.

The street is not used: the finest level available offline is the ZIP code. Each address
is placed, in order of preference, at its ZIP (``zip``), at the centroid of its city's ZIPs
(``city``), at the centroid of its state's ZIPs (``state``), or nowhere (``none``). The
field office comes from the AOR table. Nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl

from immigrationos.reference import field_offices, normalize, zipcodes

Precision = Literal["zip", "city", "state", "none"]
PRECISIONS: tuple[Precision, ...] = ("zip", "city", "state", "none")

_METHOD: dict[str, str] = {
    "zip": "used ZIP",
    "city": "used city centroid",
    "state": "used state centroid",
    "none": "nothing to locate",
}


@dataclass(frozen=True)
class Geocode:
    """Where an address was placed, how precisely, and why."""

    lat: float | None
    lon: float | None
    precision: Precision
    matched_zip: str | None
    field_office: str | None
    note: str


@dataclass(frozen=True)
class Gazetteer:
    """Lookup tables of one ZIP table and one AOR table, as frames and as dictionaries."""

    zips: pl.DataFrame  # zip, z_state, z_city, z_city_key, z_lat, z_lon, z_office
    cities: pl.DataFrame  # state, city_key, c_lat, c_lon, c_office
    states: pl.DataFrame  # state, s_lat, s_lon
    aor: pl.DataFrame
    zip_index: dict[str, tuple[str, str, str | None, float, float, str | None]]
    city_index: dict[tuple[str, str], tuple[float, float, str | None]]
    state_index: dict[str, tuple[float, float]]


def build_gazetteer(zips: pl.DataFrame, aor: pl.DataFrame) -> Gazetteer:
    """Return the lookup tables of a ZIP table (zip, city, state, lat, lon) and an AOR table."""
    base = zips.select(
        pl.col("zip").cast(pl.Utf8),
        pl.col("state").cast(pl.Utf8),
        pl.col("city").cast(pl.Utf8),
        normalize.city_expr(pl.col("city")).alias("city_key"),
        pl.col("lat").cast(pl.Float64),
        pl.col("lon").cast(pl.Float64),
    ).filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    base = base.with_columns(
        field_offices.offices_for_keys(base.get_column("state"), base.get_column("zip"), aor=aor)
    )
    zip_frame = base.select(
        "zip",
        pl.col("state").alias("z_state"),
        pl.col("city").alias("z_city"),
        pl.col("city_key").alias("z_city_key"),
        pl.col("lat").alias("z_lat"),
        pl.col("lon").alias("z_lon"),
        pl.col("field_office").alias("z_office"),
    )
    keyed = base.filter(pl.col("city_key").is_not_null())
    # A city spanning offices gets the office of most of its ZIPs (ties: first by name).
    city_office = (
        keyed.group_by("state", "city_key", "field_office")
        .len()
        .sort(["state", "city_key", "len", "field_office"], descending=[False, False, True, False])
        .group_by("state", "city_key", maintain_order=True)
        .first()
        .select("state", "city_key", pl.col("field_office").alias("c_office"))
    )
    city_frame = (
        keyed.group_by("state", "city_key")
        .agg(pl.col("lat").mean().alias("c_lat"), pl.col("lon").mean().alias("c_lon"))
        .join(city_office, on=["state", "city_key"], how="left")
    )
    state_frame = base.group_by("state").agg(
        pl.col("lat").mean().alias("s_lat"), pl.col("lon").mean().alias("s_lon")
    )
    return Gazetteer(
        zips=zip_frame,
        cities=city_frame,
        states=state_frame,
        aor=aor,
        zip_index={row[0]: row[1:] for row in zip_frame.iter_rows()},
        city_index={(row[0], row[1]): row[2:] for row in city_frame.iter_rows()},
        state_index={row[0]: row[1:] for row in state_frame.iter_rows()},
    )


def get_gazetteer() -> Gazetteer:
    """Return the gazetteer of the bundled ZIPs and the AOR table in use (IMOS_AOR_FILE)."""
    path = field_offices.aor_path()
    return _gazetteer_cached(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _gazetteer_cached(path: str, stamp: int) -> Gazetteer:
    return build_gazetteer(zipcodes.load_zipcodes(), field_offices.load_aor(path))


def geocode(
    street: str | None,
    city: str | None,
    state: str | None,
    zip: str | None,
    *,
    gazetteer: Gazetteer | None = None,
) -> Geocode:
    """Place one address at its ZIP, else its city, else its state; never raise on bad input.

    Args:
        street: accepted for the contract's address fields; not used offline.
        city, state, zip: the address fields as written, possibly dirty.
        gazetteer: lookup tables; the bundled ZIPs and the AOR in use by default.

    Returns:
        The coordinates, their precision, the ZIP used, the field office, and a note saying
        what was used and any inconsistency between the fields.
    """
    del street
    gaz = gazetteer if gazetteer is not None else get_gazetteer()
    zip_raw, state_raw = normalize.clean(zip), normalize.clean(state)
    zip5, zip_status = normalize.normalize_zip(zip)
    code = normalize.normalize_state(state)
    known = code is not None and code in normalize.USPS_CODES
    city_key = normalize.normalize_city(city)
    city_shown = normalize.clean(city)

    zip_hit = gaz.zip_index.get(zip5) if zip5 is not None else None
    city_hit = (
        gaz.city_index.get((code, city_key))
        if zip_hit is None and known and code is not None and city_key is not None
        else None
    )
    state_hit = gaz.state_index.get(code) if known and code is not None else None

    issues: list[str] = []
    if zip_status == "malformed":
        issues.append(f"ZIP '{zip_raw}' is malformed")
    elif zip_status == "padded":
        issues.append(f"ZIP '{zip_raw}' read as {zip5}")
    if zip5 is not None and zip_hit is None:
        issues.append(f"ZIP {zip5} not found")
    if state_raw is not None and not known:
        issues.append(f"state '{state_raw}' unknown")
    if zip_hit is not None and known and code != zip_hit[0]:
        issues.append(f"ZIP {zip5} is in {zip_hit[0]}, address says {code}")
    if zip_hit is not None and city_key is not None and city_key != zip_hit[2]:
        issues.append(f"ZIP {zip5} is {zip_hit[1]}, address says {city_shown}")
    if zip_hit is None and known and city_key is not None and city_hit is None:
        issues.append(f"city '{city_shown}' not found in {code}")
    if zip_hit is None and city_hit is None and known and state_hit is None:
        issues.append(f"no ZIP data for {code}")

    lat: float | None
    lon: float | None
    precision: Precision
    if zip_hit is not None:
        precision, lat, lon, office = "zip", zip_hit[3], zip_hit[4], zip_hit[5]
    elif city_hit is not None:
        precision, lat, lon, office = "city", city_hit[0], city_hit[1], city_hit[2]
    else:
        precision = "state" if state_hit is not None else "none"
        lat, lon = state_hit if state_hit is not None else (None, None)
        office = (
            field_offices.office_name_for(code, zip5, aor=gaz.aor)
            if known and code is not None
            else None
        )
    method = _METHOD[precision]
    note = f"{'; '.join(issues)}: {method}" if issues else method
    return Geocode(
        lat=lat,
        lon=lon,
        precision=precision,
        matched_zip=zip5 if zip_hit is not None else None,
        field_office=office,
        note=note,
    )


def geocode_frame(
    df: pl.DataFrame,
    *,
    street_col: str = "street",
    city_col: str = "city",
    state_col: str = "state",
    zip_col: str = "zip",
    details: bool = False,
    gazetteer: Gazetteer | None = None,
) -> pl.DataFrame:
    """Return the frame with lat, lon, geo_precision and field_office, by joins, never by row.

    Missing address columns count as empty. With ``details`` the frame also gets
    ``geo_zip`` (the ZIP used) and ``geo_note`` (the same note as :func:`geocode`).
    """
    del street_col
    gaz = gazetteer if gazetteer is not None else get_gazetteer()

    def column(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Utf8) if name in df.columns else pl.lit(None, pl.Utf8)

    # The result depends on (city, state, zip) only: geocode each distinct triple once.
    keys = df.select(
        column(city_col).alias("__c"), column(state_col).alias("__s"), column(zip_col).alias("__z")
    )
    distinct = keys.unique()
    work = (
        distinct.with_columns(
            normalize.clean_expr(pl.col("__z")).alias("__zip_raw"),
            normalize.zip5_expr(pl.col("__z")).alias("__zip"),
            normalize.clean_expr(pl.col("__s")).alias("__state_raw"),
            normalize.state_expr(pl.col("__s")).alias("__state"),
            normalize.clean_expr(pl.col("__c")).alias("__city_raw"),
        )
        .with_columns(pl.col("__state").is_in(sorted(normalize.USPS_CODES)).alias("__known"))
        .join(gaz.zips, left_on="__zip", right_on="zip", how="left")
    )
    city_key = normalize.city_expr(pl.col("__c")).alias("__city_key")
    if details:
        work = work.with_columns(city_key)
    else:
        # Without notes the city matters only where the ZIP did not match: the name
        # normalisation is the costliest step, so it runs on those rows only.
        located = pl.col("z_lat").is_not_null()
        work = pl.concat(
            [
                work.filter(located).with_columns(pl.lit(None, pl.Utf8).alias("__city_key")),
                work.filter(~located).with_columns(city_key),
            ]
        )
    work = work.join(
        gaz.cities, left_on=["__state", "__city_key"], right_on=["state", "city_key"], how="left"
    ).join(gaz.states, left_on="__state", right_on="state", how="left")
    zip_hit = pl.col("z_lat").is_not_null()
    known = pl.col("__known").fill_null(False)
    city_hit = ~zip_hit & known & pl.col("c_lat").is_not_null()
    state_hit = known & pl.col("s_lat").is_not_null()
    work = work.with_columns(
        pl.when(zip_hit)
        .then(pl.lit("zip"))
        .when(city_hit)
        .then(pl.lit("city"))
        .when(state_hit)
        .then(pl.lit("state"))
        .otherwise(pl.lit("none"))
        .alias("__precision")
    )
    # The AOR is consulted only for the rows placed by state or not at all.
    fallback = work.select(
        pl.when(~zip_hit & ~city_hit & known).then(pl.col("__state")).alias("__st"),
        pl.when(~zip_hit & ~city_hit & known).then(pl.col("__zip")).alias("__z"),
    )
    aor_office = field_offices.offices_for_keys(
        fallback.get_column("__st"), fallback.get_column("__z"), aor=gaz.aor
    )
    work = work.with_columns(aor_office.alias("__aor_office"))
    precision = pl.col("__precision")
    out = {
        "lat": pl.when(zip_hit)
        .then(pl.col("z_lat"))
        .when(city_hit)
        .then(pl.col("c_lat"))
        .when(state_hit)
        .then(pl.col("s_lat")),
        "lon": pl.when(zip_hit)
        .then(pl.col("z_lon"))
        .when(city_hit)
        .then(pl.col("c_lon"))
        .when(state_hit)
        .then(pl.col("s_lon")),
        "geo_precision": precision,
        "field_office": pl.when(zip_hit)
        .then(pl.col("z_office"))
        .when(city_hit)
        .then(pl.col("c_office"))
        .otherwise(pl.col("__aor_office")),
    }
    if details:
        out["geo_zip"] = pl.when(zip_hit).then(pl.col("__zip"))
        out["geo_note"] = _note_expr(zip_hit, city_hit, state_hit, known)
    result = work.select("__c", "__s", "__z", **out)
    placed = keys.join(
        result, on=["__c", "__s", "__z"], how="left", nulls_equal=True, maintain_order="left"
    ).drop("__c", "__s", "__z")
    return df.with_columns(placed.get_columns())


def geocode_file(path: Path | str, *, details: bool = True) -> pl.DataFrame:
    """Return a CSV of addresses (street, city, state, zip) read as text and geocoded.

    Every column is read as text, so ZIPs keep their leading zeros. Raises ValueError naming
    the file when it has none of the columns city, state and zip.
    """
    frame = pl.read_csv(path, infer_schema_length=0)
    if not {"city", "state", "zip"} & set(frame.columns):
        raise ValueError(
            f"{path}: no address column; expected some of street, city, state, zip, "
            f"found {', '.join(frame.columns) or 'none'}"
        )
    return geocode_frame(frame, details=details)


def _note_expr(zip_hit: pl.Expr, city_hit: pl.Expr, state_hit: pl.Expr, known: pl.Expr) -> pl.Expr:
    """Return the polars twin of the note built in :func:`geocode`."""
    zip_raw, zip5 = pl.col("__zip_raw"), pl.col("__zip")
    code, city_key = pl.col("__state"), pl.col("__city_key")
    malformed = zip_raw.is_not_null() & zip5.is_null()
    padded = zip5.is_not_null() & ~zip_raw.str.contains(r"^[0-9]{5}(?:-?[0-9]{4})?$")
    issues = [
        pl.when(malformed).then(pl.format("ZIP '{}' is malformed", zip_raw)),
        pl.when(padded).then(pl.format("ZIP '{}' read as {}", zip_raw, zip5)),
        pl.when(zip5.is_not_null() & ~zip_hit).then(pl.format("ZIP {} not found", zip5)),
        pl.when(pl.col("__state_raw").is_not_null() & ~known).then(
            pl.format("state '{}' unknown", pl.col("__state_raw"))
        ),
        pl.when(zip_hit & known & (code != pl.col("z_state"))).then(
            pl.format("ZIP {} is in {}, address says {}", zip5, pl.col("z_state"), code)
        ),
        pl.when(zip_hit & city_key.is_not_null() & (city_key != pl.col("z_city_key"))).then(
            pl.format("ZIP {} is {}, address says {}", zip5, pl.col("z_city"), pl.col("__city_raw"))
        ),
        pl.when(~zip_hit & known & city_key.is_not_null() & ~city_hit).then(
            pl.format("city '{}' not found in {}", pl.col("__city_raw"), code)
        ),
        pl.when(~zip_hit & ~city_hit & known & ~state_hit).then(
            pl.format("no ZIP data for {}", code)
        ),
    ]
    joined = pl.concat_str(issues, separator="; ", ignore_nulls=True)
    method = pl.col("__precision").replace_strict(_METHOD, return_dtype=pl.Utf8)
    return (
        pl.when(joined.is_null() | (joined == ""))
        .then(method)
        .otherwise(pl.concat_str([joined, pl.lit(": "), method]))
    )
