"""Approved operations: request, approval by another supervisor (two-person rule), routes
planned and handed to each officer, and the targets' cases taken along the case machine."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from immigrationos.db.engine import session_scope
from immigrationos.operations import flows
from immigrationos.operations import service as ops_service

from . import ops_world
from .ops_fixtures import DAY, OpsWorld, make_purpose


def test_an_officer_requests_and_another_supervisor_approves(world: OpsWorld) -> None:
    packaged = world.case_in("teodoro", "target_package")
    waiting = world.case_in("aurelio", "operation_approval")
    op = world.request("officer1", [packaged, waiting])
    assert (op["status"], op["version"], op["approvals_needed"]) == ("REQUESTED", 1, 1)
    assert op["requested_by"] == world.users["officer1"].id
    targets = {t["case_id"]: t for t in op["target_list"]}
    assert {t["address_confidence"] for t in targets.values()} == {"zip"}
    assert targets[packaged]["zip"] == "90012" and "used ZIP" in targets[packaged]["address_note"]
    # Routes are planned on request, for the approver to see.
    assert sorted(op["teams"][0]["stops"]) == sorted([packaged, waiting])
    assert all(t["arrival"] is not None and t["team_id"] == "T01" for t in targets.values())
    # Requesting does not move the cases; approving does.
    assert world.case(packaged).state == "target_package"
    done = world.post("sup1", f"/operations/{op['operation_id']}/approve",
                      {"version": 1, "reason": "priority cases, team ready"})  # fmt: skip
    assert done.status_code == 200, done.text
    approved = done.json()
    assert approved["status"] == "APPROVED"
    assert approved["approvers"] == [world.users["sup1"].id]
    assert [d["kind"] for d in approved["decisions"]] == ["REQUESTED", "APPROVED", "PLANNED"]
    assert all(d["reason"] for d in approved["decisions"])
    assert world.case(packaged).state == "operation_approval"
    history = world.get("sup1", f"/cases/{packaged}/history").json()["events"]
    last = history[-1]
    assert (last["transition"], last["actor"]) == ("request_operation", world.users["sup1"].id)
    assert op["operation_id"] in last["reason"]
    assert next(c for c in last["checks"] if c["name"] == "SAFEGUARDS")["passed"]
    assert world.case(waiting).state == "operation_approval"
    assert world.api.audit_count(action="operations.request", outcome="SUCCESS") == 1
    events = world.api.audit_events(action="operations.approve", outcome="SUCCESS")
    assert [e.purpose for e in events] == [world.purposes["sup1"]]
    assert json.loads(events[0].details)["requested_by"] == world.users["officer1"].id


def _approve(world: OpsWorld, who: str, op_id: str, version: int, reason: str = "ok") -> Any:
    return world.post(who, f"/operations/{op_id}/approve", {"version": version, "reason": reason})


def test_a_supervisor_never_approves_their_own_request(world: OpsWorld) -> None:
    case_id = world.case_in("teodoro", "operation_approval")
    op = world.request("sup1", [case_id])
    own = _approve(world, "sup1", op["operation_id"], 1)
    assert own.status_code == 403, own.text
    problem = own.json()
    assert problem["type"].endswith("/self-approval") and problem["rule"] == "TWO_PERSON_RULE"
    assert "another supervisor must approve it" in problem["detail"]
    denied = world.api.audit_events(action="operations.approve", outcome="DENIED")
    assert [(e.actor, json.loads(e.details)["refused"]) for e in denied] == [
        (world.users["sup1"].id, "self-approval")
    ]
    assert world.get("sup1", f"/operations/{op['operation_id']}").json()["status"] == "REQUESTED"
    # Nor rejects it: the requester cancels instead.
    rejected = world.post("sup1", f"/operations/{op['operation_id']}/reject",
                          {"version": 1, "reason": "changed my mind"})  # fmt: skip
    assert rejected.status_code == 403
    other = _approve(world, "sup2", op["operation_id"], 1, "reviewed the package")
    assert other.status_code == 200, other.text
    assert other.json()["approvers"] == [world.users["sup2"].id]


def test_officers_cannot_approve_and_other_offices_cannot_see(world: OpsWorld) -> None:
    case_id = world.case_in("teodoro", "operation_approval")
    op = world.request("officer1", [case_id])
    refused = _approve(world, "officer2", op["operation_id"], 1)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/permission-denied")
    elsewhere = world.api.user("SUPERVISOR", ["Chicago Field Office"])
    purpose = make_purpose(world.api, elsewhere, "C-CHI")
    hidden = world.api.client.get(
        f"/api/v1/operations/{op['operation_id']}", headers=elsewhere.with_purpose(purpose)
    )
    assert hidden.status_code == 404
    far = world.api.client.post(
        f"/api/v1/operations/{op['operation_id']}/approve",
        json={"version": 1, "reason": "r"}, headers=elsewhere.with_purpose(purpose),
    )  # fmt: skip
    assert far.status_code == 404
    national = world.get("oversight", f"/operations/{op['operation_id']}")
    assert national.status_code == 200
    assert world.get("oversight", "/operations").json()["total"] == 1
    assert world.post("oversight", "/operations", world.request_body([case_id])).status_code == 403


def test_targets_must_be_eligible_cases_of_the_office(world: OpsWorld) -> None:
    early = world.case_in("teodoro", "investigation")
    chicago = world.case_in("wilhelmina", "target_package")
    ready = world.case_in("aurelio", "target_package")
    for case_id, words in ((early, "is investigation"), (chicago, "Chicago Field Office")):
        refused = world.post("officer1", "/operations", world.request_body([ready, case_id]))
        assert refused.status_code in (404, 409), refused.text
        assert words in refused.json()["detail"] or refused.status_code == 404
    missing = world.post("officer1", "/operations", world.request_body(["CNOSUCHCASE"]))
    assert missing.status_code == 404
    world.request("officer1", [ready])
    twice = world.post("officer1", "/operations", world.request_body([ready]))
    assert twice.status_code == 409 and twice.json()["type"].endswith("/target-in-operation")
    no_purpose = world.api.client.post(
        "/api/v1/operations", json=world.request_body([ready]),
        headers=world.users["officer1"].headers,
    )  # fmt: skip
    assert no_purpose.status_code == 428
    bad_team = world.request_body([ready])
    bad_team["teams"][0]["officers"] = [world.users["analyst"].id]
    assert world.post("officer1", "/operations", bad_team).status_code == 400


def test_a_stale_version_is_refused(world: OpsWorld) -> None:
    case_id = world.case_in("teodoro", "operation_approval")
    op = world.request("officer1", [case_id])
    cancelled = world.post("officer1", f"/operations/{op['operation_id']}/cancel",
                           {"version": 1, "reason": "team not available"})  # fmt: skip
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    late = _approve(world, "sup1", op["operation_id"], 1)
    assert late.status_code == 409
    assert late.json()["type"].endswith("/operation-not-open")
    again = world.request("officer1", [case_id])  # the case is free again
    stale = _approve(world, "sup1", again["operation_id"], 7)
    assert stale.status_code == 409 and stale.json()["type"].endswith("/operation-version-stale")
    assert "version 1, not 7" in stale.json()["detail"]


def test_two_supervisors_approving_at_once_never_both_succeed(world: OpsWorld) -> None:
    case_id = world.case_in("teodoro", "operation_approval")
    op = world.request("officer1", [case_id])
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def act(who: str) -> None:
        start.wait()
        try:
            results[who] = flows.approve(
                world.api.engine, principal=world.principal(who), purpose_id=world.purposes[who],
                operation_id=op["operation_id"], version=1, reason="go", plan_seconds=0.5,
            )  # fmt: skip
        except flows.OperationError as exc:
            results[who] = exc

    threads = [threading.Thread(target=act, args=(who,)) for who in ("sup1", "sup2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    lost = [r for r in results.values() if isinstance(r, flows.OperationError)]
    won = [r for r in results.values() if not isinstance(r, flows.OperationError)]
    assert len(won) == 1 and len(lost) == 1, results
    # Read before the winner wrote: stale; read after it committed: no longer open.
    assert lost[0].status == 409
    assert lost[0].kind in ("operation-version-stale", "operation-not-open")
    stored = world.get("sup1", f"/operations/{op['operation_id']}").json()
    assert [d["kind"] for d in stored["decisions"]].count("APPROVED") == 1


def test_routes_are_stored_and_handed_to_each_officer(world: OpsWorld) -> None:
    cases = [world.case_in(label, "operation_approval") for label in ("teodoro", "aurelio")]
    body_teams = [
        {"team_id": "T01", "seats": 1, "officers": [world.users["officer1"].id]},
        {"team_id": "T02", "seats": 1, "officers": [world.users["officer2"].id]},
    ]
    op = world.request("sup1", cases, teams=body_teams)
    # Nothing is handed out before approval.
    assert world.get("officer1", "/operations/routes/mine").json()["routes"] == []
    assert _approve(world, "sup2", op["operation_id"], 1).status_code == 200
    routes = {}
    for who in ("officer1", "officer2"):
        mine = world.get("officer1" if who == "officer1" else who, "/operations/routes/mine",
                         day=DAY.isoformat()).json()  # fmt: skip
        assert mine["officer_id"] == world.users[who].id
        assert len(mine["routes"]) == 1, mine
        routes[who] = mine["routes"][0]
    # One seat each: each team takes one target.
    served = [s["case_id"] for r in routes.values() for s in r["stops"]]
    assert sorted(served) == sorted(cases)
    for route in routes.values():
        assert route["operation_id"] == op["operation_id"] and route["leave_office"]
        stop = route["stops"][0]
        assert stop["seq"] == 1 and stop["eta"] >= "05:00" and stop["address_confidence"] == "zip"
        assert stop["lat"] is not None and stop["street"]
    assert world.get("sup3", "/operations/routes/mine").json()["routes"] == []
    with session_scope(world.api.engine) as session:
        direct = ops_service.routes_for_officer(
            session=session, officer_id=world.users["officer1"].id, day=DAY
        )
        assert [r.team_id for r in direct] == [routes["officer1"]["team_id"]]
        assert (
            ops_service.routes_for_officer(
                session=session, officer_id=world.users["officer1"].id, day=DAY.replace(day=4)
            )
            == []
        )
    reads = world.api.audit_events(action="operations.routes", actor=world.users["officer2"].id)
    assert reads and reads[-1].purpose == world.purposes["officer2"]
    done = world.post("officer1", f"/operations/{op['operation_id']}/execute",
                      {"version": 3, "reason": "carried out as planned"})  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "EXECUTED"
    assert world.get("officer1", "/operations/routes/mine").json()["routes"] == []


@pytest.mark.parametrize("state", ["target_package", "operation_approval"])
def test_a_target_the_safeguards_now_halt_drops_out(world: OpsWorld, state: str) -> None:
    halted = world.case_in("teodoro", state)
    kept = world.case_in("aurelio", state)
    op = world.request("officer1", [halted, kept])
    # A US passport of Teodoro's arrives after the request.
    ops_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    done = _approve(world, "sup1", op["operation_id"], 1, "approved")
    assert done.status_code == 200, done.text
    approved = done.json()
    assert approved["status"] == "APPROVED"
    targets = {t["case_id"]: t for t in approved["target_list"]}
    assert targets[halted]["status"] == "DROPPED"
    assert "citizenship_review" in targets[halted]["dropped_reason"]
    assert "US_PASSPORT" in targets[halted]["dropped_reason"]
    assert targets[halted]["team_id"] is None
    assert targets[kept]["status"] == "INCLUDED" and targets[kept]["team_id"] == "T01"
    assert approved["teams"][0]["stops"] == [kept]
    drops = [d for d in approved["decisions"] if d["kind"] == "TARGET_DROPPED"]
    assert [d["case_id"] for d in drops] == [halted]
    case = world.case(halted)
    assert (case.state, case.halted_from) == ("citizenship_review", state)
    last = world.get("sup1", f"/cases/{halted}/history").json()["events"][-1]
    cause = "request_operation refused" if state == "target_package" else op["operation_id"]
    assert last["kind"] == "HALTED" and cause in last["reason"]
    assert world.case(kept).state == "operation_approval"
    assert world.api.audit_count(action="operations.target_dropped") == 1
    assert world.api.audit_count(action="cases.halt", resource_id=halted) == 1
    # The officer's route holds only the target that remains.
    route = world.get("officer1", "/operations/routes/mine").json()["routes"][0]
    assert [s["case_id"] for s in route["stops"]] == [kept]


def test_a_rejection_sends_the_cases_back_for_rework(world: OpsWorld) -> None:
    case_id = world.case_in("teodoro", "operation_approval")
    op = world.request("officer1", [case_id])
    rejected = world.post("sup1", f"/operations/{op['operation_id']}/reject",
                          {"version": 1, "reason": "the address is a year old"})  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "REJECTED"
    assert world.case(case_id).state == "target_package"
    last = world.get("sup1", f"/cases/{case_id}/history").json()["events"][-1]
    assert last["transition"] == "return_for_rework" and "a year old" in last["reason"]
    listed = world.get("sup1", "/operations", status="REJECTED").json()
    assert [o["operation_id"] for o in listed["items"]] == [op["operation_id"]]
    assert world.get("sup1", "/operations", status="REQUESTED").json()["total"] == 0
