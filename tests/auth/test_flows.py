"""Accounts and sign-in flows, on SQLite and PostgreSQL: both factors, lockout, sessions."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import Engine, select

from immigrationos.auth import accounts, flows, passwords, totp
from immigrationos.auth import service as auth_service
from immigrationos.auth.errors import AdminExistsError, AuthError, PasswordPolicyError
from immigrationos.auth.models import SignInAttempt, User, UserSession
from immigrationos.db.engine import session_scope

from .conftest import NOW, PASSWORD

pytestmark = pytest.mark.usefixtures("fast_hasher")


def make_officer(engine: Engine, username: str = "officer.lee") -> accounts.NewUser:
    return accounts.create_user(
        username,
        "J. Lee",
        "OFFICER",
        PASSWORD,
        created_by="test",
        field_offices=["New York City Field Office"],
        engine=engine,
        now=NOW,
    )


def sign_in_at(
    engine: Engine,
    new: accounts.NewUser,
    when: datetime,
    *,
    password: str = PASSWORD,
    code: str | None = None,
) -> flows.SignInResult:
    return flows.sign_in(
        new.user.username,
        password,
        totp.code_at(new.totp_secret, when) if code is None else code,
        client="10.0.0.7",
        engine=engine,
        now=when,
    )


def attempts(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        rows = session.scalars(select(SignInAttempt).order_by(SignInAttempt.id)).all()
        return [row.outcome for row in rows]


def load_user(engine: Engine, user_id: str) -> User:
    with session_scope(engine) as session:
        user = auth_service.get_user(session=session, user_id=user_id)
        assert user is not None
        return user


def test_create_user_returns_the_secret_once_and_stores_only_a_hash(engine: Engine) -> None:
    new = make_officer(engine)
    assert new.provisioning_uri.startswith("otpauth://totp/ImmigrationOS:officer.lee?")
    assert f"secret={new.totp_secret}" in new.provisioning_uri
    user = load_user(engine, new.user.id)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert user.offices == ["New York City Field Office"] and json.loads(user.field_offices) == [
        "New York City Field Office"
    ]
    assert user.created_at == NOW or auth_service.as_utc(user.created_at) == NOW
    assert not user.totp_confirmed and user.failed_attempts == 0 and not user.disabled


def test_create_user_refuses_bad_input(engine: Engine) -> None:
    make_officer(engine)
    with pytest.raises(AuthError, match="already taken"):
        make_officer(engine, "Officer.Lee")
    with pytest.raises(PasswordPolicyError) as refused:
        accounts.create_user(
            "a.nalyst", "A", "ANALYST", "qwerty123456", created_by="t", engine=engine, now=NOW
        )
    assert refused.value.problems == [
        "the password is on the list of common passwords; choose another"
    ]
    with pytest.raises(AuthError, match="is not one of"):
        accounts.create_user("x.user", "X", "KING", PASSWORD, created_by="t", engine=engine)
    with pytest.raises(AuthError, match="needs at least one field office"):
        accounts.create_user("s.user", "S", "SUPERVISOR", PASSWORD, created_by="t", engine=engine)
    with pytest.raises(AuthError, match="national"):
        accounts.create_user(
            "o.user",
            "O",
            "OVERSIGHT",
            PASSWORD,
            created_by="t",
            field_offices=["Miramar Sub Office"],
            engine=engine,
        )
    with pytest.raises(AuthError, match="is not valid"):
        accounts.create_user("x", "X", "ANALYST", PASSWORD, created_by="t", engine=engine)


def test_create_admin_refuses_a_second_admin_unless_forced(engine: Engine) -> None:
    first = accounts.create_admin("admin", "Admin", PASSWORD, created_by="operator", engine=engine)
    assert first.user.role == "ADMIN" and first.user.offices == []
    with pytest.raises(AdminExistsError, match="already exists"):
        accounts.create_admin("admin2", "Admin 2", PASSWORD, created_by="operator", engine=engine)
    forced = accounts.create_admin(
        "admin2", "Admin 2", PASSWORD, created_by="operator", force=True, engine=engine
    )
    assert forced.user.role == "ADMIN"


def test_sign_in_needs_both_factors(engine: Engine) -> None:
    new = make_officer(engine)
    for code in ("", "000000"):
        alone = sign_in_at(engine, new, NOW, code=code)
        assert not alone.ok and alone.token is None and alone.outcome == "BAD_TOTP"
    signed = sign_in_at(engine, new, NOW)
    assert signed.ok and signed.token and signed.outcome == "SUCCESS"
    assert flows.authenticate(signed.token, engine=engine, now=NOW).id == new.user.id
    user = load_user(engine, new.user.id)
    assert user.totp_confirmed and user.last_totp_step == totp.current_step(NOW)
    assert attempts(engine) == ["BAD_TOTP", "BAD_TOTP", "SUCCESS"]


def test_wrong_password_or_another_users_code_fails(engine: Engine) -> None:
    new = make_officer(engine)
    other = make_officer(engine, "officer.kim")
    wrong_password = sign_in_at(engine, new, NOW, password=PASSWORD + "x")
    assert not wrong_password.ok and wrong_password.outcome == "BAD_PASSWORD"
    foreign = totp.code_at(other.totp_secret, NOW)
    if foreign != totp.code_at(new.totp_secret, NOW):
        assert sign_in_at(engine, new, NOW, code=foreign).outcome == "BAD_TOTP"


def test_a_code_is_accepted_only_once(engine: Engine) -> None:
    new = make_officer(engine)
    code = totp.code_at(new.totp_secret, NOW)
    assert sign_in_at(engine, new, NOW, code=code).ok
    replay = sign_in_at(engine, new, NOW + timedelta(seconds=5), code=code)
    assert not replay.ok and replay.outcome == "BAD_TOTP"
    assert sign_in_at(engine, new, NOW + timedelta(seconds=30)).ok


def test_lockout_after_five_failures_until_it_expires(engine: Engine) -> None:
    new = make_officer(engine)
    for i in range(flows.LOCKOUT_THRESHOLD):
        result = sign_in_at(engine, new, NOW + timedelta(seconds=i), password="wrong password!!")
        assert result.outcome == "BAD_PASSWORD"
    locked = load_user(engine, new.user.id)
    assert locked.failed_attempts == 5
    assert auth_service.as_utc(locked.locked_until or NOW) == NOW + timedelta(minutes=15, seconds=4)
    # The right password and code are refused while the lock holds.
    for later in (timedelta(seconds=10), timedelta(minutes=14)):
        refused = sign_in_at(engine, new, NOW + later)
        assert not refused.ok and refused.outcome == "LOCKED" and refused.token is None
    released = sign_in_at(engine, new, NOW + timedelta(minutes=15, seconds=5))
    assert released.ok
    user = load_user(engine, new.user.id)
    assert user.failed_attempts == 0 and user.locked_until is None
    assert attempts(engine) == ["BAD_PASSWORD"] * 5 + ["LOCKED", "LOCKED", "SUCCESS"]
    assert flows.LOCKOUT_MINUTES >= 10


def test_success_resets_the_failure_count(engine: Engine) -> None:
    new = make_officer(engine)
    when = NOW
    for _round in range(2):
        for _ in range(flows.LOCKOUT_THRESHOLD - 1):
            assert sign_in_at(engine, new, when, password="wrong password!!").outcome == (
                "BAD_PASSWORD"
            )
        when += timedelta(seconds=30)
        assert sign_in_at(engine, new, when).ok
    assert load_user(engine, new.user.id).failed_attempts == 0


def test_failures_all_say_the_same_thing(engine: Engine) -> None:
    new = make_officer(engine)
    disabled = make_officer(engine, "officer.kim")
    accounts.disable_user(disabled.user.id, "left the agency", engine=engine, now=NOW)
    results = [
        flows.sign_in("nobody.here", PASSWORD, "123456", engine=engine, now=NOW),
        sign_in_at(engine, new, NOW, password="wrong password!!"),
        sign_in_at(engine, new, NOW, code="000000"),
        sign_in_at(engine, disabled, NOW),
    ]
    for _ in range(4):
        sign_in_at(engine, new, NOW, password="wrong password!!")
    results.append(sign_in_at(engine, new, NOW))
    assert [r.outcome for r in results] == [
        "UNKNOWN_USER",
        "BAD_PASSWORD",
        "BAD_TOTP",
        "DISABLED",
        "LOCKED",
    ]
    assert {r.message for r in results} == {flows.GENERIC_FAILURE}
    assert all(not r.ok and r.token is None and r.user_id is None for r in results)
    with session_scope(engine) as session:
        unknown = session.scalars(
            select(SignInAttempt).where(SignInAttempt.outcome == "UNKNOWN_USER")
        ).one()
        assert unknown.username == "nobody.here" and unknown.user_id is None


def test_disabling_refuses_sign_in_and_ends_sessions(engine: Engine) -> None:
    new = make_officer(engine)
    token = sign_in_at(engine, new, NOW).token
    assert token
    assert accounts.disable_user(new.user.id, "left the agency", engine=engine, now=NOW) == 1
    with pytest.raises(AuthError, match="ended"):
        flows.authenticate(token, engine=engine, now=NOW)
    refused = sign_in_at(engine, new, NOW + timedelta(seconds=30))
    assert not refused.ok and refused.outcome == "DISABLED"


def test_a_session_expires_after_30_idle_minutes(engine: Engine) -> None:
    new = make_officer(engine)
    token = sign_in_at(engine, new, NOW).token
    assert token
    flows.authenticate(token, engine=engine, now=NOW + timedelta(minutes=29))
    flows.authenticate(token, engine=engine, now=NOW + timedelta(minutes=59))  # 30 idle: still ok
    with pytest.raises(AuthError, match="expired after 30 idle minutes"):
        flows.authenticate(token, engine=engine, now=NOW + timedelta(minutes=89, seconds=1))
    with pytest.raises(AuthError, match="IDLE_TIMEOUT"):
        flows.authenticate(token, engine=engine, now=NOW + timedelta(minutes=90))


def test_revocation_ends_every_session_of_the_user(engine: Engine) -> None:
    new = make_officer(engine)
    other = make_officer(engine, "officer.kim")
    tokens = [sign_in_at(engine, new, NOW + timedelta(seconds=30 * i)).token for i in range(2)]
    kept = sign_in_at(engine, other, NOW).token
    assert all(tokens) and kept
    assert accounts.revoke_sessions(new.user.id, "device lost", engine=engine, now=NOW) == 2
    for token in tokens:
        assert token
        with pytest.raises(AuthError, match="device lost"):
            flows.authenticate(token, engine=engine, now=NOW)
    assert flows.authenticate(kept, engine=engine, now=NOW).username == "officer.kim"
    with pytest.raises(AuthError, match="reason"):
        accounts.revoke_sessions(new.user.id, " ", engine=engine)


def test_sign_out_and_unknown_tokens(engine: Engine) -> None:
    new = make_officer(engine)
    token = sign_in_at(engine, new, NOW).token
    assert token
    assert flows.sign_out(token, engine=engine, now=NOW)
    assert not flows.sign_out(token, engine=engine, now=NOW)
    with pytest.raises(AuthError, match="SIGNED_OUT"):
        flows.authenticate(token, engine=engine, now=NOW)
    with pytest.raises(AuthError, match="not known"):
        flows.authenticate("made-up-token", engine=engine, now=NOW)


def test_only_the_token_hash_is_stored(engine: Engine) -> None:
    new = make_officer(engine)
    result = sign_in_at(engine, new, NOW)
    assert result.token
    with session_scope(engine) as session:
        stored = session.scalars(select(UserSession)).one()
        assert stored.token_hash == hashlib.sha256(result.token.encode()).hexdigest()
        assert result.token not in (stored.id, stored.token_hash)
        assert stored.expires_idle_minutes == 30 and stored.client == "10.0.0.7"


def test_change_password(engine: Engine) -> None:
    new = make_officer(engine)
    token = sign_in_at(engine, new, NOW).token
    assert token
    with pytest.raises(AuthError, match="current password is wrong"):
        accounts.change_password(
            new.user.id, "not my password", "amber-canyon-river-77", engine=engine
        )
    with pytest.raises(PasswordPolicyError) as refused:
        accounts.change_password(new.user.id, PASSWORD, "short", engine=engine)
    assert "at least 12" in refused.value.problems[0]
    with pytest.raises(PasswordPolicyError, match="same as the current"):
        accounts.change_password(new.user.id, PASSWORD, PASSWORD, engine=engine)
    later = NOW + timedelta(minutes=1)
    ended = accounts.change_password(
        new.user.id, PASSWORD, "amber-canyon-river-77", engine=engine, now=later
    )
    assert ended == 1
    with pytest.raises(AuthError, match="PASSWORD_CHANGED"):
        flows.authenticate(token, engine=engine, now=later)
    then = later + timedelta(seconds=30)
    assert sign_in_at(engine, new, then, password=PASSWORD).outcome == "BAD_PASSWORD"
    assert sign_in_at(engine, new, then, password="amber-canyon-river-77").ok


def test_a_weaker_hash_is_upgraded_at_sign_in(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = make_officer(engine)  # hashed by the cheap test hasher
    production = PasswordHasher(
        time_cost=passwords.TIME_COST,
        memory_cost=passwords.MEMORY_COST_KIB,
        parallelism=passwords.PARALLELISM,
        hash_len=passwords.HASH_LEN,
        salt_len=passwords.SALT_LEN,
        type=Type.ID,
    )
    monkeypatch.setattr(passwords, "HASHER", production)
    assert sign_in_at(engine, new, NOW).ok
    upgraded = load_user(engine, new.user.id).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(upgraded, PASSWORD)
