"""Persons over HTTP: search, profile, timeline, links, judgements, the review queue, runs,
under area, purpose and the data-use policy, every read and write audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from immigrationos.resolution import flows as resolution_flows

from .conftest import HOME_OFFICE, OTHER_OFFICE, Api, SignedInUser
from .persons_world import CLUSTERS, PRIOR, resolve, resolved_world


@pytest.fixture()
def ids(api: Api, tmp_path: Path, lake_dir: Path) -> dict[str, str]:
    return resolved_world(api.engine, tmp_path / "in", lake_dir)


def purpose(api: Api, user: SignedInUser, kind: str = "CASE", ref: str = "C-1") -> str:
    response = api.client.post(
        "/api/v1/purposes",
        json={"kind": kind, "reference": ref, "title": "test", "justification": "test reads"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def get(api: Api, user: SignedInUser, pid: str, path: str, **params: Any) -> Any:
    response = api.client.get(f"/api/v1{path}", params=params, headers=user.with_purpose(pid))
    assert response.status_code == 200, response.text
    return response.json()


def test_search_finds_persons_by_name_identifier_and_birth_date(
    api: Api, ids: dict[str, str]
) -> None:
    analyst = api.user("ANALYST")
    assert (
        api.client.get("/api/v1/persons/search?name=X", headers=analyst.headers).status_code == 428
    )
    pid = purpose(api, analyst)
    empty = api.client.get("/api/v1/persons/search?name=%20", headers=analyst.with_purpose(pid))
    assert empty.status_code == 400 and "name, birth_date, identifier" in empty.json()["detail"]
    found = get(api, analyst, pid, "/persons/search", name="MARISOL QINTANILLA")
    persons = [h["person_id"] for h in found["items"]]
    assert set(persons) == {ids["marisol"], ids["chicago"], ids["phoenix"]}
    assert persons[0] == ids["marisol"]  # most records matched: the likeliest
    assert found["items"][0]["records_matched"] >= 2 and "name" in found["items"][0]["matched_on"]
    by_a_number = get(api, analyst, pid, "/persons/search", identifier="A-012-345-678")
    assert [h["person_id"] for h in by_a_number["items"]] == [ids["marisol"]]
    by_passport = get(api, analyst, pid, "/persons/search", identifier="P7654321")
    assert [h["person_id"] for h in by_passport["items"]] == [ids["chicago"]]
    born = get(api, analyst, pid, "/persons/search", birth_date="1991-03-04")
    assert [h["person_id"] for h in born["items"]] == [ids["chicago"]]
    sar_person = get(api, analyst, pid, "/persons/search", name="OTTOLINE VARGAS-PENROSE")
    assert sar_person["items"] == [] and not any(
        w["source"].startswith("fincen") for w in sar_person["withheld"]
    ), "a SAR's existence leaked through person search"
    event = api.audit_events(action="persons.search", outcome="SUCCESS")[0]
    assert event.purpose == pid and json.loads(event.details)["query"]["name"]


def test_field_roles_see_only_the_persons_of_their_area(api: Api, ids: dict[str, str]) -> None:
    officer = api.user("OFFICER", [HOME_OFFICE])
    pid = purpose(api, officer)
    found = get(api, officer, pid, "/persons/search", name="MARISOL QUINTANILLA")
    assert [h["person_id"] for h in found["items"]] == [ids["marisol"]]
    hidden = api.client.get(f"/api/v1/persons/{ids['chicago']}", headers=officer.with_purpose(pid))
    missing = api.client.get("/api/v1/persons/P0000000000", headers=officer.with_purpose(pid))
    assert hidden.status_code == missing.status_code == 404
    assert "area of responsibility" in hidden.json()["detail"]
    refusal = api.audit_events(action="persons.read", outcome="DENIED")[0]
    assert json.loads(refusal.details)["rule"] == "AREA_OF_RESPONSIBILITY"
    chicago = api.user("OFFICER", [OTHER_OFFICE])
    other = purpose(api, chicago, ref="C-2")
    assert get(api, chicago, other, f"/persons/{ids['chicago']}")["field_office"] == OTHER_OFFICE
    for path in ("", "/timeline", "/links"):
        response = api.client.get(
            f"/api/v1/persons/{ids['marisol']}{path}", headers=chicago.with_purpose(other)
        )
        assert response.status_code == 404, path


def test_a_profile_lays_out_what_the_records_say_and_what_was_withheld(
    api: Api, ids: dict[str, str]
) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    person = get(api, analyst, pid, f"/persons/{ids['marisol']}")
    assert person["status"] == "ACTIVE" and person["current_person_id"] == ids["marisol"]
    assert person["best_name"] == "MARISOL QUINTANILLA" and person["family_name"] == "QUINTANILLA"
    assert [d["value"] for d in person["birth_dates"]] == ["1990-02-03"]
    assert person["identifiers"]["A_NUMBER"][0]["value"] == "A012345678"
    assert {"I94", "PASSPORT", "RECEIPT"} <= set(person["identifiers"])
    assert [s["source"] for s in person["sources"]] == ["cbp_i94", "uscis_benefits"]
    address = person["addresses"][0]
    assert (address["street"], address["zip"]) == ("1 MAIN ST", "90012")
    assert address["first_seen"] == "2024-01-05" and address["last_seen"] == "2024-03-01"
    assert address["sources"] == ["cbp_i94", "uscis_benefits"]
    withheld = {w["source"]: w for w in person["withheld"]}
    assert set(withheld) == {"irs_w2", "dmv_licenses"}, "SAR-1 must not even be counted"
    assert "6103" in withheld["irs_w2"]["citation"]
    assert withheld["dmv_licenses"]["rule"] == "STATE_WARRANT_REQUIRED"
    assert person["field_office"] == HOME_OFFICE and person["records"] == 2
    event = api.audit_events(action="persons.read", outcome="SUCCESS")[0]
    assert event.purpose == pid and event.resource_id == ids["marisol"]
    assert sorted(json.loads(event.details)["records"]) == [
        "cbp_i94:I94-LA",
        "uscis_benefits:BEN-ASY",
    ]


def test_the_timeline_orders_records_by_their_dates(api: Api, ids: dict[str, str]) -> None:
    legal = api.user("LEGAL", [HOME_OFFICE])
    pid = purpose(api, legal, kind="CRIMINAL_INVESTIGATION", ref="CI-1")
    timeline = get(api, legal, pid, f"/persons/{ids['marisol']}/timeline")
    dates = [(e["date"], e["source"]) for e in timeline["items"]]
    assert dates == sorted(dates)
    assert dates[0] == ("2024-01-05", "cbp_i94") and timeline["total"] == len(dates)
    arrival = timeline["items"][0]
    assert arrival["date_field"] == "event_date" and "ARRIVAL" in arrival["summary"]
    assert "port of entry LAX" in arrival["summary"]
    paged = get(api, legal, pid, f"/persons/{ids['marisol']}/timeline", limit=1, offset=1)
    assert [e["record_id"] for e in paged["items"]] == [timeline["items"][1]["record_id"]]
    assert paged["next_offset"] == (2 if len(dates) > 2 else None)
    assert api.audit_count(action="persons.read_timeline", purpose=pid) == 2


def test_links_are_served_with_their_waterfall(api: Api, ids: dict[str, str]) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    links = get(api, analyst, pid, f"/persons/{ids['marisol']}/links")
    assert links["items"], links
    for link in links["items"]:
        waterfall = link["explanation"]
        total = waterfall["prior_weight"] + sum(s["weight"] for s in waterfall["steps"])
        assert total == pytest.approx(link["match_weight"])
        assert waterfall["prior_weight"] == PRIOR
        shown = {"cbp_i94:I94-LA", "uscis_benefits:BEN-ASY"}
        assert {link["unique_id_l"], link["unique_id_r"]} <= shown
    assert links["withheld"] == 0  # a SAR's links are not even counted without the grant


def test_a_person_known_only_through_a_sar_stays_hidden_without_the_grant(
    api: Api, ids: dict[str, str]
) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    hidden = api.client.get(f"/api/v1/persons/{ids['sar_only']}", headers=analyst.with_purpose(pid))
    missing = api.client.get("/api/v1/persons/P0000000000", headers=analyst.with_purpose(pid))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(ids["sar_only"], "X") == missing.json()[
        "detail"
    ].replace("P0000000000", "X")
    assert "rule" not in hidden.json()
    admin = api.user("ADMIN")
    granted = api.client.post(
        "/api/v1/grants",
        json={"user_id": analyst.id, "grant": "FINCEN", "reason": "BSA liaison"},
        headers=admin.headers,
    )
    assert granted.status_code == 201, granted.text
    seen = get(api, analyst, pid, f"/persons/{ids['sar_only']}")
    assert seen["best_name"] == "OTTOLINE VARGAS-PENROSE"
    marisol = get(api, analyst, pid, f"/persons/{ids['marisol']}")
    assert "fincen_sar" in [s["source"] for s in marisol["sources"]]


def test_judgements_are_recorded_listed_and_honoured(
    api: Api, ids: dict[str, str], lake_dir: Path
) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    body = {
        "left": ids["phoenix"],
        "right": ids["marisol"],
        "verdict": "SAME",
        "reason": "same licence photo",
    }
    made = api.client.post("/api/v1/judgements", json=body, headers=analyst.with_purpose(pid))
    assert made.status_code == 201, made.text
    judgement = made.json()
    assert judgement["left_ref"] < judgement["right_ref"] and judgement["made_by"] == analyst.id
    blank = api.client.post(
        "/api/v1/judgements", json={**body, "reason": "  "}, headers=analyst.with_purpose(pid)
    )
    assert blank.status_code == 422 and "reason" in blank.text
    unknown = api.client.post(
        "/api/v1/judgements",
        json={**body, "left": "cbp_i94:NO-SUCH"},
        headers=analyst.with_purpose(pid),
    )
    assert unknown.status_code == 404
    itself = api.client.post(
        "/api/v1/judgements",
        json={**body, "left": ids["marisol"]},
        headers=analyst.with_purpose(pid),
    )
    assert itself.status_code == 400 and "both sides" in itself.json()["detail"]
    officer = api.user("OFFICER")
    assert (
        api.client.post("/api/v1/judgements", json=body, headers=officer.headers).status_code == 403
    )
    supervisor = api.user("SUPERVISOR", [HOME_OFFICE])
    spid = purpose(api, supervisor, ref="C-S")
    out_of_area = api.client.post(
        "/api/v1/judgements",
        json={**body, "left": "cbp_i94:I94-CHI"},
        headers=supervisor.with_purpose(spid),
    )
    assert out_of_area.status_code == 404
    listed = get(api, analyst, pid, "/judgements")
    assert [j["id"] for j in listed["items"]] == [judgement["id"]] and listed["total"] == 1
    assert get(api, supervisor, spid, "/judgements")["total"] == 0  # Phoenix: not their area
    event = api.audit_events(action="resolution.judge", outcome="SUCCESS")[0]
    assert event.purpose == pid and json.loads(event.details)["reason"] == "same licence photo"
    # the next run honours it: the two persons become one, the larger keeps its ID
    must, cannot = resolution_flows.constraints_for_next_run(api.engine)
    assert ("dmv_licenses:DMV-AZ", "dmv_licenses:DMV-CA") in must and cannot == []
    merged = {**CLUSTERS, "marisol": CLUSTERS["marisol"] + CLUSTERS["phoenix"]}
    del merged["phoenix"]
    after = resolve(api.engine, lake_dir, merged)
    assert after["marisol"] == ids["marisol"]
    gone = get(api, analyst, pid, f"/persons/{ids['phoenix']}")
    assert gone["status"] == "MERGED" and gone["merged_into"] == ids["marisol"]
    assert gone["current_person_id"] == ids["marisol"] and gone["records"] == 0


def test_the_review_queue_and_the_runs(api: Api, ids: dict[str, str]) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    queue = get(api, analyst, pid, "/review-queue")
    pairs = [(i["unique_id_l"], i["unique_id_r"]) for i in queue["items"]]
    assert pairs and all(set(p) <= set(CLUSTERS["marisol"]) for p in pairs)
    shown = {"cbp_i94:I94-LA", "uscis_benefits:BEN-ASY"}
    assert all(set(p) <= shown for p in pairs), "withheld records must not reach the queue"
    bad = api.client.get("/api/v1/review-queue?order=random", headers=analyst.with_purpose(pid))
    assert bad.status_code == 400
    assert api.audit_count(action="resolution.review_queue", purpose=pid) == 1
    admin = api.user("ADMIN")
    runs = api.client.get("/api/v1/resolution/runs", headers=admin.headers)
    assert runs.status_code == 200 and runs.json()["total"] == 1
    run = runs.json()["items"][0]
    assert run["status"] == "COMPLETED" and run["persons"] == len(CLUSTERS)
    assert api.client.get("/api/v1/review-queue", headers=admin.headers).status_code == 403
