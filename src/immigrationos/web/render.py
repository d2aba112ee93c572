"""Server-side rendering: one Jinja2 environment, the page context, refusals in plain words."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from immigrationos import __version__
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.web import session as web_session

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.globals["version"] = __version__
TEMPLATES.env.globals["Permission"] = Permission


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _words(value: Any) -> str:
    """Return an enum-like name in words: PRESENT_WITHOUT_ADMISSION -> Present without admission."""
    text = str(value or "").replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:]


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["words"] = _words


def is_htmx(request: Request) -> bool:
    """Return whether htmx sent the request (it then wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"


def page(
    request: Request,
    template: str,
    principal: Principal | None,
    status: int = 200,
    csrf_seed: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` with what every page needs: user, CSRF token, current purpose."""
    seed = csrf_seed or web_session.csrf_seed(request)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "csrf_token": web_session.csrf_token_for(seed) if seed else "",
            "current_purpose": request.cookies.get(web_session.PURPOSE_COOKIE, ""),
            **context,
        },
        status_code=status,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


# Pages hold person data: never cached, never framed, scripts and styles from this site only.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# What a refusal means, in words an officer understands (the rule's own reason follows).
PLAIN_WORDS = {
    401: "You are not signed in, or your session has ended.",
    403: "You may not do this.",
    404: "This is not available to you.",
    428: "Say why you are looking this up: choose or declare a purpose first.",
}


def refusal_words(problem: Problem, *, what: str = "page") -> dict[str, Any]:
    """Return what a refusal says: a headline in plain words, why, and the law it rests on."""
    headline = PLAIN_WORDS.get(problem.status, "This request was not accepted.")
    explain = problem.detail
    if problem.status == 404:
        # The same words whether it does not exist or lies outside the user's area.
        explain = (
            f"No such {what} is available to you. Either it does not exist, or it is "
            "outside your area of responsibility, or the law keeps it from this purpose."
        )
    elif problem.kind == "data-use-refused":
        headline = "The law does not allow this look-up under your purpose."
    elif problem.kind == "permission-denied":
        headline = "Your role does not allow this."
    return {
        "headline": headline,
        "explain": explain,
        "rule": problem.extra.get("rule"),
        "citation": problem.extra.get("citation"),
        "needs_purpose": problem.status == 428 or problem.kind == "purpose-refused",
    }


def refusal(
    request: Request,
    principal: Principal | None,
    problem: Problem,
    *,
    what: str = "page",
) -> HTMLResponse:
    """Render a refusal by the platform's rules (purpose, area, permission, data-use)."""
    template = "fragments/refusal.html" if is_htmx(request) else "refusal.html"
    return page(
        request,
        template,
        principal,
        status=problem.status,
        **refusal_words(problem, what=what),
    )
