"""``contest_restrict.restrictions_of``: the restrictions of many references, by the key."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, create_engine

from immigrationos.db.engine import session_scope
from immigrationos.oversight import contest_restrict
from immigrationos.oversight.contest_models import RecordRestriction
from query_plans import assert_no_scan

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SOURCES = ("cbp_i94", "eoir_cases", "irs_w2")


def _restriction(source: str, record_id: str) -> RecordRestriction:
    return RecordRestriction(
        source=source, record_id=record_id, contest_id="C1", kind="US_CITIZEN",
        reason="found a US citizen", restricted_by="oversight", restricted_at=NOW,
    )  # fmt: skip


def test_the_restricted_references_are_found_in_chunks(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    restricted = {(SOURCES[n % 3], f"R{n:03d}") for n in range(0, 30, 2)}
    with session_scope(engine) as session:
        session.add_all(_restriction(*ref) for ref in restricted)
        session.commit()
    monkeypatch.setattr(contest_restrict, "IN_CHUNK", 3)
    # Every record, restricted or not, some twice, one id under another source.
    asked = [(SOURCES[n % 3], f"R{n:03d}") for n in range(30)] * 2 + [("irs_w2", "R000")]
    with session_scope(engine) as session:
        found = contest_restrict.restrictions_of(session, asked)
        assert contest_restrict.restrictions_of(session, []) == {}
        assert set(found) == restricted
        assert all((r.source, r.record_id) == ref for ref, r in found.items())


def test_the_restrictions_are_read_through_the_key_never_a_scan() -> None:
    # Asked as (source, record_id) pairs, SQLite scanned the table for every chunk.
    engine = create_engine("sqlite://")
    RecordRestriction.metadata.create_all(engine, tables=[RecordRestriction.__table__])  # type: ignore[list-item]
    asked = [("cbp_i94", "A"), ("irs_w2", "B"), ("irs_w2", "C")]
    with session_scope(engine) as session:
        sent = assert_no_scan(
            engine, "record_restrictions",
            lambda: contest_restrict.restrictions_of(session, asked),
        )  # fmt: skip
    assert sent == 2
