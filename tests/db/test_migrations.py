"""Migrations: applied on start, identical to the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text

from immigrationos.config import Settings
from immigrationos.db.base import Base
from immigrationos.db.engine import migrate


def _partitions(conn: Connection) -> set[str]:
    """Return the tables that are partitions of another (PostgreSQL, migration 0025).

    Models describe the partitioned parents (``postgresql_partition_by``); the partitions
    are the migration's and its upkeep's (``audit_events_keep_ahead``), never models.
    """
    if conn.dialect.name != "postgresql":
        return set()
    found = conn.execute(text("SELECT relname FROM pg_class WHERE relispartition"))
    return {str(name) for (name,) in found}


def _table_name(entry: Any) -> str:
    return str(getattr(getattr(entry, "table", entry), "name", ""))


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        diff = compare_metadata(context, Base.metadata)
        partitions = _partitions(conn)
    diff = [d for d in diff if not _table_name(d[1]).startswith("procrastinate_")]
    diff = [d for d in diff if _table_name(d[1]) not in partitions]
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_migrate_is_idempotent_and_records_head(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
    tables = set(inspect(engine).get_table_names())
    assert {"ingest_runs", "ingest_batches", "quarantined_rows"} <= tables


def test_settings_defaults_and_errors(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("IMOS_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("IMOS_DATABASE_URL", raising=False)
    monkeypatch.delenv("IMOS_LAKE_DIR", raising=False)
    settings = Settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/imos.sqlite3"
    assert settings.resolved_lake_dir == tmp_path / "lake"
    monkeypatch.setenv("IMOS_DATABASE_URL", "mysql://x")
    with pytest.raises(ValueError, match="IMOS_DATABASE_URL"):
        Settings()
