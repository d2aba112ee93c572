"""The partitioned store on PostgreSQL (migration 0025): audit_events by seq range,
record_versions by source; the append-only guard on every partition; the round trip.

PostgreSQL only. The module owns a database of its own (it downgrades and upgrades it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from audit_guard import empty_database
from conftest import _postgres_engine
from immigrationos.audit import service as audit_service
from immigrationos.audit.models import AUDIT_PARTITION_EVENTS, GENESIS_HASH
from immigrationos.db.engine import alembic_config, session_scope
from immigrationos.sources.contract import SOURCE_NAMES
from immigrationos.targeting.models import TargetingRun

pytestmark = pytest.mark.postgres

SIZE = AUDIT_PARTITION_EVENTS


@pytest.fixture(scope="module")
def pg_module() -> Iterator[Engine]:
    """A migrated PostgreSQL database of this module alone."""
    yield from _postgres_engine()


@pytest.fixture()
def pg(pg_module: Engine) -> Iterator[Engine]:
    """The module's database, emptied after each test."""
    yield pg_module
    empty_database(pg_module)


def _rows(engine: Engine, sql: str, **params: object) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def _partitions(engine: Engine, parent: str) -> set[str]:
    found = _rows(
        engine,
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:parent)",
        parent=parent,
    )
    return {str(name) for (name,) in found}


def _relkind(engine: Engine, table: str) -> str:
    return str(_rows(engine, "SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)", t=table)[0][0])  # fmt: skip


def _append(engine: Engine, count: int, action: str = "test.partition") -> list[int]:
    with session_scope(engine) as session:
        seqs = [
            audit_service.append(session=session, actor="tester", action=action).seq
            for _ in range(count)
        ]
        session.commit()
    return seqs


def _version(engine: Engine, source: str, record_id: str, version: int = 1) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO record_versions (source, record_id, version, change, batch_id, "
                "row_hash, source_file, line_number, ingested_at, payload) VALUES "
                "(:s, :r, :v, 'NEW', 'b-1', 'h', 'f.csv', 2, :at, '{}')"
            ),
            {"s": source, "r": record_id, "v": version, "at": dt.datetime.now(dt.UTC)},
        )


def _fake_tail(engine: Engine, seq: int) -> None:
    """Write an event at ``seq`` directly (the guard lets INSERT through): a long log's tail."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_events (seq, at, actor, action, outcome, client, details, "
                "prev_hash, hash) VALUES (:seq, now(), 'tester', 'test.tail', 'SUCCESS', "
                "'cli', '{}', :prev, :hash)"
            ),
            {"seq": seq, "prev": GENESIS_HASH, "hash": "a" * 64},
        )


def test_both_tables_are_partitioned_after_upgrade(pg: Engine) -> None:
    assert _relkind(pg, "audit_events") == "p"
    assert _relkind(pg, "record_versions") == "p"
    # The first range and one ahead of it, no DEFAULT partition.
    assert _partitions(pg, "audit_events") == {"audit_events_p0000", "audit_events_p0001"}
    assert _partitions(pg, "record_versions") == {f"record_versions_{s}" for s in SOURCE_NAMES}
    bounds = _rows(
        pg,
        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'audit_events_p0001'",
    )
    assert bounds == [(f"FOR VALUES FROM ('{SIZE}') TO ('{2 * SIZE}')",)]


def test_rows_land_in_their_partition(pg: Engine) -> None:
    seqs = _append(pg, 3)
    where = _rows(pg, "SELECT seq, tableoid::regclass::text FROM audit_events ORDER BY seq")
    assert where == [(seq, "audit_events_p0000") for seq in seqs]
    _version(pg, "cbp_i94", "I94-1")
    _version(pg, "tips", "TIP-1")
    _version(pg, "tips", "TIP-1", version=2)
    found = _rows(
        pg, "SELECT record_id, version, tableoid::regclass::text FROM record_versions ORDER BY 1, 2"
    )
    assert found == [
        ("I94-1", 1, "record_versions_cbp_i94"),
        ("TIP-1", 1, "record_versions_tips"),
        ("TIP-1", 2, "record_versions_tips"),
    ]
    # The queries of a record's versions read its source's partition alone.
    plan = "\n".join(
        str(row[0])
        for row in _rows(
            pg,
            "EXPLAIN SELECT * FROM record_versions WHERE source = 'tips' AND record_id = 'TIP-1'",
        )
    )
    assert "record_versions_tips" in plan
    assert "record_versions_cbp_i94" not in plan


def test_a_version_of_a_source_outside_the_contract_is_refused(pg: Engine) -> None:
    with pytest.raises(DBAPIError, match="no partition of relation"):
        _version(pg, "not_a_source", "X-1")
    assert _rows(pg, "SELECT count(*) FROM record_versions") == [(0,)]


def test_the_append_crossing_into_a_range_creates_the_next_one(pg: Engine) -> None:
    _fake_tail(pg, 2 * SIZE - 1)  # the last event of range 1
    assert "audit_events_p0002" not in _partitions(pg, "audit_events")
    first, second = _append(pg, 2)
    assert (first, second) == (2 * SIZE, 2 * SIZE + 1)
    where = _rows(pg, "SELECT seq, tableoid::regclass::text FROM audit_events WHERE seq >= :s", s=first)  # fmt: skip
    assert where == [(first, "audit_events_p0002"), (second, "audit_events_p0002")]
    assert {"audit_events_p0002", "audit_events_p0003"} <= _partitions(pg, "audit_events")
    # The new partition carries the guard and the parent's indexes.
    with pytest.raises(DBAPIError, match="append-only"), pg.begin() as conn:
        conn.execute(text("TRUNCATE audit_events_p0002"))
    with pytest.raises(DBAPIError, match="append-only"), pg.begin() as conn:
        conn.execute(text("DELETE FROM audit_events_p0002"))
    indexes = _rows(pg, "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_events_p0003'")
    assert len(indexes) == 5  # the key, action, actor, at, resource


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_events_p0000 SET actor = 'someone else'",
        "DELETE FROM audit_events_p0000",
        "TRUNCATE audit_events_p0000",
        "TRUNCATE audit_events_p0001",  # an empty partition ahead too
    ],
)
def test_the_log_stays_append_only_on_the_parent_and_each_partition(
    pg: Engine, statement: str
) -> None:
    _append(pg, 2)
    with pytest.raises(DBAPIError, match="append-only"), pg.begin() as conn:
        conn.execute(text(statement))
    assert _rows(pg, "SELECT count(*) FROM audit_events") == [(2,)]


def test_a_partitions_guard_cannot_be_dropped_alone(pg: Engine) -> None:
    with pytest.raises(DBAPIError, match="on table audit_events requires it"), pg.begin() as conn:  # fmt: skip
        conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events_p0000"))


def _alembic(engine: Engine, verb: str, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        getattr(command, verb)(cfg, revision)


def test_downgrade_and_upgrade_keep_every_row(pg: Engine) -> None:
    _append(pg, 5)
    for i in range(4):
        _version(pg, SOURCE_NAMES[i], f"R-{i}")
    events = _rows(pg, "SELECT * FROM audit_events ORDER BY seq")
    versions = _rows(pg, "SELECT * FROM record_versions ORDER BY source, record_id, version")
    try:
        _alembic(pg, "downgrade", "0024")
        assert _relkind(pg, "audit_events") == "r"
        assert _relkind(pg, "record_versions") == "r"
        assert _rows(pg, "SELECT * FROM audit_events ORDER BY seq") == events
        assert _rows(pg, "SELECT * FROM record_versions ORDER BY 1, 2, 3") == versions
        with pytest.raises(DBAPIError, match="append-only"), pg.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))
        with session_scope(pg) as session:
            assert audit_service.verify(session=session).ok
        _append(pg, 1)  # the plain log appends without the upkeep function
    finally:
        _alembic(pg, "upgrade", "head")
    assert _relkind(pg, "audit_events") == "p"
    assert _rows(pg, "SELECT * FROM audit_events ORDER BY seq")[:5] == events
    assert _rows(pg, "SELECT * FROM record_versions ORDER BY 1, 2, 3") == versions
    with session_scope(pg) as session:
        report = audit_service.verify(session=session)
    assert report.ok, report.message
    assert report.events_checked == 6


def test_an_event_written_before_seq_1_is_stored_for_the_verification_to_find(
    pg: Engine,
) -> None:
    _fake_tail(pg, -7)  # a tamperer's row: the first range is open below
    where = _rows(pg, "SELECT tableoid::regclass::text FROM audit_events WHERE seq = -7")
    assert where == [("audit_events_p0000",)]
    with session_scope(pg) as session:
        assert not audit_service.verify(session=session).ok


def _old_lead(engine: Engine, lead_id: str, evidence: list[str]) -> None:
    """Write a lead as a database at 0024 holds it (no ``evidence_sources`` yet)."""
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    with session_scope(engine) as session:
        if session.get(TargetingRun, "run-0024") is None:
            session.add(
                TargetingRun(
                    id="run-0024", started_at=now, as_of=now.date(), run_by="test",
                    status="COMPLETED", policy_version="v", policy_sha256="0" * 64,
                )
            )  # fmt: skip
            session.commit()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO leads (lead_id, person_id, state, violations, safeguards, "
                "evidence, evaluation, policy_version, policy_sha256, as_of, created_run, "
                "updated_run, created_at, updated_at) VALUES (:id, 'P0000000001', 'OPEN', "
                "'[]', '[]', :evidence, '{}', 'v', :sha, :day, 'run-0024', 'run-0024', "
                ":now, :now)"
            ),
            {"id": lead_id, "evidence": json.dumps(evidence), "sha": "0" * 64,
             "day": now.date(), "now": now},
        )  # fmt: skip


def test_the_upgrade_fills_each_leads_evidence_sources(pg: Engine) -> None:
    try:
        _alembic(pg, "downgrade", "0024")
        _old_lead(pg, "L0000000001", ["ssa_numident:N1", "irs_w2:W1", "irs_w2:W2"])
        _old_lead(pg, "L0000000002", [])
    finally:
        _alembic(pg, "upgrade", "head")
    found = dict(_rows(pg, "SELECT lead_id, evidence_sources FROM leads ORDER BY lead_id"))
    assert found == {"L0000000001": '["irs_w2","ssa_numident"]', "L0000000002": "[]"}
    with pg.begin() as conn:
        conn.execute(text("DELETE FROM leads"))


def test_the_queue_counts_current_leads_by_source_set_under_its_index(pg: Engine) -> None:
    found = _rows(
        pg, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_leads_current_sources'"
    )
    assert len(found) == 1
    assert "(evidence_sources) WHERE (retired_at IS NULL)" in str(found[0][0])
