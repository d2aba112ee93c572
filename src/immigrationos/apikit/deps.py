"""FastAPI dependencies: the database, who is calling, what they may do, and pagination.

Every route but sign-in and the notice needs a signed-in user (``Authorization: Bearer
<token>``) and declares the one permission of the permission table it needs with
``require(Permission.X)``. A refusal is an audit event (``api.denied``) and a 403
problem that names the permission and the role.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.apikit.problems import Problem
from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.models import Outcome
from immigrationos.auth import flows as auth_flows
from immigrationos.auth.errors import AuthError
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="session",
    description="The session token from POST /api/v1/auth/sign-in (password + TOTP code).",
)


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in
# the thread pool, and each hop there costs more than the dependency itself.
async def engine_of(request: Request) -> Engine:
    """Return the database engine the app was created with."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(engine_of)]


async def db_session(engine: EngineDep) -> AsyncIterator[Session]:
    """Yield a session for one request (views that write commit it themselves).

    Opening a session does no I/O (it connects on first use, in the view's thread); closing
    returns the connection to the pool.
    """
    with session_scope(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(db_session)]


def client_of(request: Request) -> str:
    """Return the client's address as the audit log records it."""
    return request.client.host if request.client else "unknown"


def current_principal(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Return the signed-in caller; answer 401 when there is no valid session."""
    client = client_of(request)
    if credentials is None:
        raise Problem(
            401,
            "not-signed-in",
            "sign in with POST /api/v1/auth/sign-in and send the token it returns as "
            "'Authorization: Bearer <token>'",
        )
    try:
        found = auth_flows.authenticate_session(
            credentials.credentials, engine=engine, grants_of=request.app.state.grants_of
        )
    except AuthError as exc:
        audit_flows.record(
            engine,
            actor="unknown",
            action="auth.token_refused",
            outcome=Outcome.DENIED,
            client=client,
            details={"path": request.url.path, "reason": str(exc)},
        )
        raise Problem(401, "session-refused", str(exc)) from exc
    return Principal.of_user(
        found.user,
        grants=found.grants,
        client=client,
        session_id=found.session_id,
    )


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Any:
    """Return a dependency that admits callers whose role holds ``permission``."""

    async def check(request: Request, engine: EngineDep, principal: PrincipalDep) -> Principal:
        if principal.can(permission):
            return principal
        audit_flows.record(
            engine,
            actor=principal.actor,
            actor_role=principal.role,
            action="api.denied",
            outcome=Outcome.DENIED,
            client=principal.client,
            details={
                "permission": permission.value,
                "method": request.method,
                "path": request.url.path,
            },
        )
        raise Problem(
            403,
            "permission-denied",
            f"the role {principal.role} does not hold the permission {permission.value!r} "
            "(see docs/permissions.md)",
        )

    check.permission = permission  # type: ignore[attr-defined]  # read by route_permission
    return Depends(check)


def route_permission(route: Any) -> Permission | None:
    """Return the permission a route requires (None for the public and self-service ones)."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        found = getattr(dependant.call, "permission", None)
        if isinstance(found, Permission):
            return found
        pending.extend(dependant.dependencies)
    return None


def audit(
    session: Session,
    principal: Principal,
    action: str,
    *,
    resource_type: str | None = None,
    resource_id: str | None = None,
    purpose: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> None:
    """Append the audit event of a request in the request's transaction."""
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose,
        outcome=outcome,
        client=principal.client,
        details=details,
    )


PurposeHeader = Annotated[
    str | None,
    Header(
        alias="X-Purpose",
        description="The id of the purpose this read serves (a case, a lead, an investigation "
        "or a named batch purpose); see /api/v1/purposes. Required to read person data.",
    ),
]


@dataclass(frozen=True)
class PageParams:
    """Which slice of a list to return."""

    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many items.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many items.")] = 0,
) -> PageParams:
    """Return the pagination of a list request."""
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A slice of a list, with where the next one starts."""

    items: list[T]
    total: int = Field(description="How many items the whole list holds.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next slice, if any.")

    @classmethod
    def of(cls, items: list[T], total: int, page: PageParams) -> Page[T]:
        """Return the page of ``items`` (already sliced) out of ``total``."""
        following = page.offset + len(items)
        return cls(
            items=items,
            total=total,
            limit=page.limit,
            offset=page.offset,
            next_offset=following if following < total else None,
        )
