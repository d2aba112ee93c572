"""The bundled area-of-responsibility table and the office lookups built on it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from immigrationos import config
from immigrationos.reference import field_offices
from immigrationos.reference.zipcodes import load_zipcodes

_STATES_TEXT = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU MP"
)
STATES_AND_TERRITORIES = _STATES_TEXT.split()

# Counties named in the listing's area_of_responsibility text.
LA_COUNTIES = {
    "Los Angeles", "Orange", "Riverside", "San Bernardino",
    "Ventura", "Santa Barbara", "San Luis Obispo",
}  # fmt: skip
SD_COUNTIES = {"San Diego", "Imperial"}
NYC_COUNTIES = {
    "New York", "Kings", "Queens", "Bronx", "Richmond", "Dutchess", "Nassau", "Putnam",
    "Suffolk", "Sullivan", "Orange", "Rockland", "Ulster", "Westchester",
}  # fmt: skip


def _raw_aor() -> pl.DataFrame:
    return pl.read_csv(field_offices.bundled_aor_path(), infer_schema_length=0)


def test_listing_has_25_offices_all_in_the_table() -> None:
    names = {office.name for office in field_offices.load_field_offices()}
    assert len(names) == 25
    assert set(_raw_aor().get_column("office_name").unique()) == names


def test_each_state_and_prefix_is_mapped_once() -> None:
    raw = _raw_aor().with_columns(pl.col("zip_prefix").fill_null(""))
    duplicated = raw.filter(pl.struct("state", "zip_prefix").is_duplicated())
    assert duplicated.is_empty(), duplicated


@pytest.mark.parametrize("state", STATES_AND_TERRITORIES)
def test_every_state_has_a_default_office(state: str) -> None:
    assert field_offices.office_for(state, None) is not None


def test_every_zip_maps_to_exactly_one_office() -> None:
    zips = load_zipcodes()
    assigned = field_offices.assign_offices(zips)
    assert assigned.height == zips.height
    assert assigned.get_column("field_office").null_count() == 0
    assert field_offices.unmapped_zips().is_empty()
    # Every office of the listing serves some ZIP.
    assert assigned.get_column("field_office").n_unique() == 25


def test_vectorised_assignment_agrees_with_scalar_lookup() -> None:
    zips = load_zipcodes().select("zip", "state")
    assigned = field_offices.assign_offices(zips)
    for zip_code, state, office in assigned.iter_rows():
        assert field_offices.office_name_for(state, zip_code) == office, (state, zip_code)


@pytest.mark.parametrize(
    ("state", "zip_code", "office"),
    [
        ("NY", "10001", "New York City Field Office"),
        ("NY", "14202", "Buffalo Field Office"),
        ("NY", "12401", "New York City Field Office"),  # Kingston, Ulster County
        ("NY", "12414", "Buffalo Field Office"),  # Catskill, Greene County
        ("CA", "90012", "Los Angeles Field Office"),
        ("CA", "94103", "San Francisco Field Office"),
        ("CA", "92101", "San Diego Field Office"),
        ("CA", "92243", "San Diego Field Office"),  # El Centro, Imperial County
        ("CA", "92262", "Los Angeles Field Office"),  # Palm Springs, Riverside County
        ("TX", "79901", "El Paso Field Office"),
        ("TX", "77002", "Houston Field Office"),
        ("TX", "75201", "Dallas Field Office"),
        ("TX", "78205", "San Antonio Field Office"),
        ("TX", "78520", "Harlingen Field Office"),
        ("NM", "87102", "El Paso Field Office"),
        ("IL", "60601", "Chicago Field Office"),
        ("HI", "96813", "San Francisco Field Office"),  # the listing names no Honolulu office
        ("PR", "00901", "Miramar Sub Office"),  # no PR ZIPs in GeoNames: state row
        ("PR", None, "Miramar Sub Office"),
        ("VI", None, "Miramar Sub Office"),
        ("GU", None, "San Francisco Field Office"),
        ("MA", "02108", "Boston Field Office"),
        ("DC", "20001", "Washington Field Office"),
    ],
)
def test_known_offices(state: str, zip_code: str | None, office: str) -> None:
    found = field_offices.office_for(state, zip_code)
    assert found is not None
    assert found.name == office
    assert found == field_offices.get_field_office(office)


def test_unknown_state_has_no_office() -> None:
    assert field_offices.office_for("ZZ", "10001") is None
    assert field_offices.office_for(None, "10001") is None


@pytest.mark.parametrize(
    ("state", "offices"),
    [
        (
            "CA",
            lambda county: (
                "Los Angeles Field Office"
                if county in LA_COUNTIES
                else "San Diego Field Office"
                if county in SD_COUNTIES
                else "San Francisco Field Office"
            ),
        ),
        (
            "NY",
            lambda county: (
                "New York City Field Office" if county in NYC_COUNTIES else "Buffalo Field Office"
            ),
        ),
    ],
)
def test_split_states_follow_the_listed_counties(state: str, offices: object) -> None:
    zips = field_offices.assign_offices(load_zipcodes().filter(pl.col("state") == state))
    wrong = [
        (row["zip"], row["county"], row["field_office"])
        for row in zips.iter_rows(named=True)
        if offices(row["county"]) != row["field_office"]  # type: ignore[operator]
    ]
    # GeoNames puts 92331 (Fontana, San Bernardino County) in Imperial County.
    assert wrong == ([("92331", "Imperial", "Los Angeles Field Office")] if state == "CA" else [])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my_aor.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_table_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "office_name,state,zip_prefix\n"
        "Boston Field Office,MA,\n"
        "Gotham Field Office,NY,\n"
        "Boston Field Office,XX,\n"
        "Boston Field Office,CT,06A\n"
        "Boston Field Office,MA,\n",
    )
    with pytest.raises(field_offices.AorTableError) as caught:
        field_offices.load_aor(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 3, field 'office_name': unknown office 'Gotham Field Office'" in message
    assert "line 4, field 'state': 'XX'" in message
    assert "line 5, field 'zip_prefix': '06A'" in message
    assert "line 6, field 'zip_prefix': MA (whole state) is already mapped on line 2" in message
    assert [(i.line, i.field) for i in caught.value.issues] == [
        (3, "office_name"),
        (4, "state"),
        (5, "zip_prefix"),
        (6, "zip_prefix"),
    ]


def test_user_table_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "office,state\nBoston Field Office,MA\n")
    with pytest.raises(field_offices.AorTableError, match="line 1, field 'office_name'"):
        field_offices.load_aor(path)


def test_user_table_missing_file(tmp_path: Path) -> None:
    with pytest.raises(field_offices.AorTableError, match=r"absent\.csv"):
        field_offices.load_aor(tmp_path / "absent.csv")


def test_user_table_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(
        tmp_path,
        "office_name,state,zip_prefix\n"
        "boston field office,NY,\n"  # names match case-insensitively
        "Newark Field Office,ny,10001\n",
    )
    monkeypatch.setenv("IMOS_AOR_FILE", str(path))
    monkeypatch.setattr(config, "get_settings", config.Settings)
    assert field_offices.aor_path() == path
    assert field_offices.office_name_for("NY", "10001") == "Newark Field Office"
    assert field_offices.office_name_for("NY", "10002") == "Boston Field Office"
    assert field_offices.office_name_for("CA", "90012") is None
