"""Offline geocoding: precision fallbacks, notes, and the vectorised twin."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immigrationos.reference import geocode as geo
from immigrationos.reference.zipcodes import load_zipcodes

ZIPS = load_zipcodes()


def test_exact_zip() -> None:
    found = geo.geocode("350 5th Ave", "New York", "NY", "10001")
    assert found.precision == "zip"
    assert found.matched_zip == "10001"
    assert found.field_office == "New York City Field Office"
    assert found.note == "used ZIP"
    row = ZIPS.filter(pl.col("zip") == "10001").row(0, named=True)
    assert (found.lat, found.lon) == (row["lat"], row["lon"])


def test_zip_plus_four_and_lost_leading_zero() -> None:
    assert geo.geocode(None, None, "NY", "10001-1234").matched_zip == "10001"
    padded = geo.geocode(None, None, "MA", "2108")
    assert padded.matched_zip == "02108"
    assert "ZIP '2108' read as 02108" in padded.note


def test_inconsistent_state_is_noted_and_zip_wins() -> None:
    found = geo.geocode(None, None, "NJ", "10001")
    assert found.precision == "zip"
    assert found.field_office == "New York City Field Office"
    assert found.note == "ZIP 10001 is in NY, address says NJ: used ZIP"


def test_inconsistent_city_is_noted() -> None:
    found = geo.geocode(None, "Boston", "NY", "10001")
    assert found.note == "ZIP 10001 is New York, address says Boston: used ZIP"


@pytest.mark.parametrize(
    "city", ["Fort Worth", "FT. WORTH", "ft worth", "  Fort-Worth ", "Ft Worth"]
)
def test_city_fallback_normalises_names(city: str) -> None:
    found = geo.geocode(None, city, "TX", None)
    assert found.precision == "city"
    assert found.matched_zip is None
    assert found.field_office == "Dallas Field Office"
    worth = ZIPS.filter((pl.col("state") == "TX") & (pl.col("city") == "Fort Worth"))
    assert found.lat == pytest.approx(worth.get_column("lat").mean())
    assert found.lon == pytest.approx(worth.get_column("lon").mean())


def test_saint_and_apostrophes() -> None:
    assert geo.geocode(None, "St. Paul", "MN", None).precision == "city"
    assert geo.geocode(None, "Saint Paul", "mn", "").precision == "city"
    assert geo.geocode(None, "Coeur d'Alene", "ID", None).precision == "city"


def test_unknown_zip_falls_back_to_city() -> None:
    found = geo.geocode(None, "Houston", "TX", "00000")
    assert found.precision == "city"
    assert found.note == "ZIP 00000 not found: used city centroid"


def test_state_fallback_uses_state_centroid() -> None:
    found = geo.geocode(None, "Atlantis", "GA", None)
    assert found.precision == "state"
    assert found.field_office == "Atlanta Field Office"
    assert found.note == "city 'Atlantis' not found in GA: used state centroid"
    georgia = ZIPS.filter(pl.col("state") == "GA")
    assert found.lat == pytest.approx(georgia.get_column("lat").mean())


def test_state_fallback_uses_zip_prefix_for_the_office() -> None:
    # 10099 is not a GeoNames ZIP, but prefix 100 is New York City's.
    found = geo.geocode(None, None, "NY", "10099")
    assert found.precision == "state"
    assert found.field_office == "New York City Field Office"
    assert geo.geocode(None, None, "NY", None).field_office == "Buffalo Field Office"


def test_nothing_usable() -> None:
    found = geo.geocode(None, "Springfield", "XX", "abc")
    assert found.precision == "none"
    assert (found.lat, found.lon, found.field_office) == (None, None, None)
    assert found.note == "ZIP 'abc' is malformed; state 'XX' unknown: nothing to locate"
    assert geo.geocode(None, None, None, None).note == "nothing to locate"


def test_territory_without_zip_data_still_gets_an_office() -> None:
    found = geo.geocode(None, "San Juan", "PR", "00901")
    assert found.precision == "none"
    assert found.field_office == "Miramar Sub Office"


def test_frame_handles_missing_columns_and_integer_zips() -> None:
    frame = pl.DataFrame({"zip": [10001, 2108, None], "state": ["NY", "MA", "TX"]})
    out = geo.geocode_frame(frame)
    assert out.columns == ["zip", "state", "lat", "lon", "geo_precision", "field_office"]
    assert out.get_column("geo_precision").to_list() == ["zip", "zip", "state"]
    assert out.get_column("field_office").to_list() == [
        "New York City Field Office",
        "Boston Field Office",
        "San Antonio Field Office",
    ]


def test_geocode_file(tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text("record_id,street,city,state,zip\n1,1 Main St,Boston,MA,02108\n2,,,TX,\n")
    out = geo.geocode_file(path)
    assert out.get_column("geo_zip").to_list() == ["02108", None]
    assert out.get_column("geo_precision").to_list() == ["zip", "state"]
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"bad\.csv: no address column"):
        geo.geocode_file(tmp_path / "bad.csv")


def test_frame_keeps_row_order_and_count() -> None:
    sample = ZIPS.sample(2000, seed=7, with_replacement=True)
    out = geo.geocode_frame(sample.select("zip", "state", "city"))
    assert out.height == 2000
    assert out.get_column("lat").to_list() == sample.get_column("lat").to_list()


_REAL = ZIPS.sample(300, seed=11)
real_zip = st.sampled_from(_REAL.get_column("zip").to_list())
real_city = st.sampled_from(_REAL.get_column("city").to_list())
real_state = st.sampled_from(sorted(set(_REAL.get_column("state").to_list())))
dirty = st.one_of(st.none(), st.text(max_size=12))
zip_field = st.one_of(
    dirty,
    real_zip,
    real_zip.map(lambda z: z.lstrip("0")),
    real_zip.map(lambda z: f" {z}-1234 "),
    st.from_regex(r"[0-9]{3,6}", fullmatch=True),
)
city_field = st.one_of(dirty, real_city, real_city.map(str.upper), real_city.map(lambda c: f"{c}."))
state_field = st.one_of(dirty, real_state, real_state.map(str.lower), st.just("PR"))
address = st.tuples(dirty, city_field, state_field, zip_field)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(address)
def test_geocode_never_raises(fields: tuple[str | None, ...]) -> None:
    found = geo.geocode(*fields)
    assert found.precision in geo.PRECISIONS
    assert (found.lat is None) == (found.precision == "none")
    assert found.note


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(address, min_size=1, max_size=60))
def test_frame_agrees_with_scalar(rows: list[tuple[str | None, ...]]) -> None:
    frame = pl.DataFrame(rows, schema=["street", "city", "state", "zip"], orient="row").cast(
        pl.Utf8
    )
    out = geo.geocode_frame(frame, details=True)
    plain = geo.geocode_frame(frame)  # without notes the city is normalised for fewer rows
    shared = ["lat", "lon", "geo_precision", "field_office"]
    assert plain.select(shared).equals(out.select(shared))
    for fields, got in zip(rows, out.iter_rows(named=True), strict=True):
        want = geo.geocode(*fields)
        expected = (
            want.lat,
            want.lon,
            want.precision,
            want.field_office,
            want.matched_zip,
            want.note,
        )
        actual = (
            got["lat"], got["lon"], got["geo_precision"], got["field_office"],
            got["geo_zip"], got["geo_note"],
        )  # fmt: skip
        assert all(_same(a, b) for a, b in zip(actual, expected, strict=True)), (
            fields,
            actual,
            expected,
        )
