"""ICE detention facilities (FY2015 listing) as typed records, each with its field office.

The raw listing is kept as published; values such as ``AS NEEDED`` or ``NA`` become None
here, ZIPs that lost their leading zero are padded back to five digits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

import polars as pl

from immigrationos.reference import field_offices

_DATA = resources.files("immigrationos.reference") / "data"
FACILITIES_FILE = "ice_detention_facilities_fy15.csv"
ADP_YEARS = (2016, 2015, 2014, 2013, 2012, 2011, 2010)
_INT_RE = re.compile(r"[0-9]+")
_FLOAT_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class DetentionFacility:
    """One detention facility of the ICE FY2015 listing."""

    code: str
    name: str
    address: str
    city: str
    county: str | None
    state: str
    zip: str
    type: str
    type_detailed: str | None
    gender: str | None
    security_levels: tuple[str, ...]
    capacity: int | None
    population_count: int | None
    adp_by_fiscal_year: dict[int, float] = field(hash=False)
    operator: str | None
    owner: str | None
    contract_start: date | None
    contract_end: date | None
    over_under_72: str | None
    last_inspection_type: str | None
    last_inspection_standard: str | None
    last_inspection_rating: str | None
    last_inspection_date: date | None
    field_office: str | None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "NA", "N/A") else value


def _int(value: str | None) -> int | None:
    text = _text(value)
    return int(text) if text is not None and _INT_RE.fullmatch(text) else None


def _float(value: str | None) -> float | None:
    text = _text(value)
    return float(text) if text is not None and _FLOAT_RE.fullmatch(text) else None


def _date(value: str | None) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _zip(value: str | None) -> str:
    text = _text(value) or ""
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text[:5]


@lru_cache(maxsize=1)
def _raw() -> pl.DataFrame:
    with resources.as_file(_DATA / FACILITIES_FILE) as path:
        return pl.read_csv(path, infer_schema_length=0)


def load_facilities(aor: pl.DataFrame | None = None) -> tuple[DetentionFacility, ...]:
    """Return the 209 facilities of the listing, each with its office from the AOR table."""
    raw = _raw()
    states = raw.get_column("State").str.strip_chars()
    zips = pl.Series([_zip(value) for value in raw.get_column("Zip").to_list()])
    offices = field_offices.offices_for_keys(states, zips, aor=aor).to_list()
    records = []
    for row, zip5, office in zip(raw.iter_rows(named=True), zips.to_list(), offices, strict=True):
        levels = _text(row["Levels A,B,C,D"])
        adp = {year: _float(row[f"FY{year % 100:02d} ADP"]) for year in ADP_YEARS}
        records.append(
            DetentionFacility(
                code=row["DETLOC"].strip(),
                name=row["Name"].strip(),
                address=row["Address"].strip(),
                city=row["City"].strip(),
                county=_text(row["County"]),
                state=row["State"].strip(),
                zip=zip5,
                type=row["Type"].strip(),
                type_detailed=_text(row["Type Detailed"]),
                gender=_text(row["Male/Female"]),
                security_levels=tuple(p.strip() for p in levels.split(",")) if levels else (),
                capacity=_int(row["Capacity"]),
                population_count=_int(row["Population Count"]),
                adp_by_fiscal_year={y: v for y, v in adp.items() if v is not None},
                operator=_text(row["Facility Operator"]),
                owner=_text(row["Facility Owner"]),
                contract_start=_date(row["Best Known Contract Initiation Date"]),
                contract_end=_date(row["Best Known Contract Expiration Date"]),
                over_under_72=_text(row["Over/Under 72"]),
                last_inspection_type=_text(row["Last Inspection Type"]),
                last_inspection_standard=_text(row["Last Inspection Standard"]),
                last_inspection_rating=_text(row["Last Inspection Rating - Final"]),
                last_inspection_date=_date(row["Last Inspection Date"]),
                field_office=office,
            )
        )
    return tuple(records)


def facilities_frame(aor: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return the facilities as a typed frame, one ``adp_fyYYYY`` column per fiscal year."""
    rows = []
    for facility in load_facilities(aor):
        row = {
            key: value
            for key, value in facility.__dict__.items()
            if key not in ("adp_by_fiscal_year", "security_levels")
        }
        row["security_levels"] = list(facility.security_levels)
        for year in ADP_YEARS:
            row[f"adp_fy{year}"] = facility.adp_by_fiscal_year.get(year)
        rows.append(row)
    return pl.DataFrame(
        rows,
        schema_overrides={
            "capacity": pl.Int64,
            "population_count": pl.Int64,
            "security_levels": pl.List(pl.Utf8),
            **{f"adp_fy{year}": pl.Float64 for year in ADP_YEARS},
        },
    )


def facilities_by_office(
    aor: pl.DataFrame | None = None,
) -> dict[str, list[DetentionFacility]]:
    """Return the facilities grouped by field office name (unmapped ones under '')."""
    grouped: dict[str, list[DetentionFacility]] = defaultdict(list)
    for facility in load_facilities(aor):
        grouped[facility.field_office or ""].append(facility)
    return dict(grouped)


def facilities_of_office(
    office_name: str, aor: pl.DataFrame | None = None
) -> list[DetentionFacility]:
    """Return the facilities in one field office's area; raise KeyError for an unknown office."""
    field_offices.get_field_office(office_name)
    return facilities_by_office(aor).get(office_name, [])
