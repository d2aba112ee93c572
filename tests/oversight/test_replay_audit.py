"""Every oversight review route that must be audited is (the review's part of
tests/api/test_audit_completeness): replay reads person data, under a purpose; the
automation-bias signals and the system card are audited too, though they hold none."""

from __future__ import annotations

from sqlalchemy import select

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases import conftest as cases_conftest
from cases.conftest import World
from immigrationos.api import iter_routes
from immigrationos.apikit.deps import route_permission
from immigrationos.audit.models import AuditEvent
from immigrationos.auth.permissions import PERSON_DATA_PERMISSIONS
from immigrationos.db.engine import session_scope

world = cases_conftest.world  # the cases tests' two-person world, re-used
PATHS = {
    "/api/v1/oversight/replay/{kind}/{decision_id}": "oversight.replay",
    "/api/v1/oversight/automation": "oversight.automation",
    "/api/v1/oversight/system-card": "oversight.system_card",
}


def test_every_review_route_is_audited_with_its_purpose(world: World) -> None:
    must = {
        path
        for method, path, route in iter_routes()
        if path in PATHS and (method != "GET" or route_permission(route) in PERSON_DATA_PERMISSIONS)
    }
    assert must == {"/api/v1/oversight/replay/{kind}/{decision_id}"}
    purpose = world.purposes["OVERSIGHT"]
    calls = {
        "/api/v1/oversight/replay/{kind}/{decision_id}": (
            f"/oversight/replay/lead/{world.leads['teodoro']}",
            purpose,
        ),
        "/api/v1/oversight/automation": ("/oversight/automation", None),
        "/api/v1/oversight/system-card": ("/oversight/system-card", None),
    }
    for path, (url, declared) in calls.items():
        with session_scope(world.api.engine) as session:
            before = session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())).first()
        got = world.get("OVERSIGHT", url)
        assert got.status_code == 200, (path, got.text)
        with session_scope(world.api.engine) as session:
            events = (
                session.execute(
                    select(AuditEvent).where(AuditEvent.seq > (before[0] if before else 0))
                )
                .scalars()
                .all()
            )
        mine = [e for e in events if e.action == PATHS[path]]
        assert len(mine) == 1, (path, [e.action for e in events])
        assert mine[0].actor == world.users["OVERSIGHT"].id
        if declared is not None:
            assert mine[0].purpose == declared
