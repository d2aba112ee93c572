"""The browser's side of sign-in: cookies, CSRF tokens, the pending second factor.

The session is the API's own: the token ``auth.flows.sign_in`` returns, kept in an
HttpOnly, SameSite=Strict cookie instead of an ``Authorization`` header, and checked on
every request by the API's ``current_principal`` (idle expiry, revocation, disabled
accounts and the audit of refused tokens all as the API has them).

Sign-in is two pages (password, then authenticator code) over the one two-factor flow:
the password is not checked on its own (that would tell which factor failed). Between
the two pages it is held encrypted (Fernet): the ciphertext in the code page's form, the
key in a short-lived HttpOnly cookie, so neither the page nor the server keeps it.

CSRF: every form POST carries a token derived (HMAC-SHA256) from the session token, or,
before sign-in, from a random pre-session cookie; a cross-site page can read neither.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Engine

from immigrationos.apikit import deps
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal

SESSION_COOKIE = "imos_session"
PRE_SESSION_COOKIE = "imos_pre"
PENDING_COOKIE = "imos_pending"
PURPOSE_COOKIE = "imos_purpose"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Time allowed between the password page and the code page.
PENDING_SECONDS = 300


class SignInRequired(Exception):
    """The request has no valid session: send the browser to the sign-in page."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "sign in to continue")
        self.reason = reason


class CsrfRefused(Exception):
    """A form arrived without the token of this browser's session."""


def set_cookie(request: Request, response: Response, name: str, value: str, **kw: int) -> None:
    """Set an HttpOnly, SameSite=Strict cookie (Secure when served over HTTPS)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        max_age=kw.get("max_age"),
    )


def clear_cookie(response: Response, name: str) -> None:
    """Remove a cookie this module set."""
    response.delete_cookie(name, path="/", httponly=True, samesite="strict")


def session_token(request: Request) -> str | None:
    """Return the session token the browser sent, if any."""
    return request.cookies.get(SESSION_COOKIE) or None


def csrf_seed(request: Request) -> str | None:
    """Return the secret the CSRF token of this browser derives from."""
    return session_token(request) or request.cookies.get(PRE_SESSION_COOKIE) or None


def csrf_token_for(seed: str) -> str:
    """Return the CSRF token of a session (or pre-session) secret."""
    return hmac.new(seed.encode(), b"immigrationos-web-csrf", hashlib.sha256).hexdigest()


def new_pre_session() -> str:
    """Return a fresh pre-session secret (set as a cookie on the sign-in page)."""
    return secrets.token_urlsafe(32)


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form (or X-CSRF-Token header) lacks this browser's token."""
    seed = csrf_seed(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if seed is None or sent is None or not hmac.compare_digest(sent, csrf_token_for(seed)):
        raise CsrfRefused("the form's security token is missing or not this session's")


def principal_of(request: Request, engine: Engine) -> Principal:
    """Return the signed-in user of the session cookie, checked as the API checks tokens."""
    token = session_token(request)
    if token is None:
        raise SignInRequired()
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    try:
        return deps.current_principal(request, engine, credentials)
    except Problem as exc:
        raise SignInRequired(exc.detail) from exc


@dataclass(frozen=True)
class PendingSignIn:
    """The first page's answers, waiting for the authenticator code."""

    username: str
    password: str


def seal_pending(username: str, password: str) -> tuple[str, str]:
    """Return (ciphertext for the form, key for the cookie) of a pending sign-in."""
    key = Fernet.generate_key()
    sealed = Fernet(key).encrypt(json.dumps({"u": username, "p": password}).encode())
    return sealed.decode(), key.decode()


def open_pending(sealed: str, key: str | None) -> PendingSignIn | None:
    """Return the pending sign-in, or None when it is missing, tampered with or too old."""
    if not key or not sealed:
        return None
    try:
        data = json.loads(Fernet(key.encode()).decrypt(sealed.encode(), ttl=PENDING_SECONDS))
    except (InvalidToken, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str):
        return None
    return PendingSignIn(username=data["u"], password=str(data.get("p", "")))
