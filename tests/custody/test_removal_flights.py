"""Travel documents and removal flights: filled by assignment, manifested, executed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cases import world as case_world
from cases.conftest import World
from immigrationos.cases.machine import CaseState

from .conftest import at_state

SOON = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)).isoformat()
ISSUED = {
    "status": "ISSUED", "country": "GTM", "kind": "TRAVEL_DOCUMENT", "number": "TD-1",
    "issued_on": "2026-11-01", "expires_on": "2027-05-01",
}  # fmt: skip


def _flight(w: World, destination: str = "GTM", seats: int = 10) -> dict[str, Any]:
    made = w.post(
        "DETENTION", "/custody/flights",
        {"destination": destination, "departs": SOON, "seats": seats,
         "departure_site": "Alexandria Staging Facility, LA"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return dict(made.json())


def _ready(w: World, *, document: bool = True) -> str:
    """Teodoro's case at final order with a final order on record and a travel document."""
    case_id, _version = at_state(w, CaseState.FINAL_ORDER)
    case_world.add_final_order(w.api.engine, w.folder / "order", w.lake_dir)
    if document:
        doc = w.post("DETENTION", f"/custody/cases/{case_id}/travel-document", ISSUED)
        assert doc.status_code == 200, doc.text
    return case_id


def _fill(w: World, flight: dict[str, Any], version: int | None = None) -> Any:
    body = {"version": flight["version"] if version is None else version}
    return w.post("DETENTION", f"/custody/flights/{flight['flight_id']}/fill", body)


def test_travel_document_moves_requested_then_issued_under_its_version(world: World) -> None:
    case_id, _version = at_state(world, CaseState.FINAL_ORDER)
    path = f"/custody/cases/{case_id}/travel-document"
    asked = world.post(
        "DETENTION", path, {"status": "REQUESTED", "country": "gtm", "requested_on": "2026-11-02"}
    )
    assert asked.status_code == 200, asked.text
    assert (asked.json()["status"], asked.json()["country"], asked.json()["version"]) == (
        "REQUESTED", "GTM", 1,
    )  # fmt: skip
    stale = world.post("DETENTION", path, {**ISSUED, "version": 7})
    assert stale.status_code == 409 and "version" in stale.json()["detail"]
    refused = world.post("DETENTION", path, {"status": "REFUSED", "country": "GTM",
                                             "refused_on": "2026-11-03", "version": 1})  # fmt: skip
    assert refused.status_code == 422 and "reason" in refused.json()["detail"]
    issued = world.post("DETENTION", path, {**ISSUED, "version": 1})
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "ISSUED" and issued.json()["version"] == 2
    # Not by a role without custody.manage.
    assert world.post("ANALYST", path, {**ISSUED, "version": 2}).status_code == 403
    read = world.get("OFFICER", path)
    assert read.status_code == 200 and read.json()["number"] == "TD-1"


def test_a_flight_is_filled_manifested_and_executed_which_closes_the_case(world: World) -> None:
    case_id = _ready(world)
    flight = _flight(world)
    filled = _fill(world, flight)
    assert filled.status_code == 200, filled.text
    assert filled.json()["seated"] == [case_id]
    assert world.case(case_id).state == "removal_scheduled"
    manifest = world.get("DETENTION", f"/custody/flights/{flight['flight_id']}/manifest").json()
    (line,) = manifest["passengers"]
    assert (line["case_id"], line["family_name"], line["nationality"]) == (
        case_id, "BALTHAZAR-KWIATEK", "GTM",
    )  # fmt: skip
    assert line["travel_document"]["number"] == "TD-1" and line["status"] == "MANIFESTED"
    assert manifest["version"] == 2
    pdf = world.get("DETENTION", f"/custody/flights/{flight['flight_id']}/manifest.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A second fill finds no one left to seat (the case is on the manifest already).
    again = _fill(world, manifest)
    assert again.status_code == 200 and again.json()["seated"] == []
    listed = world.get("DETENTION", "/custody/flights").json()["flights"]
    assert [(f["flight_id"], f["seats_taken"]) for f in listed] == [(flight["flight_id"], 1)]
    done = world.post(
        "DETENTION", f"/custody/flights/{flight['flight_id']}/execute", {"version": 3}
    )
    assert done.status_code == 200, done.text
    assert done.json()["removed"] == [case_id] and done.json()["flight"]["state"] == "EXECUTED"
    assert world.case(case_id).state == "removed"
    events = world.get("DETENTION", f"/cases/{case_id}/history").json()["events"]
    assert [e["transition"] for e in events[-2:]] == ["schedule_removal", "record_removal"]
    assert world.api.audit_events(action="custody.flight.execute", outcome="SUCCESS")


def test_assignment_respects_seats_country_documents_and_eligibility(world: World) -> None:
    case_id, _version = at_state(world, CaseState.FINAL_ORDER)
    no_order = _fill(world, _flight(world))
    assert no_order.status_code == 200
    assert no_order.json()["seated"] == [] and "no travel document" in str(no_order.json())
    doc = world.post("DETENTION", f"/custody/cases/{case_id}/travel-document", ISSUED)
    assert doc.status_code == 200
    refused = _fill(world, _flight(world)).json()
    assert refused["seated"] == [] and "no basis for removal" in refused["left_out"][0]["reason"]
    case_world.add_final_order(world.api.engine, world.folder / "order", world.lake_dir)
    elsewhere = _fill(world, _flight(world, "MEX")).json()
    assert elsewhere["seated"] == []
    assert "country is GTM, not MEX" in elsewhere["left_out"][0]["reason"]
    full = _fill(world, _flight(world, seats=0)).json()
    assert full["seated"] == [] and "full" in full["left_out"][0]["reason"]
    assert world.case(case_id).state == "final_order"
    seated = _fill(world, _flight(world, seats=1)).json()
    assert seated["seated"] == [case_id]


def test_a_person_whose_safeguards_no_longer_clear_is_dropped_at_execution(world: World) -> None:
    case_id = _ready(world)
    flight = _flight(world)
    assert _fill(world, flight).json()["seated"] == [case_id]
    # A US passport of the person arrives after the seat was given.
    case_world.add_records(
        world.api.engine, world.folder / "passport", world.lake_dir,
        {"dos_passports": case_world.PASSPORT}, ["eoir_cases:E-T1", "dos_passports:PP-T1"],
    )  # fmt: skip
    done = world.post(
        "DETENTION", f"/custody/flights/{flight['flight_id']}/execute", {"version": 2}
    )
    assert done.status_code == 200, done.text
    assert done.json()["removed"] == []
    (dropped,) = done.json()["dropped"]
    assert dropped["case_id"] == case_id and "halted" in dropped["reason"]
    assert world.case(case_id).state == "citizenship_review"
    line = world.get("DETENTION", f"/custody/flights/{flight['flight_id']}/manifest").json()
    assert line["passengers"][0]["status"] == "DROPPED"


def test_two_people_acting_on_one_flight_never_both_succeed(world: World) -> None:
    _ready(world)
    flight = _flight(world)
    assert _fill(world, flight).status_code == 200
    stale = _fill(world, flight)
    assert stale.status_code == 409 and stale.json()["type"].endswith("/flight-version-stale")
    late = world.post(
        "DETENTION", f"/custody/flights/{flight['flight_id']}/execute", {"version": 1}
    )
    assert late.status_code == 409
    denied = world.api.audit_events(action="custody.flight.fill", outcome="DENIED")
    assert len(denied) == 1


def test_a_case_the_machine_halts_at_scheduling_is_left_out_with_the_reason(
    world: World,
) -> None:
    case_id = _ready(world)
    case_world.add_records(
        world.api.engine, world.folder / "passport", world.lake_dir,
        {"dos_passports": case_world.PASSPORT}, ["eoir_cases:E-T1", "dos_passports:PP-T1"],
    )  # fmt: skip
    flight = _flight(world)
    filled = _fill(world, flight).json()
    assert filled["seated"] == []
    (left,) = filled["left_out"]
    assert left["case_id"] == case_id and left["reason"].startswith("halted for review")
    assert world.case(case_id).state == "citizenship_review"
    manifest = world.get("DETENTION", f"/custody/flights/{flight['flight_id']}/manifest").json()
    assert manifest["passengers"] == []
