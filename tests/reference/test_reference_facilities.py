"""The ICE FY2015 detention facility listing as typed records."""

from __future__ import annotations

import pytest

from immigrationos.reference import facilities, field_offices


def test_all_rows_load_with_types() -> None:
    loaded = facilities.load_facilities()
    assert len(loaded) == 209
    assert len({f.code for f in loaded}) == 209
    assert all(f.capacity is None or isinstance(f.capacity, int) for f in loaded)
    assert all(len(f.zip) == 5 and f.zip.isdigit() for f in loaded)
    assert all(isinstance(v, float) for f in loaded for v in f.adp_by_fiscal_year.values())
    numeric = [f for f in loaded if f.capacity is not None]
    assert len(numeric) > 150


def test_known_rows() -> None:
    by_code = {f.code: f for f in facilities.load_facilities()}
    adelanto = by_code["ADLNTCA"]
    assert adelanto.capacity == 1940
    assert adelanto.security_levels == ("A", "B", "C", "D")
    assert adelanto.adp_by_fiscal_year[2015] == pytest.approx(1179.726021092385)
    assert adelanto.last_inspection_date is not None
    assert adelanto.last_inspection_date.isoformat() == "2015-10-09"
    assert adelanto.field_office == "Los Angeles Field Office"
    assert by_code["ALHAMCA"].capacity is None  # "AS NEEDED"
    assert by_code["BERGENJ"].zip == "07601"  # listed as 7601: leading zero restored
    # The listing's own error (Woodstown, NJ is 08098) is kept; the office follows the state.
    assert by_code["SALEMNJ"].zip == "80898"
    assert by_code["SALEMNJ"].field_office == "Newark Field Office"


def test_every_facility_has_a_listed_office() -> None:
    names = {office.name for office in field_offices.load_field_offices()}
    assert all(f.field_office in names for f in facilities.load_facilities())
    grouped = facilities.facilities_by_office()
    assert sum(len(v) for v in grouped.values()) == 209
    assert "" not in grouped


def test_facilities_of_office() -> None:
    la = facilities.facilities_of_office("Los Angeles Field Office")
    assert la and all(f.state == "CA" for f in la)
    with pytest.raises(KeyError, match="unknown field office"):
        facilities.facilities_of_office("Gotham Field Office")


def test_frame_is_typed() -> None:
    frame = facilities.facilities_frame()
    assert frame.height == 209
    assert str(frame.schema["capacity"]) == "Int64"
    assert str(frame.schema["adp_fy2015"]) == "Float64"
