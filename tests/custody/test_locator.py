"""The detainee locator: both the A-number and the country of birth must match; it answers
with the facility, "not in custody", or nothing; every question is audited."""

from __future__ import annotations

import json

from cases.conftest import World
from immigrationos.cases.machine import CaseState
from immigrationos.custody import locator

from .conftest import at_state, take
from .test_booking import COMPLETE

FACILITY = {
    "facility_name": "Adelanto ICE Processing Center",
    "facility_address": "10250 Rancho Road, Adelanto, CA 92301",
    "facility_phone": "760-561-6100",
    "facility_code": "ADLNTCA",
}


def _ask(w: World, a_number: str, country: str, role: str = "LEGAL") -> dict[str, object]:
    answer = w.get(role, "/custody/locator", a_number=a_number, country_of_birth=country)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _booked(w: World) -> tuple[str, int]:
    case_id, version = at_state(w, CaseState.ARREST)
    assert w.post("OFFICER", f"/custody/cases/{case_id}/booking", {}).status_code == 201
    done = w.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", COMPLETE)
    assert done.status_code == 200 and not done.json()["halted"], done.text
    return case_id, version


def test_the_locator_answers_with_the_facility_only_when_both_inputs_match(
    world: World,
) -> None:
    case_id, version = _booked(world)
    held = _ask(world, "A123456789", "GTM")
    assert held["status"] == "IN_CUSTODY" and held["facility_name"] is None
    assert "not yet recorded" in str(held["message"])
    version = take(world, "DETENTION", case_id, "refer_custody_decision", version)["version"]
    version = take(world, "SUPERVISOR", case_id, "detain", version)["version"]
    placed = world.post("DETENTION", f"/custody/cases/{case_id}/detention", FACILITY)
    assert placed.status_code == 201, placed.text
    found = _ask(world, "a-123456789", "gtm")
    assert (found["status"], found["facility_name"], found["facility_phone"]) == (
        "IN_CUSTODY", FACILITY["facility_name"], FACILITY["facility_phone"],
    )  # fmt: skip
    assert "case_id" not in found  # never shown
    # Either input alone finds no one, and the answer does not say which was wrong.
    wrong_country = _ask(world, "A123456789", "MEX")
    unknown = _ask(world, "A999999999", "GTM")
    assert wrong_country == unknown and unknown["status"] == "NO_MATCH"
    # A transfer: the locator follows the person.
    moved = {**FACILITY, "facility_name": "Otay Mesa Detention Center", "facility_code": "OTAY"}
    assert world.post("DETENTION", f"/custody/cases/{case_id}/detention", moved).status_code == 201
    assert _ask(world, "A123456789", "GTM")["facility_name"] == "Otay Mesa Detention Center"
    # Halted for a review: still held where it was.
    world.force(case_id, state=CaseState.CITIZENSHIP_REVIEW.value, halted_from="detained")
    assert _ask(world, "A123456789", "GTM")["status"] == "IN_CUSTODY"
    # Released: not in custody.
    world.force(case_id, state=CaseState.RELEASED_ATD.value)
    assert _ask(world, "A123456789", "GTM")["status"] == "NOT_IN_CUSTODY"
    asked = world.api.audit_events(action="custody.locate", outcome="SUCCESS")
    assert len(asked) == 7
    assert [json.loads(e.details)["answer"] for e in asked][2:4] == ["NO_MATCH", "NO_MATCH"]
    assert asked[1].resource_id == case_id


def test_the_locator_needs_both_inputs_and_its_permission(world: World) -> None:
    only_a = world.get("LEGAL", "/custody/locator", a_number="A123456789")
    assert only_a.status_code == 422
    assert world.get("ANALYST", "/custody/locator", a_number="A123456789",
                     country_of_birth="GTM").status_code == 403  # fmt: skip
    assert locator.normalize_a_number("12345678") == "A012345678"
    assert locator.normalize_a_number("B123") is None


def test_a_person_not_in_custody_is_not_placed(world: World) -> None:
    case_id, _version = at_state(world, CaseState.RELEASED_RECOGNIZANCE)
    refused = world.post("DETENTION", f"/custody/cases/{case_id}/detention", FACILITY)
    assert refused.status_code == 409
