"""The chain: appends link up, verify walks them, details are canonical, queries filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine, func, select

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.chain import canonical_details, event_hash
from immigrationos.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, Outcome
from immigrationos.db.engine import session_scope


def _append_many(engine: Engine, n: int) -> list[AuditEvent]:
    with session_scope(engine) as session:
        events = [
            audit_service.append(
                session=session,
                actor=f"user-{i % 3}",
                actor_role="ANALYST",
                action="record.read",
                resource_type="record",
                resource_id=f"R{i}",
                purpose="case:C-1",
                client="10.0.0.7",
                details={"i": i, "query": "García"},
            )
            for i in range(n)
        ]
        session.commit()
    return events


def test_a_chain_of_events_verifies(engine: Engine) -> None:
    events = _append_many(engine, 25)
    assert [e.seq for e in events] == list(range(1, 26))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))
    with session_scope(engine) as session:
        report = audit_service.verify(session=session, batch_size=7)  # several batches
    assert report.ok and report.reason is None and report.first_broken_seq is None
    assert report.events_checked == 25
    assert (report.head_seq, report.head_hash) == (25, events[-1].hash)


def test_an_empty_log_verifies_at_genesis(engine: Engine) -> None:
    report = audit_flows.verify_log(engine)
    assert report.ok and report.events_checked == 0
    assert (report.head_seq, report.head_hash) == (0, GENESIS_HASH)


def test_the_stored_hash_is_the_hash_of_the_stored_fields(engine: Engine) -> None:
    _append_many(engine, 3)
    with session_scope(engine) as session:
        for event in session.scalars(select(AuditEvent)):
            assert event_hash(audit_service.hashed_fields(event)) == event.hash
            assert len(event.hash) == 64


def test_details_are_canonical_whatever_the_key_order() -> None:
    a = {"b": [1, {"y": 2, "x": "é"}], "a": None, "c": 1.5}
    b = {"c": 1.5, "a": None, "b": [1, {"x": "é", "y": 2}]}
    assert (
        canonical_details(a) == canonical_details(b) == '{"a":null,"b":[1,{"x":"é","y":2}],"c":1.5}'
    )
    fields = {
        "seq": 1,
        "at": datetime(2026, 1, 1, tzinfo=UTC),
        "actor": "u",
        "actor_role": None,
        "action": "record.read",
        "resource_type": None,
        "resource_id": None,
        "purpose": None,
        "outcome": "SUCCESS",
        "client": "cli",
        "prev_hash": GENESIS_HASH,
    }
    assert event_hash({**fields, "details": canonical_details(a)}) == event_hash(
        {**fields, "details": canonical_details(b)}
    )


def test_details_that_are_not_json_are_refused() -> None:
    with pytest.raises(ValueError, match="plain JSON"):
        canonical_details({"when": datetime.now(UTC)})
    with pytest.raises(ValueError, match="plain JSON"):
        canonical_details({"x": float("nan")})


def test_an_event_rolls_back_with_its_transaction(engine: Engine) -> None:
    with session_scope(engine) as session:
        audit_service.append(session=session, actor="u1", action="record.update")
        session.rollback()
    event = audit_flows.record(engine, actor="u1", action="record.read")
    assert event.seq == 1  # the rolled-back event left no gap


def test_record_commits_a_denied_access(engine: Engine) -> None:
    audit_flows.record(
        engine,
        actor="operator:alice@host",
        action="record.read",
        resource_type="record",
        resource_id="R9",
        outcome=Outcome.DENIED,
        details={"reason": "outside area of responsibility"},
    )
    with session_scope(engine) as session:
        (event,) = audit_service.list_events(session=session)
    assert event.outcome == "DENIED" and event.client == "cli"
    assert event.details == '{"reason":"outside area of responsibility"}'
    assert event.at.tzinfo is not None or engine.dialect.name == "sqlite"


def test_unknown_outcome_is_refused(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError):
        audit_service.append(session=session, actor="u", action="x", outcome="MAYBE")


def test_verify_log_writes_a_checkpoint_of_the_head(engine: Engine) -> None:
    events = _append_many(engine, 4)
    report = audit_flows.verify_log(engine)
    assert report.ok and report.checkpointed
    with session_scope(engine) as session:
        (cp,) = session.scalars(select(AuditCheckpoint)).all()
    assert (cp.seq, cp.hash) == (4, events[-1].hash)
    _append_many(engine, 2)
    assert audit_flows.verify_log(engine).head_seq == 6


def test_checkpoint_without_a_report_takes_the_current_tail(engine: Engine) -> None:
    events = _append_many(engine, 2)
    with session_scope(engine) as session:
        cp = audit_service.checkpoint(session=session)
        session.commit()
    assert (cp.seq, cp.hash) == (2, events[-1].hash)


def test_list_events_filters_and_pages(engine: Engine) -> None:
    _append_many(engine, 9)
    audit_flows.record(engine, actor="admin", action="user.sign_in", client="10.1.1.1")
    with session_scope(engine) as session:
        newest = audit_service.list_events(session=session, limit=3)
        assert [e.seq for e in newest] == [10, 9, 8]
        assert [e.seq for e in audit_service.list_events(session=session, limit=3, offset=3)] == [
            7,
            6,
            5,
        ]
        assert {e.actor for e in audit_service.list_events(session=session, actor="user-1")} == {
            "user-1"
        }
        assert len(audit_service.list_events(session=session, action="record.read")) == 9
        (one,) = audit_service.list_events(
            session=session, resource_type="record", resource_id="R4"
        )
        assert one.seq == 5
        now = datetime.now(UTC)
        assert len(audit_service.list_events(session=session, since=now - timedelta(hours=1))) == 10
        assert audit_service.list_events(session=session, until=now - timedelta(hours=1)) == []
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 10
