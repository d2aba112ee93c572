"""Concurrent appends from several connections still make one gap-free, valid chain."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.models import AuditEvent
from immigrationos.db.engine import session_scope

WRITERS = 4
EACH = 15


def test_concurrent_appends_make_a_gap_free_valid_chain(engine: Engine) -> None:
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                if i % 2:
                    audit_flows.record(engine, actor=f"writer-{n}", action="record.read")
                else:  # an append inside a transaction that wrote first
                    with session_scope(engine) as session:
                        audit_service.append(
                            session=session, actor=f"writer-{n}", action="record.search"
                        )
                        audit_service.append(
                            session=session, actor=f"writer-{n}", action="export.csv"
                        )
                        session.commit()
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = WRITERS * (EACH // 2 + 2 * (EACH - EACH // 2))
    with session_scope(engine) as session:
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        report = audit_service.verify(session=session)
    assert seqs == list(range(1, total + 1))
    assert report.ok and report.events_checked == total
