"""Lift the audit tables' append-only guard, as a tamperer with DDL rights (or a test
emptying its database) would; restore it exactly as migration 0003 creates it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine, text

from immigrationos.db.base import Base

GUARDED = ("audit_events", "audit_checkpoints")


def _drop_statements(dialect: str) -> list[str]:
    statements = []
    for table in GUARDED:
        if dialect == "postgresql":
            statements.append(f"DROP TRIGGER {table}_append_only ON {table}")
            statements.append(f"DROP TRIGGER {table}_no_truncate ON {table}")
        else:
            statements.append(f"DROP TRIGGER {table}_no_update")
            statements.append(f"DROP TRIGGER {table}_no_delete")
    return statements


def _restore_statements(dialect: str) -> list[str]:
    """Return the statements creating the triggers again, exactly as migration 0003 does."""
    statements = []
    for table in GUARDED:
        if dialect == "postgresql":
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
            statements.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
            )
        else:
            for verb in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
    return statements


def _drop_guards(conn: Connection) -> None:
    for statement in _drop_statements(conn.dialect.name):
        conn.execute(text(statement))


def _restore_guards(conn: Connection) -> None:
    """Create the triggers again, exactly as migration 0003 does."""
    for statement in _restore_statements(conn.dialect.name):
        conn.execute(text(statement))


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
    """Delete every row, the audit tables' too (their guard lifted for the purpose).

    One transaction drops the guard, empties every table and creates the guard again (DDL
    is transactional on both backends: all or nothing). Every test runs this, so on
    PostgreSQL it goes as one round trip (about 45 statements): a fifth of the time.
    """
    dialect = engine.dialect.name
    deletes = [f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
    statements = [*_drop_statements(dialect), *deletes, *_restore_statements(dialect)]
    with engine.connect() as conn:
        if dialect == "postgresql":
            with conn.begin():
                conn.exec_driver_sql(";\n".join(statements))
            return
        # sqlite3 would run each DROP TRIGGER in a transaction of its own: a script with
        # its own BEGIN and COMMIT keeps the whole in one.
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        try:
            raw.executescript(";\n".join(["BEGIN", *statements, "COMMIT"]) + ";")
        except BaseException:
            if raw.in_transaction:
                raw.rollback()
            raise
