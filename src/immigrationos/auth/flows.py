"""Accounts and sign-in use cases; each owns its transaction.

Sign-in needs both factors: the password and a TOTP code, for every user. Every
attempt is recorded. After ``LOCKOUT_THRESHOLD`` consecutive failures the account is
locked for ``LOCKOUT_MINUTES``, and refused even with the right password until then.
A failed sign-in always returns the same message, so it never tells whether the
username exists, the account is locked or disabled, or which factor was wrong; the
recorded attempt says which, for the audit.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.auth import passwords, totp
from immigrationos.auth import service as auth_service
from immigrationos.auth.errors import AdminExistsError, AuthError, PasswordPolicyError
from immigrationos.auth.models import NATIONAL_ROLES, ROLES, User, UserSession
from immigrationos.db.engine import session_scope

LOCKOUT_THRESHOLD = 5
LOCKOUT_MINUTES = 15
IDLE_MINUTES = 30
GENERIC_FAILURE = (
    "Sign-in failed: the username, password or authenticator code is not accepted. "
    "After repeated failures an account is locked for a time."
)
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
OFFICE_ROLES = ("OFFICER", "SUPERVISOR")  # see only their offices' areas


@dataclass(frozen=True)
class NewUser:
    """A created user, with the TOTP secret and URI shown once to enrol an authenticator."""

    user: User
    totp_secret: str
    provisioning_uri: str


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


def normalise_username(username: str) -> str:
    """Return ``username`` trimmed and lower-cased (usernames are case-insensitive)."""
    return username.strip().lower()


def _check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AuthError(
            f"username {username!r} is not valid: use 3 to 64 characters, letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return name


def _check_offices(role: str, field_offices: Iterable[str]) -> list[str]:
    offices: list[str] = []
    for office in field_offices:
        name = office.strip()
        if not name:
            raise AuthError("a field office name is empty")
        if name not in offices:
            offices.append(name)
    if role in NATIONAL_ROLES and offices:
        raise AuthError(f"role {role} is national: give it no field offices (got {offices})")
    if role in OFFICE_ROLES and not offices:
        raise AuthError(f"role {role} needs at least one field office (its area of responsibility)")
    return offices


def _add_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    field_offices: Iterable[str],
    created_by: str,
    now: datetime,
) -> NewUser:
    name = _check_username(username)
    if role not in ROLES:
        raise AuthError(f"role {role!r} is not one of {', '.join(ROLES)}")
    offices = _check_offices(role, field_offices)
    if not display_name.strip():
        raise AuthError("the display name is empty")
    problems = passwords.check_password_policy(password, username=name)
    if problems:
        raise PasswordPolicyError(problems)
    if auth_service.get_user_by_username(session=session, username=name) is not None:
        raise AuthError(f"username {name!r} is already taken")
    secret = totp.new_secret()
    user = User(
        id=str(uuid.uuid4()),
        username=name,
        display_name=display_name.strip(),
        role=role,
        field_offices=json.dumps(offices),
        password_hash=passwords.hash_password(password),
        password_changed_at=now,
        totp_secret=secret,
        totp_confirmed=False,
        last_totp_step=None,
        failed_attempts=0,
        locked_until=None,
        disabled=False,
        created_at=now,
        created_by=created_by,
    )
    auth_service.add_user(session=session, user=user)
    return NewUser(
        user=user, totp_secret=secret, provisioning_uri=totp.provisioning_uri(secret, name)
    )


def create_user(
    username: str,
    display_name: str,
    role: str,
    password: str,
    *,
    created_by: str,
    field_offices: Iterable[str] = (),
    engine: Engine | None = None,
    now: datetime | None = None,
) -> NewUser:
    """Create a user whose password meets the policy; return it with its TOTP secret, once."""
    now = now or _now()
    with session_scope(engine) as session:
        created = _add_user(
            session,
            username=username,
            display_name=display_name,
            role=role,
            password=password,
            field_offices=field_offices,
            created_by=created_by,
            now=now,
        )
        session.commit()
    return created


def create_admin(
    username: str,
    display_name: str,
    password: str,
    *,
    created_by: str,
    force: bool = False,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> NewUser:
    """Create the first administrator; refuse when an enabled one exists, unless ``force``."""
    now = now or _now()
    with session_scope(engine) as session:
        if not force and auth_service.admin_exists(session=session):
            raise AdminExistsError(
                "an administrator already exists: sign in as one to create accounts "
                "(or force a new administrator from the platform's own machine)"
            )
        created = _add_user(
            session,
            username=username,
            display_name=display_name,
            role="ADMIN",
            password=password,
            field_offices=(),
            created_by=created_by,
            now=now,
        )
        session.commit()
    return created


def _user_for_update(session: Session, username: str) -> User | None:
    # Row lock on PostgreSQL: concurrent attempts must not lose a failure count or reuse a code.
    query = select(User).where(User.username == username).with_for_update()
    return session.scalars(query).first()


def _register_failure(user: User, now: datetime) -> None:
    user.failed_attempts = (user.failed_attempts or 0) + 1
    if user.failed_attempts >= LOCKOUT_THRESHOLD:
        user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)


def _is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and auth_service.as_utc(user.locked_until) > now


def _check_factors(user: User | None, password: str, totp_code: str, now: datetime) -> str:
    """Return the outcome of one attempt, updating the user's counters."""
    if user is None:
        passwords.verify_password(passwords.dummy_hash(), password)
        return "UNKNOWN_USER"
    password_ok = passwords.verify_password(user.password_hash, password)
    if user.disabled:
        return "DISABLED"
    if _is_locked(user, now):
        return "LOCKED"
    if user.locked_until is not None:  # the lock has run out: start counting again
        user.locked_until = None
        user.failed_attempts = 0
    if not password_ok:
        _register_failure(user, now)
        return "BAD_PASSWORD"
    step = totp.verify_code(user.totp_secret, totp_code, now=now, last_step=user.last_totp_step)
    if step is None:
        _register_failure(user, now)
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
    """Sign in with password and TOTP code; return a session token on success."""
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
        if outcome != "SUCCESS" or user is None:
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
        session.commit()
        return SignInResult(
            ok=True,
            message="Signed in.",
            outcome=outcome,
            token=token,
            user_id=user.id,
            session_id=user_session.id,
        )


def authenticate(token: str, *, engine: Engine | None = None, now: datetime | None = None) -> User:
    """Return the user of a session token; refuse unknown, ended or idle sessions."""
    now = now or _now()
    with session_scope(engine) as session:
        user_session = auth_service.get_session_by_token(session=session, token=token)
        if user_session is None:
            raise AuthError("not signed in: the session token is not known")
        if user_session.revoked_at is not None:
            raise AuthError(
                f"the session has ended ({user_session.revoked_reason or 'revoked'}); sign in again"
            )
        idle = now - auth_service.as_utc(user_session.last_seen_at)
        if idle > timedelta(minutes=user_session.expires_idle_minutes):
            user_session.revoked_at = now
            user_session.revoked_reason = "IDLE_TIMEOUT"
            session.commit()
            raise AuthError(
                f"the session expired after {user_session.expires_idle_minutes} idle minutes; "
                "sign in again"
            )
        user = auth_service.get_user(session=session, user_id=user_session.user_id)
        if user is None or user.disabled:
            user_session.revoked_at = now
            user_session.revoked_reason = "ACCOUNT_DISABLED"
            session.commit()
            raise AuthError("the account is disabled; sign in is refused")
        user_session.last_seen_at = now
        session.commit()
        return user


def sign_out(token: str, *, engine: Engine | None = None, now: datetime | None = None) -> bool:
    """End the session of ``token``; return whether an open session was ended."""
    now = now or _now()
    with session_scope(engine) as session:
        user_session = auth_service.get_session_by_token(session=session, token=token)
        if user_session is None or user_session.revoked_at is not None:
            return False
        user_session.revoked_at = now
        user_session.revoked_reason = "SIGNED_OUT"
        session.commit()
        return True


def revoke_sessions(
    user_id: str, reason: str, *, engine: Engine | None = None, now: datetime | None = None
) -> int:
    """Revoke every open session of a user; return how many were revoked."""
    if not reason.strip():
        raise AuthError("give a reason to revoke sessions")
    now = now or _now()
    with session_scope(engine) as session:
        count = auth_service.revoke_user_sessions(
            session=session, user_id=user_id, reason=reason.strip(), now=now
        )
        session.commit()
    return count


def _require_user(session: Session, user_id: str) -> User:
    user = auth_service.get_user(session=session, user_id=user_id)
    if user is None:
        raise AuthError(f"no user has id {user_id!r}")
    return user


def change_password(
    user_id: str,
    current_password: str,
    new_password: str,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> int:
    """Change a user's password and end all their sessions; return how many were ended.

    A wrong current password counts towards the lockout, as at sign-in.
    """
    now = now or _now()
    with session_scope(engine) as session:
        user = _require_user(session, user_id)
        if _is_locked(user, now):
            raise AuthError("the account is locked after repeated failures; try again later")
        if not passwords.verify_password(user.password_hash, current_password):
            _register_failure(user, now)
            session.commit()
            raise AuthError("the current password is wrong")
        problems = passwords.check_password_policy(new_password, username=user.username)
        if new_password == current_password:
            problems.append("the new password is the same as the current one")
        if problems:
            raise PasswordPolicyError(problems)
        user.password_hash = passwords.hash_password(new_password)
        user.password_changed_at = now
        user.failed_attempts = 0
        count = auth_service.revoke_user_sessions(
            session=session, user_id=user.id, reason="PASSWORD_CHANGED", now=now
        )
        session.commit()
    return count


def disable_user(
    user_id: str, reason: str, *, engine: Engine | None = None, now: datetime | None = None
) -> int:
    """Disable a user (sign-in refused from now on) and end their sessions; return how many."""
    if not reason.strip():
        raise AuthError("give a reason to disable a user")
    now = now or _now()
    with session_scope(engine) as session:
        user = _require_user(session, user_id)
        user.disabled = True
        count = auth_service.revoke_user_sessions(
            session=session, user_id=user.id, reason=f"DISABLED: {reason.strip()}", now=now
        )
        session.commit()
    return count
