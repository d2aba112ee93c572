"""The HTTP API: ``create_app()`` mounts every domain's views under ``/api/v1``.

One service for headquarters and the field. Every route but the notice, sign-in and
health needs a signed-in user, declares its permission from the one permission table,
writes an audit event, and reads person data only under a purpose and the data-use
policy. Errors are RFC 9457 problem documents that say what was wrong.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos import __version__
from immigrationos.apikit import problems
from immigrationos.audit import views as audit_views
from immigrationos.auth import views as auth_views
from immigrationos.cases import views as cases_views
from immigrationos.custody import views as custody_views
from immigrationos.custody import views_placement as custody_placement_views
from immigrationos.db.engine import get_engine
from immigrationos.documents import views as documents_views
from immigrationos.jobs import views as jobs_views
from immigrationos.operations import views as operations_views
from immigrationos.oversight import views_bias as oversight_bias_views
from immigrationos.oversight import views_contest as oversight_contest_views
from immigrationos.oversight import views_review as oversight_review_views
from immigrationos.oversight import views_switch as oversight_switch_views
from immigrationos.persons import views as persons_views
from immigrationos.policy import service as policy_service
from immigrationos.policy import views as policy_views
from immigrationos.records import views as records_views
from immigrationos.sources import views as sources_views
from immigrationos.targeting import views as targeting_views
from immigrationos.web import views as web_views
from immigrationos.worksite import views as worksite_views

API_PREFIX = "/api/v1"
# Every domain's router, in the order they are mounted under API_PREFIX.
DOMAIN_ROUTERS: tuple[APIRouter, ...] = (
    auth_views.router,
    auth_views.users_router,
    policy_views.router,
    sources_views.router,
    records_views.router,
    persons_views.router,
    persons_views.review_router,
    targeting_views.router,
    cases_views.router,
    custody_views.router,
    custody_placement_views.router,
    documents_views.router,
    operations_views.router,
    worksite_views.router,
    oversight_contest_views.router,
    oversight_switch_views.router,
    audit_views.router,
    oversight_review_views.router,
    oversight_bias_views.router,
    jobs_views.router,
)


class Health(BaseModel):
    """The service answers."""

    status: str
    version: str


def _grants_of(session: Session, user_id: str) -> frozenset[str]:
    return policy_service.active_grants(session=session, user_id=user_id)


def iter_routes() -> Iterator[tuple[str, str, APIRoute]]:
    """Yield (method, full path, route) of every domain route, for tests and docs."""
    for router in DOMAIN_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in sorted((route.methods or set()) - {"HEAD"}):
                    yield method, API_PREFIX + route.path, route


def serve_app() -> FastAPI:
    """Return the application for a server worker (``imos serve``'s uvicorn factory).

    The objects built at start-up (routes, schemas, the policy, reference tables) live as
    long as the worker: ``gc.freeze()`` moves them out of the collector's sight, so full
    collections no longer walk them and requests see fewer and shorter pauses.
    """
    app = create_app()
    gc.freeze()
    return app


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
    app.state.grants_of = _grants_of
    problems.install(app)

    api = APIRouter(prefix=API_PREFIX)

    @api.get("/health", response_model=Health, tags=["service"], summary="Liveness")
    def health() -> Health:
        """Return that the service answers (no data, no sign-in)."""
        return Health(status="ok", version=__version__)

    for router in DOMAIN_ROUTERS:
        api.include_router(router)
    app.include_router(api)
    web_views.mount(app)  # the web pages at / and /static (not in the OpenAPI schema)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Return the OpenAPI schema, with every 422 answer described as the problem it is."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    problem = {
        problems.PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            if "422" in answers:
                answers["422"] = {"description": "Invalid request", "content": problem}
            if operation.get("parameters") or operation.get("requestBody"):
                # Any input may hold what the database refuses (apikit.problems: DataError).
                answers.setdefault("400", {"description": "Bad request", "content": problem})
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ProblemDetail"] = problems.ProblemDetail.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    components.update(components["ProblemDetail"].pop("$defs", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema
