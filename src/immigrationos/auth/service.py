"""Data access for users, sessions and sign-in attempts. Flushes, never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from immigrationos.auth.models import SignInAttempt, User, UserSession


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (SQLite returns naive UTC ones)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def hash_token(token: str) -> str:
    """Return the SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_user(*, session: Session, user_id: str) -> User | None:
    """Return one user."""
    return session.get(User, user_id)


def get_user_by_username(*, session: Session, username: str) -> User | None:
    """Return the user of a (normalised, lower-case) username."""
    return session.scalars(select(User).where(User.username == username)).first()


def admin_exists(*, session: Session) -> bool:
    """Return whether any enabled administrator exists."""
    query = select(User.id).where(User.role == "ADMIN", User.disabled.is_(False)).limit(1)
    return session.scalars(query).first() is not None


def list_users(*, session: Session, role: str | None = None) -> Sequence[User]:
    """Return the users, by username, optionally of one role."""
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    return session.scalars(query).all()


def add_user(*, session: Session, user: User) -> User:
    """Add a user."""
    session.add(user)
    session.flush()
    return user


def add_session(*, session: Session, user_session: UserSession) -> UserSession:
    """Add a signed-in session."""
    session.add(user_session)
    session.flush()
    return user_session


def get_session_by_token(*, session: Session, token: str) -> UserSession | None:
    """Return the session whose token is ``token`` (looked up by its hash)."""
    query = select(UserSession).where(UserSession.token_hash == hash_token(token))
    return session.scalars(query).first()


def get_session_and_user(*, session: Session, token: str) -> tuple[UserSession, User | None] | None:
    """Return the session of ``token`` and its user in one query (every API request asks)."""
    query = (
        select(UserSession, User)
        .outerjoin(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == hash_token(token))
    )
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1])


def revoke_user_sessions(*, session: Session, user_id: str, reason: str, now: datetime) -> int:
    """Revoke every open session of a user; return how many."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def record_attempt(
    *,
    session: Session,
    username: str,
    user_id: str | None,
    outcome: str,
    client: str | None,
    now: datetime,
) -> SignInAttempt:
    """Record one sign-in attempt."""
    attempt = SignInAttempt(
        username=username[:200], user_id=user_id, at=now, outcome=outcome, client=client
    )
    session.add(attempt)
    session.flush()
    return attempt


def list_attempts(
    *, session: Session, username: str | None = None, limit: int = 100
) -> Sequence[SignInAttempt]:
    """Return the latest sign-in attempts, newest first, optionally of one username."""
    query = select(SignInAttempt).order_by(SignInAttempt.id.desc()).limit(limit)
    if username is not None:
        query = query.where(SignInAttempt.username == username)
    return session.scalars(query).all()
