"""Sign-in over HTTP: notice, both factors, lockout, expiry, revocation, account changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from immigrationos.auth import flows as auth_flows
from immigrationos.auth.models import UserSession
from immigrationos.db.engine import session_scope

from .conftest import HOME_OFFICE, PASSWORD, Api


def test_notice_is_served_and_must_be_accepted(api: Api) -> None:
    notice = api.client.get("/api/v1/auth/notice")
    assert notice.status_code == 200 and "U.S. Government" in notice.json()["notice"]
    created = api.create("ANALYST")
    response = api.client.post(
        "/api/v1/auth/sign-in",
        json={
            "username": created.user.username,
            "password": PASSWORD,
            "totp_code": "000000",
            "accept_notice": False,
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "accept_notice" in response.json()["detail"]


def test_sign_in_needs_both_factors_and_says_nothing_about_which(api: Api) -> None:
    created = api.create("OFFICER")
    bad_password = api.sign_in(
        created.user.username, created.totp_secret, password="wrong-password-123"
    )
    wrong_code = api.client.post(
        "/api/v1/auth/sign-in",
        json={
            "username": created.user.username,
            "password": PASSWORD,
            "totp_code": "000000",
            "accept_notice": True,
        },
    )
    nobody = api.sign_in("nobody.here", created.totp_secret)
    assert {bad_password.status_code, wrong_code.status_code, nobody.status_code} == {401}
    assert bad_password.json()["detail"] == wrong_code.json()["detail"] == nobody.json()["detail"]
    events = api.audit_events(action="auth.sign_in")
    assert [json.loads(e.details)["result"] for e in events] == [
        "BAD_PASSWORD",
        "BAD_TOTP",
        "UNKNOWN_USER",
    ]
    assert {e.outcome for e in events} == {"DENIED"}
    good = api.sign_in(created.user.username, created.totp_secret)
    assert good.status_code == 200
    body = good.json()
    assert body["user"]["role"] == "OFFICER" and body["user"]["field_offices"] == [HOME_OFFICE]
    assert "password_hash" not in good.text and created.totp_secret not in good.text
    assert api.audit_events(action="auth.sign_in")[-1].outcome == "SUCCESS"


def test_lockout_after_five_failures_refuses_the_right_password(api: Api) -> None:
    created = api.create("ANALYST")
    for _ in range(5):
        assert (
            api.sign_in(
                created.user.username, created.totp_secret, password="not-the-password"
            ).status_code
            == 401
        )
    locked = api.sign_in(created.user.username, created.totp_secret)
    assert locked.status_code == 401
    last = api.audit_events(action="auth.sign_in")[-1]
    assert json.loads(last.details)["result"] == "LOCKED"


def test_token_is_required_and_unknown_tokens_are_refused_and_audited(api: Api) -> None:
    assert api.client.get("/api/v1/auth/me").status_code == 401
    refused = api.client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert api.audit_count(action="auth.token_refused", outcome="DENIED") == 1


def test_idle_session_expires_after_thirty_minutes(api: Api) -> None:
    user = api.user("OFFICER")
    assert api.client.get("/api/v1/auth/me", headers=user.headers).status_code == 200
    stale = datetime.now(UTC) - timedelta(minutes=auth_flows.IDLE_MINUTES + 1)
    with session_scope(api.engine) as session:
        session.execute(
            update(UserSession).where(UserSession.user_id == user.id).values(last_seen_at=stale)
        )
        session.commit()
    expired = api.client.get("/api/v1/auth/me", headers=user.headers)
    assert expired.status_code == 401 and "idle" in expired.json()["detail"]
    assert api.audit_count(action="auth.session_expired") == 1


def test_sign_out_ends_the_session(api: Api) -> None:
    user = api.user("ANALYST")
    assert api.client.post("/api/v1/auth/sign-out", headers=user.headers).status_code == 204
    assert api.client.get("/api/v1/auth/me", headers=user.headers).status_code == 401


def test_admin_revokes_sessions_and_changes_access_with_audit(api: Api) -> None:
    admin = api.user("ADMIN")
    officer = api.user("OFFICER")
    revoke = api.client.post(
        f"/api/v1/users/{officer.id}/revoke-sessions",
        json={"reason": "lost phone"},
        headers=admin.headers,
    )
    assert revoke.status_code == 200 and revoke.json()["sessions_ended"] == 1
    assert api.client.get("/api/v1/auth/me", headers=officer.headers).status_code == 401
    change = api.client.patch(
        f"/api/v1/users/{officer.id}",
        json={"reason": "promoted", "role": "SUPERVISOR"},
        headers=admin.headers,
    )
    assert change.status_code == 200 and change.json()["role"] == "SUPERVISOR"
    event = api.audit_events(action="users.update_access")[-1]
    details = json.loads(event.details)
    assert details["before"]["role"] == "OFFICER" and details["after"]["role"] == "SUPERVISOR"
    assert event.actor == admin.id and event.actor_role == "ADMIN"
    bad_office = api.client.patch(
        f"/api/v1/users/{officer.id}",
        json={"reason": "move", "field_offices": ["Atlantis Field Office"]},
        headers=admin.headers,
    )
    assert bad_office.status_code == 400 and "Atlantis" in bad_office.json()["detail"]


def test_admin_creates_users_and_others_cannot(api: Api) -> None:
    admin = api.user("ADMIN")
    analyst = api.user("ANALYST")
    body = {
        "username": "new.officer",
        "display_name": "New Officer",
        "role": "OFFICER",
        "field_offices": [HOME_OFFICE],
    }
    refused = api.client.post("/api/v1/users", json=body, headers=analyst.headers)
    assert refused.status_code == 403 and "users.manage" in refused.json()["detail"]
    assert api.audit_count(action="api.denied", actor=analyst.id) == 1
    created = api.client.post("/api/v1/users", json=body, headers=admin.headers)
    assert created.status_code == 201
    payload = created.json()
    assert payload["initial_password"] and payload["totp_secret"]
    again = api.client.post("/api/v1/users", json=body, headers=admin.headers)
    assert again.status_code == 409
    weak = api.client.post(
        "/api/v1/users",
        json={**body, "username": "weak.one", "password": "password1234"},
        headers=admin.headers,
    )
    assert weak.status_code == 400 and "common" in weak.json()["detail"]
    no_office = api.client.post(
        "/api/v1/users",
        json={**body, "username": "no.office", "field_offices": []},
        headers=admin.headers,
    )
    assert no_office.status_code == 400 and "field office" in no_office.json()["detail"]


def test_password_change_ends_sessions(api: Api) -> None:
    user = api.user("LEGAL")
    wrong = api.client.post(
        "/api/v1/auth/password",
        json={"current_password": "nope-nope-nope", "new_password": "copper-meadow-falcon-77"},
        headers=user.headers,
    )
    assert wrong.status_code == 400
    done = api.client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "copper-meadow-falcon-77"},
        headers=user.headers,
    )
    assert done.status_code == 200 and done.json()["sessions_ended"] == 1
    assert api.client.get("/api/v1/auth/me", headers=user.headers).status_code == 401
    assert api.audit_count(action="auth.password_change", outcome="SUCCESS") == 1
