"""Migration 0003: installs the append-only triggers, and its downgrade removes them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from immigrationos.db.engine import alembic_config, build_engine, migrate


def _triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        return {str(name) for name in conn.execute(text(query)).scalars()}


def test_the_migration_installs_the_triggers(engine: Engine) -> None:
    expected = (
        {"audit_events_append_only", "audit_events_no_truncate"}
        if engine.dialect.name == "postgresql"
        else {"audit_events_no_update", "audit_events_no_delete"}
    )
    assert expected <= _triggers(engine)


def test_downgrade_drops_tables_and_triggers_and_upgrade_restores_them(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}")
    migrate(engine)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert _triggers(engine) == set()
    with engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
    assert not {"audit_events", "audit_checkpoints"} & tables
    migrate(engine)
    assert len(_triggers(engine)) == 4
    engine.dispose()
