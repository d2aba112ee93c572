"""Data access for the audit log: append, verify, checkpoint, list. Flushes, never commits.

Appends are serialised so that two writers can never read the same tail and both
claim the next ``seq``:

- PostgreSQL: ``pg_advisory_xact_lock(APPEND_LOCK_KEY)`` is taken before the tail is
  read and held until the caller's transaction ends, so a concurrent append waits
  for this one to commit (or roll back) and then reads the new tail.
- SQLite: a database has one writer at a time. The append starts with a write (a
  no-op ``UPDATE`` matching no row), which takes the write lock, waiting up to the
  engine's ``busy_timeout``, before the tail is read. A transaction that read other
  tables before appending may instead get "database is locked" if another writer
  committed in between: SQLite's rule for every write, and the caller's to retry.

Reads of unrelated users are not serialised: only appends take the lock, for the
short rest of the transaction that appends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from immigrationos.audit import signing
from immigrationos.audit.chain import HASHED_FIELDS, as_utc, canonical_details, event_hash
from immigrationos.audit.models import (
    AUDIT_PARTITION_EVENTS,
    GENESIS_HASH,
    AuditCheckpoint,
    AuditEvent,
    Outcome,
)

# Key of the PostgreSQL advisory lock that serialises appends ("IMOSAUDT" as 8 bytes).
APPEND_LOCK_KEY = 0x494D4F5341554454
APPEND_LOCK_TIMEOUT = "30s"
VERIFY_BATCH = 1000


class BreakReason(StrEnum):
    """Why the chain is broken at a ``seq``."""

    SEQ_GAP = "SEQ_GAP"  # an event is missing: deleted
    PREV_HASH_MISMATCH = "PREV_HASH_MISMATCH"  # the link to the event before: removed, reordered
    HASH_MISMATCH = "HASH_MISMATCH"  # the event's own content: a field was changed
    CHECKPOINT_MISMATCH = "CHECKPOINT_MISMATCH"  # the chain was rewritten up to a checkpoint
    TRUNCATED = "TRUNCATED"  # the tail is shorter than the last checkpoint


_EXPLAIN = {
    BreakReason.SEQ_GAP: (
        "event {seq} is missing (deleted) or out of place; the event found there is {found}"
    ),
    BreakReason.PREV_HASH_MISMATCH: (
        "event {seq} does not link to the event before it (an event was removed or reordered)"
    ),
    BreakReason.HASH_MISMATCH: "event {seq} does not match its hash (a field was changed)",
    BreakReason.CHECKPOINT_MISMATCH: (
        "event {seq} differs from the checkpoint of {checkpoint_at} (the chain was rewritten)"
    ),
    BreakReason.TRUNCATED: (
        "the log ends at {found} but a checkpoint of {checkpoint_at} saw it reach {checkpoint_seq}"
        " (the tail was truncated)"
    ),
}


@dataclass(frozen=True)
class VerificationReport:
    """What a walk of the chain found."""

    ok: bool
    events_checked: int
    head_seq: int  # the last intact event (0 when the log is empty)
    head_hash: str  # its hash (64 zeros when the log is empty)
    first_broken_seq: int | None = None
    reason: BreakReason | None = None
    message: str | None = None
    checkpointed: bool = False  # a checkpoint of the head was written (``flows.verify_log``)


def _now() -> datetime:
    return datetime.now(UTC)


def _lock_tail(session: Session) -> None:
    """Hold the append lock for the rest of the session's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Never wait forever: an append waiting on a transaction that is itself waiting
        # (on this connection's caller) would hang both. A wait this long is a defect;
        # it fails loudly instead, and the transaction rolls back whole.
        session.execute(text(f"SET LOCAL lock_timeout = '{APPEND_LOCK_TIMEOUT}'"))
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
    else:
        session.execute(text("UPDATE audit_events SET seq = seq WHERE 1 = 0"))


def _tail(session: Session) -> tuple[int, str]:
    """Return the last event's (seq, hash), or (0, genesis) for an empty log."""
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """Return the fields of ``event`` that its hash covers."""
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def append(
    *,
    session: Session,
    actor: str,
    action: str,
    actor_role: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    purpose: str | None = None,
    outcome: Outcome | str = Outcome.SUCCESS,
    client: str = "cli",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append an event at the tail of the chain; it commits with the caller's transaction.

    Everything but the chain link is prepared before the append lock is taken, and the
    row is written with one Core ``INSERT``: the lock is held for two short statements
    and the commit, so appends of unrelated requests wait as little as they can.
    """
    outcome = Outcome(outcome)
    event = AuditEvent(
        at=_now(),
        actor=actor,
        actor_role=actor_role,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose,
        outcome=outcome.value,
        client=client,
        details=canonical_details(details),
    )
    session.flush()  # the caller's pending writes first: the lock is held from here to commit
    _lock_tail(session)
    last_seq, last_hash = _tail(session)
    event.seq = last_seq + 1
    event.prev_hash = last_hash
    event.hash = event_hash(hashed_fields(event))
    _keep_partitions_ahead(session, event.seq)
    session.execute(insert(AuditEvent), [_row(event)])
    return event


def _keep_partitions_ahead(session: Session, seq: int) -> None:
    """At the first event of a partition's range, make sure it and the next one exist.

    PostgreSQL only (migration 0025): range k holds seq ``k * AUDIT_PARTITION_EVENTS`` up
    to the next range's first. Once per range, under the append lock: the log always has
    a whole empty range ahead of it, and creates the one it enters if it is missing.
    """
    if seq % AUDIT_PARTITION_EVENTS == 0 and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT audit_events_keep_ahead(:seq)"), {"seq": seq})


def _row(event: AuditEvent) -> dict[str, Any]:
    return {column.key: getattr(event, column.key) for column in AuditEvent.__table__.columns}


def _checkpoints(session: Session) -> dict[int, AuditCheckpoint]:
    """Return the latest checkpoint of each seq."""
    found: dict[int, AuditCheckpoint] = {}
    for cp in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        found[cp.seq] = cp
    return found


def verify(*, session: Session, batch_size: int = VERIFY_BATCH) -> VerificationReport:
    """Walk the chain in seq order; report the first broken event and why, or the head."""
    checkpoints = _checkpoints(session)
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0

    def broken(seq: int, reason: BreakReason, **extra: Any) -> VerificationReport:
        return VerificationReport(
            ok=False,
            events_checked=checked,
            head_seq=expected_seq - 1,
            head_hash=prev_hash,
            first_broken_seq=seq,
            reason=reason,
            message=_EXPLAIN[reason].format(seq=seq, **extra),
        )

    columns = [getattr(AuditEvent, name) for name in HASHED_FIELDS] + [AuditEvent.hash]
    last_seen: int | None = None  # the first batch is unbounded: an event before seq 1 shows
    while True:
        query = select(*columns).order_by(AuditEvent.seq).limit(batch_size)
        if last_seen is not None:
            query = query.where(AuditEvent.seq > last_seen)
        batch = session.execute(query).all()
        if not batch:
            break
        for row in batch:
            event: Mapping[str, Any] = dict(row._mapping)
            seq = event["seq"]
            if seq != expected_seq:
                return broken(expected_seq, BreakReason.SEQ_GAP, found=seq)
            if event["prev_hash"] != prev_hash:
                return broken(seq, BreakReason.PREV_HASH_MISMATCH)
            if event_hash(event) != event["hash"]:
                return broken(seq, BreakReason.HASH_MISMATCH)
            cp = checkpoints.get(seq)
            if cp is not None and cp.hash != event["hash"]:
                return broken(seq, BreakReason.CHECKPOINT_MISMATCH, checkpoint_at=as_utc(cp.at))
            checked += 1
            expected_seq, prev_hash, last_seen = seq + 1, event["hash"], seq
    head_seq = expected_seq - 1
    if checkpoints:
        last = checkpoints[max(checkpoints)]
        if last.seq > head_seq:
            return broken(
                head_seq + 1,
                BreakReason.TRUNCATED,
                found=head_seq,
                checkpoint_at=as_utc(last.at),
                checkpoint_seq=last.seq,
            )
    return VerificationReport(
        ok=True, events_checked=checked, head_seq=head_seq, head_hash=prev_hash
    )


def checkpoint(
    *,
    session: Session,
    report: VerificationReport | None = None,
    key: Ed25519PrivateKey | None = None,
) -> AuditCheckpoint:
    """Record the head of the chain (the one ``report`` verified, else the tail), signed by ``key``."""
    if report is not None:
        if not report.ok:
            raise ValueError(
                f"cannot checkpoint a broken chain (seq {report.first_broken_seq}: {report.reason})"
            )
        seq, head_hash = report.head_seq, report.head_hash
    else:
        _lock_tail(session)
        seq, head_hash = _tail(session)
    cp = AuditCheckpoint(seq=seq, hash=head_hash, at=_now())
    if key is not None:
        cp.key_id = signing.key_id(key)
        cp.statement = signing.statement(seq, head_hash, cp.at, cp.key_id)
        cp.signature = signing.sign(key, cp.statement)
    session.add(cp)
    session.flush()
    return cp


def latest_signed_checkpoint(*, session: Session) -> AuditCheckpoint | None:
    """Return the newest signed checkpoint, if any."""
    query = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.signature.is_not(None))
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def event_hash_at(*, session: Session, seq: int) -> str | None:
    """Return the stored hash of the event at ``seq``, or None when there is none."""
    return session.scalars(select(AuditEvent.hash).where(AuditEvent.seq == seq)).first()


def count_events(
    *,
    session: Session,
    actor: str | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Return how many events the filters of ``list_events`` match."""
    query = _filtered(
        select(func.count()).select_from(AuditEvent),
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        since=since,
        until=until,
    )
    return int(session.execute(query).scalar_one())


def _filtered(
    query: Any,
    *,
    actor: str | None,
    action: str | None,
    resource_type: str | None,
    resource_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if resource_type is not None:
        query = query.where(AuditEvent.resource_type == resource_type)
    if resource_id is not None:
        query = query.where(AuditEvent.resource_id == resource_id)
    if since is not None:
        query = query.where(AuditEvent.at >= as_utc(since))
    if until is not None:
        query = query.where(AuditEvent.at < as_utc(until))
    return query


def list_events(
    *,
    session: Session,
    actor: str | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[AuditEvent]:
    """Return events, newest first, filtered by actor, action, resource and time [since, until)."""
    query = _filtered(
        select(AuditEvent),
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        since=since,
        until=until,
    )
    return session.scalars(query.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)).all()
