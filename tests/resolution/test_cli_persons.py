"""`imos person show` and `imos export clusters`: operator commands, audited as the operator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from immigrationos.auth.principal import Principal
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine
from immigrationos.resolution import flows
from immigrationos.sources import flows as ingest_flows
from immigrationos.synth.world import generate_world

from .builders import result_of, truth_clusters


@pytest.fixture()
def own_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("IMOS_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_show_a_person_and_export_the_clusters(own_var: Path) -> None:
    world = own_var / "world"
    generate_world(persons=30, seed=9, as_of=dt.date(2026, 11, 1), out_dir=world, malformed_rate=0)
    engine = get_engine()
    lake_dir = get_settings().resolved_lake_dir
    ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="test")
    clusters = truth_clusters(world, engine)
    flows.persist_result(
        result_of(clusters),
        engine=engine,
        principal=Principal.operator("tester"),
        purpose_id=None,
        lake_dir=lake_dir,
    )
    runner = CliRunner()
    out = own_var / "exports" / "clusters.csv"
    done = runner.invoke(app, ["export", "clusters", str(out)])
    assert done.exit_code == 0, done.output
    exported = pl.read_csv(out, infer_schema_length=0)
    assert exported.columns == ["source", "record_id", "person_id"]
    assert exported.height == sum(len(c) for c in clusters)
    biggest = max(clusters, key=len)
    source, record_id = biggest[0].split(":", 1)
    person_id = exported.filter(
        (pl.col("source") == source) & (pl.col("record_id") == record_id)
    ).item(0, "person_id")

    refused = runner.invoke(app, ["person", "show", person_id, "--purpose", "P-none"])
    assert refused.exit_code == 2 and "refused" in refused.output
    created = runner.invoke(
        app,
        ["purposes", "create", "--kind", "CASE", "--reference", "C-9", "--title", "review",
         "--justification", "identity review"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    purpose_id = created.output.split()[1]
    shown = runner.invoke(app, ["person", "show", person_id, "--purpose", purpose_id])
    assert shown.exit_code == 0, shown.output
    assert person_id in shown.output and "Timeline" in shown.output
    missing = runner.invoke(app, ["person", "show", "P0000000000", "--purpose", purpose_id])
    assert missing.exit_code == 2 and "no person P0000000000" in missing.output
    with engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT action, outcome, actor, purpose FROM audit_events WHERE action IN "
                "('export.clusters', 'persons.read', 'persons.read_timeline') ORDER BY seq"
            )
        ).all()
    assert [(a, o) for a, o, _, _ in events] == [
        ("export.clusters", "SUCCESS"),
        ("persons.read", "DENIED"),
        ("persons.read", "SUCCESS"),
        ("persons.read_timeline", "SUCCESS"),
        ("persons.read", "DENIED"),
    ]
    assert all(actor.startswith("operator:") for _, _, actor, _ in events)
    assert events[2][3] == purpose_id
