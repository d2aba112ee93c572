"""Every transition of the table, over HTTP: taken by each allowed role, refused to every
other role, refused without a required reason; each change recorded and audited."""

from __future__ import annotations

import json

from immigrationos.auth.models import ROLES
from immigrationos.auth.permissions import Permission, has_permission
from immigrationos.cases import machine
from immigrationos.cases.machine import CaseState

from . import world as case_world
from .conftest import World

PERSON_MOVES = [t for t in machine.TRANSITIONS if machine.SYSTEM not in t.roles]
HALTED_FROM = CaseState.TARGET_PACKAGE


def _source(move: machine.Transition) -> CaseState:
    """Return a state the transition leaves (the first in the table's order of states)."""
    return next(s for s in CaseState if s in move.sources)


def _prepare(world: World, case_id: str, move: machine.Transition) -> int:
    halted = _source(move) in machine.HALTED
    return world.force(
        case_id,
        state=_source(move).value,
        halted_from=HALTED_FROM.value if halted else None,
        assigned_officer=world.users["OFFICER"].id,
    )


def _take(world: World, role: str, case_id: str, name: str, version: int, reason: str | None):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"transition": name, "version": version}
    if reason is not None:
        body["reason"] = reason
    return world.post(role, f"/cases/{case_id}/transitions", body)


def test_every_transition_is_taken_by_each_role_the_table_allows(world: World) -> None:
    case_id = world.accept()["case_id"]
    # Removal needs a final order (custody/removal.py).
    case_world.add_final_order(world.api.engine, world.folder / "order", world.lake_dir)
    taken = 0
    for move in PERSON_MOVES:
        for role in sorted(move.roles):
            version = _prepare(world, case_id, move)
            done = _take(world, role, case_id, move.name, version, f"{role} takes {move.name}")
            assert done.status_code == 200, (move.name, role, done.text)
            expected = HALTED_FROM if move.target is None else move.target
            body = done.json()
            assert (body["state"], body["version"]) == (expected.value, version + 1)
            last = world.get(role, f"/cases/{case_id}/history").json()["events"][-1]
            assert (last["kind"], last["transition"], last["actor_role"]) == (
                "TRANSITION", move.name, role,
            )  # fmt: skip
            assert last["from_state"] == _source(move).value
            assert last["reason"] == f"{role} takes {move.name}"
            assert {c["name"] for c in last["checks"]} == {c.value for c in move.checks}
            assert all(c["passed"] for c in last["checks"])
            taken += 1
    assert taken == sum(len(m.roles) for m in PERSON_MOVES)
    audited = world.api.audit_events(action="cases.transition", outcome="SUCCESS")
    assert len(audited) == taken
    assert {json.loads(e.details)["transition"] for e in audited} == {m.name for m in PERSON_MOVES}


def test_every_transition_is_refused_to_every_other_role(world: World) -> None:
    case_id = world.accept()["case_id"]
    refused = 0
    for move in PERSON_MOVES:
        version = _prepare(world, case_id, move)
        for role in ROLES:
            if role in move.roles:
                continue
            answer = _take(world, role, case_id, move.name, version, "not mine to take")
            assert answer.status_code == 403, (move.name, role, answer.text)
            kind = answer.json()["type"].rsplit("/", 1)[1]
            if has_permission(role, Permission.CASES_TRANSITION):
                assert kind == "transition-not-allowed", (move.name, role)
                assert role in answer.json()["detail"]
            else:
                assert kind == "permission-denied", (move.name, role)
            refused += 1
        assert world.case(case_id).version == version  # nothing moved
    assert refused > 0
    assert world.api.audit_count(action="cases.transition", outcome="SUCCESS") == 0
    assert world.api.audit_count(action="cases.transition", outcome="DENIED") > 0


def test_a_transition_that_needs_a_reason_is_refused_without_one(world: World) -> None:
    case_id = world.accept()["case_id"]
    needing = [m for m in PERSON_MOVES if m.reason_required]
    assert needing
    for move in needing:
        version = _prepare(world, case_id, move)
        role = sorted(move.roles)[0]
        for reason in (None, "", "   "):
            answer = _take(world, role, case_id, move.name, version, reason)
            assert answer.status_code == 422, (move.name, reason, answer.text)
            problem = answer.json()
            assert problem["type"].endswith("/reason-required")
            assert move.name in problem["detail"] and "reason" in problem["detail"]
        assert world.case(case_id).version == version
    assert world.api.audit_count(action="cases.transition", outcome="SUCCESS") == 0


def test_an_officer_acts_only_on_cases_assigned_to_them(world: World) -> None:
    case_id = world.accept()["case_id"]
    unassigned = _take(world, "OFFICER", case_id, "build_target_package", 1, None)
    assert unassigned.status_code == 409
    assert unassigned.json()["type"].endswith("/case-not-assigned")
    colleague = world.api.user("OFFICER")
    version = world.force(case_id, assigned_officer=colleague.id)
    not_theirs = _take(world, "OFFICER", case_id, "build_target_package", version, None)
    assert not_theirs.status_code == 403
    assert not_theirs.json()["type"].endswith("/not-assigned-officer")
    by_supervisor = _take(world, "SUPERVISOR", case_id, "build_target_package", version, None)
    assert by_supervisor.status_code == 200, by_supervisor.text


def test_unknown_and_unavailable_transitions_say_what_is_possible(world: World) -> None:
    case_id = world.accept()["case_id"]
    unknown = _take(world, "SUPERVISOR", case_id, "teleport", 1, "why not")
    assert unknown.status_code == 400 and "build_target_package" in unknown.json()["detail"]
    early = _take(world, "LEGAL", case_id, "record_final_order", 1, "order of the IJ")
    assert early.status_code == 409
    assert early.json()["type"].endswith("/transition-not-available")
    assert "investigation" in early.json()["detail"]
    system = _take(world, "SUPERVISOR", case_id, "halt_for_citizenship", 1, "try")
    assert system.status_code == 403 and "platform" in system.json()["detail"]
    version = world.force(case_id, state=CaseState.REMOVED.value)
    over = _take(world, "SUPERVISOR", case_id, "close_by_decision", version, "done")
    assert over.status_code == 409 and "it is over" in over.json()["detail"]


def test_the_whole_path_from_a_lead_to_removal(world: World) -> None:
    case_id = world.accept()["case_id"]
    case_world.add_final_order(world.api.engine, world.folder / "order", world.lake_dir)
    officer = world.users["OFFICER"]
    assigned = world.post("SUPERVISOR", f"/cases/{case_id}/assign",
                          {"officer_id": officer.id, "version": 1})  # fmt: skip
    version = assigned.json()["version"]
    steps = [
        ("OFFICER", "build_target_package"), ("OFFICER", "request_operation"),
        ("OFFICER", "record_arrest"), ("DETENTION", "refer_custody_decision"),
        ("DETENTION", "detain"), ("LEGAL", "start_proceedings"),
        ("LEGAL", "record_final_order"), ("DETENTION", "schedule_removal"),
        ("OFFICER", "record_removal"),
    ]  # fmt: skip
    for role, name in steps:
        done = _take(world, role, case_id, name, version, f"{name} as recorded")
        assert done.status_code == 200, (name, done.text)
        version = done.json()["version"]
    final = world.get("ANALYST", f"/cases/{case_id}").json()
    assert final["state"] == "removed" and final["transitions"] == []
    history = world.get("ANALYST", f"/cases/{case_id}/history").json()["events"]
    assert [e["kind"] for e in history] == ["CREATED", "ASSIGNED", *["TRANSITION"] * len(steps)]
