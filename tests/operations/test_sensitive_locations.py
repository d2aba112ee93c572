"""Sensitive locations: a stop within the radius of one needs the requester's justification
and a second approval by another supervisor; the list is a configurable YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from immigrationos.operations import sensitive

from . import ops_world
from .ops_fixtures import OpsWorld

LAT, LON = ops_world.ZIP_CENTROIDS["teodoro"]
NEAR_TEODORO = f"""
categories:
  school: {{label: school, radius_m: 300}}
  court: {{label: courthouse, radius_m: 250}}
locations:
  - {{id: SL-T-1, name: Test Primary School (synthetic), category: school,
      lat: {LAT + 0.001}, lon: {LON}}}
  - {{id: SL-T-2, name: Far Court (synthetic), category: court, lat: {LAT + 0.1}, lon: {LON}}}
"""


def test_a_stop_near_a_sensitive_location_needs_a_justification_and_two_approvers(
    world: OpsWorld, places_file: Path
) -> None:
    places_file.write_text(NEAR_TEODORO, encoding="utf-8")
    near = world.case_in("teodoro", "operation_approval")
    far = world.case_in("aurelio", "operation_approval")
    body = world.request_body([near, far])
    refused = world.post("officer1", "/operations", body)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/justification-required")
    assert near in problem["detail"] and "Test Primary School" in problem["detail"]
    assert far not in problem["detail"] and "Far Court" not in problem["detail"]
    assert world.api.audit_count(action="operations.request", outcome="DENIED") == 1
    op = world.request(
        "officer1", [near, far],
        sensitive_justification="the person works nights; the school is closed at 06:00",
    )  # fmt: skip
    assert op["approvals_needed"] == 2
    assert "school is closed" in op["sensitive_justification"]
    stops = {t["case_id"]: t["sensitive"] for t in op["target_list"]}
    assert [s["id"] for s in stops[near]] == ["SL-T-1"] and stops[far] == []
    assert stops[near][0]["category"] == "school" and 100 <= stops[near][0]["metres"] <= 120
    op_id = op["operation_id"]
    first = world.post("sup1", f"/operations/{op_id}/approve", {"version": 1, "reason": "ok"})
    assert first.status_code == 200, first.text
    waiting = first.json()
    assert (waiting["status"], waiting["approvers"]) == ("REQUESTED", [world.users["sup1"].id])
    assert "first of two" in waiting["decisions"][-1]["reason"]
    # The cases wait for the final approval.
    assert world.get("officer1", "/operations/routes/mine").json()["routes"] == []
    again = world.post("sup1", f"/operations/{op_id}/approve", {"version": 2, "reason": "ok"})
    assert again.status_code == 403 and again.json()["type"].endswith("/same-approver")
    second = world.post("sup2", f"/operations/{op_id}/approve",
                        {"version": 2, "reason": "justification reviewed"})  # fmt: skip
    assert second.status_code == 200, second.text
    approved = second.json()
    assert approved["status"] == "APPROVED"
    assert approved["approvers"] == [world.users["sup1"].id, world.users["sup2"].id]
    route = world.get("officer1", "/operations/routes/mine").json()["routes"][0]
    by_case = {s["case_id"]: s for s in route["stops"]}
    assert by_case[near]["sensitive"][0]["name"].startswith("Test Primary School")


def test_a_supervisors_request_near_a_sensitive_location_needs_two_others(
    world: OpsWorld, places_file: Path
) -> None:
    places_file.write_text(NEAR_TEODORO, encoding="utf-8")
    near = world.case_in("teodoro", "operation_approval")
    op = world.request("sup1", [near], sensitive_justification="court order to execute now")
    op_id = op["operation_id"]
    own = world.post("sup1", f"/operations/{op_id}/approve", {"version": 1, "reason": "ok"})
    assert own.status_code == 403 and own.json()["type"].endswith("/self-approval")
    assert world.post("sup2", f"/operations/{op_id}/approve",
                      {"version": 1, "reason": "ok"}).status_code == 200  # fmt: skip
    final = world.post("sup3", f"/operations/{op_id}/approve", {"version": 2, "reason": "ok"})
    assert final.status_code == 200 and final.json()["status"] == "APPROVED"
    approvers = set(final.json()["approvers"])
    assert approvers == {world.users["sup2"].id, world.users["sup3"].id}
    assert world.users["sup1"].id not in approvers


def test_the_bundled_list_is_synthetic_and_configurable(tmp_path: Path) -> None:
    bundled = sensitive.load(sensitive.BUNDLED)
    assert set(bundled.categories) == {"school", "hospital", "place_of_worship", "court"}
    assert all("(synthetic)" in place.name for place in bundled.locations)
    court = next(p for p in bundled.locations if p.id == "SL-LA-004")
    assert court.radius_m == 400  # its own radius over the category's
    assert [n.location.id for n in bundled.near(court.lat + 0.003, court.lon)] == ["SL-LA-004"]
    custom = tmp_path / "places.yaml"
    custom.write_text(
        "categories:\n  shelter: {label: domestic violence shelter, radius_m: 500}\n"
        "locations:\n  - {id: S1, name: X, category: shelter, lat: 40.0, lon: -75.0}\n",
        encoding="utf-8",
    )
    loaded = sensitive.load(custom)
    assert [n.label for n in loaded.near(40.004, -75.0)] == ["domestic violence shelter"]
    assert loaded.near(40.006, -75.0) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("categories: {}\n", "'categories'"),
        ("categories:\n  school: {radius_m: -1}\n", "category 'school': field 'radius_m'"),
        (
            "categories:\n  school: {radius_m: 300}\nlocations:\n"
            "  - {id: A, category: church, lat: 1, lon: 2}\n",
            "location 1 (A): field 'category'",
        ),
        (
            "categories:\n  school: {radius_m: 300}\nlocations:\n"
            "  - {id: A, category: school, lat: north, lon: 2}\n",
            "location 1 (A): field 'lat'",
        ),
        (
            "categories:\n  school: {radius_m: 300}\nlocations:\n"
            "  - {id: A, category: school, lat: 1, lon: 2}\n"
            "  - {id: A, category: school, lat: 1, lon: 2}\n",
            "location 2 (A): field 'id'",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_entry_and_field(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sensitive.SensitiveLocationsError, match=r"bad\.yaml") as caught:
        sensitive.load(path)
    assert words in str(caught.value)
