"""The stop switch: suspending targeting, a detector or a policy version, and resuming."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases import conftest as cases_conftest
from cases.conftest import World
from immigrationos.auth.models import ROLES
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.oversight import switch
from immigrationos.targeting.evaluate import SUSPENDED

from .switch_world import OPERATOR, events, leads, run

world = cases_conftest.world  # the cases tests' two-person world, re-used


def flip(world: World, action: str, reason: str = "bias review", **body: Any) -> Any:
    """Change the switch as the oversight user through the API."""
    return world.post(
        "OVERSIGHT", "/oversight/switch", {"action": action, "reason": reason, **body}
    )


def test_suspending_targeting_holds_every_lead_freezes_the_queue_and_resume_restores(
    world: World,
) -> None:
    engine, teodoro = world.api.engine, world.leads["teodoro"]
    assert {v["state"] for v in leads(engine).values()} == {"OPEN"}
    answer = flip(world, "SUSPEND", "disparity alert on the overstay queue")
    assert answer.status_code == 200, answer.text
    assert answer.json()["suspended"] and answer.json()["suspensions"][0]["scope"] == "TARGETING"
    # Every signed-in user can read the state.
    seen = world.get("OFFICER", "/oversight/switch").json()
    assert seen["suspended"] and "disparity alert" in seen["suspensions"][0]["description"]
    # The queue is frozen: an OPEN lead made before the suspension cannot become a case.
    refused = world.post("ANALYST", "/cases", {"lead_id": teodoro})
    assert refused.status_code == 409 and refused.json()["type"].endswith("/targeting-suspended")
    assert "disparity alert" in refused.json()["detail"]
    # A run while suspended still runs and stores no lead OPEN: each is HELD, and says why.
    summary = run(engine, world.lake_dir)
    assert summary.by_state == {"HELD": 2}
    now = leads(engine)
    assert {v["state"] for v in now.values()} == {"HELD"}
    assert all(SUSPENDED in v["safeguards"] for v in now.values())
    kind, to_state, reason = events(engine, teodoro)[-1]
    assert (kind, to_state) == ("STATE", "HELD") and "disparity alert" in reason
    run_event = world.api.audit_events(action="targeting.run")[-1]
    assert "disparity alert" in json.loads(run_event.details)["suspension"]
    # Resumed: the next run stores OPEN what the safeguards leave OPEN, and the lead is
    # accepted again.
    assert flip(world, "RESUME", "reviewed: no disparity").status_code == 200
    assert world.get("OFFICER", "/oversight/switch").json() == {
        "suspended": False,
        "suspensions": [],
    }
    assert run(engine, world.lake_dir).by_state == {"OPEN": 2}
    assert {v["state"] for v in leads(engine).values()} == {"OPEN"}
    assert events(engine, teodoro)[-1][:2] == ("STATE", "OPEN")
    assert world.post("ANALYST", "/cases", {"lead_id": teodoro}).status_code == 201


def test_a_suspended_detector_finds_nothing_and_its_leads_cannot_become_cases(
    world: World,
) -> None:
    engine, teodoro = world.api.engine, world.leads["teodoro"]
    assert flip(world, "SUSPEND", scope="DETECTOR", target="OVERSTAY").status_code == 200
    refused = world.post("ANALYST", "/cases", {"lead_id": teodoro})
    assert refused.status_code == 409 and "OVERSTAY detector" in refused.json()["detail"]
    # Another detector's suspension leaves an overstay lead alone.
    assert flip(world, "RESUME", scope="DETECTOR", target="OVERSTAY").status_code == 200
    assert flip(world, "SUSPEND", scope="DETECTOR", target="IDENTITY_FRAUD").status_code == 200
    assert run(engine, world.lake_dir).by_state == {"OPEN": 2}
    runs = {r["violation"]: r for r in leads(engine)[teodoro]["evaluation"]["runs"]}
    assert not runs["IDENTITY_FRAUD"]["ran"] and "bias review" in runs["IDENTITY_FRAUD"]["reason"]
    # The world's leads rest on overstays alone: with that detector suspended, nothing
    # is found, so no lead stays current (the run retires them, saying why).
    assert flip(world, "SUSPEND", scope="DETECTOR", target="OVERSTAY").status_code == 200
    summary = run(engine, world.lake_dir)
    assert (summary.leads, summary.retired) == (0, 2)
    assert leads(engine) == {}
    assert events(engine, teodoro)[-1][0] == "RETIRED"


def test_suspending_the_policy_version_in_force_holds_its_leads(world: World) -> None:
    engine, teodoro = world.api.engine, world.leads["teodoro"]
    other = flip(world, "SUSPEND", scope="POLICY_VERSION", target="1999.1")
    assert other.status_code == 200
    assert run(engine, world.lake_dir).by_state == {"OPEN": 2}  # not the version in force
    version = leads(engine)[teodoro]["policy_version"]
    assert flip(world, "SUSPEND", scope="POLICY_VERSION", target=version).status_code == 200
    refused = world.post("ANALYST", "/cases", {"lead_id": teodoro})
    assert refused.status_code == 409 and f"policy version {version}" in refused.json()["detail"]
    assert run(engine, world.lake_dir).by_state == {"HELD": 2}


def test_only_oversight_may_switch_and_always_with_a_reason(world: World) -> None:
    body = {"action": "SUSPEND", "scope": "TARGETING", "reason": "r"}
    for role in ROLES:
        if role == "OVERSIGHT":
            continue
        answer = world.post(role, "/oversight/switch", body)
        assert answer.status_code == 403, role
    assert world.get("OVERSIGHT", "/oversight/switch").json()["suspended"] is False
    assert flip(world, "SUSPEND", reason="").status_code == 422
    assert flip(world, "SUSPEND", reason="   ").status_code == 422
    unknown = flip(world, "SUSPEND", scope="DETECTOR", target="JAYWALKING")
    assert unknown.status_code == 400 and "JAYWALKING" in unknown.json()["detail"]
    assert flip(world, "SUSPEND", scope="POLICY_VERSION").status_code == 400  # which one?
    assert flip(world, "RESUME").status_code == 409  # nothing to resume
    assert flip(world, "SUSPEND").status_code == 200
    assert flip(world, "SUSPEND").status_code == 409  # already
    # The command-line operator holds every permission, yet may not use the switch.
    with pytest.raises(switch.SwitchError) as refused:
        switch.change(
            world.api.engine, principal=OPERATOR, action="RESUME", scope="TARGETING", reason="x"
        )
    assert refused.value.status == 403
    legal = Principal(actor="someone", username="someone", role="LEGAL")
    with pytest.raises(switch.SwitchError):
        switch.change(
            world.api.engine, principal=legal, action="RESUME", reason="x", scope="TARGETING"
        )
    assert switch.read(world.api.engine).targeting is not None  # still suspended


def test_every_change_of_the_switch_is_a_row_and_an_audit_event(world: World) -> None:
    oversight = world.users["OVERSIGHT"]
    assert flip(world, "SUSPEND", "first reason", scope="DETECTOR", target="OVERSTAY").is_success
    assert flip(world, "RESUME", "second reason", scope="DETECTOR", target="OVERSTAY").is_success
    suspended = world.api.audit_events(action="oversight.suspend")
    resumed = world.api.audit_events(action="oversight.resume")
    assert [(e.actor, e.actor_role, e.resource_id) for e in suspended + resumed] == [
        (oversight.id, "OVERSIGHT", "DETECTOR:OVERSTAY")
    ] * 2
    assert json.loads(suspended[0].details)["reason"] == "first reason"
    assert json.loads(resumed[0].details)["reason"] == "second reason"
    with session_scope(world.api.engine) as session:
        rows = [(e.action, e.scope, e.target, e.actor, e.reason) for e in switch.history(session)]
    assert rows == [
        ("RESUME", "DETECTOR", "OVERSTAY", oversight.id, "second reason"),
        ("SUSPEND", "DETECTOR", "OVERSTAY", oversight.id, "first reason"),
    ]
    # Refusals are audited too (the API's permission gate).
    world.post("ANALYST", "/oversight/switch", {"action": "SUSPEND", "reason": "r"})
    denied = world.api.audit_events(action="api.denied", actor=world.users["ANALYST"].id)
    assert any(json.loads(e.details)["permission"] == "targeting.suspend" for e in denied)
