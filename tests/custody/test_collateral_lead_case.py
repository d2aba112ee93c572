"""A cleared collateral encounter opens the person's own lead and case, at arrest, in one
transaction; a halted one opens nothing; a person with an open case keeps it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from api.conftest import HOME_OFFICE
from api.persons_world import resolve
from cases import world as case_world
from cases.conftest import World
from immigrationos.auth.principal import Principal
from immigrationos.cases.flows import CaseError
from immigrationos.cases.models import Case, CaseEvent
from immigrationos.custody import collateral
from immigrationos.custody.models import CollateralEncounter, CustodyDeadline
from immigrationos.db.engine import session_scope
from immigrationos.operations.models import Operation
from immigrationos.sources import flows as ingest_flows
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting.models import Lead, LeadEvent, TargetingRun

# A third person, in Los Angeles, with an overstay and no lead yet (no targeting run since).
ZOFIA = (
    case_world.I94.split("\n", 1)[0]
    + "\n"
    + (
        "I94-Z1,ARRIVAL,2023-03-05,22345678903,ZOFIA,KRASNOVA-ABEBE,1990-02-14,F,ETH,"
        "EP123456,B2,2023-09-04,LAX,12 Pine Ave,Los Angeles,CA,90013\n"
        "I94-Z1A,ARRIVAL,2019-04-01,22345678913,ZOFIA,KRASNOVA-ABEBE,1990-02-14,F,ETH,"
        "EP123456,B2,2019-10-01,LAX,12 Pine Ave,Los Angeles,CA,90013\n"
    )
)
ZOFIA_RECORDS = ["cbp_i94:I94-Z1", "cbp_i94:I94-Z1A"]


def _zofia(w: World) -> str:
    """Ingest and resolve Zofia's records (no targeting run); return her person ID."""
    folder = w.folder / "zofia"
    folder.mkdir()
    (folder / "cbp_i94.csv").write_text(ZOFIA, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=w.api.engine, lake_dir=w.lake_dir, run_by="t")
    persons = resolve(w.api.engine, w.lake_dir, {**case_world.CLUSTERS, "zofia": ZOFIA_RECORDS})
    return persons["zofia"]


def _operation(w: World, status: str = "APPROVED", office: str = HOME_OFFICE) -> str:
    """Store an operation (test set-up: the operations tests cover requesting one)."""
    now = dt.datetime.now(dt.UTC)
    operation_id = "O" + uuid.uuid4().hex[:10].upper()
    with session_scope(w.api.engine) as session:
        session.add(
            Operation(
                operation_id=operation_id, field_office=office, day=now.date(),
                shift_start_s=5 * 3600, shift_end_s=14 * 3600, service_s=900, status=status,
                version=2, requested_by=w.users["OFFICER"].id, requested_role="OFFICER",
                request_reason="two overstays", approvals_needed=1,
                first_approver=w.users["SUPERVISOR"].id, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        session.commit()
    return operation_id


def _report(person_id: str, operation_id: str | None, **changes: Any) -> dict[str, Any]:
    return {
        "person_id": person_id, "operation_id": operation_id,
        "encounter": "at 7 Elm St with the target, answered the door; not the target",
        "identity_confirmed": True, "identity_method": "fingerprints matched",
        "citizenship_claim": False, **changes,
    }  # fmt: skip


def _count(w: World, model: Any, **where: Any) -> int:
    with session_scope(w.api.engine) as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(session.execute(query).scalar_one())


def _details(event: Any) -> dict[str, Any]:
    return dict(json.loads(event.details) if isinstance(event.details, str) else event.details)


def test_a_cleared_encounter_opens_the_person_s_lead_and_case_at_arrest(world: World) -> None:
    person_id = _zofia(world)
    operation_id = _operation(world)
    officer = world.users["OFFICER"]
    done = world.post("OFFICER", "/custody/collateral", _report(person_id, operation_id))
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["outcome"], body["operation_id"], body["field_office"]) == (
        "CLEARED", operation_id, HOME_OFFICE,
    )  # fmt: skip
    lead_id, case_id = body["lead_id"], body["case_id"]
    assert lead_id and case_id and case_id in body["detail"]

    with session_scope(world.api.engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None and (lead.person_id, lead.state) == (person_id, "OPEN")
        assert json.loads(lead.violations) == ["OVERSTAY"]
        assert set(json.loads(lead.evidence)) <= set(ZOFIA_RECORDS) and json.loads(lead.evidence)
        run = session.get(TargetingRun, lead.created_run)
        assert run is not None and (run.run_by, run.persons) == (officer.id, 1)
        (created,) = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id))
        assert created.kind == "CREATED" and created.actor == officer.id
        for words in (f"operation {operation_id}", "collateral encounter", officer.username):
            assert words in created.reason
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.lead_id, case.state, case.assigned_officer, case.version) == (
            lead_id, "arrest", officer.id, 5,
        )  # fmt: skip
        events = list(
            session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )
        steps = [(e.kind, e.transition, e.to_state) for e in events]
        assert steps == [
            ("CREATED", "accept_lead", "investigation"),
            ("ASSIGNED", None, "investigation"),
            ("TRANSITION", "build_target_package", "target_package"),
            ("TRANSITION", "request_operation", "operation_approval"),
            ("TRANSITION", "record_arrest", "arrest"),
        ]
        assert all(operation_id in (e.reason or "") for e in events)
        assert [c["name"] for c in json.loads(events[-1].checks)] == [
            "ASSIGNED_OFFICER", "SAFEGUARDS",
        ]  # fmt: skip
        (deadline,) = session.scalars(
            select(CustodyDeadline).where(CustodyDeadline.case_id == case_id)
        )
        assert (deadline.kind, deadline.status) == ("CUSTODY_DECISION", "OPEN")
        row = session.get(CollateralEncounter, body["id"])
        assert row is not None and (row.lead_id, row.case_id) == (lead_id, case_id)

    purpose = world.purposes["OFFICER"]
    for action, count in (("leads.create", 1), ("cases.create", 1), ("cases.assign", 1),
                          ("cases.transition", 3), ("custody.collateral", 1)):  # fmt: skip
        found = world.api.audit_events(action=action, outcome="SUCCESS")
        assert len(found) == count, action
        assert {e.purpose for e in found} == {purpose}
        if action != "custody.collateral":
            assert {_details(e)["collateral_encounter"] for e in found} == {body["id"]}

    # The lead explains itself by its records, like any lead.
    explained = world.get("OFFICER", f"/leads/{lead_id}")
    assert explained.status_code == 200, explained.text
    assert "cbp_i94:I94-Z1" in json.dumps(explained.json())
    # The booking goes on the person's own case, its charges from the lead's violation.
    booking = world.post("OFFICER", f"/custody/cases/{case_id}/booking", {})
    assert booking.status_code == 201, booking.text
    assert [c["section"] for c in booking.json()["charges"]] == ["INA 237(a)(1)(B)"]


def test_a_halted_encounter_opens_nothing_and_a_known_case_is_not_duplicated(
    world: World,
) -> None:
    person_id = _zofia(world)
    operation_id = _operation(world)
    claimed = world.post(
        "OFFICER", "/custody/collateral",
        _report(person_id, operation_id, citizenship_claim=True, citizenship_statement="Fresno"),
    )  # fmt: skip
    assert claimed.status_code == 201, claimed.text
    assert (claimed.json()["outcome"], claimed.json()["review"]) == ("HALTED", "citizenship")
    assert (claimed.json()["lead_id"], claimed.json()["case_id"]) == (None, None)
    assert _count(world, Lead, person_id=person_id) == 0
    assert _count(world, Case, person_id=person_id) == 0
    assert world.api.audit_events(action="leads.create") == []

    # Teodoro's lead is already a case (investigation, nobody's): the encounter links it
    # and takes it to arrest; no second lead or case.
    case_id = world.accept("teodoro")["case_id"]
    teodoro = world.case(case_id).person_id
    linked = world.post("OFFICER", "/custody/collateral", _report(teodoro, operation_id))
    assert linked.status_code == 201, linked.text
    assert (linked.json()["lead_id"], linked.json()["case_id"]) == (
        world.leads["teodoro"], case_id,
    )  # fmt: skip
    assert _count(world, Lead, person_id=teodoro) == 1
    assert _count(world, Case, person_id=teodoro) == 1
    case = world.case(case_id)
    assert (case.state, case.assigned_officer) == ("arrest", world.users["OFFICER"].id)
    # Encountered again, arrested already: linked, nothing moves.
    again = world.post("OFFICER", "/custody/collateral", _report(teodoro, operation_id))
    assert again.json()["case_id"] == case_id and world.case(case_id).version == case.version


def test_the_operation_must_be_approved_and_in_the_area(world: World) -> None:
    person_id = _zofia(world)
    requested = _operation(world, status="REQUESTED")
    elsewhere = _operation(world, office="Chicago")
    refused = world.post("OFFICER", "/custody/collateral", _report(person_id, requested))
    assert refused.status_code == 409 and "REQUESTED" in refused.json()["detail"]
    hidden = world.post("OFFICER", "/custody/collateral", _report(person_id, elsewhere))
    assert hidden.status_code == 404
    unknown = world.post("OFFICER", "/custody/collateral", _report(person_id, "ONOSUCH0000"))
    assert unknown.status_code == 404
    mismatch = world.post(
        "OFFICER", "/custody/collateral",
        _report(person_id, _operation(world), field_office="Chicago"),
    )  # fmt: skip
    assert mismatch.status_code == 422 and "Chicago" in mismatch.json()["detail"]
    assert _count(world, CollateralEncounter) == 0
    assert _count(world, Lead, person_id=person_id) == 0
    refusals = world.api.audit_events(action="custody.collateral", outcome="DENIED")
    assert len(refusals) == 4
    # A lead a person closed is their decision: the encounter halts, no case is opened.
    targeting_flows.close_lead(
        world.api.engine, principal=Principal.operator("tester"), purpose_id=None,
        lead_id=world.leads["teodoro"], reason="not a priority of this office",
    )  # fmt: skip
    teodoro = "P" + world.leads["teodoro"][1:]
    closed = world.post("OFFICER", "/custody/collateral", _report(teodoro, _operation(world)))
    assert closed.status_code == 201, closed.text
    assert (closed.json()["outcome"], closed.json()["review"]) == ("HALTED", "safeguards")
    assert "not a priority of this office" in closed.json()["detail"]
    assert closed.json()["case_id"] is None and _count(world, Case) == 0


def test_the_encounter_lead_and_case_commit_together_or_not_at_all(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    person_id = _zofia(world)
    operation_id = _operation(world)
    user = world.users["OFFICER"]
    principal = Principal(
        actor=user.id, username=user.username, role=user.role, offices=tuple(user.offices),
        client="test",
    )  # fmt: skip

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise CaseError(500, "deadline-store-failed", "the deadline could not be stored")

    monkeypatch.setattr(collateral.custody_deadlines, "on_transition", broken)
    report = collateral.CollateralReport(
        person_id=person_id, field_office=None, encounter="at the door",
        identity_confirmed=True, identity_method="fingerprints", citizenship_claim=False,
        operation_id=operation_id,
    )  # fmt: skip
    with pytest.raises(CaseError, match="deadline"):
        collateral.record_collateral(
            world.api.engine, principal=principal, purpose_id=world.purposes["OFFICER"],
            data=report,
        )  # fmt: skip
    for model in (CollateralEncounter, Lead, Case, TargetingRun):
        where = {} if model in (CollateralEncounter, TargetingRun) else {"person_id": person_id}
        assert _count(world, model, **where) == (1 if model is TargetingRun else 0), model
    # A supervisor's encounter: the lead and case open; the case waits for an officer.
    monkeypatch.undo()
    supervisor = world.post("SUPERVISOR", "/custody/collateral", _report(person_id, operation_id))
    assert supervisor.status_code == 201, supervisor.text
    case = world.case(supervisor.json()["case_id"])
    assert (case.state, case.assigned_officer) == ("investigation", None)
