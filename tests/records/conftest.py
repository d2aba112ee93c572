"""Record index fixtures: small source folders written from rows, ingested into the test database."""

from __future__ import annotations

import csv
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from immigrationos import config
from immigrationos.sources import flows
from immigrationos.sources.contract import SOURCES

FOREIGN = Path(__file__).parents[1] / "sources" / "data" / "foreign_world"


@pytest.fixture(autouse=True)
def bundled_reference_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Field offices from the bundled AOR table, whatever the environment says."""
    bundled = config.Settings(aor_file=None)
    monkeypatch.setattr(config, "get_settings", lambda: bundled)


def ingest(folder: Path, engine: Engine, lake_dir: Path, **kw: Any) -> flows.IngestReport:
    """Ingest a folder into the test database and lake."""
    return flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="tester", **kw)


def copy_foreign(tmp_path: Path) -> Path:
    """Return a copy of the hand-written foreign world (valid and invalid rows of each source)."""
    folder = tmp_path / "foreign"
    shutil.copytree(FOREIGN, folder, ignore=shutil.ignore_patterns("expected.json"))
    return folder


def write_source(folder: Path, source: str, rows: list[dict[str, str]]) -> Path:
    """Write ``<source>.csv`` with every contract column (absent values empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SOURCES[source].file_name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=SOURCES[source].column_names)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def numident(record_id: str, given: str, family: str, birth: str, **extra: str) -> dict[str, str]:
    """Return a valid ssa_numident row."""
    return {
        "record_id": record_id,
        "ssn": extra.pop("ssn", f"5{zlib.crc32(record_id.encode()) % 10**8:08d}"),
        "given_name": given,
        "family_name": family,
        "birth_date": birth,
        "sex": "M",
        "birth_place": "MEX",
        "issue_date": "2010-01-01",
        **extra,
    }


def license_row(record_id: str, given: str, family: str, state: str, zip5: str) -> dict[str, str]:
    """Return a valid dmv_licenses row living in ``state`` / ``zip5``."""
    return {
        "record_id": record_id,
        "state": state,
        "license_number": f"L{record_id}",
        "given_name": given,
        "family_name": family,
        "birth_date": "1988-08-08",
        "sex": "M",
        "street": "1 MAIN ST",
        "city": "ANYTOWN",
        "zip": zip5,
        "issue_date": "2020-01-01",
        "expiry_date": "2028-01-01",
        "real_id": "true",
    }


NAMES = [
    numident("N1", "JOSE", "GARCIA LOPEZ", "1980-03-15"),
    numident("N2", "JOSE", "GARCIA", "1975-07-01"),
    numident("N3", "JOSE", "GARZA", "1980-03-15"),
    numident("N4", "JONATHAN", "SMITH", "1990-01-02"),
    numident("N5", "MARIA", "NUÑEZ-PEREZ", "1985-11-20"),
    numident("N6", "JOHN", "SMITH", "1990-01-02"),
    numident("N7", "ANA", "DE LA CRUZ", "1992-02-29"),
    numident("N8", "WEI", "ZHANG", "2001-01-02"),
    numident("N9", "KATHERINE", "O'BRIEN", "1970-06-30"),
    numident("N10", "MOHAMMED", "AL-SAYED", "1983-04-04"),
    numident("N11", "GUADALUPE", "HERNANDEZ", "1979-09-09"),
]


@pytest.fixture()
def names_folder(tmp_path: Path) -> Path:
    """A folder of Numident records with names chosen to test tolerant name search."""
    folder = tmp_path / "names"
    write_source(folder, "ssa_numident", NAMES)
    return folder
