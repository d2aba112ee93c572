"""Properties of search over a small synthetic world indexed once (SQLite): a slip still finds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from immigrationos.db.engine import build_engine, migrate, session_scope
from immigrationos.records import normalize, service
from immigrationos.sources import flows
from world_cache import shared_world

from .test_normalize import _edit


@pytest.fixture(scope="module")
def world_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, pl.DataFrame]]:
    """A 300-person world ingested into its own SQLite database; its named records."""
    root = tmp_path_factory.mktemp("records-world")
    world, _ = shared_world(tmp_path_factory, persons=300, seed=5, as_of=dt.date(2025, 6, 1))
    engine = build_engine(f"sqlite:///{(root / 'index.sqlite3').as_posix()}")
    migrate(engine)
    flows.ingest_directory(world, engine=engine, lake_dir=root / "lake", run_by="tester")
    frame = pl.read_csv(world / "ssa_numident.csv", infer_schema_length=0).select(
        "record_id", "given_name", "family_name"
    )
    try:
        yield engine, frame
    finally:
        engine.dispose()


def _telling(name: str) -> list[str]:
    return [w for w in normalize.tokens(name) if w not in normalize.PARTICLES and len(w) >= 3]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.data(),
    st.booleans(),
    st.integers(0, 3),
    st.integers(0, 20),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)
def test_a_name_with_one_slip_still_finds_its_record(
    world_index: tuple[Engine, pl.DataFrame],
    data: st.DataObject,
    in_given: bool,
    op: int,
    at: int,
    letter: str,
) -> None:
    engine, numident = world_index
    index = data.draw(st.integers(0, numident.height - 1))
    record_id, given_name, family = numident.row(index)
    words = _telling(given_name if in_given else family)
    if not words:
        return
    word = words[at % len(words)]
    edited = " ".join(
        _edit(w, op, at, letter) if w == word else w
        for w in normalize.tokens(given_name if in_given else family)
    )
    typed = f"{edited} {family}" if in_given else f"{given_name} {edited}"
    with session_scope(engine) as session:
        hits = service.search(session=session, name=typed, sources=["ssa_numident"])
    found = [h.record_id for h in hits]
    assert record_id in found, (typed, given_name, family)
    mine = next(h for h in hits if h.record_id == record_id)
    assert mine.matched_on == ("name",) and mine.score >= 0.75
