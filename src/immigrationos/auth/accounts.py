"""Account management use cases: create, change access, disable, revoke; each owns its
transaction and appends its audit event in it (a permission change is audited with the
access before and after)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.audit.models import Outcome
from immigrationos.auth import passwords, totp
from immigrationos.auth import service as auth_service
from immigrationos.auth.errors import AdminExistsError, AuthError, PasswordPolicyError
from immigrationos.auth.flows import (
    USERNAME_PATTERN,
    audit_account_event,
    is_locked,
    normalise_username,
    register_failure,
)
from immigrationos.auth.models import NATIONAL_ROLES, OFFICE_ROLES, ROLES, User
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.reference import field_offices as field_offices_ref


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NewUser:
    """A created user, with the TOTP secret and URI shown once to enrol an authenticator."""

    user: User
    totp_secret: str
    provisioning_uri: str


def _check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AuthError(
            f"username {username!r} is not valid: use 3 to 64 characters, letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return name


def _check_offices(role: str, field_offices: Iterable[str]) -> list[str]:
    known = {office.name for office in field_offices_ref.load_field_offices()}
    offices: list[str] = []
    for office in field_offices:
        name = office.strip()
        if not name:
            raise AuthError("a field office name is empty")
        if name not in known:
            close = sorted(k for k in known if name.lower() in k.lower())
            hint = f" (did you mean {', '.join(repr(c) for c in close[:3])}?)" if close else ""
            raise AuthError(f"{name!r} is not an ICE field office{hint}")
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
    by: Principal | None = None,
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
        audit_account_event(
            session,
            by,
            "users.create",
            resource_id=created.user.id,
            actor=None if by else created_by,
            details={
                "username": created.user.username,
                "role": role,
                "offices": created.user.offices,
            },
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
        audit_account_event(
            session,
            None,
            "users.create_admin",
            resource_id=created.user.id,
            actor=created_by,
            details={"username": created.user.username, "role": "ADMIN", "forced": force},
        )
        session.commit()
    return created


def revoke_sessions(
    user_id: str,
    reason: str,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
    by: Principal | None = None,
) -> int:
    """Revoke every open session of a user; return how many were revoked."""
    if not reason.strip():
        raise AuthError("give a reason to revoke sessions")
    now = now or _now()
    with session_scope(engine) as session:
        _require_user(session, user_id)
        count = auth_service.revoke_user_sessions(
            session=session, user_id=user_id, reason=reason.strip(), now=now
        )
        audit_account_event(
            session,
            by,
            "auth.revoke_sessions",
            resource_id=user_id,
            details={"reason": reason.strip(), "sessions": count},
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
    client: str | None = None,
) -> int:
    """Change a user's password and end all their sessions; return how many were ended.

    A wrong current password counts towards the lockout, as at sign-in.
    """
    now = now or _now()
    with session_scope(engine) as session:
        user = _require_user(session, user_id)
        if is_locked(user, now):
            raise AuthError("the account is locked after repeated failures; try again later")
        if not passwords.verify_password(user.password_hash, current_password):
            register_failure(user, now)
            audit_account_event(
                session,
                None,
                "auth.password_change",
                resource_id=user.id,
                outcome=Outcome.DENIED,
                details={"result": "BAD_PASSWORD"},
                actor=user.id,
                actor_role=user.role,
                client=client or "unknown",
            )
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
        audit_account_event(
            session,
            None,
            "auth.password_change",
            resource_id=user.id,
            details={"sessions_ended": count},
            actor=user.id,
            actor_role=user.role,
            client=client or "unknown",
        )
        session.commit()
    return count


def disable_user(
    user_id: str,
    reason: str,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
    by: Principal | None = None,
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
        audit_account_event(
            session,
            by,
            "users.disable",
            resource_id=user.id,
            details={"reason": reason.strip(), "sessions_ended": count},
        )
        session.commit()
    return count


def update_access(
    user_id: str,
    *,
    reason: str,
    role: str | None = None,
    field_offices: Iterable[str] | None = None,
    enabled: bool | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
    by: Principal | None = None,
) -> User:
    """Change a user's role, field offices or enablement (a permission change, audited).

    The user's sessions end, so the new access applies from their next sign-in.
    """
    if not reason.strip():
        raise AuthError("give a reason for a change of access")
    now = now or _now()
    with session_scope(engine) as session:
        user = _require_user(session, user_id)
        before = {"role": user.role, "offices": user.offices, "enabled": not user.disabled}
        new_role = role if role is not None else user.role
        if new_role not in ROLES:
            raise AuthError(f"role {new_role!r} is not one of {', '.join(ROLES)}")
        offices = _check_offices(
            new_role, field_offices if field_offices is not None else user.offices
        )
        user.role = new_role
        user.field_offices = json.dumps(offices)
        if enabled is not None:
            user.disabled = not enabled
        after = {"role": user.role, "offices": offices, "enabled": not user.disabled}
        count = auth_service.revoke_user_sessions(
            session=session, user_id=user.id, reason="ACCESS_CHANGED", now=now
        )
        audit_account_event(
            session,
            by,
            "users.update_access",
            resource_id=user.id,
            details={
                "before": before,
                "after": after,
                "reason": reason.strip(),
                "sessions_ended": count,
            },
        )
        session.commit()
        session.expunge(user)
    return user
