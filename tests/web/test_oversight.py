"""The review queue of identity links, and the audit log with its verification."""

from __future__ import annotations

from api.conftest import HOME_OFFICE, Api

from .conftest import Web


def test_the_review_queue_lists_links_under_a_purpose(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    analyst = web.user("ANALYST")
    assert analyst.get("/review").status_code == 428
    purpose = analyst.declare_purpose("C-REVIEW")
    queue = analyst.get("/review", params={"order": "confidence"})
    assert queue.status_code == 200 and world["marisol"] in queue.text
    events = api.audit_events(action="resolution.review_queue", actor=analyst.id, outcome="SUCCESS")
    assert [e.purpose for e in events] == [purpose]
    officer = web.user("OFFICER")
    assert officer.get("/review").status_code == 403
    assert 'href="/review"' not in officer.get("/dashboard").text  # not offered either


def test_oversight_reads_and_verifies_the_audit_log(web: Web, api: Api) -> None:
    oversight = web.user("OVERSIGHT")
    log = oversight.get("/audit")
    assert log.status_code == 200 and "auth.sign_in" in log.text
    assert "has not been verified yet" in log.text
    filtered = oversight.get("/audit", params={"action": "auth.sign_in"})
    assert filtered.status_code == 200 and "web.dashboard" not in filtered.text
    checked = oversight.post("/audit/verify", {})
    assert checked.status_code == 200 and "The chain is intact" in checked.text
    assert "Last signed checkpoint" in checked.text
    assert api.audit_count(action="audit.read", actor=oversight.id) >= 2
    assert api.audit_count(action="audit.verify", actor=oversight.id) == 1
    assert oversight.client.post("/audit/verify").status_code == 403  # no CSRF token
    analyst = web.user("ANALYST")
    assert analyst.get("/audit").status_code == 403
    assert analyst.post("/audit/verify", {}).status_code == 403


def test_the_accounting_of_disclosures_on_a_profile(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    supervisor = api.user("SUPERVISOR", [HOME_OFFICE])
    made = api.client.post(
        "/api/v1/purposes",
        json={"kind": "CASE", "reference": "C-DISC", "title": "t", "justification": "t"},
        headers=supervisor.headers,
    )
    purpose = made.json()["id"]
    body = {
        "recipient": "U.S. Attorney, C.D. Cal. (synthetic)",
        "recipient_type": "FEDERAL_AGENCY",
        "legal_basis": "5 U.S.C. 552a(b)(7)",
        "records": [{"source": "cbp_i94", "record_id": "I94-LA"}],
    }
    done = api.client.post(
        "/api/v1/disclosures", json=body, headers=supervisor.with_purpose(purpose)
    )
    assert done.status_code == 201, done.text
    oversight = web.user("OVERSIGHT")
    profile = oversight.get(f"/persons/{world['marisol']}", params={"purpose": purpose})
    assert profile.status_code == 200 and "Show the accounting of disclosures" in profile.text
    part = oversight.get(
        f"/persons/{world['marisol']}/disclosures",
        params={"purpose": purpose},
        headers={"HX-Request": "true"},
    )
    assert part.status_code == 200 and "U.S. Attorney, C.D. Cal." in part.text
    assert "<html" not in part.text
    events = api.audit_events(action="disclosure.accounting", actor=oversight.id)
    assert events and {e.purpose for e in events} == {purpose}
    analyst = web.user("ANALYST")  # analysts do not read the accounting
    assert analyst.get(f"/persons/{world['marisol']}/disclosures").status_code == 403
