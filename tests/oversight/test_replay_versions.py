"""Replay's record versions: each reference's current version, looked up by the index."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, create_engine

from immigrationos.db.engine import session_scope
from immigrationos.oversight import replay
from immigrationos.records.models import Record
from query_plans import assert_no_scan

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
    asked = [("cbp_i94", "A"), ("irs_w2", "B"), ("irs_w2", "C")]
    with session_scope(engine) as session:
        sent = assert_no_scan(engine, "records", lambda: replay.record_versions(session, asked))
    assert sent == 2  # one query per source
