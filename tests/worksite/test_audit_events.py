"""Every worksite route that reads person data or changes anything writes its audit event.

The same check as ``tests/api/test_audit_completeness`` over the scenarios that test
takes from ``audit_scenarios.worksite_scenarios``: each call succeeds and writes only
SUCCESS events naming the actor, the client and the purpose.
"""

from __future__ import annotations

from pathlib import Path

from api.conftest import Api, api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from immigrationos.api import iter_routes
from immigrationos.apikit.deps import route_permission

from .audit_scenarios import worksite_scenarios


def test_every_worksite_route_is_audited_with_its_purpose(api: Api, tmp_path: Path) -> None:  # noqa: F811
    scenarios = worksite_scenarios(api, tmp_path / "set")
    routes = {(m, p) for m, p, r in iter_routes() if "/worksite/" in p and route_permission(r)}
    assert routes == set(scenarios)
    for (method, path), (call, purpose) in scenarios.items():
        before = api.audit_count()
        response = call()
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        new = api.audit_events()[before:]
        assert new, f"{method} {path} wrote no audit event"
        assert all(e.outcome == "SUCCESS" and e.actor and e.client for e in new), (method, path)
        assert purpose is None or any(e.purpose == purpose for e in new), (method, path)
