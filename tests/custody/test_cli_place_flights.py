"""`imos custody place` and `imos custody flights`: placement and manifests on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cases.conftest import World
from immigrationos import cli_custody
from immigrationos.auth.principal import Principal
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate

from .test_removal_flights import _fill, _flight, _ready

runner = CliRunner()


def test_place_a_csv_explains_each_placement(tmp_path: Path) -> None:
    persons = tmp_path / "persons.csv"
    persons.write_text(
        "id,sex,security_level,lat,lon,zip\nD1,M,A,34.05,-118.25,\nD2,F,C,,,60601\n",
        encoding="utf-8",
    )
    done = runner.invoke(app, ["custody", "place", str(persons), "--json"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    assert (found["placed"], found["not_placed"]) == (2, 0)
    by_id = {p["person_id"]: p for p in found["placements"]}
    assert by_id["D1"]["eligible_because"] and by_id["D1"]["distance_km"] < 300
    assert by_id["D2"]["distance_km"] < 300  # near Chicago
    table = runner.invoke(app, ["custody", "place", str(persons), "--seconds", "60"])
    assert table.exit_code == 0, table.output
    assert "2 placed, 0 not placed" in table.output


def test_place_synthetic_and_a_bad_row_named(tmp_path: Path) -> None:
    done = runner.invoke(app, ["custody", "place", "--synthetic", "300", "--json"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    assert found["placed"] + found["not_placed"] == 300 and found["placed"] > 250
    bad = tmp_path / "bad.csv"
    bad.write_text("id,sex,security_level,lat,lon\nD1,M,E,34,-118\n", encoding="utf-8")
    refused = runner.invoke(app, ["custody", "place", str(bad)])
    assert refused.exit_code == 2
    assert "row 2, field security_level" in refused.output
    neither = runner.invoke(app, ["custody", "place"])
    assert neither.exit_code == 2


def test_flights_list_and_manifest_with_pdf(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    case_id = _ready(world)
    flight = _flight(world)
    assert _fill(world, flight).json()["seated"] == [case_id]
    monkeypatch.setattr(cli_custody, "get_engine", lambda: world.api.engine)
    monkeypatch.setattr(cli_custody.console, "width", 250)
    operator = Principal.operator(get_settings().operator)
    purpose = policy_flows.create_purpose(
        engine=world.api.engine, principal=operator,
        data=PurposeCreate(kind=PurposeKind.CASE, reference="C-CLI", title="t", justification="t"),
    )  # fmt: skip
    listed = runner.invoke(app, ["custody", "flights", "list", "--purpose", purpose.id])
    assert listed.exit_code == 0, listed.output
    assert flight["flight_id"] in listed.output and "1/10" in listed.output
    out = tmp_path / "manifest.pdf"
    shown = runner.invoke(
        app,
        ["custody", "flights", "manifest", flight["flight_id"], "--purpose", purpose.id,
         "--pdf", str(out)],
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert case_id in shown.output and "BALTHAZAR-KWIATEK" in shown.output
    assert out.read_bytes().startswith(b"%PDF")
    missing = runner.invoke(
        app, ["custody", "flights", "manifest", "FNOPE", "--purpose", purpose.id]
    )
    assert missing.exit_code == 2 and "no removal flight" in missing.output
