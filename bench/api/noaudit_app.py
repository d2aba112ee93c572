"""The API with audit appends replaced by nothing: for the benchmark's side-by-side only.

The product has no switch to turn auditing off; this module exists so the benchmark
can measure what auditing costs. It is loaded by uvicorn from bench/api only.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from immigrationos import api
from immigrationos.audit import service as audit_service


def _no_append(**_: Any) -> None:
    return None


audit_service.append = _no_append  # type: ignore[assignment]


def create_app() -> FastAPI:
    """Return the API without audit appends."""
    return api.serve_app()
