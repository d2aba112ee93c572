"""Booking at arrest: prefilled from the case, completed by the officer; a citizenship claim
or indicator, or an identity not confirmed, halts it for review."""

from __future__ import annotations

import json
from typing import Any

from cases import world as case_world
from cases.conftest import World
from immigrationos.cases.machine import CaseState

from .conftest import at_state

COMPLETE: dict[str, Any] = {
    "encounter": "Encountered at 7 Elm St during the approved operation; cooperative.",
    "identity_confirmed": True,
    "identity_method": "fingerprints matched; passport G1234567 presented",
    "citizenship_claim": False,
    "citizenship_statement": "states he is a citizen of Guatemala only",
    "parent_or_guardian": True,
    "minor_children": [
        {"name": "child one", "age": 9, "arrangement": "with the other parent at home"}
    ],
    "property_items": [{"item": "wallet", "value": "42 USD"}],
    "health": {"medical_needs": ["insulin twice daily"], "allergies": []},
    "counsel": {"name": "R. Okafor, Esq.", "g28_on_file": True, "phone": "213-555-0100"},
    "a_number": "A123456789",
    "country_of_birth": "GTM",
}


def _booking(world: World) -> str:
    case_id, _version = at_state(world, CaseState.ARREST)
    opened = world.post("OFFICER", f"/custody/cases/{case_id}/booking", {})
    assert opened.status_code == 201, opened.text
    return case_id


def test_a_booking_is_prefilled_from_the_case_and_completed_by_the_officer(
    world: World,
) -> None:
    case_id = _booking(world)
    booking = world.get("DETENTION", f"/custody/cases/{case_id}/booking").json()
    assert booking["state"] == "DRAFT"
    names = booking["biographics"]["family_name"]
    assert names[0]["value"] == "BALTHAZAR-KWIATEK" and len(names[0]["records"]) == 3
    assert booking["biographics"]["nationality"][0]["value"] == "GTM"
    assert [(c["section"], c["violation"]) for c in booking["charges"]] == [
        ("INA 237(a)(1)(B)", "OVERSTAY")
    ]
    done = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", COMPLETE)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["halted"], body["case_state"], body["booking"]["state"]) == (
        False, "arrest", "COMPLETED",
    )  # fmt: skip
    booked = body["booking"]
    assert booked["minor_children"][0]["arrangement"].startswith("with the other parent")
    assert booked["counsel"]["name"] == "R. Okafor, Esq." and booked["counsel"]["g28_on_file"]
    assert booked["health"]["medical_needs"] == ["insulin twice daily"]
    assert (booked["a_number"], booked["country_of_birth"]) == ("A123456789", "GTM")
    assert world.case(case_id).state == "arrest"
    assert world.api.audit_count(action="custody.booking.create", outcome="SUCCESS") == 1
    assert world.api.audit_count(action="custody.booking.complete", outcome="SUCCESS") == 1
    again = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", COMPLETE)
    assert again.status_code == 409


def test_a_claim_of_citizenship_at_booking_halts_it_for_a_citizenship_review(
    world: World,
) -> None:
    case_id = _booking(world)
    claim = {**COMPLETE, "citizenship_claim": True,
             "citizenship_statement": "says he was born in El Paso"}  # fmt: skip
    done = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", claim)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["halted"] and body["case_state"] == "citizenship_review"
    assert body["booking"]["state"] == "HALTED"
    assert "El Paso" in body["booking"]["halt_reason"] and "16001.2" in body["detail"]
    case = world.case(case_id)
    assert (case.state, case.halted_from) == ("citizenship_review", "arrest")
    last = world.get("OFFICER", f"/cases/{case_id}/history").json()["events"][-1]
    assert (last["kind"], last["transition"]) == ("HALTED", "halt_for_citizenship")
    halts = world.api.audit_events(action="cases.halt", resource_id=case_id)
    assert [json.loads(e.details)["review"] for e in halts] == ["CITIZENSHIP_REVIEW"]
    assert world.api.audit_count(action="custody.booking.halt", outcome="SUCCESS") == 1


def test_a_citizenship_indicator_on_the_records_halts_the_booking(world: World) -> None:
    case_id = _booking(world)
    case_world.add_us_passport(world.api.engine, world.folder / "later", world.lake_dir)
    done = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", COMPLETE)
    assert done.status_code == 200, done.text
    assert done.json()["halted"] and "US_PASSPORT" in done.json()["detail"]
    assert world.case(case_id).state == "citizenship_review"


def test_an_identity_not_confirmed_halts_the_booking_for_a_safeguard_review(
    world: World,
) -> None:
    case_id = _booking(world)
    unsure = {**COMPLETE, "identity_confirmed": False,
              "identity_method": "no prints on file; name differs from the passport"}  # fmt: skip
    done = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", unsure)
    assert done.json()["halted"] and done.json()["case_state"] == "safeguard_review"


def test_what_a_booking_must_record_and_who_may_book(world: World) -> None:
    case_id = _booking(world)
    no_arrangement = {**COMPLETE, "minor_children": [{"age": 4, "arrangement": " "}]}
    refused = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", no_arrangement)
    assert refused.status_code == 422 and "11064.3" in refused.json()["detail"]
    no_children = {**COMPLETE, "minor_children": []}
    refused = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", no_children)
    assert refused.status_code == 422
    assert world.post("DETENTION", f"/custody/cases/{case_id}/booking", {}).status_code == 403
    twice = world.post("OFFICER", f"/custody/cases/{case_id}/booking", {})
    assert twice.status_code == 409


def test_a_booking_needs_an_arrest_and_the_assigned_officer(world: World) -> None:
    case_id, _version = at_state(world, CaseState.OPERATION_APPROVAL)
    early = world.post("OFFICER", f"/custody/cases/{case_id}/booking", {})
    assert early.status_code == 409 and "arrest" in early.json()["detail"]
    colleague = world.api.user("OFFICER")
    world.force(case_id, state="arrest", assigned_officer=colleague.id)
    not_mine = world.post("OFFICER", f"/custody/cases/{case_id}/booking", {})
    assert not_mine.status_code == 403
    by_supervisor = world.post("SUPERVISOR", f"/custody/cases/{case_id}/booking", {})
    assert by_supervisor.status_code == 201
