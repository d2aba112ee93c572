"""The case machine checks removal eligibility on schedule_removal and record_removal."""

from __future__ import annotations

import datetime as dt
import json

from cases import world as case_world
from cases.conftest import World
from immigrationos.cases.machine import CaseState

from .conftest import at_state


def _schedule(w: World, case_id: str, version: int):  # type: ignore[no-untyped-def]
    return w.post(
        "DETENTION", f"/cases/{case_id}/transitions",
        {"transition": "schedule_removal", "version": version},
    )  # fmt: skip


def test_removal_is_refused_without_a_final_order_on_record(world: World) -> None:
    case_id, version = at_state(world, CaseState.FINAL_ORDER)
    refused = _schedule(world, case_id, version)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/removal-not-eligible")
    assert "no immigration-court decision" in problem["detail"]
    assert world.case(case_id).version == version
    denied = world.api.audit_events(action="cases.transition", outcome="DENIED")
    assert len(denied) == 1 and "removal-not-eligible" in denied[0].details
    eligibility = world.get("LEGAL", f"/custody/cases/{case_id}/removal-eligibility").json()
    assert eligibility["eligible"] is False
    assert [r["code"] for r in eligibility["refusals"]] == ["NO_FINAL_ORDER"]


def test_removal_on_a_final_order_then_refused_under_a_stay_until_it_is_lifted(
    world: World,
) -> None:
    case_id, version = at_state(world, CaseState.FINAL_ORDER)
    case_world.add_final_order(world.api.engine, world.folder / "order", world.lake_dir)
    eligibility = world.get("DETENTION", f"/custody/cases/{case_id}/removal-eligibility")
    assert eligibility.status_code == 200, eligibility.text
    assert (eligibility.json()["eligible"], eligibility.json()["basis"]) == (True, "FINAL_ORDER")
    stay = world.post(
        "LEGAL", f"/custody/cases/{case_id}/removal-facts",
        {"kind": "STAY_GRANTED", "day": "2026-11-01", "reason": "BIA stay pending review"},
    )  # fmt: skip
    assert stay.status_code == 201, stay.text
    refused = _schedule(world, case_id, version)
    assert refused.status_code == 409 and "stay of removal" in refused.json()["detail"]
    # Only LEGAL records the facts that decide removal.
    by_officer = world.post(
        "SUPERVISOR", f"/custody/cases/{case_id}/removal-facts",
        {"kind": "STAY_LIFTED", "day": "2026-11-10", "reason": "denied"},
    )  # fmt: skip
    assert by_officer.status_code == 403
    lifted = world.post(
        "LEGAL", f"/custody/cases/{case_id}/removal-facts",
        {"kind": "STAY_LIFTED", "day": "2026-11-10", "reason": "stay motion denied"},
    )  # fmt: skip
    assert lifted.status_code == 201
    scheduled = _schedule(world, case_id, version)
    assert scheduled.status_code == 200, scheduled.text
    last = world.get("DETENTION", f"/cases/{case_id}/history").json()["events"][-1]
    check = next(c for c in last["checks"] if c["name"] == "REMOVAL_ELIGIBLE")
    assert check["passed"] and check["basis"] == "FINAL_ORDER"
    assert check["evidence"] == ["eoir_cases:E-T1"]
    facts = world.api.audit_events(action="custody.removal_fact", outcome="SUCCESS")
    assert [json.loads(e.details)["kind"] for e in facts] == ["STAY_GRANTED", "STAY_LIFTED"]


def test_an_order_in_its_appeal_window_refuses_removal_until_the_appeal_is_waived(
    world: World,
) -> None:
    case_id, version = at_state(world, CaseState.REMOVAL_SCHEDULED)
    ten_days_ago = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)).isoformat()
    rows = case_world.EOIR_HEADER + case_world.eoir_row("E-T1", "REMOVAL_ORDERED", ten_days_ago)
    case_world.add_records(
        world.api.engine, world.folder / "recent", world.lake_dir, {"eoir_cases": rows},
        ["eoir_cases:E-T1"],
    )  # fmt: skip
    body = {"transition": "record_removal", "version": version}
    refused = world.post("OFFICER", f"/cases/{case_id}/transitions", body)
    assert refused.status_code == 409, refused.text
    assert "appeal window" in refused.json()["detail"]
    waived = world.post(
        "LEGAL", f"/custody/cases/{case_id}/removal-facts",
        {"kind": "APPEAL_WAIVED", "day": ten_days_ago, "reason": "waived on the record"},
    )  # fmt: skip
    assert waived.status_code == 201
    removed = world.post("OFFICER", f"/cases/{case_id}/transitions", body)
    assert removed.status_code == 200, removed.text
    assert removed.json()["state"] == "removed"
