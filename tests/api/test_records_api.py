"""Records over HTTP: search and pages under area, purpose and the data-use policy."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from .conftest import HOME_OFFICE, OTHER_OFFICE, Api, SignedInUser
from .records_world import FILES, ingest_world


@pytest.fixture()
def world(api: Api, tmp_path: Path, lake_dir: Path) -> Path:
    ingest_world(api.engine, tmp_path / "in", lake_dir)
    return tmp_path


def purpose(api: Api, user: SignedInUser, kind: str = "CASE", ref: str = "C-1") -> str:
    response = api.client.post(
        "/api/v1/purposes",
        json={"kind": kind, "reference": ref, "title": "test", "justification": "test reads"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def search(api: Api, user: SignedInUser, pid: str, **params: Any) -> dict[str, Any]:
    response = api.client.get(
        "/api/v1/records/search", params=params, headers=user.with_purpose(pid)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def refs(result: dict[str, Any]) -> set[str]:
    return {f"{h['source']}:{h['record_id']}" for h in result["items"]}


def test_search_needs_a_purpose_and_a_criterion(api: Api, world: Path) -> None:
    analyst = api.user("ANALYST")
    no_purpose = api.client.get("/api/v1/records/search?name=QUINTANILLA", headers=analyst.headers)
    assert no_purpose.status_code == 428
    pid = purpose(api, analyst)
    empty = api.client.get("/api/v1/records/search", headers=analyst.with_purpose(pid))
    assert empty.status_code == 400 and "name, birth_date, identifier" in empty.json()["detail"]
    unknown = api.client.get(
        "/api/v1/records/search?name=X", headers=analyst.with_purpose("P-nope")
    )
    assert unknown.status_code == 403
    assert api.audit_count(action="records.search", outcome="DENIED") == 2


def test_officers_see_only_their_area(api: Api, world: Path) -> None:
    officer = api.user("OFFICER", [HOME_OFFICE])
    pid = purpose(api, officer)
    found = search(api, officer, pid, name="MARISOL QUINTANILLA", source="cbp_i94")
    assert refs(found) == {"cbp_i94:I94-LA"}
    hidden = api.client.get("/api/v1/records/cbp_i94/I94-CHI", headers=officer.with_purpose(pid))
    assert hidden.status_code == 404 and "area of responsibility" in hidden.json()["detail"]
    event = api.audit_events(action="records.read", outcome="DENIED")[-1]
    assert json.loads(event.details)["rule"] == "AREA_OF_RESPONSIBILITY"
    chicago = api.user("OFFICER", [OTHER_OFFICE])
    other = search(
        api, chicago, purpose(api, chicago, ref="C-2"), name="MARISOL QUINTANILLA", source="cbp_i94"
    )
    assert refs(other) == {"cbp_i94:I94-CHI"}
    analyst = api.user("ANALYST")
    national = search(
        api, analyst, purpose(api, analyst, ref="C-3"), name="MARISOL QUINTANILLA", source="cbp_i94"
    )
    assert refs(national) == {"cbp_i94:I94-LA", "cbp_i94:I94-CHI"}


def test_misspelled_names_and_identifiers_find_records(api: Api, world: Path) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    typo = search(
        api, analyst, pid, name="MARISOL QINTANILLA", birth_date="1990-02-03", source="cbp_i94"
    )
    assert refs(typo) == {"cbp_i94:I94-LA"}
    by_passport = search(api, analyst, pid, identifier="P7654321")
    assert "cbp_i94:I94-CHI" in refs(by_passport)
    by_a_number = search(api, analyst, pid, identifier="A-012-345-678")
    assert refs(by_a_number) == {"uscis_benefits:BEN-ASY"}


def test_a_record_page_and_its_versions(api: Api, world: Path, lake_dir: Path) -> None:
    changed = FILES["cbp_i94"].replace("2024-07-04,LAX", "2024-09-30,LAX")
    ingest_world(api.engine, world / "in2", lake_dir, cbp_i94=changed)
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    page = api.client.get("/api/v1/records/cbp_i94/I94-LA", headers=analyst.with_purpose(pid))
    assert page.status_code == 200
    body = page.json()
    assert body["version"] == 2 and body["change"] == "CHANGED" and body["versions"] == 2
    assert body["fields"]["admit_until"] == "2024-09-30" and body["field_office"] == HOME_OFFICE
    versions = api.client.get(
        "/api/v1/records/cbp_i94/I94-LA/versions", headers=analyst.with_purpose(pid)
    ).json()
    assert [v["fields"]["admit_until"] for v in versions] == ["2024-07-04", "2024-09-30"]
    assert all(v["line_number"] == 2 and v["row_hash"] for v in versions)
    read = api.audit_events(action="records.read", outcome="SUCCESS")[-1]
    assert read.purpose == pid and read.resource_id == "cbp_i94:I94-LA" and read.actor == analyst.id


def test_irs_records_only_under_an_authorization_naming_purpose_and_person(
    api: Api, world: Path
) -> None:
    analyst = api.user("SUPERVISOR", [HOME_OFFICE])
    case = purpose(api, analyst)
    withheld = search(api, analyst, case, name="MARISOL QUINTANILLA")
    assert "irs_w2" not in {h["source"] for h in withheld["items"]}
    assert any(w["source"] == "irs_w2" and "6103" in w["citation"] for w in withheld["withheld"])
    refused = api.client.get("/api/v1/records/irs_w2/W2-1", headers=analyst.with_purpose(case))
    assert refused.status_code == 403 and refused.json()["rule"] == "PURPOSE_KIND"
    investigation = purpose(api, analyst, kind="CRIMINAL_INVESTIGATION", ref="CI-9")
    no_order = api.client.get(
        "/api/v1/records/irs_w2/W2-1", headers=analyst.with_purpose(investigation)
    )
    assert no_order.status_code == 403 and no_order.json()["rule"] == "AUTHORIZATION_REQUIRED"
    legal = api.user("LEGAL")
    order = {
        "kind": "IRC_6103_I1_COURT_ORDER",
        "reference": "TEST-ORDER-1 (synthetic)",
        "issued_by": "U.S. District Court (synthetic)",
        "issued_on": date.today().isoformat(),
        "sources": ["irs_w2"],
        "purpose_ids": [investigation],
        "subjects": [{"kind": "TIN", "value": "555-44-3333"}],
    }
    recorded = api.client.post("/api/v1/authorizations", json=order, headers=legal.headers)
    assert recorded.status_code == 201, recorded.text
    allowed = api.client.get(
        "/api/v1/records/irs_w2/W2-1", headers=analyst.with_purpose(investigation)
    )
    assert allowed.status_code == 200 and allowed.json()["fields"]["employee_tin"] == "555443333"
    still_refused = api.client.get(
        "/api/v1/records/irs_w2/W2-1", headers=analyst.with_purpose(case)
    )
    assert still_refused.status_code == 403


def test_fincen_needs_a_grant_and_never_reveals_a_sar_without_it(api: Api, world: Path) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    result = search(api, analyst, pid, name="MARISOL QUINTANILLA")
    assert not any(h["source"].startswith("fincen") for h in result["items"])
    assert not any(w["source"].startswith("fincen") for w in result["withheld"]), (
        "SAR existence leaked"
    )
    page = api.client.get("/api/v1/records/fincen_sar/SAR-1", headers=analyst.with_purpose(pid))
    missing = api.client.get(
        "/api/v1/records/fincen_sar/SAR-404", headers=analyst.with_purpose(pid)
    )
    assert page.status_code == missing.status_code == 404
    assert page.json()["detail"].replace("SAR-1", "X") == missing.json()["detail"].replace(
        "SAR-404", "X"
    )
    assert "rule" not in page.json(), "a refusal that hides a SAR must look like a missing record"
    admin = api.user("ADMIN")
    granted = api.client.post(
        "/api/v1/grants",
        json={"user_id": analyst.id, "grant": "FINCEN", "reason": "BSA liaison"},
        headers=admin.headers,
    )
    assert granted.status_code == 201, granted.text
    assert api.audit_count(action="grant.add") == 1
    after = api.client.get("/api/v1/records/fincen_sar/SAR-1", headers=analyst.with_purpose(pid))
    assert after.status_code == 200 and after.json()["fields"]["activity_types"] == "STRUCTURING"


def test_dmv_records_of_warrant_states_need_a_judicial_warrant(api: Api, world: Path) -> None:
    analyst = api.user("ANALYST")
    pid = purpose(api, analyst)
    result = search(api, analyst, pid, name="MARISOL QUINTANILLA", source="dmv_licenses")
    assert refs(result) == {"dmv_licenses:DMV-AZ"}
    assert [w["rule"] for w in result["withheld"]] == ["STATE_WARRANT_REQUIRED"]
    # The case belongs to the Los Angeles office, where its counsel records warrants.
    analyst = api.user("SUPERVISOR", [HOME_OFFICE])
    pid = purpose(api, analyst, ref="C-LA")
    refused = api.client.get(
        "/api/v1/records/dmv_licenses/DMV-CA", headers=analyst.with_purpose(pid)
    )
    assert refused.status_code == 403 and "warrant" in refused.json()["detail"].lower()
    legal = api.user("LEGAL")
    warrant = {
        "kind": "ADMINISTRATIVE_WARRANT",
        "reference": "I-200 TEST (synthetic)",
        "issued_by": "ICE supervisory officer (synthetic)",
        "issued_on": date.today().isoformat(),
        "sources": ["dmv_licenses"],
        "purpose_ids": [pid],
        "subjects": [{"kind": "RECORD", "value": "dmv_licenses:DMV-CA"}],
        "states": ["CA"],
    }
    assert (
        api.client.post("/api/v1/authorizations", json=warrant, headers=legal.headers).status_code
        == 201
    )
    i200 = api.client.get("/api/v1/records/dmv_licenses/DMV-CA", headers=analyst.with_purpose(pid))
    assert i200.status_code == 403, (
        "an administrative warrant must not open a warrant state's records"
    )
    judicial = {
        **warrant,
        "kind": "JUDICIAL_WARRANT",
        "reference": "JW TEST (synthetic)",
        "issued_by": "U.S. District Court (synthetic)",
    }
    assert (
        api.client.post("/api/v1/authorizations", json=judicial, headers=legal.headers).status_code
        == 201
    )
    ok = api.client.get("/api/v1/records/dmv_licenses/DMV-CA", headers=analyst.with_purpose(pid))
    assert ok.status_code == 200


def test_disclosures_are_all_or_nothing_and_accounted(api: Api, world: Path) -> None:
    supervisor = api.user("SUPERVISOR", [HOME_OFFICE])
    pid = purpose(api, supervisor)
    body = {
        "recipient": "U.S. Attorney, C.D. Cal. (synthetic)",
        "recipient_type": "FEDERAL_AGENCY",
        "legal_basis": "5 U.S.C. 552a(b)(7)",
        "records": [
            {"source": "cbp_i94", "record_id": "I94-LA"},
            {"source": "uscis_benefits", "record_id": "BEN-ASY"},
        ],
    }
    refused = api.client.post(
        "/api/v1/disclosures", json=body, headers=supervisor.with_purpose(pid)
    )
    assert refused.status_code == 409 and "208.6" in refused.json()["detail"]
    accounting = api.client.get(
        "/api/v1/disclosures/accounting?subject_key=cbp_i94:I94-LA",
        headers=supervisor.with_purpose(pid),
    )
    assert accounting.status_code == 200 and accounting.json() == []
    body["records"] = body["records"][:1]
    done = api.client.post("/api/v1/disclosures", json=body, headers=supervisor.with_purpose(pid))
    assert done.status_code == 201, done.text
    entries = api.client.get(
        "/api/v1/disclosures/accounting?subject_key=cbp_i94:I94-LA",
        headers=supervisor.with_purpose(pid),
    ).json()
    assert len(entries) == 1 and entries[0]["recipient"].startswith("U.S. Attorney")
    assert api.audit_count(action="disclosure.create", outcome="SUCCESS") == 1
