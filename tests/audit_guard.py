"""Lift the audit tables' append-only guard, as a tamperer with DDL rights (or a test
emptying its database) would; restore it exactly as migration 0003 creates it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine, text

from immigrationos.db.base import Base

GUARDED = ("audit_events", "audit_checkpoints")


def _drop_guards(conn: Connection) -> None:
    for table in GUARDED:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
            conn.execute(text(f"DROP TRIGGER {table}_no_truncate ON {table}"))
        else:
            conn.execute(text(f"DROP TRIGGER {table}_no_update"))
            conn.execute(text(f"DROP TRIGGER {table}_no_delete"))


def _restore_guards(conn: Connection) -> None:
    """Create the triggers again, exactly as migration 0003 does."""
    for table in GUARDED:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
                )
            )
            conn.execute(
                text(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
                )
            )
        else:
            for verb in ("UPDATE", "DELETE"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                    )
                )


GuardLifter = Callable[[], AbstractContextManager[Connection]]


def _lifter(engine: Engine) -> GuardLifter:
    @contextmanager
    def lifted() -> Iterator[Connection]:
        # One connection throughout: another pooled SQLite connection may still hold the
        # schema from before the drop and refuse to create the triggers "again".
        with engine.connect() as conn:
            with conn.begin():
                _drop_guards(conn)
            try:
                with conn.begin():
                    yield conn
            finally:
                if conn.in_transaction():
                    conn.rollback()
                with conn.begin():
                    _restore_guards(conn)

    return lifted


def empty_database(engine: Engine) -> None:
    """Delete every row, the audit tables' too (their guard lifted for the purpose)."""
    with _lifter(engine)() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
