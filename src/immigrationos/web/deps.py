"""Page dependencies: the signed-in user with the permission a page needs, and its purpose.

The checks are the API's own: the session is checked by ``apikit.deps.current_principal``
and the permission by ``apikit.deps.require`` (same table, same ``api.denied`` audit
event); only the answer differs (a page, or a redirect to sign-in, instead of JSON).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from immigrationos.apikit.deps import EngineDep, require
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.web import session as web_session


class PageRefused(Exception):
    """A signed-in user may not open this page; render the refusal."""

    def __init__(self, principal: Principal, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.principal = principal
        self.problem = problem


def signed_in(permission: Permission | None = None) -> Any:
    """Return a dependency admitting a signed-in user whose role holds ``permission``."""

    async def check(request: Request, engine: EngineDep) -> Principal:
        principal = await run_in_threadpool(web_session.principal_of, request, engine)
        if permission is not None:
            try:
                await require(permission).dependency(request, engine, principal)
            except Problem as exc:
                raise PageRefused(principal, exc) from exc
        return principal

    check.permission = permission  # type: ignore[attr-defined]  # as apikit.deps.require
    return Depends(check)


UserDep = Annotated[Principal, signed_in()]


def purpose_of(request: Request, chosen: str | None = None) -> str | None:
    """Return the purpose a look-up names: the one chosen on the form, else the current one."""
    picked = (chosen or "").strip()
    if picked:
        return picked[:36]
    return request.cookies.get(web_session.PURPOSE_COOKIE) or None
