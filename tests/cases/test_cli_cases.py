"""`imos case show ID`: the case, what may happen next and its history, audited."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from immigrationos import cli_cases, cli_targeting
from immigrationos.auth.principal import Principal
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate

from . import world as case_world
from .conftest import World


def test_case_show_prints_the_case_and_its_history(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = world.accept()["case_id"]
    monkeypatch.setattr(cli_cases, "get_engine", lambda: world.api.engine)
    monkeypatch.setattr(cli_cases.console, "width", 250)
    operator = Principal.operator(get_settings().operator)
    purpose = policy_flows.create_purpose(
        engine=world.api.engine,
        principal=operator,
        data=PurposeCreate(
            kind=PurposeKind.CASE, reference="C-CLI", title="case", justification="test"
        ),
    )
    runner = CliRunner()
    shown = runner.invoke(app, ["case", "show", case_id, "--purpose", purpose.id])
    assert shown.exit_code == 0, shown.output
    assert case_id in shown.output and "investigation" in shown.output
    assert "build_target_package" in shown.output and "CREATED" in shown.output
    assert world.api.audit_count(action="cases.read", actor=operator.actor) == 1
    missing = runner.invoke(app, ["case", "show", "CNOSUCHCASE", "--purpose", purpose.id])
    assert missing.exit_code == 2 and "no case CNOSUCHCASE" in missing.output


def test_a_targeting_run_rechecks_open_cases_and_halts_one_a_citizenship_record_reached(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = world.accept("teodoro")["case_id"]
    settings = get_settings().model_copy(update={"lake_dir": world.lake_dir})
    monkeypatch.setattr(cli_targeting, "get_engine", lambda: world.api.engine)
    monkeypatch.setattr(cli_targeting, "get_settings", lambda: settings)
    monkeypatch.setattr(cli_targeting.console, "width", 250)
    operator = Principal.operator(settings.operator)
    purpose = policy_flows.create_purpose(
        engine=world.api.engine,
        principal=operator,
        data=PurposeCreate(
            kind=PurposeKind.BATCH, reference="T-CLI", title="targeting", justification="test"
        ),
    )
    runner = CliRunner()
    quiet = runner.invoke(app, ["target", "--purpose", purpose.id, "--as-of", "2026-11-01"])
    assert quiet.exit_code == 0, quiet.output
    assert "open cases re-checked:" in quiet.output
    assert "0 case(s) halted, 0 moved" in quiet.output
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    halted = runner.invoke(app, ["target", "--purpose", purpose.id, "--as-of", "2026-11-01"])
    assert halted.exit_code == 0, halted.output
    assert f"case {case_id} halted: citizenship_review" in halted.output
    assert world.case(case_id).state == "citizenship_review"
