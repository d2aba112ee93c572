"""Leads over HTTP: the queue and a lead's explanation, under area, purpose and the
data-use policy, every read audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from immigrationos.db.engine import session_scope
from immigrationos.targeting.models import Lead

from .conftest import HOME_OFFICE, OTHER_OFFICE, Api, SignedInUser
from .persons_world import resolved_world, targeted


@pytest.fixture()
def lead_id(api: Api, tmp_path: Path, lake_dir: Path) -> str:
    resolved_world(api.engine, tmp_path / "in", lake_dir)
    return targeted(api.engine, lake_dir)


def purpose(api: Api, user: SignedInUser, kind: str = "CASE", ref: str = "C-1") -> str:
    response = api.client.post(
        "/api/v1/purposes",
        json={"kind": kind, "reference": ref, "title": "test", "justification": "test reads"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _lead(api: Api, lead_id: str) -> Lead:
    with session_scope(api.engine) as session:
        found = session.scalars(select(Lead).where(Lead.lead_id == lead_id)).one()
        session.expunge(found)
    return found


def test_the_queue_and_a_lead_explained_under_a_purpose(api: Api, lead_id: str) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    assert api.client.get("/api/v1/leads", headers=analyst.headers).status_code == 428
    queue = api.client.get("/api/v1/leads", headers=analyst.with_purpose(pid))
    assert queue.status_code == 200, queue.text
    body = queue.json()
    assert body["total"] >= 1 and lead_id in {i["lead_id"] for i in body["items"]}
    scores = [i["score"] if i["score"] is not None else -1 for i in body["items"]]
    assert scores == sorted(scores, reverse=True)
    stored = _lead(api, lead_id)
    by_state = api.client.get(
        "/api/v1/leads", params={"state": stored.state}, headers=analyst.with_purpose(pid)
    ).json()
    assert {i["state"] for i in by_state["items"]} == {stored.state}
    violation = json.loads(stored.violations)[0]
    by_violation = api.client.get(
        "/api/v1/leads", params={"violation": violation}, headers=analyst.with_purpose(pid)
    ).json()
    assert (
        all(violation in i["violations"] for i in by_violation["items"]) and by_violation["total"]
    )
    shown = api.client.get(f"/api/v1/leads/{lead_id}", headers=analyst.with_purpose(pid))
    assert shown.status_code == 200, shown.text
    lead = shown.json()
    assert lead["person_id"] == stored.person_id and lead["history"][0]["kind"] == "CREATED"
    assert {"findings", "safeguards", "recommendations", "runs"} <= set(lead["explanation"])
    assert api.audit_count(action="leads.read", actor=analyst.id) == 1
    assert api.audit_count(action="leads.list", actor=analyst.id, outcome="SUCCESS") == 3


def test_field_roles_see_the_leads_of_their_area_only(api: Api, lead_id: str) -> None:
    office = _lead(api, lead_id).field_office
    assert office in (HOME_OFFICE, OTHER_OFFICE)
    other = OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE
    inside, outside = api.user("OFFICER", [office]), api.user("SUPERVISOR", [other])
    mine = purpose(api, inside, ref="C-IN")
    theirs = purpose(api, outside, ref="C-OUT")
    assert (
        api.client.get(f"/api/v1/leads/{lead_id}", headers=inside.with_purpose(mine)).status_code
        == 200
    )
    refused = api.client.get(f"/api/v1/leads/{lead_id}", headers=outside.with_purpose(theirs))
    assert refused.status_code == 404
    queue = api.client.get("/api/v1/leads", headers=outside.with_purpose(theirs)).json()
    assert lead_id not in {i["lead_id"] for i in queue["items"]}
    assert api.client.get("/api/v1/leads", headers=api.user("ADMIN").headers).status_code == 403


def test_missing_lead_answers_404(api: Api, lead_id: str) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    response = api.client.get("/api/v1/leads/LNOSUCHLEAD", headers=analyst.with_purpose(pid))
    assert response.status_code == 404


def test_following_or_overriding_a_recommendation_is_recorded_with_the_reason(
    api: Api, lead_id: str
) -> None:
    office = _lead(api, lead_id).field_office
    other = OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE
    officer, outsider = api.user("OFFICER", [office]), api.user("OFFICER", [other])
    mine, theirs = purpose(api, officer, ref="C-D1"), purpose(api, outsider, ref="C-D2")
    action = json.loads(_lead(api, lead_id).evaluation)["recommendations"][0]["action"]
    url = f"/api/v1/leads/{lead_id}/decisions"
    body = {"recommendation": action, "followed": False, "reason": "the court set a hearing"}
    done = api.client.post(url, json=body, headers=officer.with_purpose(mine))
    assert done.status_code == 201, done.text
    history = done.json()["history"]
    assert history[-1]["kind"] == "OVERRODE" or any(e["kind"] == "OVERRODE" for e in history)
    assert any(action in e["reason"] and "hearing" in e["reason"] for e in history)
    unknown = api.client.post(
        url, json={**body, "recommendation": "Fly to the moon"}, headers=officer.with_purpose(mine)
    )
    assert unknown.status_code == 400 and "has no recommendation" in unknown.json()["detail"]
    blank = api.client.post(url, json={**body, "reason": ""}, headers=officer.with_purpose(mine))
    assert blank.status_code == 422
    away = api.client.post(url, json=body, headers=outsider.with_purpose(theirs))
    assert away.status_code == 404  # another area's lead: as if it did not exist
    legal = api.user("LEGAL")
    assert api.client.post(url, json=body, headers=legal.headers).status_code == 403
    events = api.audit_events(action="leads.recommendation")
    assert {e.outcome for e in events} >= {"SUCCESS", "DENIED"}
