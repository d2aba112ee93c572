"""Tampering: the triggers refuse it; with the triggers dropped, verification finds it."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.exc import DBAPIError

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.chain import HASHED_FIELDS, event_hash
from immigrationos.audit.models import AuditCheckpoint, AuditEvent
from immigrationos.audit.service import BreakReason, VerificationReport
from immigrationos.db.engine import session_scope

from .conftest import GuardLifter


def _log(engine: Engine, n: int = 6) -> None:
    for i in range(n):
        audit_flows.record(
            engine,
            actor=f"user-{i}",
            actor_role="OFFICER",
            action="record.read",
            resource_type="record",
            resource_id=f"R{i}",
            purpose="lead:L-7",
            details={"i": i},
        )


def _verify(engine: Engine) -> VerificationReport:
    with session_scope(engine) as session:
        return audit_service.verify(session=session, batch_size=4)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
        "DELETE FROM audit_events",
        "UPDATE audit_checkpoints SET seq = 1",
        "DELETE FROM audit_checkpoints",
    ],
)
def test_the_database_refuses_update_and_delete(engine: Engine, statement: str) -> None:
    _log(engine, 3)
    audit_flows.verify_log(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert _verify(engine).ok


def test_postgres_refuses_truncate(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _log(engine, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))


def test_a_changed_field_is_found(engine: Engine, guard_lifted: GuardLifter) -> None:
    _log(engine)
    with guard_lifted() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(purpose="curiosity"))
    report = _verify(engine)
    assert not report.ok
    assert (report.first_broken_seq, report.reason) == (3, BreakReason.HASH_MISMATCH)
    assert report.events_checked == 2 and report.head_seq == 2
    assert report.message and "field was changed" in report.message


def test_a_deleted_middle_event_is_found(engine: Engine, guard_lifted: GuardLifter) -> None:
    _log(engine)
    with guard_lifted() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == 4))
    report = _verify(engine)
    assert (report.ok, report.first_broken_seq, report.reason) == (
        False,
        4,
        BreakReason.SEQ_GAP,
    )


def test_a_deleted_first_event_is_found(engine: Engine, guard_lifted: GuardLifter) -> None:
    _log(engine, 3)
    with guard_lifted() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == 1))
    report = _verify(engine)
    assert (report.first_broken_seq, report.reason) == (1, BreakReason.SEQ_GAP)


def _set_seq(conn: Connection, old: int, new: int) -> None:
    conn.execute(update(AuditEvent).where(AuditEvent.seq == old).values(seq=new))


def test_a_swapped_pair_is_found(engine: Engine, guard_lifted: GuardLifter) -> None:
    _log(engine)
    with guard_lifted() as conn:
        _set_seq(conn, 3, -3)
        _set_seq(conn, 4, 3)
        _set_seq(conn, -3, 4)
    report = _verify(engine)
    assert (report.first_broken_seq, report.reason) == (3, BreakReason.PREV_HASH_MISMATCH)


def test_a_deleted_event_with_the_rest_renumbered_is_found(
    engine: Engine, guard_lifted: GuardLifter
) -> None:
    _log(engine)
    with guard_lifted() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == 2))
        for seq in range(3, 7):
            _set_seq(conn, seq, seq - 1)
    report = _verify(engine)
    assert (report.first_broken_seq, report.reason) == (2, BreakReason.PREV_HASH_MISMATCH)


def test_an_event_inserted_before_the_first_is_found(
    engine: Engine, guard_lifted: GuardLifter
) -> None:
    _log(engine, 2)
    with guard_lifted() as conn:
        row = conn.execute(select(AuditEvent.__table__).where(AuditEvent.seq == 1)).one()
        conn.execute(AuditEvent.__table__.insert().values({**row._asdict(), "seq": 0}))
    report = _verify(engine)
    assert (report.first_broken_seq, report.reason) == (1, BreakReason.SEQ_GAP)


def test_a_truncated_tail_after_a_checkpoint_is_found(
    engine: Engine, guard_lifted: GuardLifter
) -> None:
    _log(engine)
    assert audit_flows.verify_log(engine).checkpointed
    with guard_lifted() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.seq >= 5))
    report = _verify(engine)
    assert (report.ok, report.first_broken_seq, report.reason) == (
        False,
        5,
        BreakReason.TRUNCATED,
    )
    assert report.events_checked == 4
    assert not audit_flows.verify_log(engine).checkpointed  # a broken chain is not checkpointed
    with session_scope(engine) as session:
        assert len(session.scalars(select(AuditCheckpoint)).all()) == 1


def test_a_rewritten_chain_is_found_at_the_checkpoint(
    engine: Engine, guard_lifted: GuardLifter
) -> None:
    """Edit an event and recompute every later hash: only the checkpoint can tell."""
    _log(engine)
    audit_flows.verify_log(engine)
    with guard_lifted() as conn:
        rows = conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).all()
        prev = rows[1].hash
        for row in rows[2:]:
            fields = dict(row._mapping)
            fields["prev_hash"] = prev
            if row.seq == 3:
                fields["actor"] = "someone-else"
            new_hash = event_hash({name: fields[name] for name in HASHED_FIELDS})
            conn.execute(
                update(AuditEvent)
                .where(AuditEvent.seq == row.seq)
                .values(actor=fields["actor"], prev_hash=prev, hash=new_hash)
            )
            prev = new_hash
    report = _verify(engine)
    assert (report.first_broken_seq, report.reason) == (6, BreakReason.CHECKPOINT_MISMATCH)
