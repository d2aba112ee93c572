"""Audit fixtures: the append-only guard can be lifted, as a tamperer with DDL rights would."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from audit_guard import GuardLifter, _lifter, empty_database


@pytest.fixture()
def guard_lifted(engine: Engine) -> GuardLifter:
    """A context manager that drops the append-only triggers, yields a connection, restores them."""
    return _lifter(engine)


@pytest.fixture()
def emptied(engine: Engine) -> Callable[[], None]:
    """A callable that empties the database now (for property tests' examples)."""
    return lambda: empty_database(engine)
