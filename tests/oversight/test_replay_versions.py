"""Replay's record versions: each reference's current version, looked up by the index."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

from immigrationos.db.engine import session_scope
from immigrationos.oversight import replay
from immigrationos.records.models import Record

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SOURCES = ("cbp_i94", "eoir_cases", "irs_w2")


def _add_records(engine: Engine) -> dict[str, int]:
    versions: dict[str, int] = {}
    with session_scope(engine) as session:
        for n in range(30):
            source, version = SOURCES[n % 3], 1 + n % 4
            session.add(
                Record(
                    source=source, record_id=f"R{n:03d}", version=version, change="NEW",
                    withdrawn=False, batch_id="b", display_name="X", payload="{}",
                    ingested_at=NOW,
                )
            )  # fmt: skip
            versions[f"{source}:R{n:03d}"] = version
        session.commit()
    return versions


def test_each_reference_gets_its_current_version_in_chunks(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = _add_records(engine)
    monkeypatch.setattr(replay, "IN_CHUNK", 4)  # several chunks per source
    refs = [(source, record_id) for source, record_id in (r.split(":") for r in versions)]
    # Asked twice, under another source, and for records that do not exist.
    asked = [*refs, *refs[:5], ("cbp_i94", "R001"), ("dmv_licenses", "R000"), ("irs_w2", "NO")]
    with session_scope(engine) as session:
        found = replay.record_versions(session, asked)
        assert replay.record_versions(session, []) == {}
    assert found == versions


def test_the_versions_are_read_through_the_index_never_a_scan() -> None:
    # A list of (source, record_id) pairs made SQLite scan every record for each chunk (at
    # 10M records most of a targeting run); asked source by source, the unique index on
    # (source, record_id) answers.
    engine = create_engine("sqlite://")
    Record.metadata.create_all(engine, tables=[Record.__table__])  # type: ignore[list-item]
    asked: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            asked.append((statement, parameters))

    with session_scope(engine) as session:
        replay.record_versions(session, [("cbp_i94", "A"), ("irs_w2", "B"), ("irs_w2", "C")])
    assert len(asked) == 2  # one query per source
    with engine.connect() as connection:
        for statement, parameters in asked:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            details = " ".join(str(row[-1]) for row in plan)
            assert "SCAN records" not in details and "USING INDEX" in details, details
