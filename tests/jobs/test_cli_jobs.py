"""``imos jobs``: a job run in the foreground, listed, shown; errors named; no queue on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine


@pytest.fixture()
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The embedded default (SQLite, a lake) in a folder of this test."""
    monkeypatch.setenv("IMOS_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_jobs_run_in_the_foreground_list_show_and_refuse(embedded: Path, world: Path) -> None:
    runner = CliRunner()
    ran = runner.invoke(app, ["jobs", "run", "ingest", "--arg", f"folder={world}"])
    assert ran.exit_code == 0, ran.output
    assert "SUCCEEDED" in ran.output and "accepted" in ran.output
    job_id = ran.output.split("Job ", 1)[1].split(":", 1)[0]
    listed = runner.invoke(app, ["jobs", "list"])
    assert listed.exit_code == 0 and job_id in listed.output and "ingest" in listed.output
    shown = runner.invoke(app, ["jobs", "show", job_id])
    assert shown.exit_code == 0 and "SUCCEEDED" in shown.output
    export = runner.invoke(app, ["jobs", "run", "export-clusters"])
    assert export.exit_code == 0, export.output
    assert (embedded / "jobs").is_dir() and list((embedded / "jobs").glob("*/clusters.csv"))
    failed = runner.invoke(app, ["jobs", "run", "target"])
    assert failed.exit_code == 2 and "name its purpose" in failed.output
    failed = runner.invoke(app, ["jobs", "run", "resolve", "--arg", "threshold=7"])
    assert failed.exit_code == 2 and "'threshold' must be a probability" in failed.output
    cancelled = runner.invoke(app, ["jobs", "cancel", job_id])
    assert cancelled.exit_code == 2 and "already ended" in cancelled.output
    missing = runner.invoke(app, ["jobs", "show", "JNOPE"])
    assert missing.exit_code == 2 and "no job has id" in missing.output
    worker = runner.invoke(app, ["jobs", "worker"])
    assert worker.exit_code == 2 and "needs PostgreSQL" in worker.output
