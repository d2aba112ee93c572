"""`imos users create-admin`: the first administrator, with the password policy enforced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine


@pytest.fixture()
def own_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("IMOS_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_create_admin_then_refuse_a_second(own_var: Path) -> None:
    runner = CliRunner()
    args = ["users", "create-admin", "--username", "chief", "--display-name", "Chief Admin"]
    weak = runner.invoke(app, args, input="password123\npassword123\n")
    assert weak.exit_code == 2
    assert "12 characters" in weak.output or "common" in weak.output
    ok = runner.invoke(app, args, env={"IMOS_ADMIN_PASSWORD": "violet-harbour-tractor-91"})
    assert ok.exit_code == 0, ok.output
    assert "otpauth://" in ok.output and "chief" in ok.output
    again = runner.invoke(
        app,
        ["users", "create-admin", "--username", "deputy", "--display-name", "Deputy"],
        env={"IMOS_ADMIN_PASSWORD": "violet-harbour-tractor-92"},
    )
    assert again.exit_code == 2
    assert "administrator" in again.output.lower()
