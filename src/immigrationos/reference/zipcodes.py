"""US ZIP codes with their place names and coordinates (GeoNames, CC BY 4.0)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import polars as pl

_DATA = resources.files("immigrationos.reference") / "data"


@lru_cache(maxsize=1)
def load_zipcodes() -> pl.DataFrame:
    """Return the bundled ZIP table: zip, city, state, county, lat, lon, accuracy.

    One row per ZIP code (about 41,000), every ZIP five digits as text.
    """
    with resources.as_file(_DATA / "us_zipcodes.csv") as path:
        return pl.read_csv(
            path,
            schema_overrides={"zip": pl.Utf8, "county": pl.Utf8},
        )
