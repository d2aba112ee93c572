"""Jobs fixtures: a small synthetic world (shared, read-only) and the API's fixtures."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from api.conftest import Api, api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from immigrationos.db.engine import session_scope
from immigrationos.jobs import flows as jobs_flows
from immigrationos.jobs.schemas import JobRead
from immigrationos.resolution import resolve_flows
from immigrationos.resolution.splink_backend import SplinkDuckDBBackend
from immigrationos.resolution.training import TrainingOptions
from world_cache import shared_world

PERSONS, SEED = 120, 3
AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a 300-person world (read-only: copy it before writing)."""
    folder, _ = shared_world(tmp_path_factory, persons=PERSONS, seed=SEED, as_of=AS_OF)
    return folder


def count(engine: Engine, model: type, **where: object) -> int:
    """Return how many rows of ``model`` match ``where`` (column = value)."""
    with session_scope(engine) as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(session.execute(query).scalar_one())


def wait_for(engine: Engine, job_id: str, states: set[str], timeout: float = 120) -> JobRead:
    """Wait until a job is in one of ``states``; fail with its last state after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        job = jobs_flows.read(engine, job_id)
        if job.state in states:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.state} ({job.stage}) after {timeout} s")
        time.sleep(0.2)


def use_fast_backend() -> None:
    """Resolve with smaller training samples (tests/resolution's FAST: the same F1 here)."""
    fast = SplinkDuckDBBackend(training=TrainingOptions(u_max_pairs=1e5, em_max_pairs=1e5))
    resolve_flows.get_backend = lambda name=None: fast  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def fast_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every job of these tests resolves with the FAST backend."""
    monkeypatch.setattr(resolve_flows, "get_backend", resolve_flows.get_backend)
    use_fast_backend()
