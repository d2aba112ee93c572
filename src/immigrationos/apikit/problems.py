"""Errors as RFC 9457 problem details (``application/problem+json``) that say what was wrong."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://immigrationos.example/problems/"
log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Invalid request",
    423: "Locked",
    428: "Purpose required",
    500: "Internal error",
}


class InvalidParam(BaseModel):
    """One field of the request that was not accepted."""

    name: str = Field(description="Where the field is: body.x, query.y, header.z.")
    reason: str


class ProblemDetail(BaseModel):
    """A problem, as RFC 9457 describes it; ``detail`` says what to do about it."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = Field(
        default=None, description="Each field that was not accepted, and why."
    )
    rule: str | None = Field(default=None, description="The data-use rule that refused it.")
    citation: str | None = Field(default=None, description="The law behind the rule.")


class Problem(Exception):
    """Raise from a view to answer with a problem: status, a kind, and what was wrong."""

    def __init__(self, status: int, kind: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.extra = {k: v for k, v in extra.items() if v is not None}


def problem_response(
    status: int, kind: str, detail: str, *, instance: str | None = None, **extra: Any
) -> JSONResponse:
    """Return a problem as a JSON response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.kind, exc.detail, instance=request.url.path, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        params = [
            {"name": _location(err.get("loc", ())), "reason": str(err.get("msg", "invalid"))}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{p['name']}: {p['reason']}" for p in params[:5])
        return problem_response(
            422,
            "invalid-request",
            f"the request was not accepted: {summary}",
            instance=request.url.path,
            invalid_params=params,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"there is no {request.method} {request.url.path} in this API (see /docs)"
        return problem_response(
            exc.status_code, f"http-{exc.status_code}", detail, instance=request.url.path
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (a NUL character, a number out of range): the
        # request's transaction is rolled back, nothing was written.
        return problem_response(
            400,
            "value-not-storable",
            "a value of the request cannot be stored or searched (a NUL character or a "
            "number out of range); nothing was changed",
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "internal-error",
            "the server failed on this request; nothing was changed. The error is logged "
            "for the operator.",
            instance=request.url.path,
        )


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI description of a route's problem answers."""
    return {
        status: {
            "model": ProblemDetail,
            "description": _TITLES.get(status, "Error"),
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
            },
        }
        for status in statuses
    }
