"""The record frame: every accepted person record once, census never, identifiers in place."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from immigrationos.db.engine import build_engine, migrate
from immigrationos.resolution.frame import (
    RECORD_COLUMNS,
    RECORD_SCHEMA,
    febrl_frame,
    is_itin,
    record_frame,
)
from immigrationos.sources import flows, lake
from immigrationos.sources.contract import PERSON_SOURCES, SOURCES
from world_cache import shared_world

# One worker runs the whole module: its shared ingested world is built once, not per worker.
pytestmark = pytest.mark.xdist_group("resolution-frame")


@pytest.fixture(scope="module")
def world_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A 1,000-person world ingested into its own SQLite database and lake."""
    root = tmp_path_factory.mktemp("resolution-world")
    world, _ = shared_world(
        tmp_path_factory, persons=1000, seed=13, as_of=dt.date(2026, 11, 1), malformed_rate=0.02
    )
    engine = build_engine(f"sqlite:///{(root / 'imos.sqlite3').as_posix()}")
    migrate(engine)
    flows.ingest_directory(world, engine=engine, lake_dir=root / "lake", run_by="tester")
    try:
        yield world, root / "lake"
    finally:
        engine.dispose()


def test_every_accepted_person_record_once_census_never(world_lake: tuple[Path, Path]) -> None:
    world, lake_dir = world_lake
    frame = record_frame(lake_dir)
    assert dict(frame.schema) == RECORD_SCHEMA
    assert frame.get_column("unique_id").is_unique().all()
    assert "census_tracts" not in set(frame.get_column("source"))
    for source in PERSON_SOURCES:
        accepted = set(lake.current(lake_dir, source, ["record_id"]).get_column("record_id"))
        mine = frame.filter(pl.col("source") == source)
        assert set(mine.get_column("record_id")) == accepted, source
        assert (mine.get_column("unique_id") == source + ":" + mine.get_column("record_id")).all()
    truth = pl.read_csv(world / "truth" / "records.csv", infer_schema_length=0)
    truth_ids = set((truth.get_column("source") + ":" + truth.get_column("record_id")).to_list())
    assert truth_ids <= set(frame.get_column("unique_id"))


def test_world_identifiers_land_in_their_columns(world_lake: tuple[Path, Path]) -> None:
    _, lake_dir = world_lake
    frame = record_frame(lake_dir)
    w2 = lake.current(lake_dir, "irs_w2", ["record_id", "employee_tin"]).join(
        frame.filter(pl.col("source") == "irs_w2"), on="record_id"
    )
    itins = w2.filter(is_itin(pl.col("employee_tin")))
    assert itins.height > 0, "the world should hold W-2s filed under an ITIN"
    assert (itins.get_column("itin") == itins.get_column("employee_tin")).all()
    assert itins.get_column("ssn").is_null().all()
    ssns = w2.filter(~is_itin(pl.col("employee_tin")))
    assert (ssns.get_column("ssn") == ssns.get_column("employee_tin")).all()
    assert ssns.get_column("itin").is_null().all()
    by_source = frame.group_by("source").agg(
        pl.col(c).is_not_null().any() for c in ("a_number", "passport", "i94", "fbi", "ssn")
    )
    holds = {row["source"]: row for row in by_source.iter_rows(named=True)}
    assert holds["cbp_i94"]["passport"] and holds["cbp_i94"]["i94"]
    assert holds["dos_passports"]["passport"]
    assert holds["uscis_benefits"]["a_number"] and holds["eoir_cases"]["a_number"]
    assert holds["ssa_numident"]["ssn"]
    assert not holds["dmv_licenses"]["ssn"] and not holds["dmv_licenses"]["passport"]
    w2_dates = frame.filter(pl.col("source") == "irs_w2").get_column("event_date")
    assert w2_dates.dt.month().eq(12).all() and w2_dates.dt.day().eq(31).all()


def _write(folder: Path, source: str, rows: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / SOURCES[source].file_name).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=SOURCES[source].column_names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


PERSON = {"given_name": "ANA", "family_name": "RUIZ", "birth_date": "1990-01-02", "sex": "F"}
ADDRESS = {"street": "1 MAIN ST", "city": "AUSTIN", "state": "TX", "zip": "78701"}


def test_hand_written_rows_map_field_by_field(
    tmp_path: Path, engine: Engine, lake_dir: Path
) -> None:
    folder = tmp_path / "in"
    w2 = {"tax_year": "2024", "employer_ein": "123456789", "employer_name": "ACME", "wages": "1"}
    _write(
        folder,
        "irs_w2",
        [
            {"record_id": "W1", "employee_tin": "912701234", **w2, **PERSON, **ADDRESS},
            {"record_id": "W2", "employee_tin": "123456789", **w2, **PERSON, **ADDRESS},
            {"record_id": "W3", "employee_tin": "900001234", **w2, **PERSON, **ADDRESS},
        ],
    )
    ctr = {
        "transaction_date": "2025-03-04",
        "institution_name": "BANK",
        "cash_in": "1",
        "cash_out": "0",
    }
    _write(
        folder,
        "fincen_ctr",
        [
            {"record_id": "C1", "id_type": "PASSPORT", "id_number": "G1234567", "id_country": "MEX", **ctr, **PERSON},
            {"record_id": "C2", "id_type": "ITIN", "id_number": "912701234", **ctr, **PERSON},
            {"record_id": "C3", "id_type": "A_NUMBER", "id_number": "A200000001", **ctr, **PERSON},
            {"record_id": "C4", "id_type": "CONSULAR_ID", "id_number": "K99", "id_country": "MEX", **ctr, **PERSON},
        ],
    )  # fmt: skip
    _write(
        folder,
        "cbp_i94",
        [
            {
                "record_id": "I1", "event": "ARRIVAL", "event_date": "2024-05-06",
                "i94_number": "12345678901", "citizenship_country": "GTM",
                "passport_number": "P7654321", "class_of_admission": "B2",
                "admit_until": "2024-11-06", "port_of_entry": "LAX", **PERSON,
            }
        ],
    )  # fmt: skip
    _write(
        folder,
        "criminal_history",
        [
            {
                "record_id": "R1", "fbi_number": "123456AB1", "offense_code": "1", "offense_category": "DUI",
                "offense_description": "DUI", "disposition": "CONVICTED", "disposition_date": "2022-02-02",
                "state": "CA", **PERSON,
            }
        ],
    )  # fmt: skip
    _write(
        folder,
        "census_tracts",
        [
            {"tract_geoid": "48453000101", "state": "TX", "zip": "78701", "total_population": "10",
             "foreign_born": "1", "noncitizen": "1"},
        ],
    )  # fmt: skip
    flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="tester")
    frame = record_frame(lake_dir)
    assert frame.columns == list(RECORD_COLUMNS)
    rows = {r["unique_id"]: r for r in frame.iter_rows(named=True)}
    assert set(rows) == {"irs_w2:W1", "irs_w2:W2", "irs_w2:W3", "fincen_ctr:C1", "fincen_ctr:C2",
                         "fincen_ctr:C3", "fincen_ctr:C4", "cbp_i94:I1", "criminal_history:R1"}  # fmt: skip
    assert (rows["irs_w2:W1"]["itin"], rows["irs_w2:W1"]["ssn"]) == ("912701234", None)
    assert (rows["irs_w2:W2"]["itin"], rows["irs_w2:W2"]["ssn"]) == (None, "123456789")
    assert (rows["irs_w2:W3"]["itin"], rows["irs_w2:W3"]["ssn"]) == (None, "900001234")
    assert rows["irs_w2:W1"]["event_date"] == dt.date(2024, 12, 31)
    assert rows["irs_w2:W1"]["employer_ein"] == "123456789"
    assert rows["irs_w2:W1"]["birth_date"] is None
    assert (rows["fincen_ctr:C1"]["passport"], rows["fincen_ctr:C1"]["citizenship_country"]) == (
        "G1234567",
        "MEX",
    )
    assert rows["fincen_ctr:C2"]["itin"] == "912701234"
    assert rows["fincen_ctr:C3"]["a_number"] == "A200000001"
    c4 = rows["fincen_ctr:C4"]
    assert all(c4[c] is None for c in ("ssn", "itin", "passport", "a_number"))
    i1 = rows["cbp_i94:I1"]
    assert (i1["passport"], i1["i94"], i1["citizenship_country"]) == (
        "P7654321",
        "12345678901",
        "GTM",
    )
    assert (i1["birth_date"], i1["event_date"]) == (dt.date(1990, 1, 2), dt.date(2024, 5, 6))
    r1 = rows["criminal_history:R1"]
    assert (r1["fbi"], r1["state"], r1["event_date"]) == ("123456AB1", None, dt.date(2022, 2, 2))
    assert record_frame(lake_dir, ["dmv_licenses"]).height == 0


def test_is_itin_ranges() -> None:
    tins = ["912501234", "912651234", "912661234", "912701234", "912881234", "912891234",
            "912901234", "912921234", "912931234", "912941234", "912991234", "123456789",
            "812701234", "91270123", None]  # fmt: skip
    got = pl.Series("tin", tins, dtype=pl.Utf8).to_frame().select(is_itin(pl.col("tin")))
    assert got.to_series().to_list() == [
        True, True, False, True, True, False, True, True, False, True, True, False, False,
        False, False,
    ]  # fmt: skip


def test_febrl_frame() -> None:
    raw = pl.DataFrame(
        {
            "rec_id": ["rec-1-org", "rec-1-dup-0"],
            "given_name": ["mitchell", None],
            "surname": ["green", "gren"],
            "street_number": ["7", None],
            "address_1": ["wallaby place", "wallaby pl"],
            "address_2": ["delmar", None],
            "suburb": ["cleveland", "cleveland"],
            "postcode": ["2119", "2119"],
            "state": ["sa", "sa"],
            "date_of_birth": ["19560409", "19561309"],
            "soc_sec_id": ["1804974", "1804947"],
        }
    )
    frame = febrl_frame(raw, "febrl3")
    assert dict(frame.schema) == RECORD_SCHEMA
    first, second = frame.iter_rows(named=True)
    assert first["unique_id"] == "febrl3:rec-1-org" and first["record_id"] == "rec-1-org"
    assert (first["given_name"], first["family_name"]) == ("mitchell", "green")
    assert first["birth_date"] == dt.date(1956, 4, 9)
    assert (first["ssn"], first["zip"], first["city"], first["state"]) == (
        "1804974",
        "2119",
        "cleveland",
        "sa",
    )
    assert first["street"] == "7 wallaby place delmar"
    assert second["birth_date"] is None  # month 13: not a date
    assert second["given_name"] is None and second["street"] == "wallaby pl"
