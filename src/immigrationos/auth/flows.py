"""Accounts and sign-in use cases; each owns its transaction.

Sign-in needs both factors: the password and a TOTP code, for every user. Every
attempt is recorded. After ``LOCKOUT_THRESHOLD`` consecutive failures the account is
locked for ``LOCKOUT_MINUTES``, and refused even with the right password until then.
A failed sign-in always returns the same message, so it never tells whether the
username exists, the account is locked or disabled, or which factor was wrong; the
recorded attempt says which, for the audit.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.audit.models import Outcome
from immigrationos.auth import passwords, totp
from immigrationos.auth import service as auth_service
from immigrationos.auth.errors import AuthError
from immigrationos.auth.models import User, UserSession
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope

LOCKOUT_THRESHOLD = 5
LOCKOUT_MINUTES = 15
IDLE_MINUTES = 30
# A session's last use is written at most this often: an idle timeout of 30 minutes needs
# no finer clock, and reads then cost no write.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
GENERIC_FAILURE = (
    "Sign-in failed: the username, password or authenticator code is not accepted. "
    "After repeated failures an account is locked for a time."
)
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


@dataclass(frozen=True)
class SignInResult:
    """How a sign-in ended; show only ``message`` (and the token) to the client.

    ``outcome`` is for the audit and the operator: it tells why a failure failed.
    """

    ok: bool
    message: str
    outcome: str
    token: str | None = None
    user_id: str | None = None
    session_id: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def audit_account_event(
    session: Session,
    by: Principal | None,
    action: str,
    *,
    resource_id: str | None,
    outcome: Outcome = Outcome.SUCCESS,
    details: dict[str, object] | None = None,
    actor: str | None = None,
    actor_role: str | None = None,
    client: str | None = None,
) -> None:
    """Append the audit event of an account action in the action's own transaction."""
    who = by or Principal.operator()
    audit_service.append(
        session=session,
        actor=actor or who.actor,
        actor_role=actor_role or who.role,
        action=action,
        resource_type="user",
        resource_id=resource_id,
        outcome=outcome,
        client=client or who.client,
        details=details,
    )


def normalise_username(username: str) -> str:
    """Return ``username`` trimmed and lower-cased (usernames are case-insensitive)."""
    return username.strip().lower()


def _user_for_update(session: Session, username: str) -> User | None:
    # Row lock on PostgreSQL: concurrent attempts must not lose a failure count or reuse a code.
    query = select(User).where(User.username == username).with_for_update()
    return session.scalars(query).first()


def register_failure(user: User, now: datetime) -> None:
    user.failed_attempts = (user.failed_attempts or 0) + 1
    if user.failed_attempts >= LOCKOUT_THRESHOLD:
        user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and auth_service.as_utc(user.locked_until) > now


def _check_factors(user: User | None, password: str, totp_code: str, now: datetime) -> str:
    """Return the outcome of one attempt, updating the user's counters."""
    if user is None:
        passwords.verify_password(passwords.dummy_hash(), password)
        return "UNKNOWN_USER"
    password_ok = passwords.verify_password(user.password_hash, password)
    if user.disabled:
        return "DISABLED"
    if is_locked(user, now):
        return "LOCKED"
    if user.locked_until is not None:  # the lock has run out: start counting again
        user.locked_until = None
        user.failed_attempts = 0
    if not password_ok:
        register_failure(user, now)
        return "BAD_PASSWORD"
    step = totp.verify_code(user.totp_secret, totp_code, now=now, last_step=user.last_totp_step)
    if step is None:
        register_failure(user, now)
        return "BAD_TOTP"
    user.last_totp_step = step
    user.totp_confirmed = True
    user.failed_attempts = 0
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return "SUCCESS"


def sign_in(
    username: str,
    password: str,
    totp_code: str,
    *,
    client: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> SignInResult:
    """Sign in with password and TOTP code; return a session token on success.

    Every attempt is recorded twice over: as a sign-in attempt (for the lockout) and as
    an audit event (``auth.sign_in``) whose details say why a failure failed.
    """
    now = now or _now()
    name = normalise_username(username)
    with session_scope(engine) as session:
        user = _user_for_update(session, name)
        outcome = _check_factors(user, password, totp_code, now)
        auth_service.record_attempt(
            session=session,
            username=name,
            user_id=user.id if user is not None else None,
            outcome=outcome,
            client=client,
            now=now,
        )
        details: dict[str, object] = {"username": name[:200], "result": outcome}
        if user is not None and user.locked_until is not None and outcome != "SUCCESS":
            details["locked_until"] = auth_service.as_utc(user.locked_until).isoformat()

        def audit(outcome: Outcome) -> None:
            audit_account_event(
                session,
                None,
                "auth.sign_in",
                resource_id=user.id if user is not None else None,
                outcome=outcome,
                actor=user.id if user is not None else f"unknown:{name[:100]}",
                actor_role=user.role if user is not None else None,
                client=client or "unknown",
                details=details,
            )

        if outcome != "SUCCESS" or user is None:
            audit(Outcome.DENIED)
            session.commit()
            return SignInResult(ok=False, message=GENERIC_FAILURE, outcome=outcome)
        token = secrets.token_urlsafe(32)
        user_session = UserSession(
            id=str(uuid.uuid4()),
            token_hash=auth_service.hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_idle_minutes=IDLE_MINUTES,
            client=client,
        )
        auth_service.add_session(session=session, user_session=user_session)
        details["session_id"] = user_session.id
        audit(Outcome.SUCCESS)
        session.commit()
        return SignInResult(
            ok=True,
            message="Signed in.",
            outcome=outcome,
            token=token,
            user_id=user.id,
            session_id=user_session.id,
        )


@dataclass(frozen=True)
class Authenticated:
    """A session token's user, read once, with the session it came from."""

    user: User
    session_id: str
    grants: frozenset[str] = frozenset()


def authenticate_session(
    token: str,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
    grants_of: Callable[[Session, str], frozenset[str]] | None = None,
) -> Authenticated:
    """Return the user and session of a token; refuse unknown, ended or idle sessions.

    The session's last use is written at most once per ``LAST_SEEN_RESOLUTION``, so a
    burst of requests costs one write, not one each. ``grants_of`` (the policy domain's
    loader) reads the user's access grants in the same transaction.
    """
    now = now or _now()
    with session_scope(engine) as session:
        found = auth_service.get_session_and_user(session=session, token=token)
        if found is None:
            raise AuthError("not signed in: the session token is not known")
        user_session, user = found
        if user_session.revoked_at is not None:
            raise AuthError(
                f"the session has ended ({user_session.revoked_reason or 'revoked'}); sign in again"
            )
        idle = now - auth_service.as_utc(user_session.last_seen_at)
        if idle > timedelta(minutes=user_session.expires_idle_minutes):
            user_session.revoked_at = now
            user_session.revoked_reason = "IDLE_TIMEOUT"
            audit_account_event(
                session,
                None,
                "auth.session_expired",
                resource_id=user_session.user_id,
                actor=user_session.user_id,
                client=user_session.client or "unknown",
                details={"session_id": user_session.id, "idle_seconds": int(idle.total_seconds())},
            )
            session.commit()
            raise AuthError(
                f"the session expired after {user_session.expires_idle_minutes} idle minutes; "
                "sign in again"
            )
        if user is None or user.disabled:
            user_session.revoked_at = now
            user_session.revoked_reason = "ACCOUNT_DISABLED"
            session.commit()
            raise AuthError("the account is disabled; sign in is refused")
        grants = grants_of(session, user.id) if grants_of is not None else frozenset()
        if idle >= LAST_SEEN_RESOLUTION:
            user_session.last_seen_at = now
            session.commit()
        session.expunge(user)
        return Authenticated(user=user, session_id=user_session.id, grants=grants)


def authenticate(token: str, *, engine: Engine | None = None, now: datetime | None = None) -> User:
    """Return the user of a session token; refuse unknown, ended or idle sessions."""
    return authenticate_session(token, engine=engine, now=now).user


def sign_out(
    token: str,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
    client: str | None = None,
) -> bool:
    """End the session of ``token``; return whether an open session was ended."""
    now = now or _now()
    with session_scope(engine) as session:
        user_session = auth_service.get_session_by_token(session=session, token=token)
        if user_session is None or user_session.revoked_at is not None:
            return False
        user_session.revoked_at = now
        user_session.revoked_reason = "SIGNED_OUT"
        audit_account_event(
            session,
            None,
            "auth.sign_out",
            resource_id=user_session.user_id,
            actor=user_session.user_id,
            client=client or user_session.client or "unknown",
            details={"session_id": user_session.id},
        )
        session.commit()
        return True
