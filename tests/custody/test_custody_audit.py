"""Every custody route writes an audit event naming the actor and, for person data, the
purpose (the custody part of tests/api/test_audit_completeness.py, self-contained)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.conftest import HOME_OFFICE
from cases.conftest import World
from immigrationos.api import iter_routes
from immigrationos.cases.machine import CaseState
from immigrationos.custody.sites import build_sites

from .conftest import at_state, take
from .test_booking import COMPLETE
from .test_locator import FACILITY


def test_every_custody_route_is_audited_with_its_purpose(world: World) -> None:
    case_id, version = at_state(world, CaseState.ARREST)
    base = f"/custody/cases/{case_id}"

    flight: dict[str, Any] = {}

    def step(role: str, method: str, path: Any, body: Any = None) -> Any:
        path = path() if callable(path) else path
        body = body() if callable(body) else body
        if method == "GET":
            return world.get(role, path, **(body or {}))
        return world.post(role, path, body or {})

    def moved(name: str, role: str) -> Callable[[], None]:
        def run() -> None:
            nonlocal version
            version = take(world, role, case_id, name, world.case(case_id).version)["version"]

        return run

    def at_flight(tail: str = "") -> Callable[[], str]:
        return lambda: f"/custody/flights/{flight['flight_id']}{tail}"

    def flight_version() -> dict[str, Any]:
        listed = world.get("DETENTION", "/custody/flights").json()["flights"]
        return {
            "version": next(f["version"] for f in listed if f["flight_id"] == flight["flight_id"])
        }

    def new_flight() -> None:
        made = world.post(
            "DETENTION", "/custody/flights",
            {"destination": "GTM", "departs": "2030-02-03", "seats": 5, "departure_site": "LA"},
        )  # fmt: skip
        flight.update(made.json())

    def placed_elsewhere() -> dict[str, Any]:
        # Held at Adelanto (the detention step): moved to another facility taking men at B.
        elsewhere = next(
            s.code for s in build_sites()
            if s.excluded is None and s.beds > 0 and "M" in s.sexes
            and "B" in s.security_levels and s.code != FACILITY["facility_code"]
        )  # fmt: skip
        chosen = {"case_id": case_id, "facility_code": elsewhere, "security_level": "B"}
        return {"choices": [chosen], "reason": "nearer the family"}

    scenarios: list[tuple[str, str, str, Any, Any]] = [
        ("OFFICER", "POST", "/custody/cases/{case_id}/booking", f"{base}/booking", None),
        ("DETENTION", "GET", "/custody/cases/{case_id}/booking", f"{base}/booking", None),
        ("OFFICER", "POST", "/custody/cases/{case_id}/booking/complete",
         f"{base}/booking/complete", COMPLETE),
        ("DETENTION", "POST", "/custody/cases/{case_id}/detention", f"{base}/detention",
         FACILITY),
        ("DETENTION", "GET", "/custody/placement/held", "/custody/placement/held", None),
        ("DETENTION", "POST", "/custody/placement/proposals", "/custody/placement/proposals",
         {"case_ids": [case_id], "levels": {case_id: "B"}}),
        ("DETENTION", "POST", "/custody/placements", "/custody/placements", placed_elsewhere),
        ("LEGAL", "GET", "/custody/locator", "/custody/locator",
         {"a_number": "A123456789", "country_of_birth": "GTM"}),
        ("DETENTION", "POST", "/custody/cases/{case_id}/custody-reviews",
         f"{base}/custody-reviews", {"continue_detention": True, "reason": "pending"}),
        ("DETENTION", "GET", "/custody/deadlines", "/custody/deadlines", None),
        ("OFFICER", "GET", "/custody/cases/{case_id}/deadlines", f"{base}/deadlines", None),
        ("LEGAL", "POST", "/custody/cases/{case_id}/removal-facts", f"{base}/removal-facts",
         {"kind": "APPEAL_WAIVED", "day": "2026-11-01", "reason": "waived"}),
        ("LEGAL", "GET", "/custody/cases/{case_id}/removal-eligibility",
         f"{base}/removal-eligibility", None),
        ("ANALYST", "GET", "/custody/self-departures", "/custody/self-departures", None),
        ("DETENTION", "POST", "/custody/cases/{case_id}/travel-document",
         f"{base}/travel-document", {"status": "REQUESTED", "country": "GTM",
                                     "requested_on": "2026-11-02"}),
        ("OFFICER", "GET", "/custody/cases/{case_id}/travel-document",
         f"{base}/travel-document", None),
        ("LEGAL", "GET", "/custody/cases/{case_id}/counsel-notices",
         f"{base}/counsel-notices", None),
        ("DETENTION", "POST", "/custody/flights", "/custody/flights",
         {"destination": "GTM", "departs": "2030-01-02", "seats": 5, "departure_site": "LA"}),
        ("DETENTION", "GET", "/custody/flights", "/custody/flights", None),
        ("OFFICER", "POST", "/custody/collateral", "/custody/collateral",
         {"person_id": world.case(case_id).person_id, "field_office": HOME_OFFICE,
          "encounter": "with the target", "identity_confirmed": True,
          "identity_method": "fingerprints", "citizenship_claim": False}),
        ("DETENTION", "POST", "/custody/flights/{flight_id}/fill", at_flight("/fill"),
         flight_version),
        ("DETENTION", "GET", "/custody/flights/{flight_id}/manifest", at_flight("/manifest"),
         None),
        ("DETENTION", "GET", "/custody/flights/{flight_id}/manifest.pdf",
         at_flight("/manifest.pdf"), None),
        ("DETENTION", "POST", "/custody/flights/{flight_id}/execute", at_flight("/execute"),
         flight_version),
        ("SUPERVISOR", "POST", "/custody/flights/{flight_id}/cancel", at_flight("/cancel"),
         lambda: {**flight_version(), "reason": "charter withdrawn"}),
    ]  # fmt: skip
    before_steps = {
        "/custody/cases/{case_id}/detention": [
            moved("refer_custody_decision", "DETENTION"), moved("detain", "SUPERVISOR"),
        ],
        "/custody/cases/{case_id}/custody-reviews": [
            moved("start_proceedings", "LEGAL"), moved("record_final_order", "LEGAL"),
        ],
        # The executed flight is not cancelled: a new PLANNED one is.
        "/custody/flights/{flight_id}/cancel": [new_flight],
    }  # fmt: skip
    covered = set()
    for role, method, route, path, body in scenarios:
        for prepare in before_steps.get(route, []):
            prepare()
        before = world.api.audit_count()
        answer = step(role, method, path, body)
        assert answer.status_code < 300, (method, route, answer.status_code, answer.text)
        if route == "/custody/flights" and method == "POST":
            flight.update(answer.json())
        new = world.api.audit_events()[before:]
        assert new, f"{method} {route} wrote no audit event"
        assert all(e.outcome == "SUCCESS" and e.actor and e.client for e in new), route
        if route != "/custody/self-departures":  # counts only: no purpose needed
            purpose = world.purposes[role]
            assert any(e.purpose == purpose for e in new), f"{route}: purpose not recorded"
        covered.add((method, "/api/v1" + route))
    custody_routes = {(m, p) for m, p, _r in iter_routes() if p.startswith("/api/v1/custody/")}
    assert custody_routes == covered
