"""Sign-in pages (notice, password, authenticator code) and sign-out, over ``auth.flows``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from immigrationos.apikit.deps import EngineDep, client_of
from immigrationos.auth import flows as auth_flows
from immigrationos.auth.notice import SYSTEM_USE_NOTICE
from immigrationos.web import session as web_session
from immigrationos.web.render import page

router = APIRouter(include_in_schema=False)
CsrfDep = Depends(web_session.check_csrf)


def _sign_in_page(
    request: Request, *, error: str | None = None, status: int = 200, username: str = ""
) -> HTMLResponse:
    fresh = None
    if web_session.csrf_seed(request) is None:
        # First visit: the form's CSRF token derives from a new pre-session secret.
        fresh = web_session.new_pre_session()
    response = page(
        request,
        "sign_in.html",
        None,
        status=status,
        csrf_seed=fresh,
        notice=SYSTEM_USE_NOTICE,
        error=error,
        username=username,
        message=request.query_params.get("m"),
    )
    if fresh is not None:
        web_session.set_cookie(request, response, web_session.PRE_SESSION_COOKIE, fresh)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request) -> HTMLResponse:
    """Show the system-use notice and the first sign-in step (username and password)."""
    return _sign_in_page(request)


@router.post("/sign-in", response_class=HTMLResponse, dependencies=[CsrfDep])
def sign_in_password(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    accept_notice: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Take username and password (checked only with the code), then ask for the code."""
    if accept_notice != "yes":
        return _sign_in_page(
            request,
            error="Read the system-use notice and tick the box to accept it before signing in.",
            status=400,
            username=username,
        )
    if not username.strip() or not password:
        return _sign_in_page(
            request, error="Give your username and password.", status=400, username=username
        )
    sealed, key = web_session.seal_pending(username, password)
    response = page(request, "sign_in_code.html", None, pending=sealed, username=username)
    web_session.set_cookie(
        request, response, web_session.PENDING_COOKIE, key, max_age=web_session.PENDING_SECONDS
    )
    return response


@router.post("/sign-in/code", response_class=HTMLResponse, dependencies=[CsrfDep])
def sign_in_code(
    request: Request,
    engine: EngineDep,
    pending: Annotated[str, Form(max_length=4000)] = "",
    totp_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Sign in with both factors through the one sign-in flow; start the session cookie."""
    held = web_session.open_pending(pending, request.cookies.get(web_session.PENDING_COOKIE))
    if held is None:
        response: Response = _sign_in_page(
            request,
            error="The sign-in took too long or was interrupted: start again.",
            status=400,
        )
        web_session.clear_cookie(response, web_session.PENDING_COOKIE)
        return response
    result = auth_flows.sign_in(
        held.username,
        held.password,
        totp_code.strip(),
        client=client_of(request),
        engine=engine,
    )
    if not result.ok or result.token is None:
        response = _sign_in_page(request, error=result.message, status=401, username=held.username)
        web_session.clear_cookie(response, web_session.PENDING_COOKIE)
        return response
    response = RedirectResponse("/", status_code=303)
    web_session.set_cookie(request, response, web_session.SESSION_COOKIE, result.token)
    web_session.clear_cookie(response, web_session.PENDING_COOKIE)
    web_session.clear_cookie(response, web_session.PRE_SESSION_COOKIE)
    web_session.clear_cookie(response, web_session.PURPOSE_COOKIE)
    return response


@router.post("/sign-out", dependencies=[CsrfDep])
def sign_out(request: Request, engine: EngineDep) -> Response:
    """End this browser's session (as the API's sign-out does) and forget its cookies."""
    token = web_session.session_token(request)
    if token is not None:
        auth_flows.sign_out(token, engine=engine, client=client_of(request))
    response = RedirectResponse("/sign-in?m=signed-out", status_code=303)
    for name in (web_session.SESSION_COOKIE, web_session.PURPOSE_COOKIE):
        web_session.clear_cookie(response, name)
    return response
