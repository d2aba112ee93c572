"""Routing an operation's targets: the model built from its rows, the plan written back,
targets that cannot be located or reached kept with the reason; and the guards of a
request (the office, a case in two operations)."""

from __future__ import annotations

import datetime as dt
import json

from immigrationos.db.engine import session_scope
from immigrationos.operations import planning
from immigrationos.operations.models import Operation, OperationTarget, OperationTeam
from immigrationos.reference import field_offices

from .ops_fixtures import OpsWorld

LA = field_offices.get_field_office("Los Angeles Field Office")
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _operation() -> Operation:
    return Operation(
        operation_id="OTEST", field_office=LA.name, day=dt.date(2026, 12, 3),
        shift_start_s=5 * 3600, shift_end_s=9 * 3600, service_s=1200, status="REQUESTED",
        version=1, requested_by="u", requested_role="OFFICER", request_reason="r",
        approvals_needed=1, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _target(case_id: str, lat: float | None, lon: float | None) -> OperationTarget:
    return OperationTarget(
        operation_id="OTEST", case_id=case_id, person_id="P" + case_id[1:], status="INCLUDED",
        lat=lat, lon=lon, address_confidence="zip" if lat is not None else "none",
        address_note="n", sensitive="[]",
    )  # fmt: skip


def _team(team_id: str, seats: int) -> OperationTeam:
    return OperationTeam(
        operation_id="OTEST", team_id=team_id, seats=seats, start_office=LA.name,
        office_lat=LA.lat, office_lon=LA.lon, officers="[]",
    )  # fmt: skip


def test_targets_are_routed_in_order_and_the_rest_keep_their_reason() -> None:
    operation = _operation()
    teams = [_team("T01", 2)]
    targets = [
        _target("C1", 34.0614, -118.2385),
        _target("C2", 34.0487, -118.2084),
        _target("C3", 34.0448, -118.2434),  # one seat too many: left out, with why
        _target("C4", None, None),  # no address: not routed
        _target("C5", 40.7128, -74.0060),  # New York: out of reach in the shift
    ]
    found = planning.plan(operation, teams, targets, 1.0)
    distance = planning.apply(found, teams, targets)
    routed = sorted((t for t in targets if t.seq is not None), key=lambda t: t.seq or 0)
    assert len(routed) == 2 and [t.seq for t in routed] == [1, 2]
    assert all(t.team_id == "T01" and t.arrival_s is not None for t in routed)
    assert routed[0].arrival_s is not None and routed[1].arrival_s is not None
    assert routed[0].arrival_s < routed[1].arrival_s
    assert teams[0].distance_m == distance > 0 and teams[0].back_office_s is not None
    reasons = {t.case_id: t.unrouted_reason for t in targets if t.seq is None}
    assert reasons["C4"] == planning.NOT_LOCATED
    assert reasons["C5"] is not None and reasons["C5"].startswith("out of reach")
    left = [c for c in ("C1", "C2", "C3") if reasons.get(c)]
    assert len(left) == 1 and "no room left" in (reasons[left[0]] or "")
    # Planning again clears the old plan first.
    targets[0].status = "DROPPED"
    planning.apply(planning.plan(operation, teams, targets, 1.0), teams, targets)
    assert targets[0].seq is None and targets[0].unrouted_reason is None


def test_the_search_budget_grows_with_the_stops_up_to_the_ceiling() -> None:
    assert planning.budget(2, 5.0) == 0.4
    assert planning.budget(200, 5.0) == 5.0
    assert planning.budget(200, 10.0) == 10.0
    assert planning.problem_of(_operation(), [_team("T01", 1)], [_target("C", None, None)]) is None


def test_an_office_not_ones_own_is_refused(world: OpsWorld) -> None:
    case_id = world.case_in("teodoro", "target_package")
    body = world.request_body([case_id], field_office="Chicago Field Office")
    refused = world.post("officer1", "/operations", body)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/office-not-yours")


def test_a_case_in_two_requests_goes_to_the_first_approved(world: OpsWorld) -> None:
    case_id = world.case_in("teodoro", "operation_approval")
    first = world.request("officer1", [case_id])
    second = world.request("officer1", [world.case_in("aurelio", "operation_approval")])
    # As if both requests had named the case at the same moment.
    with session_scope(world.api.engine) as session:
        row = OperationTarget(
            operation_id=second["operation_id"], case_id=case_id,
            person_id=world.case(case_id).person_id, status="INCLUDED",
            address_confidence="none", address_note="n", sensitive=json.dumps([]),
        )  # fmt: skip
        session.add(row)
        session.commit()
    body = {"version": 1, "reason": "go"}
    assert (
        world.post("sup1", f"/operations/{first['operation_id']}/approve", body).status_code == 200
    )
    late = world.post("sup1", f"/operations/{second['operation_id']}/approve", body).json()
    dropped = {t["case_id"]: t for t in late["target_list"]}[case_id]
    assert dropped["status"] == "DROPPED"
    assert f"approved operation {first['operation_id']}" in dropped["dropped_reason"]
