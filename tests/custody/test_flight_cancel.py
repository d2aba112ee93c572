"""Cancelling a removal flight: a supervisor, with a reason, at the version seen; every
seat released, the manifest void, the cases back in the removal queue as they were."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from cases.conftest import World

from .test_removal_flights import _fill, _flight, _ready

REASON = "aircraft unavailable; the charter was withdrawn"


def _cancel(w: World, role: str, flight_id: str, version: int, reason: str = REASON) -> Any:
    body = {"version": version, "reason": reason}
    return w.post(role, f"/custody/flights/{flight_id}/cancel", body)


def _kind(response: Any) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[1]


def test_a_filled_flight_is_cancelled_its_seats_released_and_its_manifest_void(
    world: World,
) -> None:
    case_id = _ready(world)
    flight = _flight(world)
    filled = _fill(world, flight)
    assert filled.json()["seated"] == [case_id]
    assert world.case(case_id).state == "removal_scheduled"
    version = filled.json()["flight"]["version"]

    done = _cancel(world, "SUPERVISOR", flight["flight_id"], version)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["released"] == [case_id] and body["manifest"] == "void"
    assert body["flight"]["state"] == "CANCELLED" and body["flight"]["version"] == version + 1
    assert body["reason"] == REASON and body["cancelled_by"] == world.users["SUPERVISOR"].id
    # The case stays where it was, in the removal queue, with an audit event of its own.
    assert world.case(case_id).state == "removal_scheduled"
    (released,) = world.api.audit_events(action="custody.flight.seat_released")
    assert (released.resource_type, released.resource_id) == ("case", case_id)
    assert REASON in (released.details or "")
    assert world.api.audit_count(action="custody.flight.cancel", outcome="SUCCESS") == 1

    manifest = world.get("SUPERVISOR", f"/custody/flights/{flight['flight_id']}/manifest").json()
    assert manifest["void"] is True and manifest["cancel_reason"] == REASON
    (line,) = manifest["passengers"]
    assert line["status"] == "CANCELLED" and REASON in line["reason"]
    pdf = world.get("SUPERVISOR", f"/custody/flights/{flight['flight_id']}/manifest.pdf")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "VOID - FLIGHT CANCELLED" in text and "aircraft unavailable" in text
    listed = world.get("SUPERVISOR", "/custody/flights").json()["flights"]
    assert [(f["state"], f["seats_taken"]) for f in listed] == [("CANCELLED", 0)]

    # Back in the queue: the next flight seats the case again (no new scheduling needed).
    again = _fill(world, _flight(world))
    assert again.status_code == 200 and again.json()["seated"] == [case_id]


def test_cancelling_is_refused_in_words(world: World) -> None:
    flight = _flight(world)
    fid, version = flight["flight_id"], flight["version"]
    by_detention = _cancel(world, "DETENTION", fid, version)
    assert by_detention.status_code == 403 and "SUPERVISOR" in by_detention.json()["detail"]
    assert world.post("ANALYST", f"/custody/flights/{fid}/cancel",
                      {"version": version, "reason": REASON}).status_code == 403  # fmt: skip
    blank = _cancel(world, "SUPERVISOR", fid, version, reason="   ")
    assert blank.status_code == 422 and _kind(blank) == "reason-required"
    missing = world.post("SUPERVISOR", f"/custody/flights/{fid}/cancel", {"version": version})
    assert missing.status_code == 422 and "reason" in missing.text
    stale = _cancel(world, "SUPERVISOR", fid, version + 3)
    assert stale.status_code == 409 and _kind(stale) == "flight-version-stale"
    assert _cancel(world, "SUPERVISOR", "FNOSUCHONE1", 1).status_code == 404

    assert _cancel(world, "SUPERVISOR", fid, version).status_code == 200
    twice = _cancel(world, "SUPERVISOR", fid, version + 1)
    assert twice.status_code == 409 and _kind(twice) == "flight-cancelled"
    assert REASON in twice.json()["detail"]
    refill = _fill(world, {"flight_id": fid, "version": version + 1})
    assert refill.status_code == 409  # a cancelled flight is not filled

    flown = _flight(world)
    executed = world.post(
        "DETENTION", f"/custody/flights/{flown['flight_id']}/execute", {"version": 1}
    )
    assert executed.status_code == 200, executed.text
    late = _cancel(world, "SUPERVISOR", flown["flight_id"], 2)
    assert late.status_code == 409 and _kind(late) == "flight-executed"
    refused = world.api.audit_events(action="custody.flight.cancel")
    assert len([e for e in refused if e.outcome != "SUCCESS"]) >= 5
