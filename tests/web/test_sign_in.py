"""Sign-in through the pages: notice, password then code, cookie session, CSRF, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.conftest import PASSWORD, Api
from immigrationos.auth import accounts, totp
from immigrationos.auth.flows import GENERIC_FAILURE, IDLE_MINUTES, LOCKOUT_THRESHOLD
from immigrationos.auth.models import UserSession
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope

from .conftest import Web, csrf_of, sign_in

PAGES = ["/", "/dashboard", "/leads", "/leads/LNOSUCHLEAD", "/persons", "/persons/PX", "/purpose"]


def test_sign_in_shows_the_notice_and_starts_an_httponly_strict_cookie_session(
    web: Web, api: Api
) -> None:
    form = web.browser().get("/sign-in")
    assert form.status_code == 200
    assert "System-use notice" in form.text and "U.S. Government" in form.text
    created = api.create("ANALYST")
    client = web.browser()
    code = totp.code_at(created.totp_secret, datetime.now(UTC))
    answer = sign_in(client, created.user.username, PASSWORD, code)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("imos_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/dashboard").status_code == 200
    events = api.audit_events(action="auth.sign_in", outcome="SUCCESS")
    assert [e.actor for e in events] == [created.user.id]


def test_a_wrong_code_is_refused_without_saying_which_factor_failed(web: Web, api: Api) -> None:
    created = api.create("OFFICER")
    client = web.browser()
    right = totp.code_at(created.totp_secret, datetime.now(UTC))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answer = sign_in(client, created.user.username, PASSWORD, wrong)
    assert answer.status_code == 401
    assert GENERIC_FAILURE.split(":")[0] in answer.text
    assert "imos_session" not in client.cookies
    bad_password = sign_in(web.browser(), created.user.username, "not-the-password-1", right)
    assert bad_password.status_code == 401
    assert answer.text.count("not accepted") == bad_password.text.count("not accepted")
    details = [e.details for e in api.audit_events(action="auth.sign_in", outcome="DENIED")]
    assert any("BAD_TOTP" in d for d in details) and any("BAD_PASSWORD" in d for d in details)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_the_notice_must_be_accepted(web: Web, api: Api) -> None:
    created = api.create("ANALYST")
    client = web.browser()
    token = csrf_of(client.get("/sign-in").text)
    answer = client.post(
        "/sign-in",
        data={"csrf_token": token, "username": created.user.username, "password": PASSWORD},
    )
    assert answer.status_code == 400 and "accept" in answer.text
    assert 'name="pending"' not in answer.text


def test_a_tampered_or_missing_pending_sign_in_starts_again(web: Web, api: Api) -> None:
    created = api.create("ANALYST")
    client = web.browser()
    token = csrf_of(client.get("/sign-in").text)
    code = totp.code_at(created.totp_secret, datetime.now(UTC))
    answer = client.post(
        "/sign-in/code", data={"csrf_token": token, "pending": "forged", "totp_code": code}
    )
    assert answer.status_code == 400 and "start again" in answer.text


def test_forms_without_this_sessions_csrf_token_are_refused(web: Web, api: Api) -> None:
    created = api.create("ANALYST")
    client = web.browser()
    client.get("/sign-in")
    refused = client.post(
        "/sign-in",
        data={"username": created.user.username, "password": PASSWORD, "accept_notice": "yes"},
    )
    assert refused.status_code == 403 and 'name="pending"' not in refused.text
    analyst = web.user("ANALYST")
    stale = analyst.client.post(
        "/purpose",
        data={"csrf_token": "0" * 64, "kind": "CASE", "reference": "X", "title": "t",
              "justification": "t"},
    )  # fmt: skip
    assert stale.status_code == 403
    assert "security token" in stale.text
    assert api.audit_count(action="purpose.create") == 0
    assert api.audit_count(action="web.csrf_refused") == 2
    # The same form with the session's token goes through.
    analyst.declare_purpose()
    assert api.audit_count(action="purpose.create", outcome="SUCCESS") == 1


def test_an_idle_session_expires_as_the_apis_does(web: Web, api: Api) -> None:
    officer = web.user("OFFICER")
    with session_scope(api.engine) as session:
        for open_session in session.scalars(
            select(UserSession).where(UserSession.user_id == officer.id)
        ):
            open_session.last_seen_at = datetime.now(UTC) - timedelta(minutes=IDLE_MINUTES + 1)
        session.commit()
    answer = officer.get("/leads", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?m=expired"
    assert api.audit_count(action="auth.session_expired", actor=officer.id) == 1


def test_repeated_failures_lock_the_account_as_the_apis_do(web: Web, api: Api) -> None:
    created = api.create("ANALYST")
    for _ in range(LOCKOUT_THRESHOLD):
        wrong = sign_in(web.browser(), created.user.username, "wrong-password-123", "000000")
        assert wrong.status_code == 401
    code = totp.code_at(created.totp_secret, datetime.now(UTC))
    locked = sign_in(web.browser(), created.user.username, PASSWORD, code)
    assert locked.status_code == 401
    details = [e.details for e in api.audit_events(action="auth.sign_in", outcome="DENIED")]
    assert "LOCKED" in details[-1]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_sign_in(web: Web, path: str) -> None:
    client = web.browser()
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
    htmx = client.get(path, headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/sign-in")


def test_sign_out_ends_the_session_and_a_revoked_session_is_refused(web: Web, api: Api) -> None:
    officer = web.user("OFFICER")
    token = officer.client.cookies.get("imos_session")
    out = officer.post("/sign-out", {}, follow_redirects=False)
    assert out.status_code == 303
    assert api.audit_count(action="auth.sign_out", actor=officer.id) == 1
    officer.client.cookies.set("imos_session", str(token))
    again = officer.get("/dashboard", follow_redirects=False)
    assert again.status_code == 303 and "expired" in again.headers["location"]
    analyst = web.user("ANALYST")
    accounts.revoke_sessions(
        analyst.id, "lost phone", engine=api.engine, by=Principal.operator("test")
    )
    assert analyst.get("/leads", follow_redirects=False).status_code == 303
    assert api.audit_count(action="auth.token_refused") >= 2


def test_web_pages_stay_out_of_the_api_schema(web: Web) -> None:
    schema = web.browser().get("/api/v1/openapi.json").json()
    assert all(path.startswith("/api/v1") for path in schema["paths"])
