"""Safeguards evaluated again at every step: a citizenship record that arrives after the
case was opened halts it at its next step and opens a citizenship review."""

from __future__ import annotations

import json

from sqlalchemy import update

from immigrationos.auth.principal import Principal
from immigrationos.cases import flows
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.sources import flows as ingest_flows
from immigrationos.targeting.models import Lead

from . import world as case_world
from .conftest import World


def _assigned_case(world: World) -> tuple[str, int]:
    case_id = world.accept()["case_id"]
    done = world.post(
        "SUPERVISOR", f"/cases/{case_id}/assign",
        {"officer_id": world.users["OFFICER"].id, "version": 1},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    return case_id, int(done.json()["version"])


def _move(world: World, role: str, case_id: str, name: str, version: int, reason: str = "r"):  # type: ignore[no-untyped-def]
    return world.post(
        role, f"/cases/{case_id}/transitions",
        {"transition": name, "version": version, "reason": reason},
    )  # fmt: skip


def test_a_us_passport_arriving_later_halts_the_case_for_a_citizenship_review(
    world: World,
) -> None:
    case_id, version = _assigned_case(world)
    step = _move(world, "OFFICER", case_id, "build_target_package", version)
    assert step.status_code == 200
    version = step.json()["version"]
    # A US passport of the person is ingested and resolved into them; no targeting run.
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    with session_scope(world.api.engine) as session:
        lead = session.get(Lead, world.leads["teodoro"])
        assert lead is not None and lead.state == "OPEN"  # the lead does not know yet
    refused = _move(world, "OFFICER", case_id, "request_operation", version, "ready to go")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/case-halted")
    assert "citizenship" in problem["detail"] and "US_PASSPORT" in problem["detail"]
    case = world.case(case_id)
    assert (case.state, case.halted_from, case.version) == (
        "citizenship_review", "target_package", version + 1,
    )  # fmt: skip
    last = world.get("OFFICER", f"/cases/{case_id}/history").json()["events"][-1]
    assert (last["kind"], last["transition"], last["to_state"]) == (
        "HALTED", "halt_for_citizenship", "citizenship_review",
    )  # fmt: skip
    safeguards = next(c for c in last["checks"] if c["name"] == "SAFEGUARDS")
    assert not safeguards["passed"] and "CITIZENSHIP_EVIDENCE" in safeguards["safeguards"]
    assert "request_operation refused" in last["reason"]
    halts = world.api.audit_events(action="cases.halt", resource_id=case_id)
    assert [(e.outcome, json.loads(e.details)["review"]) for e in halts] == [
        ("SUCCESS", "CITIZENSHIP_REVIEW")
    ]
    assert world.api.audit_count(action="cases.transition", outcome="DENIED") == 1
    # No enforcement step is open from the review; resuming is refused while the evidence
    # stands; the exit that ends enforcement is taken.
    version = case.version
    blocked = _move(world, "OFFICER", case_id, "request_operation", version)
    assert blocked.status_code == 409
    assert blocked.json()["type"].endswith("/transition-not-available")
    resume = _move(world, "SUPERVISOR", case_id, "resume", version, "reviewed")
    assert resume.status_code == 409 and "stays in citizenship_review" in resume.json()["detail"]
    assert world.case(case_id).version == version
    found = _move(world, "LEGAL", case_id, "record_us_citizen", version, "US passport verified")
    assert found.status_code == 200, found.text
    assert found.json()["state"] == "us_citizen_found"


def test_a_lead_a_targeting_run_now_holds_halts_the_case_for_review(world: World) -> None:
    case_id, version = _assigned_case(world)
    with session_scope(world.api.engine) as session:
        session.execute(
            update(Lead)
            .where(Lead.lead_id == world.leads["teodoro"])
            .values(state="HELD", safeguards='["LOW_IDENTITY_CONFIDENCE"]')
        )
        session.commit()
    refused = _move(world, "OFFICER", case_id, "build_target_package", version)
    assert refused.status_code == 409, refused.text
    assert "LOW_IDENTITY_CONFIDENCE" in refused.json()["detail"]
    case = world.case(case_id)
    assert (case.state, case.halted_from) == ("safeguard_review", "investigation")
    resume = _move(world, "SUPERVISOR", case_id, "resume", case.version, "reviewed")
    assert resume.status_code == 409  # the lead is still held
    with session_scope(world.api.engine) as session:
        session.execute(
            update(Lead).where(Lead.lead_id == world.leads["teodoro"]).values(state="OPEN")
        )
        session.commit()
    resumed = _move(world, "SUPERVISOR", case_id, "resume", case.version, "identity confirmed")
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["state"], resumed.json()["halted_from"]) == ("investigation", None)


def test_records_withdrawn_so_that_no_violation_stands_halt_the_case(world: World) -> None:
    case_id, version = _assigned_case(world)
    folder = world.folder / "withdraw"
    folder.mkdir()
    header = case_world.I94.split("\n", 1)[0] + "\n"
    (folder / "cbp_i94.csv").write_text(header, encoding="utf-8")
    ingest_flows.ingest_directory(
        folder, engine=world.api.engine, lake_dir=world.lake_dir, run_by="test", snapshot=True
    )
    refused = _move(world, "OFFICER", case_id, "build_target_package", version)
    assert refused.status_code == 409, refused.text
    assert "no violation" in refused.json()["detail"]
    assert world.case(case_id).state == "safeguard_review"


def test_exits_are_never_refused_by_the_safeguards(world: World) -> None:
    case_id, version = _assigned_case(world)
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    closed = _move(world, "SUPERVISOR", case_id, "close_by_decision", version, "no interest")
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed_by_decision"
    last = world.get("SUPERVISOR", f"/cases/{case_id}/history").json()["events"][-1]
    assert not next(c for c in last["checks"] if c["name"] == "SAFEGUARDS")["passed"]


def test_a_lead_whose_person_now_shows_citizenship_cannot_become_a_case(world: World) -> None:
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    refused = world.post("ANALYST", "/cases", {"lead_id": world.leads["teodoro"]})
    assert refused.status_code == 409, refused.text
    assert "citizenship" in refused.json()["detail"]
    assert world.get("ANALYST", "/cases").json()["total"] == 0


def test_rechecking_open_cases_after_new_records_halts_at_once(world: World) -> None:
    case_id, _version = _assigned_case(world)
    other = world.accept("wilhelmina")["case_id"]
    operator = Principal.operator("tester")
    purpose = policy_flows.create_purpose(
        engine=world.api.engine, principal=operator,
        data=PurposeCreate(kind=PurposeKind.CASE, reference="C-RE", title="t", justification="t"),
    )  # fmt: skip
    assert (
        flows.recheck_open_cases(world.api.engine, principal=operator, purpose_id=purpose.id) == []
    )
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    halted = flows.recheck_open_cases(world.api.engine, principal=operator, purpose_id=purpose.id)
    assert [o.case.case_id for o in halted] == [case_id]
    case = world.case(case_id)
    assert (case.state, case.halted_from) == ("citizenship_review", "investigation")
    assert world.case(other).state == "investigation"
    last = world.get("SUPERVISOR", f"/cases/{case_id}/history").json()["events"][-1]
    assert last["kind"] == "HALTED" and last["actor"] == operator.actor
    assert "new records" in last["reason"]
    # Checking again changes nothing: the case is already in its review.
    assert (
        flows.recheck_open_cases(world.api.engine, principal=operator, purpose_id=purpose.id) == []
    )
