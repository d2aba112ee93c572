"""Audit completeness: every route that reads person data or changes anything writes an
audit event naming the actor (and, for person data, the purpose) when it succeeds.

Each such route needs a scenario here; a new route without one fails the test, so
later capabilities extend it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cases import world as case_world
from documents import audit_scenarios as documents_audit
from immigrationos.api import iter_routes
from immigrationos.apikit.deps import route_permission
from immigrationos.auth.permissions import PERSON_DATA_PERMISSIONS
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.oversight import signoff
from immigrationos.targeting.models import Lead
from operations import audit_scenarios as operations_audit
from worksite.audit_scenarios import worksite_scenarios

from .conftest import HOME_OFFICE, Api
from .persons_world import CLUSTERS, resolved_world, targeted

DEFAULT_POLICY = resources.files("immigrationos.targeting") / "data" / "priority-policy.yaml"


def _other_policy() -> bytes:
    """Return the bundled priority policy's text as another version."""
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    assert 'version: "2026.11.1"' in text
    return text.replace('version: "2026.11.1"', 'version: "2026.12.1"').encode("utf-8")


# Route prefixes whose audit scenarios live in their domain's own test.
COVERED_ELSEWHERE = (
    "/api/v1/custody/",  # tests/custody/test_custody_audit.py
    "/api/v1/contests",  # tests/oversight/test_contest_audit.py
    "/api/v1/oversight/replay/",  # tests/oversight/test_replay_audit.py
    "/api/v1/jobs",  # tests/jobs/test_jobs_api.py
)


def _must_audit() -> set[tuple[str, str]]:
    found = set()
    for method, path, route in iter_routes():
        permission = route_permission(route)
        if permission is None:
            continue
        if method != "GET" or permission in PERSON_DATA_PERMISSIONS:
            found.add((method, path))
    return found


def test_every_person_data_read_and_every_write_is_audited(
    api: Api, tmp_path: Path, lake_dir: Path
) -> None:
    persons = resolved_world(api.engine, tmp_path / "in", lake_dir)
    lead_id = targeted(api.engine, lake_dir)
    # Persons with an OPEN lead each, for the case routes (the world's leads are held).
    case_leads = case_world.build(api.engine, tmp_path / "cases", lake_dir, others=CLUSTERS)
    with session_scope(api.engine) as session:
        stored = session.scalars(select(Lead).where(Lead.lead_id == lead_id)).one()
        lead_action = json.loads(stored.evaluation)["recommendations"][0]["action"]
        lead_office = stored.field_office
    admin = api.user("ADMIN")
    supervisor = api.user("SUPERVISOR", [HOME_OFFICE])
    legal = api.user("LEGAL", [HOME_OFFICE])
    analyst = api.user("ANALYST")
    oversight = api.user("OVERSIGHT")
    bystander = api.user("OFFICER", [HOME_OFFICE])
    state: dict[str, Any] = {}

    def purpose_of(user: Any, ref: str) -> str:
        r = api.client.post(
            "/api/v1/purposes",
            json={"kind": "CASE", "reference": ref, "title": "t", "justification": "audit test"},
            headers=user.headers,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    pid = purpose_of(supervisor, "C-AUD")
    apid = purpose_of(analyst, "C-AN")
    batch = api.client.get("/api/v1/ingest/batches?source=cbp_i94", headers=analyst.headers).json()
    batch_id = batch["items"][0]["id"]

    def create_user() -> Any:
        r = api.client.post(
            "/api/v1/users",
            json={
                "username": "aud.officer",
                "display_name": "A",
                "role": "OFFICER",
                "field_offices": [HOME_OFFICE],
            },
            headers=admin.headers,
        )
        state["user_id"] = r.json()["user"]["id"]
        return r

    def record_authorization() -> Any:
        r = api.client.post(
            "/api/v1/authorizations",
            json={
                "kind": "JUDICIAL_WARRANT",
                "reference": "JW-AUD (synthetic)",
                "issued_by": "U.S. District Court (synthetic)",
                "issued_on": date.today().isoformat(),
                "sources": ["dmv_licenses"],
                "purpose_ids": [pid],
                "subjects": [{"kind": "RECORD", "value": "dmv_licenses:DMV-CA"}],
                "states": ["CA"],
            },
            headers=legal.headers,
        )
        state["authorization_id"] = r.json()["id"]
        return r

    def grant() -> Any:
        r = api.client.post(
            "/api/v1/grants",
            json={"user_id": analyst.id, "grant": "FINCEN", "reason": "liaison"},
            headers=admin.headers,
        )
        state["grant_id"] = r.json()["id"]
        return r

    def create_case() -> Any:
        r = api.client.post(
            "/api/v1/cases",
            json={"lead_id": case_leads["teodoro"], "reason": "priority overstay"},
            headers=analyst.with_purpose(apid),
        )
        state["case_id"] = r.json()["case_id"]
        return r

    def review_override() -> Any:
        # An override by one person, reviewed by a supervisor of the lead's office.
        overridden = api.client.post(
            f"/api/v1/leads/{lead_id}/decisions",
            json={"recommendation": lead_action, "followed": False, "reason": "hearing set"},
            headers=analyst.with_purpose(apid),
        )
        assert overridden.status_code == 201, overridden.text
        reviewer = api.user("SUPERVISOR", [lead_office])
        rpid = purpose_of(reviewer, "C-REVIEW")
        state["review_purpose"] = rpid
        return api.client.post(
            f"/api/v1/leads/{lead_id}/override-reviews",
            json={"agree": True, "reason": "hearing confirmed"},
            headers=reviewer.with_purpose(rpid),
        )

    def closable_purpose() -> str:
        return purpose_of(supervisor, "C-CLOSE")

    # (method, path) -> (call, purpose the event must name, or None)
    scenarios: dict[tuple[str, str], tuple[Callable[[], Any], str | None]] = {
        ("POST", "/api/v1/users"): (create_user, None),
        ("PATCH", "/api/v1/users/{user_id}"): (
            lambda: api.client.patch(
                f"/api/v1/users/{state['user_id']}",
                json={"reason": "r", "enabled": False},
                headers=admin.headers,
            ),
            None,
        ),
        ("POST", "/api/v1/users/{user_id}/revoke-sessions"): (
            lambda: api.client.post(
                f"/api/v1/users/{bystander.id}/revoke-sessions",
                json={"reason": "r"},
                headers=admin.headers,
            ),
            None,
        ),
        ("POST", "/api/v1/purposes"): (lambda: purpose_of(legal, "C-NEW") and _Ok(), None),
        ("POST", "/api/v1/purposes/{purpose_id}/close"): (
            lambda: api.client.post(
                f"/api/v1/purposes/{closable_purpose()}/close", headers=legal.headers
            ),
            None,
        ),
        ("POST", "/api/v1/authorizations"): (record_authorization, None),
        ("POST", "/api/v1/authorizations/{authorization_id}/revoke"): (
            lambda: api.client.post(
                f"/api/v1/authorizations/{state['authorization_id']}/revoke",
                json={"reason": "quashed"},
                headers=legal.headers,
            ),
            None,
        ),
        ("POST", "/api/v1/grants"): (grant, None),
        ("POST", "/api/v1/grants/{grant_id}/revoke"): (
            lambda: api.client.post(
                f"/api/v1/grants/{state['grant_id']}/revoke",
                json={"reason": "ended"},
                headers=admin.headers,
            ),
            None,
        ),
        ("GET", "/api/v1/disclosures/accounting"): (
            lambda: api.client.get(
                "/api/v1/disclosures/accounting?subject_key=cbp_i94:I94-LA",
                headers=legal.with_purpose(pid),
            ),
            pid,
        ),
        ("POST", "/api/v1/disclosures"): (
            lambda: api.client.post(
                "/api/v1/disclosures",
                json={
                    "recipient": "U.S. Attorney (synthetic)",
                    "recipient_type": "FEDERAL_AGENCY",
                    "legal_basis": "5 U.S.C. 552a(b)(7)",
                    "records": [{"source": "cbp_i94", "record_id": "I94-LA"}],
                },
                headers=legal.with_purpose(pid),
            ),
            pid,
        ),
        ("GET", "/api/v1/ingest/batches/{batch_id}/quarantine"): (
            lambda: api.client.get(
                f"/api/v1/ingest/batches/{batch_id}/quarantine", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("GET", "/api/v1/records/search"): (
            lambda: api.client.get(
                "/api/v1/records/search?name=QUINTANILLA", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("GET", "/api/v1/records/{source}/{record_id}"): (
            lambda: api.client.get(
                "/api/v1/records/cbp_i94/I94-LA", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("GET", "/api/v1/records/{source}/{record_id}/versions"): (
            lambda: api.client.get(
                "/api/v1/records/cbp_i94/I94-LA/versions", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("GET", "/api/v1/persons/search"): (
            lambda: api.client.get(
                "/api/v1/persons/search?name=QUINTANILLA", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("GET", "/api/v1/leads"): (
            lambda: api.client.get("/api/v1/leads", headers=analyst.with_purpose(apid)),
            apid,
        ),
        ("GET", "/api/v1/leads/{lead_id}"): (
            lambda: api.client.get(f"/api/v1/leads/{lead_id}", headers=analyst.with_purpose(apid)),
            apid,
        ),
        ("POST", "/api/v1/leads/{lead_id}/decisions"): (
            lambda: api.client.post(
                f"/api/v1/leads/{lead_id}/decisions",
                json={"recommendation": lead_action, "followed": True, "reason": "as advised"},
                headers=analyst.with_purpose(apid),
            ),
            apid,
        ),
        ("POST", "/api/v1/leads/{lead_id}/override-reviews"): (review_override, None),
        ("POST", "/api/v1/leads/{lead_id}/close"): (
            lambda: api.client.post(
                f"/api/v1/leads/{lead_id}/close",
                json={"reason": "no enforcement interest"},
                headers=analyst.with_purpose(apid),
            ),
            apid,
        ),
        ("GET", "/api/v1/persons/{person_id}"): (
            lambda: api.client.get(
                f"/api/v1/persons/{persons['marisol']}", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("GET", "/api/v1/persons/{person_id}/timeline"): (
            lambda: api.client.get(
                f"/api/v1/persons/{persons['marisol']}/timeline",
                headers=analyst.with_purpose(apid),
            ),
            apid,
        ),
        ("GET", "/api/v1/persons/{person_id}/links"): (
            lambda: api.client.get(
                f"/api/v1/persons/{persons['marisol']}/links", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("POST", "/api/v1/judgements"): (
            lambda: api.client.post(
                "/api/v1/judgements",
                json={
                    "left": persons["chicago"],
                    "right": persons["marisol"],
                    "verdict": "DIFFERENT",
                    "reason": "different birth dates and passports",
                },
                headers=analyst.with_purpose(apid),
            ),
            apid,
        ),
        ("GET", "/api/v1/judgements"): (
            lambda: api.client.get("/api/v1/judgements", headers=analyst.with_purpose(apid)),
            apid,
        ),
        ("GET", "/api/v1/review-queue"): (
            lambda: api.client.get("/api/v1/review-queue", headers=analyst.with_purpose(apid)),
            apid,
        ),
        ("POST", "/api/v1/cases"): (create_case, apid),
        ("GET", "/api/v1/cases"): (
            lambda: api.client.get("/api/v1/cases", headers=analyst.with_purpose(apid)),
            apid,
        ),
        ("GET", "/api/v1/cases/{case_id}"): (
            lambda: api.client.get(
                f"/api/v1/cases/{state['case_id']}", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("GET", "/api/v1/cases/{case_id}/history"): (
            lambda: api.client.get(
                f"/api/v1/cases/{state['case_id']}/history", headers=analyst.with_purpose(apid)
            ),
            apid,
        ),
        ("POST", "/api/v1/cases/{case_id}/assign"): (
            lambda: api.client.post(
                f"/api/v1/cases/{state['case_id']}/assign",
                json={"officer_id": bystander.id, "version": 1},
                headers=supervisor.with_purpose(pid),
            ),
            pid,
        ),
        ("POST", "/api/v1/cases/{case_id}/transitions"): (
            lambda: api.client.post(
                f"/api/v1/cases/{state['case_id']}/transitions",
                json={"transition": "build_target_package", "version": 2},
                headers=supervisor.with_purpose(pid),
            ),
            pid,
        ),
        ("GET", "/api/v1/cases/workload"): (
            lambda: api.client.get("/api/v1/cases/workload", headers=supervisor.headers),
            None,
        ),
        ("POST", "/api/v1/audit/verify"): (
            lambda: api.client.post("/api/v1/audit/verify", headers=oversight.headers),
            None,
        ),
    }
    # Later capabilities bring their own scenarios; they run in this order after the
    # cases' (the documents' while the case is in target_package, then the operations').
    scenarios.update(
        documents_audit.scenarios(
            api, state, supervisor=supervisor, purpose=pid, purpose_of=purpose_of
        )
    )  # fmt: skip
    scenarios.update(
        operations_audit.scenarios(
            api, state, supervisor=supervisor, purpose=pid, purpose_of=purpose_of
        )
    )
    scenarios.update(worksite_scenarios(api, tmp_path / "worksite"))
    # Last: the stop switch (a suspension would freeze the scenarios above) and a policy
    # sign-off of a text the operator submitted.
    submitted = signoff.submit(
        api.engine, principal=Principal.operator("tester"), text=_other_policy(), path="p.yaml"
    )
    scenarios[("POST", "/api/v1/oversight/policy-signoffs")] = (
        lambda: api.client.post(
            "/api/v1/oversight/policy-signoffs",
            json={"sha256": submitted.sha256, "statement": "reviewed factors and weights"},
            headers=oversight.headers,
        ),
        None,
    )
    scenarios[("POST", "/api/v1/oversight/switch")] = (
        lambda: api.client.post(
            "/api/v1/oversight/switch",
            json={"action": "SUSPEND", "scope": "DETECTOR", "target": "OVERSTAY", "reason": "r"},
            headers=oversight.headers,
        ),
        None,
    )
    # Some domains need a world of their own (a case walked to arrest, a contest, a
    # decision to replay): their scenarios live in a test of theirs, which asserts it
    # covers every route under its prefix.
    elsewhere = {(m, p) for m, p in _must_audit() if p.startswith(COVERED_ELSEWHERE)}
    missing = _must_audit() - set(scenarios) - elsewhere
    assert missing == set(), f"add an audit scenario for {sorted(missing)}"
    for (method, path), (call, purpose) in scenarios.items():
        before = api.audit_count()
        response = call()
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        new = api.audit_events()[before:]
        assert new, f"{method} {path} wrote no audit event"
        assert all(e.outcome == "SUCCESS" and e.actor and e.client for e in new), (method, path)
        if purpose is not None:
            assert any(e.purpose == purpose for e in new), (
                f"{method} {path}: the purpose is not recorded"
            )


class _Ok:
    status_code = 201
    text = ""
