"""Leads over HTTP: the queue, a lead's explanation, decisions on it and closing it, under
area, purpose and the data-use policy, every read and decision audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import engine as policy_engine
from immigrationos.policy.context import Decision
from immigrationos.targeting import access, flows
from immigrationos.targeting.leads import evidence_sources
from immigrationos.targeting.models import Lead, TargetingRun

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


def _close(api: Api, user: SignedInUser, pid: str | None, lead_id: str, body: object) -> Any:
    headers = user.with_purpose(pid) if pid is not None else user.headers
    return api.client.post(f"/api/v1/leads/{lead_id}/close", json=body, headers=headers)


def test_closing_a_lead_is_a_recorded_audited_decision_with_its_reason(
    api: Api, lead_id: str
) -> None:
    stored = _lead(api, lead_id)
    assert stored.state != "CLOSED"
    officer = api.user("OFFICER", [stored.field_office or HOME_OFFICE])
    pid = purpose(api, officer, ref="C-CL1")
    reason = "granted asylum on review; no enforcement interest"
    assert _close(api, officer, None, lead_id, {"reason": reason}).status_code == 428
    assert _lead(api, lead_id).state == stored.state
    closed = _close(api, officer, pid, lead_id, {"reason": f"  {reason} "})
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["lead_id"] == lead_id and body["state"] == "CLOSED"
    assert body["closed_by"] == officer.id and body["closed_reason"] == reason
    last = body["history"][-1]
    assert (last["kind"], last["from_state"], last["to_state"]) == (
        "CLOSED",
        stored.state,
        "CLOSED",
    )
    assert (last["reason"], last["actor"]) == (reason, officer.id)
    shown = api.client.get(f"/api/v1/leads/{lead_id}", headers=officer.with_purpose(pid)).json()
    assert shown["state"] == "CLOSED" and shown["closed_reason"] == reason
    assert [e for e in shown["history"] if e["kind"] == "CLOSED"] == [last]
    assert _lead(api, lead_id).state == "CLOSED"
    events = api.audit_events(action="leads.close", actor=officer.id)
    assert [(e.outcome, e.purpose, e.resource_id) for e in events[-1:]] == [
        ("SUCCESS", pid, lead_id)
    ]
    assert api.audit_count(action="leads.close", outcome="SUCCESS") == 1
    assert json.loads(events[-1].details)["reason"] == reason


@pytest.mark.parametrize("body", [{"reason": ""}, {"reason": "  \t "}, {}, {"reason": None}])
def test_closing_without_a_reason_is_refused_naming_the_field(
    api: Api, lead_id: str, body: dict[str, Any]
) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst, ref="C-CL2")
    before = _lead(api, lead_id).state
    refused = _close(api, analyst, pid, lead_id, body)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "body.reason" in problem["detail"]
    assert [p["name"] for p in problem["invalid_params"]] == ["body.reason"]
    assert _lead(api, lead_id).state == before
    assert api.audit_count(action="leads.close") == 0


@pytest.mark.parametrize("role", ["LEGAL", "OVERSIGHT", "ADMIN"])
def test_closing_needs_the_decide_permission(api: Api, lead_id: str, role: str) -> None:
    user = api.user(role)
    refused = _close(api, user, "none", lead_id, {"reason": "not my call"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("/permission-denied")
    assert "leads.decide" in refused.json()["detail"]
    assert _lead(api, lead_id).state != "CLOSED"
    assert api.audit_count(action="api.denied", actor=user.id) == 1


def test_a_lead_of_another_area_cannot_be_closed_and_answers_as_a_missing_one(
    api: Api, lead_id: str
) -> None:
    office = _lead(api, lead_id).field_office
    other = OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE
    outsider = api.user("SUPERVISOR", [other])
    pid = purpose(api, outsider, ref="C-CL3")
    hidden = _close(api, outsider, pid, lead_id, {"reason": "closing from afar"})
    missing = _close(api, outsider, pid, "LNOSUCHLEAD", {"reason": "closing from afar"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    same = hidden.json()
    assert same == {
        k: v.replace("LNOSUCHLEAD", lead_id) if isinstance(v, str) else v
        for k, v in missing.json().items()
    }
    assert "rule" not in same and "field_office" not in json.dumps(same)
    read = api.client.get(f"/api/v1/leads/{lead_id}", headers=outsider.with_purpose(pid))
    assert read.json()["detail"] == same["detail"]  # as a read answers, too
    assert _lead(api, lead_id).state != "CLOSED"
    denied = api.audit_events(action="leads.close", actor=outsider.id)
    assert [e.outcome for e in denied] == ["DENIED", "DENIED"]
    assert api.audit_count(action="leads.close", outcome="SUCCESS") == 0


def test_closing_a_closed_lead_answers_409_and_changes_nothing(api: Api, lead_id: str) -> None:
    office = _lead(api, lead_id).field_office or HOME_OFFICE
    analyst, supervisor = api.user("ANALYST"), api.user("SUPERVISOR", [office])
    pid, spid = purpose(api, analyst, ref="C-CL4"), purpose(api, supervisor, ref="C-CL5")
    first = _close(api, analyst, pid, lead_id, {"reason": "duplicate of a closed case"})
    assert first.status_code == 200, first.text
    again = _close(api, supervisor, spid, lead_id, {"reason": "closing it too"})
    assert again.status_code == 409, again.text
    problem = again.json()
    assert problem["type"].endswith("/lead-already-closed")
    assert (
        "already closed" in problem["detail"] and "duplicate of a closed case" in problem["detail"]
    )
    stored = _lead(api, lead_id)
    assert (stored.closed_by, stored.closed_reason) == (analyst.id, "duplicate of a closed case")
    shown = api.client.get(f"/api/v1/leads/{lead_id}", headers=analyst.with_purpose(pid)).json()
    assert [e["kind"] for e in shown["history"]].count("CLOSED") == 1
    outcomes = [e.outcome for e in api.audit_events(action="leads.close")]
    assert outcomes == ["SUCCESS", "DENIED"]


def test_a_close_that_loses_a_race_answers_409(
    api: Api, lead_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst, ref="C-CL6")
    checked = access.check_close

    def check_then_someone_closes(*args: Any) -> Any:
        lead = checked(*args)
        flows.close_lead(
            api.engine,
            principal=Principal.operator("rival"),
            purpose_id=pid,
            lead_id=lead_id,
            reason="first",
        )
        return lead

    monkeypatch.setattr(access, "check_close", check_then_someone_closes)
    late = _close(api, analyst, pid, lead_id, {"reason": "second"})
    assert late.status_code == 409, late.text
    assert late.json()["type"].endswith("/lead-already-closed")
    assert _lead(api, lead_id).closed_reason == "first"


# -- the queue paged in SQL: leads left out by the policy or the area take no place ---------

OPEN_SOURCE, HIDDEN, REFUSED = "open_src", "hidden_src", "refused_src"


class _Withholding:
    """The policy in force, except that two sources may never be read (one silently)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def decide_source(self, ctx: Any, source: str, use: Any) -> Decision:
        if source in (HIDDEN, REFUSED):
            return Decision(
                allowed=False, source=source, rule="TEST_WITHHELD", reason="test",
                citation="none", reveal_existence=source == REFUSED,
            )  # fmt: skip
        return Decision(allowed=True, source=source, rule="TEST_ALLOWED", reason="", citation="")


def _evidence(n: int) -> list[str]:
    """Return a lead's evidence: left out (only refused sources) for about half the leads."""
    kind = n % 6
    if kind in (0, 1, 3):  # refused only: left out
        return [f"{HIDDEN}:r{n}"] + ([f"{REFUSED}:r{n}"] if kind == 1 else [])
    if kind == 2:  # nothing to decide: served
        return []
    if kind == 4:  # partly refused: served, with the refused records cut
        return [f"{REFUSED}:r{n}", f"{OPEN_SOURCE}:r{n}"]
    return [f"{OPEN_SOURCE}:r{n}"]


def _queue_world(api: Api) -> list[dict[str, Any]]:
    """Store 90 leads: ties and unscored ones, two areas, a retired one, half left out."""
    now = datetime(2026, 11, 27, tzinfo=UTC)
    run = TargetingRun(
        id="run-paging", started_at=now, finished_at=now, as_of=now.date(), run_by="test",
        status="COMPLETED", policy_version="v", policy_sha256="0" * 64,
    )  # fmt: skip
    rows = []
    for n in range(90):
        rows.append(
            {
                # IDs do not follow the score, so ties are broken across the whole queue.
                "lead_id": f"L{(n * 37) % 97:010d}",
                "person_id": f"P{n:010d}",
                "state": "OPEN" if n % 5 else "HELD",
                "score": None if n % 11 == 0 else 100 - (n // 4) * 3,
                "priority": None,
                "violations": json.dumps(["OVERSTAY"]),
                "safeguards": "[]",
                "evidence": json.dumps(_evidence(n)),
                "evidence_sources": evidence_sources(_evidence(n)),
                "evaluation": "{}",
                "policy_version": "v",
                "policy_sha256": "0" * 64,
                "as_of": now.date(),
                "field_office": HOME_OFFICE if n % 7 else OTHER_OFFICE,
                "created_run": run.id,
                "updated_run": run.id,
                "created_at": now,
                "updated_at": now,
                "retired_at": now if n == 4 else None,
            }
        )
    with session_scope(api.engine) as session:
        session.add(run)
        session.flush()
        session.add_all(Lead(**row) for row in rows)
        session.commit()
    return rows


def _expected(rows: list[dict[str, Any]], state: str | None, offices: set[str] | None) -> Any:
    """Return the queue as the unpaged list computed it: (servable IDs in order, left out)."""
    matching = [
        r
        for r in rows
        if r["retired_at"] is None
        and (state is None or r["state"] == state)
        and (offices is None or r["field_office"] in offices)
    ]
    matching.sort(key=lambda r: (-(r["score"] if r["score"] is not None else -1), r["lead_id"]))
    servable = [
        r["lead_id"] for r in matching if r["evidence"] == "[]" or OPEN_SOURCE in r["evidence"]
    ]
    return servable, len(matching) - len(servable)


@pytest.mark.parametrize(
    ("role", "state", "limit"),
    [("ANALYST", None, 7), ("OFFICER", "OPEN", 4), ("ANALYST", "OPEN", 10)],
)
def test_the_queue_pages_over_servable_leads_only(
    api: Api, monkeypatch: pytest.MonkeyPatch, role: str, state: str | None, limit: int
) -> None:
    rows = _queue_world(api)
    monkeypatch.setattr(
        policy_engine, "get_policy", lambda real=policy_engine.get_policy(): _Withholding(real)
    )
    user = api.user(role)
    pid = purpose(api, user, ref=f"C-PAGE-{role}")
    offices = set(user.offices) if user.offices else None
    servable, left_out = _expected(rows, state, offices)
    assert left_out > limit and len(servable) > limit  # a SQL LIMIT alone would come up short
    walked: list[str] = []
    offset: int | None = 0
    while offset is not None:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if state is not None:
            params["state"] = state
        response = api.client.get("/api/v1/leads", params=params, headers=user.with_purpose(pid))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(servable)
        assert [i["lead_id"] for i in body["items"]] == servable[offset : offset + limit]
        walked += [i["lead_id"] for i in body["items"]]
        offset = body["next_offset"]
    assert walked == servable
    odd = api.client.get(
        "/api/v1/leads", params={"limit": 5, "offset": 3, **({"state": state} if state else {})},
        headers=user.with_purpose(pid),
    ).json()  # fmt: skip
    assert [i["lead_id"] for i in odd["items"]] == servable[3:8]
    events = api.audit_events(action="leads.list", actor=user.id)
    details = [json.loads(e.details) for e in events]
    assert all(d["left_out"] == left_out for d in details)
    assert [r for d in details[:-1] for r in d["returned"]] == servable


def test_the_queue_narrowed_to_one_field_office(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _queue_world(api)
    monkeypatch.setattr(
        policy_engine, "get_policy", lambda real=policy_engine.get_policy(): _Withholding(real)
    )
    analyst, officer = api.user("ANALYST"), api.user("OFFICER", [HOME_OFFICE])
    pid, mine = purpose(api, analyst, ref="C-AREA"), purpose(api, officer, ref="C-AREA-IN")
    for user, pid_, office in ((analyst, pid, OTHER_OFFICE), (officer, mine, HOME_OFFICE)):
        servable, _ = _expected(rows, None, {office})
        body = api.client.get(
            "/api/v1/leads",
            params={"field_office": office, "limit": 100},
            headers=user.with_purpose(pid_),
        ).json()
        assert body["total"] == len(servable) > 0
        assert [i["lead_id"] for i in body["items"]] == servable
        assert {i["field_office"] for i in body["items"]} == {office}
    # An office outside the caller's area holds no lead: the same as an empty queue.
    outside = api.client.get(
        "/api/v1/leads", params={"field_office": OTHER_OFFICE}, headers=officer.with_purpose(mine)
    ).json()
    assert outside["total"] == 0 and outside["items"] == []
    events = api.audit_events(action="leads.list", actor=officer.id)
    assert [json.loads(e.details)["filters"]["field_office"] for e in events] == [
        HOME_OFFICE,
        OTHER_OFFICE,
    ]
    plain = api.client.get("/api/v1/leads", headers=analyst.with_purpose(pid)).json()
    assert plain["total"] == len(_expected(rows, None, None)[0])
    last = api.audit_events(action="leads.list", actor=analyst.id)[-1]
    assert "field_office" not in json.loads(last.details)["filters"]
    too_long = api.client.get(
        "/api/v1/leads", params={"field_office": "x" * 201}, headers=analyst.with_purpose(pid)
    )
    assert too_long.status_code == 422
    spec = api.client.get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/leads"]["get"]["parameters"]}
    assert params["field_office"]["in"] == "query" and not params["field_office"]["required"]
