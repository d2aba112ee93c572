"""Replay: a past decision shows the inputs of its time, beside what the platform decides
today, after a new record arrived and a new policy version came into force."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from sqlalchemy import delete, select

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases import conftest as cases_conftest
from cases import world as case_world
from cases.conftest import World
from immigrationos.audit.models import AuditEvent
from immigrationos.auth.principal import Principal
from immigrationos.cases.models import CaseEvent
from immigrationos.db.engine import session_scope
from immigrationos.oversight import signoff
from immigrationos.oversight.replay import DecisionSnapshot
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting.models import LeadEvent
from immigrationos.targeting.policy import PriorityPolicy, load_policy, parse_policy
from web import conftest as web_conftest
from web.conftest import Web

world = cases_conftest.world  # the fixtures, re-used
web = web_conftest.web

OLD_REFS = {"cbp_i94:I94-T1", "cbp_i94:I94-T1A", "cbp_i94:I94-T1D"}
PASSPORT = "dos_passports:PP-T1"
NEW_VERSION = "2026.12.1-replay"


def _new_policy(world: World, operator: Principal) -> PriorityPolicy:
    """Return the shipped policy under a new version, submitted and signed off."""
    shipped = load_policy()
    text = (
        resources.files("immigrationos.targeting") / "data" / "priority-policy.yaml"
    ).read_bytes()
    changed = text.replace(shipped.version.encode(), NEW_VERSION.encode(), 1)
    policy = parse_policy(changed, path="replay-test.yaml")
    signoff.submit(world.api.engine, principal=operator, text=changed, path="replay-test.yaml")
    signed = world.api.client.post(
        "/api/v1/oversight/policy-signoffs",
        json={"sha256": policy.sha256, "statement": "reviewed for the replay test"},
        headers=world.users["OVERSIGHT"].headers,
    )
    assert signed.status_code in (200, 201), signed.text
    return policy


def _retarget(world: World) -> None:
    """Run targeting again, under a new policy version (as the operator)."""
    operator = Principal.operator("tester")
    policy = _new_policy(world, operator)
    purpose = policy_flows.create_purpose(
        engine=world.api.engine,
        principal=operator,
        data=PurposeCreate(
            kind=PurposeKind.BATCH, reference="TGT2", title="targeting", justification="test"
        ),
    )
    targeting_flows.target(
        world.api.engine, world.lake_dir, principal=operator, purpose_id=purpose.id,
        as_of=dt.date(2026, 11, 1), policy=policy,
    )  # fmt: skip


def _replay(world: World, path: str, **params: Any) -> dict[str, Any]:
    response = world.get("OVERSIGHT", f"/oversight/replay/{path}", **params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _refs(side: dict[str, Any]) -> set[str]:
    return {r["ref"] for r in side["records"]}


def test_a_replayed_lead_decision_shows_the_inputs_of_its_time(world: World) -> None:
    engine = world.api.engine
    lead_id = world.leads["teodoro"]
    shipped = load_policy()
    with session_scope(engine) as session:
        created = session.execute(
            select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "CREATED")
        ).scalar_one()
        created_id, created_at = created.id, created.at
        assert (
            session.execute(select(DecisionSnapshot).where(DecisionSnapshot.subject_id == lead_id))
            .scalars()
            .all()
        ), "the targeting run wrote a snapshot of the lead"

    # A new record arrives (a US passport of the person), and a new policy version runs.
    case_world.add_us_passport(engine, world.folder / "later", world.lake_dir)
    _retarget(world)

    found = _replay(world, f"lead-event/{created_id}")
    assert found["source"] == "snapshot"
    then, today = found["then"], found["today"]
    assert _refs(then) == OLD_REFS  # the old set of records, at the versions used
    assert all(r["version"] == 1 and r["payload"] for r in then["records"])
    assert (then["policy_version"], then["policy_sha256"]) == (shipped.version, shipped.sha256)
    assert then["outcome"]["state"] == "OPEN" and then["outcome"]["score"] is not None
    # Today differs: the passport is the person's, and the citizenship safeguard fires.
    assert _refs(today) == OLD_REFS | {PASSPORT}
    assert today["outcome"]["state"] == "SUPPRESSED"
    assert any(s["name"] == "CITIZENSHIP_EVIDENCE" for s in today["outcome"]["safeguards"])
    assert f"record {PASSPORT} is new since the decision" in found["differences"]
    assert "state OPEN then, SUPPRESSED today" in found["differences"]

    # The lead's latest decision is the new run's, under the new policy version...
    latest = _replay(world, f"lead/{lead_id}")
    assert latest["then"]["policy_version"] == NEW_VERSION
    assert _refs(latest["then"]) == OLD_REFS | {PASSPORT}
    assert latest["then"]["outcome"]["state"] == "SUPPRESSED"
    assert [s["policy_version"] for s in latest["snapshots"]] == [shipped.version, NEW_VERSION]
    assert f"policy {NEW_VERSION} then, {shipped.version} today" in latest["differences"]
    # ... and the one in force at the time of the first is still the first.
    then_again = _replay(world, f"lead/{lead_id}", at=created_at.isoformat())
    assert then_again["then"]["policy_version"] == shipped.version
    assert _refs(then_again["then"]) == OLD_REFS

    with session_scope(engine) as session:
        audited = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "oversight.replay")
                .order_by(AuditEvent.seq)
            )
            .scalars()
            .all()
        )
    assert len(audited) == 3 and audited[0].resource_id == str(created_id)


def test_a_replayed_case_transition_shows_the_records_it_was_taken_on(world: World) -> None:
    case_id = world.accept()["case_id"]
    done = world.post(
        "SUPERVISOR", f"/cases/{case_id}/assign",
        {"officer_id": world.users["OFFICER"].id, "version": 1},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    step = world.post(
        "OFFICER", f"/cases/{case_id}/transitions",
        {"transition": "build_target_package", "version": done.json()["version"], "reason": "r"},
    )  # fmt: skip
    assert step.status_code == 200, step.text
    with session_scope(world.api.engine) as session:
        event_id = session.execute(
            select(CaseEvent.id).where(CaseEvent.case_id == case_id, CaseEvent.kind == "TRANSITION")
        ).scalar_one()
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)

    found = _replay(world, f"case-event/{event_id}")
    assert found["subject_id"] == case_id and found["source"] == "snapshot"
    assert _refs(found["then"]) == OLD_REFS
    assert found["then"]["outcome"]["transition"] == "build_target_package"
    safeguards = [c for c in found["then"]["outcome"]["checks"] if c["name"] == "SAFEGUARDS"]
    assert safeguards and safeguards[0]["passed"] is True
    assert PASSPORT in _refs(found["today"])
    assert found["today"]["outcome"]["case_check"]["passed"] is False  # it would halt today


def test_an_unknown_decision_is_a_404_and_a_purpose_is_required(world: World) -> None:
    missing = world.get("OVERSIGHT", "/oversight/replay/lead-event/999999")
    assert missing.status_code == 404
    bare = world.api.client.get(
        f"/api/v1/oversight/replay/lead/{world.leads['teodoro']}",
        headers=world.users["OVERSIGHT"].headers,
    )
    assert bare.status_code == 428


def test_the_replay_page_shows_then_beside_today(world: World, web: Web) -> None:
    lead_id = world.leads["teodoro"]
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    browser = web.user("OVERSIGHT")
    purpose = world.purposes["OVERSIGHT"]
    form = browser.get(f"/oversight/replay?kind=lead&decision_id={lead_id}", follow_redirects=False)
    assert form.status_code == 303
    assert form.headers["location"] == f"/oversight/replay/lead/{lead_id}"
    shown = browser.get(f"/oversight/replay/lead/{lead_id}?purpose={purpose}")
    assert shown.status_code == 200, shown.text
    html = shown.text
    then, today = html.split('data-testid="replay-then"')[1].split('data-testid="replay-today"')
    assert then.count('data-testid="replay-record"') == 3 and PASSPORT not in then
    assert today.count('data-testid="replay-record"') == 4 and PASSPORT in today
    assert f"record {PASSPORT} is new since the decision" in html
    assert load_policy().version in then
    # Without a purpose, the page refuses, as the API does.
    refused = web.user("OVERSIGHT").get(f"/oversight/replay/lead/{lead_id}")
    assert refused.status_code == 428


def test_a_decision_older_than_the_snapshots_is_reconstructed_and_says_so(world: World) -> None:
    lead_id = world.leads["teodoro"]
    with session_scope(world.api.engine) as session:
        session.execute(delete(DecisionSnapshot))  # as before the snapshots existed
        session.commit()
        created_id = session.execute(
            select(LeadEvent.id).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "CREATED")
        ).scalar_one()
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    found = _replay(world, f"safeguard/{created_id}")
    assert found["source"] == "reconstructed" and "no snapshot" in found["notes"][0]
    assert _refs(found["then"]) == OLD_REFS  # the passport arrived after: left out
    assert found["then"]["policy_version"] == load_policy().version  # the run's
    assert PASSPORT in _refs(found["today"])
