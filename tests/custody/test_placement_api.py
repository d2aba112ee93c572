"""Placement over the API: the held persons of the caller's area, a proposal that records
nothing, and the placements accepted recorded with their reason, all or none; the same
door as the page (purpose, area, audit)."""

from __future__ import annotations

import json

from sqlalchemy import select

from api.conftest import HOME_OFFICE
from cases.conftest import World
from immigrationos.cases.machine import CaseState
from immigrationos.custody import placement
from immigrationos.custody.models import Detention
from immigrationos.custody.sites import build_sites
from immigrationos.db.engine import session_scope
from immigrationos.reference import field_offices

from .conftest import at_state


def _stays(w: World, case_id: str) -> list[tuple[str | None, bool]]:
    with session_scope(w.api.engine) as session:
        rows = session.scalars(select(Detention).where(Detention.case_id == case_id))
        return [(s.facility_code, s.released_at is None) for s in rows]


def _expected(level: str) -> placement.Placement:
    office = field_offices.get_field_office(HOME_OFFICE)
    person = placement.DetainedPerson("X", "M", level, office.lat, office.lon)
    return placement.place([person], build_sites()).placements[0]


def test_held_proposed_and_recorded_over_the_api(world: World) -> None:
    case_id, _version = at_state(world, CaseState.DETAINED)
    held = world.get("DETENTION", "/custody/placement/held")
    assert held.status_code == 200, held.text
    (row,) = [h for h in held.json()["items"] if h["case_id"] == case_id]
    assert row["awaiting_placement"] and row["sex"] == "M"

    unleveled = world.post("DETENTION", "/custody/placement/proposals", {"case_ids": [case_id]})
    assert unleveled.status_code == 200, unleveled.text
    assert unleveled.json()["placements"] == []
    assert "no security level" in unleveled.json()["unplaced"][0]["reason"]

    body = {"case_ids": [case_id], "levels": {case_id: "B"}}
    proposed = world.post("DETENTION", "/custody/placement/proposals", body)
    assert proposed.status_code == 200, proposed.text
    expected = _expected("B")
    (placed,) = proposed.json()["placements"]
    assert (placed["case_id"], placed["facility_code"]) == (case_id, expected.facility_code)
    assert placed["distance_km"] == expected.distance_km
    assert "security level B" in placed["eligible_because"]
    assert _stays(world, case_id) == []  # a proposal records nothing

    choice = {"case_id": case_id, "facility_code": expected.facility_code, "security_level": "B"}
    blank = world.post("DETENTION", "/custody/placements", {"choices": [choice], "reason": ""})
    assert blank.status_code == 422
    bad_level = world.post(
        "DETENTION", "/custody/placements",
        {"choices": [{**choice, "security_level": "E"}], "reason": "r"},
    )  # fmt: skip
    assert bad_level.status_code == 422 and "security_level" in bad_level.text
    analyst = world.post("ANALYST", "/custody/placements", {"choices": [choice], "reason": "r"})
    assert analyst.status_code == 403
    done = world.post(
        "DETENTION", "/custody/placements", {"choices": [choice], "reason": "nearest beds"}
    )
    assert done.status_code == 201, done.text
    assert [s["facility_code"] for s in done.json()["items"]] == [expected.facility_code]
    assert _stays(world, case_id) == [(expected.facility_code, True)]
    again = world.post("DETENTION", "/custody/placements", {"choices": [choice], "reason": "again"})
    assert again.status_code == 409 and "already held at" in again.json()["detail"]
    assert _stays(world, case_id) == [(expected.facility_code, True)]

    purpose = world.purposes["DETENTION"]
    for action in ("custody.placement.list", "custody.placement.propose", "custody.placement"):
        events = world.api.audit_events(action=action, outcome="SUCCESS")
        assert events and all(e.purpose == purpose for e in events), action
    recorded = world.api.audit_events(action="custody.placement", outcome="SUCCESS")
    assert json.loads(recorded[0].details)["reason"] == "nearest beds"
    assert world.api.audit_count(action="custody.placement", outcome="DENIED") == 1
