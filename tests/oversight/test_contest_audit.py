"""Every contest route is audited (the contests' part of tests/api/test_audit_completeness):
each one that reads person data or changes anything writes an audit event naming the
actor, and the purpose when one is declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases import conftest as cases_conftest
from cases.conftest import World
from immigrationos.api import iter_routes
from immigrationos.apikit.deps import route_permission
from immigrationos.auth.permissions import PERSON_DATA_PERMISSIONS

world = cases_conftest.world  # the cases tests' two-person world, re-used
PREFIX = "/api/v1/contests"


def contest_routes() -> set[tuple[str, str]]:
    """Return the contest routes that must write an audit event."""
    found = set()
    for method, path, route in iter_routes():
        permission = route_permission(route)
        if permission is None or not path.startswith(PREFIX):
            continue
        if method != "GET" or permission in PERSON_DATA_PERMISSIONS:
            found.add((method, path))
    return found


def test_every_contest_route_is_audited_with_its_purpose(world: World) -> None:
    state: dict[str, Any] = {}

    def enter() -> Any:
        body = {
            "kind": "FLAG", "subject": world.leads["teodoro"], "filed_by": "PERSON",
            "claimant": "the person", "claim": "I was born in Ohio",
            "evidence": "birth certificate shown", "correction": {"finding": "US_CITIZEN"},
        }  # fmt: skip
        response = world.post("LEGAL", "/contests", body)
        state["id"] = response.json().get("id")
        return response

    scenarios: dict[tuple[str, str], tuple[Callable[[], Any], str]] = {
        ("POST", PREFIX): (enter, "LEGAL"),
        ("GET", PREFIX): (lambda: world.get("OVERSIGHT", "/contests"), "OVERSIGHT"),
        ("GET", PREFIX + "/{contest_id}"): (
            lambda: world.get("SUPERVISOR", f"/contests/{state['id']}"),
            "SUPERVISOR",
        ),
        ("POST", PREFIX + "/{contest_id}/decision"): (
            lambda: world.post(
                "SUPERVISOR",
                f"/contests/{state['id']}/decision",
                {"outcome": "UPHELD", "reason": "verified with the state registrar"},
            ),
            "SUPERVISOR",
        ),
    }
    assert contest_routes() == set(scenarios), "add an audit scenario for the new route"
    for (method, path), (call, role) in scenarios.items():
        before = world.api.audit_count()
        response = call()
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        new = world.api.audit_events()[before:]
        assert new, f"{method} {path} wrote no audit event"
        assert all(e.outcome == "SUCCESS" and e.actor and e.client for e in new), (method, path)
        assert any(e.purpose == world.purposes[role] for e in new), (method, path)
