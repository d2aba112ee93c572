"""The HTTP API: ``create_app()`` mounts every domain's views under ``/api/v1``.

One service for headquarters and the field. Every route but the notice, sign-in and
health needs a signed-in user, declares its permission from the one permission table,
writes an audit event, and reads person data only under a purpose and the data-use
policy. Errors are RFC 9457 problem documents that say what was wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine

from immigrationos import __version__
from immigrationos.apikit import problems
from immigrationos.audit import views as audit_views
from immigrationos.auth import views as auth_views
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.policy import service as policy_service
from immigrationos.policy import views as policy_views
from immigrationos.records import views as records_views
from immigrationos.sources import views as sources_views

API_PREFIX = "/api/v1"


class Health(BaseModel):
    """The service answers."""

    status: str
    version: str


def _grants_loader(engine: Engine) -> Callable[[Engine, str], frozenset[str]]:
    def grants_of(engine: Engine, user_id: str) -> frozenset[str]:
        with session_scope(engine) as session:
            return policy_service.active_grants(session=session, user_id=user_id)

    return grants_of


def create_app(engine: Engine | None = None) -> FastAPI:
    """Return the API application on ``engine`` (the configured database by default)."""
    engine = engine if engine is not None else get_engine()
    app = FastAPI(
        title="ImmigrationOS API",
        version=__version__,
        summary="Records, identity, targeting and the enforcement lifecycle, accountable.",
        description=(
            "Sign in with POST /api/v1/auth/sign-in (password and TOTP code, after accepting "
            "the system-use notice) and send the token as `Authorization: Bearer <token>`. "
            "Reads of person data need a purpose (`X-Purpose` header). Every request is "
            "audited. Errors are `application/problem+json`."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.grants_of = _grants_loader(engine)
    problems.install(app)

    api = APIRouter(prefix=API_PREFIX)

    @api.get("/health", response_model=Health, tags=["service"], summary="Liveness")
    def health() -> Health:
        """Return that the service answers (no data, no sign-in)."""
        return Health(status="ok", version=__version__)

    api.include_router(auth_views.router)
    api.include_router(auth_views.users_router)
    api.include_router(policy_views.router)
    api.include_router(sources_views.router)
    api.include_router(records_views.router)
    api.include_router(audit_views.router)
    app.include_router(api)
    return app
