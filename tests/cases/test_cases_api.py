"""Opening, assigning, reading and listing cases: who may, in which area, always audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from api.conftest import OTHER_OFFICE
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting.models import Lead

from .conftest import World, make_purpose


def test_an_analyst_accepts_an_open_lead_and_the_case_is_recorded_and_audited(
    world: World,
) -> None:
    case = world.accept()
    assert (case["state"], case["version"], case["assigned_officer"]) == ("investigation", 1, None)
    assert case["lead_id"] == world.leads["teodoro"]
    assert case["field_office"] == "Los Angeles Field Office"
    assert "build_target_package" in {t["name"] for t in case["transitions"]}
    history = world.get("ANALYST", f"/cases/{case['case_id']}/history").json()["events"]
    assert [e["kind"] for e in history] == ["CREATED"]
    assert history[0]["checks"][0]["name"] == "SAFEGUARDS" and history[0]["checks"][0]["passed"]
    events = world.api.audit_events(action="cases.create", resource_id=case["case_id"])
    assert [(e.outcome, e.purpose) for e in events] == [("SUCCESS", world.purposes["ANALYST"])]
    again = world.post("ANALYST", "/cases", {"lead_id": world.leads["teodoro"]})
    assert again.status_code == 409 and again.json()["type"].endswith("/case-exists")
    assert case["case_id"] in again.json()["detail"]


@pytest.mark.parametrize("state", ["HELD", "SUPPRESSED"])
def test_a_held_or_suppressed_lead_cannot_become_a_case(world: World, state: str) -> None:
    with session_scope(world.api.engine) as session:
        session.execute(
            update(Lead).where(Lead.lead_id == world.leads["teodoro"]).values(state=state)
        )
        session.commit()
    refused = world.post("ANALYST", "/cases", {"lead_id": world.leads["teodoro"]})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["type"].endswith("/lead-not-open") and state in body["detail"]
    assert "only an OPEN lead" in body["detail"]
    assert world.api.audit_count(action="cases.create", outcome="DENIED") == 1
    assert world.api.audit_count(action="cases.create", outcome="SUCCESS") == 0


def test_a_closed_lead_cannot_become_a_case_and_the_answer_says_why(world: World) -> None:
    targeting_flows.close_lead(
        world.api.engine, principal=Principal.operator("tester"), purpose_id=None,
        lead_id=world.leads["teodoro"], reason="granted TPS on review",
    )  # fmt: skip
    refused = world.post("ANALYST", "/cases", {"lead_id": world.leads["teodoro"]})
    assert refused.status_code == 409
    assert "CLOSED" in refused.json()["detail"] and "granted TPS" in refused.json()["detail"]


def test_only_analysts_open_cases_and_a_missing_lead_answers_404(world: World) -> None:
    for role in ("OFFICER", "SUPERVISOR", "LEGAL", "OVERSIGHT", "ADMIN"):
        refused = world.post(role, "/cases", {"lead_id": world.leads["teodoro"]})
        assert refused.status_code == 403 and refused.json()["type"].endswith(
            "/permission-denied"
        ), role
    missing = world.post("ANALYST", "/cases", {"lead_id": "LNOSUCHLEAD"})
    assert missing.status_code == 404 and missing.json()["type"].endswith("/lead-not-found")
    no_purpose = world.api.client.post(
        "/api/v1/cases",
        json={"lead_id": world.leads["teodoro"]},
        headers=world.users["ANALYST"].headers,
    )
    assert no_purpose.status_code == 428


def test_a_supervisor_assigns_to_an_officer_of_the_office_and_sees_the_workload(
    world: World,
) -> None:
    case = world.accept()
    cid = case["case_id"]
    officer = world.users["OFFICER"]
    elsewhere = world.api.user("OFFICER", [OTHER_OFFICE])
    path = f"/cases/{cid}/assign"
    wrong = world.post("SUPERVISOR", path, {"officer_id": elsewhere.id, "version": 1})
    assert wrong.status_code == 400 and "does not work" in wrong.json()["detail"]
    not_officer = world.post(
        "SUPERVISOR", path, {"officer_id": world.users["LEGAL"].id, "version": 1}
    )
    assert not_officer.status_code == 400 and "OFFICER" in not_officer.json()["detail"]
    for role in ("OFFICER", "ANALYST", "LEGAL"):
        assert world.post(role, path, {"officer_id": officer.id, "version": 1}).status_code == 403
    before = world.get("SUPERVISOR", "/cases/workload").json()
    assert before["unassigned"] == 1
    done = world.post("SUPERVISOR", path, {"officer_id": officer.id, "version": 1, "reason": "r"})
    assert done.status_code == 200, done.text
    assert (done.json()["assigned_officer"], done.json()["version"]) == (officer.id, 2)
    stale = world.post("SUPERVISOR", path, {"officer_id": officer.id, "version": 1})
    assert stale.status_code == 409 and stale.json()["type"].endswith("/case-version-stale")
    load = world.get("SUPERVISOR", "/cases/workload").json()
    assert load["unassigned"] == 0
    assert {o["officer_id"]: o["open_cases"] for o in load["officers"]}[officer.id] == 1
    assert world.api.audit_count(action="cases.assign", outcome="SUCCESS") == 1
    assert world.api.audit_count(action="cases.workload") == 2
    mine = world.get("SUPERVISOR", "/cases", officer=officer.id).json()
    assert [c["case_id"] for c in mine["items"]] == [cid]


def test_field_roles_see_and_act_on_the_cases_of_their_area_only(world: World) -> None:
    la = world.accept("teodoro")["case_id"]
    chicago = world.accept("wilhelmina")["case_id"]
    supervisor = world.users["SUPERVISOR"]  # Los Angeles
    listed = world.get("SUPERVISOR", "/cases").json()
    assert [c["case_id"] for c in listed["items"]] == [la] and listed["total"] == 1
    national = world.get("ANALYST", "/cases").json()
    assert {c["case_id"] for c in national["items"]} == {la, chicago}
    assert world.get("OVERSIGHT", f"/cases/{chicago}").status_code == 200
    hidden = world.get("SUPERVISOR", f"/cases/{chicago}")
    missing = world.get("SUPERVISOR", "/cases/CNOSUCHCASE")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(chicago, "X") == missing.json()["detail"].replace(
        "CNOSUCHCASE", "X"
    )
    assert "rule" not in hidden.json()
    assert world.get("SUPERVISOR", f"/cases/{chicago}/history").status_code == 404
    move = world.post(
        "SUPERVISOR", f"/cases/{chicago}/transitions",
        {"transition": "close_by_decision", "version": 1, "reason": "not ours"},
    )  # fmt: skip
    assert move.status_code == 404
    assign = world.post(
        "SUPERVISOR", f"/cases/{chicago}/assign", {"officer_id": supervisor.id, "version": 1}
    )
    assert assign.status_code == 404
    denied = world.api.audit_events(resource_id=chicago, outcome="DENIED")
    assert len(denied) == 4 and all(
        json_rule(e.details) == "AREA_OF_RESPONSIBILITY" for e in denied
    )
    assert world.get("ADMIN", "/cases").status_code == 403
    assert world.get("WORKSITE_AUDITOR", "/cases").status_code == 403


def json_rule(details: str) -> str | None:
    """Return the rule an audit event's details name."""
    rule = json.loads(details).get("rule")
    return None if rule is None else str(rule)


def test_reads_are_audited_under_the_purpose_and_lists_filter(world: World) -> None:
    cid = world.accept()["case_id"]
    world.accept("wilhelmina")
    shown = world.get("ANALYST", f"/cases/{cid}")
    assert shown.status_code == 200 and shown.json()["case_id"] == cid
    by_state = world.get("ANALYST", "/cases", state="investigation").json()
    assert by_state["total"] == 2
    assert world.get("ANALYST", "/cases", state="arrest").json()["total"] == 0
    by_office = world.get("ANALYST", "/cases", field_office=OTHER_OFFICE).json()
    assert [c["lead_id"] for c in by_office["items"]] == [world.leads["wilhelmina"]]
    paged = world.get("ANALYST", "/cases", limit=1).json()
    assert len(paged["items"]) == 1 and paged["next_offset"] == 1
    pid = world.purposes["ANALYST"]
    assert world.api.audit_count(action="cases.read", purpose=pid, outcome="SUCCESS") == 1
    assert world.api.audit_count(action="cases.list", purpose=pid, outcome="SUCCESS") == 4
    assert (
        world.api.client.get("/api/v1/cases", headers=world.users["ANALYST"].headers).status_code
        == 428
    )
    other = world.api.user("SUPERVISOR", [OTHER_OFFICE])
    own = make_purpose(world.api, other, "C-CHI")
    seen = world.api.client.get("/api/v1/cases", headers=other.with_purpose(own)).json()
    assert [c["lead_id"] for c in seen["items"]] == [world.leads["wilhelmina"]]
