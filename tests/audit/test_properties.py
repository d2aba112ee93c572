"""Properties: any log verifies, and any one-character change to any stored field is found."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.chain import HASHED_FIELDS
from immigrationos.audit.models import AuditEvent, Outcome
from immigrationos.db.engine import session_scope

from .conftest import GuardLifter

# PostgreSQL text holds no NUL; details are JSON, which escapes it, so they may hold any.
plain = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def short(max_size: int) -> st.SearchStrategy[str]:
    return st.text(plain, min_size=1, max_size=max_size)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

events = st.fixed_dictionaries(
    {
        "actor": short(40),
        "action": short(30),
        "actor_role": st.none() | short(20),
        "resource_type": st.none() | short(20),
        "resource_id": st.none() | short(40),
        "purpose": st.none() | st.text(plain, max_size=60),
        "outcome": st.sampled_from(list(Outcome)),
        "client": short(40),
        "details": st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    }
)

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _write(engine: Engine, log: list[dict[str, Any]]) -> None:
    with session_scope(engine) as session:
        for fields in log:
            audit_service.append(session=session, **fields)
        session.commit()


def _changed(field: str, value: Any, position: int) -> Any:
    """Return ``value`` with one character (or the smallest unit) changed."""
    if field == "seq":
        return value + 1000
    if field == "at":
        return value + timedelta(microseconds=1)
    if field == "outcome":
        return "DENIED" if value != "DENIED" else "SUCCESS"
    if not value:
        return "x"
    i = position % len(value)
    return value[:i] + ("a" if value[i] != "a" else "b") + value[i + 1 :]


@PROPERTY_SETTINGS
@given(log=st.lists(events, min_size=1, max_size=6))
def test_any_log_verifies(
    engine: Engine, emptied: Callable[[], None], log: list[dict[str, Any]]
) -> None:
    emptied()
    _write(engine, log)
    report = audit_flows.verify_log(engine, batch_size=4)
    assert report.ok and report.events_checked == len(log) and report.checkpointed


@PROPERTY_SETTINGS
@given(
    log=st.lists(events, min_size=1, max_size=5),
    data=st.data(),
    field=st.sampled_from([*HASHED_FIELDS, "hash"]),
    position=st.integers(min_value=0, max_value=10_000),
)
def test_any_one_change_is_found_at_its_event(
    engine: Engine,
    emptied: Callable[[], None],
    guard_lifted: GuardLifter,
    log: list[dict[str, Any]],
    data: st.DataObject,
    field: str,
    position: int,
) -> None:
    emptied()
    _write(engine, log)
    target = data.draw(st.integers(min_value=1, max_value=len(log)), label="seq")
    with guard_lifted() as conn:
        value = conn.execute(
            select(getattr(AuditEvent, field)).where(AuditEvent.seq == target)
        ).scalar_one()
        conn.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == target)
            .values({field: _changed(field, value, position)})
        )
    with session_scope(engine) as session:
        report = audit_service.verify(session=session, batch_size=2)
    assert not report.ok
    assert report.first_broken_seq == target, report
