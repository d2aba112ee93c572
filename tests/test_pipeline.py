"""The main job end to end: a synthetic world ingests with exactly its malformed rows held."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from immigrationos.cli import app
from immigrationos.reference.geocode import geocode_frame
from immigrationos.sources import flows, lake
from immigrationos.sources.contract import SOURCES
from immigrationos.sources.reader import split_csv
from world_cache import shared_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out, _ = shared_world(
        tmp_path_factory, persons=1500, seed=11, as_of=dt.date(2026, 11, 1), malformed_rate=0.03
    )
    return out


def test_world_ingests_with_exactly_its_malformed_rows_held(
    world: Path, engine: Engine, lake_dir: Path
) -> None:
    meta = json.loads((world / "truth" / "world.json").read_text())
    truth = pl.read_csv(world / "truth" / "records.csv", infer_schema_length=0)
    report = flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="test")
    assert {s.source for s in report.sources} == set(SOURCES)
    for s in report.sources:
        assert s.rows_read == meta["rows_per_source"][s.source], s.source
        assert s.quarantined == meta["malformed_per_source"].get(s.source, 0), s.source
        assert s.accepted + s.quarantined == s.rows_read
        if not SOURCES[s.source].person_records:
            continue
        accepted_ids = set(lake.current(lake_dir, s.source, ["record_id"]).get_column("record_id"))
        truth_ids = set(truth.filter(pl.col("source") == s.source).get_column("record_id"))
        assert truth_ids <= accepted_ids, s.source  # no true record is ever held
        unlinked = meta.get("unlinked_rows_per_source", {}).get(s.source, 0)
        assert len(accepted_ids) == len(truth_ids) + unlinked, s.source


def test_cli_synth_ingest_report_and_quarantine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMOS_VAR_DIR", str(tmp_path / "var"))
    from immigrationos.config import get_settings
    from immigrationos.db.engine import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    out = tmp_path / "w"
    result = runner.invoke(app, ["synth", "--persons", "300", "--seed", "3", "--as-of", "2026-06-30",
                                 "--out", str(out), "--malformed", "0.05"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "truth" / "persons.csv").exists()
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["ingest", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["totals"]["rows_read"] == data["totals"]["accepted"] + data["totals"]["quarantined"]
    assert data["totals"]["quarantined"] > 0
    assert (tmp_path / "var" / "imos.sqlite3").exists()
    assert list((tmp_path / "var" / "lake").glob("*/batch=*/rows.parquet"))
    batch = next(
        s
        for s in data["sources"]
        if s["quarantined"] and not s["source"].startswith(("irs", "fincen"))
    )
    refused = runner.invoke(app, ["quarantine", batch["batch_id"], "--purpose", "P-none"])
    assert refused.exit_code == 2 and "P-none" in refused.output
    result = runner.invoke(
        app,
        ["purposes", "create", "--kind", "BATCH", "--reference", "DQ-1", "--title", "review",
         "--justification", "ingest quality review"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    purpose_id = result.output.split()[1]
    result = runner.invoke(app, ["quarantine", batch["batch_id"], "--purpose", purpose_id])
    assert result.exit_code == 0 and "line" in result.output, result.output
    with get_engine().connect() as conn:
        actions = conn.execute(
            text(
                "SELECT action, outcome, actor FROM audit_events WHERE action = 'ingest.read_quarantine'"
            )
        ).all()
    assert [(a, o) for a, o, _ in actions] == [
        ("ingest.read_quarantine", "DENIED"),
        ("ingest.read_quarantine", "SUCCESS"),
    ]
    assert all(actor.startswith("operator:") for _, _, actor in actions)
    result = runner.invoke(app, ["ingest", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert {s["status"] for s in json.loads(report.read_text())["sources"]} == {"IDENTICAL"}
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli_errors_are_clear(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--as-of", "2026-13-01"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--malformed", "0.9"])
    assert result.exit_code == 2 and "malformed" in result.output
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not a folder" in result.output


def test_cli_geocode() -> None:
    result = CliRunner().invoke(
        app, ["geocode", "--city", "Houston", "--state", "TX", "--zip", "77002"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["precision"] == "zip" and data["field_office"] == "Houston Field Office"
    assert 29 < data["lat"] < 30.5


def test_world_addresses_geocode_offline(world: Path) -> None:
    """Synthetic addresses are real city/state/ZIP combinations: they geocode to the ZIP."""
    for source in ("irs_w2", "dmv_licenses", "uscis_benefits"):
        frame = split_csv((world / f"{source}.csv").read_bytes()).fields
        frame = frame.filter(pl.col("zip").str.contains(r"^\d{5}$"))
        coded = geocode_frame(frame.select("street", "city", "state", "zip"))
        share = (coded.get_column("geo_precision") == "zip").mean()
        assert share is not None and share > 0.97, (source, share)
        assert coded.get_column("field_office").null_count() <= 0.01 * coded.height
