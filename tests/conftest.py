"""Test fixtures: every test owns its database and lake, never the user's.

The suite runs against SQLite everywhere and against PostgreSQL where one answers at
IMOS_TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432). In CI (CI=true) the
PostgreSQL half must run: an unreachable server fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from audit_guard import empty_database

# Never the user's ./var: point the settings at a throwaway folder before anything reads them.
_VAR = Path(tempfile.mkdtemp(prefix="imos-test-var-"))
os.environ["IMOS_VAR_DIR"] = str(_VAR)
os.environ.pop("IMOS_DATABASE_URL", None)
os.environ.pop("IMOS_LAKE_DIR", None)

import immigrationos.db.models  # noqa: E402,F401  (every table registered)
from immigrationos.config import get_settings  # noqa: E402
from immigrationos.db.engine import build_engine, migrate  # noqa: E402

get_settings.cache_clear()

POSTGRES_ADMIN_URL = os.environ.get(
    "IMOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_postgres_problem: str | None = None


def _postgres_available() -> str | None:
    """Return why PostgreSQL cannot be used, or None when it can."""
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means "not available here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def pytest_configure(config: pytest.Config) -> None:
    """Find out once whether PostgreSQL answers, for the header and the closing notice."""
    global _postgres_problem
    _postgres_problem = _postgres_available()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which databases this run uses."""
    if _postgres_problem is None:
        return [f"databases: SQLite and PostgreSQL ({make_url(POSTGRES_ADMIN_URL).host})"]
    return [
        "databases: SQLite only",
        f"NOTICE: PostgreSQL half SKIPPED, no server at {POSTGRES_ADMIN_URL} ({_postgres_problem})"
        + (" -- FAILING: CI=true requires it" if IN_CI else ""),
    ]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat the PostgreSQL notice at the end, where people look."""
    if _postgres_problem is not None:
        terminalreporter.write_line(
            f"NOTICE: the PostgreSQL half of the suite did not run ({_postgres_problem}). "
            "Start PostgreSQL or set IMOS_TEST_POSTGRES_URL to run it.",
            yellow=True,
            bold=True,
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep ``xdist_group`` working: suffix each grouped test's ID with its group.

    pytest-xdist (``--dist loadgroup``) groups tests by an ``@group`` suffix it adds to
    their IDs on each worker, by setting ``item._nodeid``; since pytest 9.2 the ID lives
    in ``item._id`` and that assignment is silently lost, so every group was split across
    workers and each built its expensive module fixtures twice. Done again here, only where
    the suffix is missing (a fixed xdist makes this a no-op).
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        suffix = f"@{'_'.join(sorted(names))}"
        if not names or item.nodeid.endswith(suffix):
            continue
        node_id = getattr(item, "_id", None)
        if node_id is not None and not isinstance(node_id, str) and hasattr(node_id, "parse"):
            item._id = type(node_id).parse(item.nodeid + suffix)
        else:
            item._nodeid = item.nodeid + suffix


def _postgres_engine() -> Iterator[Engine]:
    problem = _postgres_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable: {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL not available ({problem})")
    name = f"imos_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url)
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_engine(tmp: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{(tmp / 'test.sqlite3').as_posix()}")
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database of this run, on each backend in turn."""
    if request.param == "postgres":
        yield from _postgres_engine()
    else:
        yield from _sqlite_engine(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture()
def engine(db_engine: Engine) -> Iterator[Engine]:
    """The run's database, emptied after each test (flows commit, so no rollback).

    The audit tables are append-only (triggers); emptying them lifts the guard for the
    purpose and restores it.
    """
    yield db_engine
    empty_database(db_engine)


@pytest.fixture()
def lake_dir(tmp_path: Path) -> Path:
    """An empty lake of this test."""
    path = tmp_path / "lake"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for every Spark test of this worker (one JVM start-up).

    Two cores (``local[2]``) and the small-data settings (``SMALL_DATA_CONF``). Every
    Spark test is in the ``spark`` xdist group, so one worker runs them all and the JVM
    starts once; it stops when the worker's session ends.
    """
    from immigrationos.spark.session import SMALL_DATA_CONF, spark_session, stop_spark

    session = spark_session("local[2]")
    for key, value in SMALL_DATA_CONF.items():
        session.conf.set(key, value)
    yield session
    stop_spark()
