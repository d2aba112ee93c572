"""Sign-in, sessions and account management over HTTP."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from immigrationos.apikit.deps import (
    EngineDep,
    Page,
    PageDep,
    PrincipalDep,
    SessionDep,
    audit,
    client_of,
    require,
)
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth import accounts
from immigrationos.auth import flows as auth_flows
from immigrationos.auth import service as auth_service
from immigrationos.auth.errors import AuthError, PasswordPolicyError
from immigrationos.auth.models import ROLES
from immigrationos.auth.notice import SYSTEM_USE_NOTICE
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.auth.schemas import (
    AccessChange,
    PasswordChange,
    Reason,
    SessionsEnded,
    SignedIn,
    SignIn,
    SystemUseNotice,
    UserCreate,
    UserCreated,
    UserRead,
)

router = APIRouter(prefix="/auth", tags=["sign-in"])
users_router = APIRouter(prefix="/users", tags=["accounts"])


def _grants(request: Request, user_id: str) -> frozenset[str]:
    with auth_flows.session_scope(request.app.state.engine) as session:
        grants: frozenset[str] = request.app.state.grants_of(session, user_id)
    return grants


@router.get("/notice", response_model=SystemUseNotice, summary="The system-use notice")
def notice() -> SystemUseNotice:
    """Return the notice to show and have accepted before sign-in."""
    return SystemUseNotice(notice=SYSTEM_USE_NOTICE)


@router.post(
    "/sign-in",
    response_model=SignedIn,
    summary="Sign in with password and TOTP code",
    responses=responses(400, 401, 422),
)
def sign_in(body: SignIn, request: Request, engine: EngineDep) -> SignedIn:
    """Start a session; both factors are required, and the notice must be accepted."""
    result = auth_flows.sign_in(
        body.username, body.password, body.totp_code, client=client_of(request), engine=engine
    )
    if not result.ok or result.token is None or result.user_id is None:
        raise Problem(401, "sign-in-failed", result.message)
    with auth_flows.session_scope(engine) as session:
        user = auth_service.get_user(session=session, user_id=result.user_id)
        assert user is not None
        read = UserRead.of(user, _grants(request, user.id))
    return SignedIn(
        token=result.token,
        idle_timeout_minutes=auth_flows.IDLE_MINUTES,
        session_id=result.session_id or "",
        user=read,
    )


@router.post(
    "/sign-out",
    status_code=204,
    summary="End this session",
    responses=responses(401),
)
def sign_out(request: Request, engine: EngineDep, principal: PrincipalDep) -> Response:
    """End the caller's session."""
    token = request.headers.get("authorization", "").partition(" ")[2]
    auth_flows.sign_out(token, engine=engine, client=principal.client)
    return Response(status_code=204)


@router.get("/me", response_model=UserRead, summary="Who am I", responses=responses(401))
def me(request: Request, session: SessionDep, principal: PrincipalDep) -> UserRead:
    """Return the caller's account, permissions and grants."""
    user = auth_service.get_user(session=session, user_id=principal.actor)
    if user is None:
        raise Problem(401, "session-refused", "the account of this session no longer exists")
    return UserRead.of(user, principal.grants)


@router.post(
    "/password",
    response_model=SessionsEnded,
    summary="Change my password",
    responses=responses(400, 401, 422),
)
def change_password(
    body: PasswordChange, engine: EngineDep, principal: PrincipalDep
) -> SessionsEnded:
    """Change the caller's password; every session of theirs ends, this one too."""
    try:
        ended = accounts.change_password(
            principal.actor,
            body.current_password,
            body.new_password,
            engine=engine,
            client=principal.client,
        )
    except PasswordPolicyError as exc:
        raise Problem(400, "password-policy", str(exc)) from exc
    except AuthError as exc:
        raise Problem(400, "password-change-refused", str(exc)) from exc
    return SessionsEnded(sessions_ended=ended)


# --- accounts (administrators) ---------------------------------------------------------


def _user_or_404(session: SessionDep, user_id: str) -> UserRead:
    user = auth_service.get_user(session=session, user_id=user_id)
    if user is None:
        raise Problem(404, "user-not-found", f"no user has id {user_id!r}")
    return UserRead.of(user)


@users_router.get(
    "",
    response_model=Page[UserRead],
    summary="List accounts",
    responses=responses(401, 403, 422),
)
def list_users(
    request: Request,
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.USERS_READ)],
    role: Annotated[
        str | None, Query(description="Only this role.", json_schema_extra={"enum": list(ROLES)})
    ] = None,
) -> Page[UserRead]:
    """Return accounts by username, optionally of one role."""
    if role is not None and role not in ROLES:
        raise Problem(422, "unknown-role", f"role {role!r} is not one of {', '.join(ROLES)}")
    users = auth_service.list_users(session=session, role=role)
    sliced = users[page.offset : page.offset + page.limit]
    items = [UserRead.of(u, _grants(request, u.id)) for u in sliced]
    audit(
        session,
        principal,
        "users.list",
        resource_type="user",
        details={"role": role, "count": len(items)},
    )
    session.commit()
    return Page[UserRead].of(items, len(users), page)


@users_router.post(
    "",
    response_model=UserCreated,
    status_code=201,
    summary="Create an account",
    responses=responses(400, 401, 403, 409, 422),
)
def create_user(
    body: UserCreate,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.USERS_MANAGE)],
) -> UserCreated:
    """Create an account; its TOTP secret (and a generated password) are shown once."""
    generated = None
    password = body.password
    if password is None:
        generated = password = secrets.token_urlsafe(18)
    try:
        created = accounts.create_user(
            body.username,
            body.display_name,
            body.role,
            password,
            created_by=principal.actor,
            field_offices=body.field_offices,
            engine=engine,
            by=principal,
        )
    except PasswordPolicyError as exc:
        raise Problem(400, "password-policy", str(exc)) from exc
    except AuthError as exc:
        status = 409 if "already taken" in str(exc) else 400
        raise Problem(status, "user-refused", str(exc)) from exc
    return UserCreated(
        user=UserRead.of(created.user),
        initial_password=generated,
        totp_secret=created.totp_secret,
        provisioning_uri=created.provisioning_uri,
    )


@users_router.get(
    "/{user_id}",
    response_model=UserRead,
    summary="One account",
    responses=responses(401, 403, 404),
)
def get_user(
    user_id: str,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.USERS_READ)],
) -> UserRead:
    """Return one account."""
    found = _user_or_404(session, user_id)
    found.grants = sorted(_grants(request, user_id))
    audit(session, principal, "users.read", resource_type="user", resource_id=user_id)
    session.commit()
    return found


@users_router.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="Change an account's role, offices or enablement",
    responses=responses(400, 401, 403, 404, 422),
)
def update_access(
    user_id: str,
    body: AccessChange,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.USERS_MANAGE)],
) -> UserRead:
    """Change access (audited with before, after and reason); the user's sessions end."""
    _user_or_404(session, user_id)
    if user_id == principal.actor and body.role not in (None, principal.role):
        raise Problem(400, "self-change", "an administrator cannot change their own role")
    try:
        user = accounts.update_access(
            user_id,
            reason=body.reason,
            role=body.role,
            field_offices=body.field_offices,
            enabled=body.enabled,
            engine=engine,
            by=principal,
        )
    except AuthError as exc:
        raise Problem(400, "access-change-refused", str(exc)) from exc
    return UserRead.of(user)


@users_router.post(
    "/{user_id}/revoke-sessions",
    response_model=SessionsEnded,
    summary="End every session of an account",
    responses=responses(400, 401, 403, 404, 422),
)
def revoke_sessions(
    user_id: str,
    body: Reason,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.USERS_MANAGE)],
) -> SessionsEnded:
    """Revoke every open session of a user, with a reason."""
    _user_or_404(session, user_id)
    try:
        count = accounts.revoke_sessions(user_id, body.reason, engine=engine, by=principal)
    except AuthError as exc:
        raise Problem(400, "revoke-refused", str(exc)) from exc
    return SessionsEnded(sessions_ended=count)
