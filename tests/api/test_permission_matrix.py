"""Every route with every role: the permission table decides, and nothing else.

A route either declares a permission of the table (``require``) or is one of the few
public or self-service routes listed here. For each permissioned route and each role,
a role without the permission is refused with 403 ``permission-denied`` (and the
refusal is audited); a role with it gets past the gate (any other answer). Later
capabilities extend this test by adding routes: an undeclared one fails it.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from immigrationos.api import iter_routes
from immigrationos.apikit.deps import route_permission
from immigrationos.auth.models import ROLES
from immigrationos.auth.permissions import Permission, has_permission

from .conftest import Api

PUBLIC = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/auth/notice"),
    ("POST", "/api/v1/auth/sign-in"),
}
SELF_SERVICE = {  # any signed-in user, on their own account
    ("POST", "/api/v1/auth/sign-out"),
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/password"),
}


# Routes of later capabilities and the permission each must declare (the matrix below
# then checks every role against it).
EXPECTED = {
    ("POST", "/api/v1/cases"): Permission.CASES_CREATE,
    ("GET", "/api/v1/cases"): Permission.CASES_READ,
    ("GET", "/api/v1/cases/workload"): Permission.CASES_ASSIGN,
    ("GET", "/api/v1/cases/{case_id}"): Permission.CASES_READ,
    ("GET", "/api/v1/cases/{case_id}/history"): Permission.CASES_READ,
    ("POST", "/api/v1/cases/{case_id}/assign"): Permission.CASES_ASSIGN,
    ("POST", "/api/v1/cases/{case_id}/transitions"): Permission.CASES_TRANSITION,
}


def _routes() -> list[tuple[str, str, APIRoute]]:
    found = list(iter_routes())
    assert len(found) >= 25
    return found


def test_every_route_is_public_self_service_or_permissioned() -> None:
    undeclared = [
        (m, p)
        for m, p, route in _routes()
        if route_permission(route) is None and (m, p) not in PUBLIC | SELF_SERVICE
    ]
    assert undeclared == [], "declare a permission (apikit.deps.require) on these routes"


def test_the_routes_of_later_capabilities_declare_their_permission() -> None:
    declared = {(m, p): route_permission(route) for m, p, route in _routes()}
    assert {key: declared.get(key) for key in EXPECTED} == EXPECTED


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_public_routes_need_no_sign_in_and_self_service_routes_do(api: Api) -> None:
    assert api.client.get("/api/v1/health").status_code == 200
    assert api.client.get("/api/v1/auth/notice").status_code == 200
    for method, path in SELF_SERVICE:
        assert api.client.request(method, path, json={}).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix_for_every_role(api: Api, role: str) -> None:
    user = api.user(role)
    checked = 0
    for method, path, route in _routes():
        permission = route_permission(route)
        if permission is None:
            continue
        before = api.audit_count(action="api.denied", actor=user.id)
        response = api.client.request(
            method, _concrete(path), json={}, headers={**user.headers, "X-Purpose": "none"}
        )
        body = response.json() if response.content else {}
        kind = body.get("type", "") if isinstance(body, dict) else ""
        denied = response.status_code == 403 and kind.endswith("/permission-denied")
        allowed = has_permission(role, permission)
        assert denied != allowed, (
            f"{role} {method} {path} ({permission}): {response.status_code} {kind}"
        )
        assert response.status_code != 401 and response.status_code < 500, (
            method,
            path,
            response.text,
        )
        after = api.audit_count(action="api.denied", actor=user.id)
        assert after == before + (0 if allowed else 1), f"refusal of {method} {path} not audited"
        checked += 1
    assert checked >= 20
