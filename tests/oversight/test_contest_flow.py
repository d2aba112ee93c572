"""Contest and correct: a contest holds the lead, is decided by someone independent, and
an upheld correction propagates (a released lead, a corrected profile, a US citizen's
records restricted from enforcement use, an incident review), all audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from api.conftest import HOME_OFFICE, api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from api.persons_world import targeted
from cases import conftest as cases_conftest
from cases.conftest import World
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.oversight import contest_decide, contest_flows
from immigrationos.oversight.contest_models import (
    ErrorEncounter,
    IncidentReview,
    RecordRestriction,
)
from immigrationos.resolution import flows as resolution_flows
from immigrationos.targeting.models import Lead, LeadEvent

world = cases_conftest.world  # the cases tests' two-person world, re-used


def _lead(world: World, label: str = "teodoro") -> Lead:
    with session_scope(world.api.engine) as session:
        lead = session.get(Lead, world.leads[label])
        assert lead is not None
        session.expunge(lead)
    return lead


def _enter(world: World, kind: str, subject: str, **correction: object) -> dict[str, object]:
    response = world.post(
        "LEGAL", "/contests",
        {"kind": kind, "subject": subject, "filed_by": "ATTORNEY",
         "claimant": "counsel for the person", "claim": "the record is wrong",
         "evidence": "certified copy shown at intake", "correction": correction},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_contest_holds_the_lead_and_a_run_keeps_it_held(world: World) -> None:
    contest = _enter(world, "FLAG", world.leads["teodoro"])
    lead = _lead(world)
    assert lead.state == "HELD"
    assert contest["holds"] == [
        {"lead_id": lead.lead_id, "state_before": "OPEN", "released_at": None, "state_after": None}
    ]
    with session_scope(world.api.engine) as session:
        reasons = session.scalars(
            select(LeadEvent.reason).where(LeadEvent.lead_id == lead.lead_id)
        ).all()
    assert any(str(contest["id"]) in r for r in reasons)
    refused = world.post("ANALYST", "/cases", {"lead_id": lead.lead_id})
    assert refused.status_code == 409, refused.text
    targeted(world.api.engine, world.lake_dir)  # a targeting run does not release it
    assert _lead(world).state == "HELD"
    assert world.api.audit_count(action="contests.open", resource_id=contest["id"]) == 1
    assert _lead(world, "wilhelmina").state == "OPEN"  # another person's lead is untouched


def test_a_contest_halts_the_open_case_and_the_accepting_analyst_may_not_decide(
    world: World,
) -> None:
    case_id = world.accept()["case_id"]
    contest = _enter(world, "FLAG", world.leads["teodoro"])
    assert world.case(case_id).state == "safeguard_review"
    analyst = world.users["ANALYST"]
    as_analyst = Principal(actor=analyst.id, username=analyst.username, role="ANALYST")
    with pytest.raises(contest_flows.ContestError) as refused:
        contest_decide.decide_contest(
            world.api.engine, principal=as_analyst, contest_id=str(contest["id"]),
            outcome="UPHELD", reason="I looked again",
        )  # fmt: skip
    assert refused.value.kind == "contest-decider-not-independent"
    assert "accepted" in refused.value.detail
    # Over HTTP: the analyst has no right to decide; the one who entered it may not either.
    path = f"/contests/{contest['id']}/decision"
    body = {"outcome": "REJECTED", "reason": "no"}
    assert world.post("ANALYST", path, body).status_code == 403
    own = world.post("LEGAL", path, body)
    assert own.status_code == 403, own.text
    assert own.json()["type"].endswith("/contest-decider-not-independent")
    assert world.api.audit_count(action="contests.decide", outcome="DENIED") == 1
    assert _lead(world).state == "HELD"


def test_an_upheld_record_correction_releases_the_lead_and_corrects_the_profile(
    world: World,
) -> None:
    lead = _lead(world)
    contest = _enter(world, "RECORD", "cbp_i94:I94-T1", birth_date="1985-04-19")
    assert _lead(world).state == "HELD"
    decided = world.post(
        "SUPERVISOR", f"/contests/{contest['id']}/decision",
        {"outcome": "UPHELD", "reason": "the passport shows the 19th"},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    found = decided.json()
    assert found["status"] == "UPHELD"
    assert _lead(world).state == "OPEN"  # released
    kinds = {c["kind"]: c for c in found["changes"]}
    assert kinds["RECORD_VERSION"]["before"] == {"birth_date": "1985-04-09"}
    assert kinds["RECORD_VERSION"]["after"] == {"birth_date": "1985-04-19"}
    assert kinds["LEAD"]["before"] == {"state": "HELD"}
    assert kinds["LEAD"]["after"] == {"state": "OPEN"}
    person_id = "P" + lead.lead_id[1:]
    profile = world.get("ANALYST", f"/persons/{person_id}")
    assert profile.status_code == 200, profile.text
    births = {b["value"]: b["records"] for b in profile.json()["birth_dates"]}
    assert "1985-04-19" in births
    record = world.get("ANALYST", "/records/cbp_i94/I94-T1")
    assert record.status_code == 200, record.text
    assert record.json()["fields"]["birth_date"] == "1985-04-19"
    assert record.json()["versions"] == 2
    targeted(world.api.engine, world.lake_dir)  # the next run reads the corrected record
    assert _lead(world).state == "OPEN"
    events = world.api.audit_events(action="contests.decide", resource_id=contest["id"])
    assert len(events) == 1
    details = json.loads(events[0].details)
    assert details["outcome"] == "UPHELD" and details["released"] == [lead.lead_id]
    assert {"kind": "RECORD_VERSION", "ref": "cbp_i94:I94-T1@2",
            "before": {"birth_date": "1985-04-09"},
            "after": {"birth_date": "1985-04-19"}} in details["changes"]  # fmt: skip


def test_a_rejected_contest_puts_the_lead_back(world: World) -> None:
    contest = _enter(world, "FLAG", world.leads["teodoro"])
    decided = world.post(
        "SUPERVISOR", f"/contests/{contest['id']}/decision",
        {"outcome": "REJECTED", "reason": "the records stand"},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert _lead(world).state == "OPEN"
    again = world.post(
        "SUPERVISOR", f"/contests/{contest['id']}/decision",
        {"outcome": "UPHELD", "reason": "changed my mind"},
    )  # fmt: skip
    assert again.status_code == 409


def test_a_us_citizen_found_restricts_the_records_and_opens_an_incident_review(
    world: World,
) -> None:
    case_id = world.accept()["case_id"]
    contest = _enter(world, "FLAG", world.leads["teodoro"], finding="US_CITIZEN")
    decided = world.post(
        "SUPERVISOR", f"/contests/{contest['id']}/decision",
        {"outcome": "UPHELD", "reason": "US passport and birth certificate verified"},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    found = decided.json()
    assert found["finding"] == "US_CITIZEN"
    lead = _lead(world)
    assert lead.state == "CLOSED" and "US_CITIZEN" in (lead.closed_reason or "")
    assert world.case(case_id).state == "citizenship_review"
    # Enforcement reads are refused; oversight still reads the record of the error.
    refused = world.get("ANALYST", "/records/cbp_i94/I94-T1")
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "CONTEST_RESTRICTED"
    person_id = "P" + lead.lead_id[1:]
    profile = world.get("ANALYST", f"/persons/{person_id}")
    assert profile.status_code == 200 and profile.json()["records"] == 0
    assert world.get("OVERSIGHT", "/records/cbp_i94/I94-T1").status_code == 200
    with session_scope(world.api.engine) as session:
        restricted = session.scalars(select(RecordRestriction.record_id)).all()
        incidents = session.scalars(select(IncidentReview)).all()
        counts = {
            (c.field_office, c.kind): c.count for c in session.scalars(select(ErrorEncounter))
        }
    assert sorted(restricted) == ["I94-T1", "I94-T1A", "I94-T1D"]
    assert [(i.kind, i.status, i.person_id) for i in incidents] == [
        ("US_CITIZEN", "OPEN", person_id)
    ]
    assert counts == {(HOME_OFFICE, "US_CITIZEN"): 1}
    assert found["incidents"][0]["status"] == "OPEN"
    assert world.api.audit_count(action="contests.decide", resource_id=contest["id"]) == 1
    assert world.api.audit_count(action="records.read", outcome="DENIED") >= 1
    listed = world.get("OVERSIGHT", "/contests")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [contest["id"]]
    assert world.api.audit_count(action="contests.list") == 1


def test_an_upheld_identity_link_contest_is_a_different_judgement_for_the_next_run(
    world: World,
) -> None:
    subject = "cbp_i94:I94-T1|cbp_i94:I94-T1A"
    contest = _enter(world, "IDENTITY_LINK", subject)
    assert _lead(world).state == "HELD"
    decided = world.post(
        "SUPERVISOR", f"/contests/{contest['id']}/decision",
        {"outcome": "UPHELD", "reason": "two men of the same name", "finding": "IDENTITY_ERROR"},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    _must, cannot = resolution_flows.constraints_for_next_run(world.api.engine)
    assert ("cbp_i94:I94-T1", "cbp_i94:I94-T1A") in cannot
    assert world.api.audit_count(action="resolution.judge") == 1
    lead = _lead(world)
    assert lead.state == "CLOSED" and "IDENTITY_ERROR" in (lead.closed_reason or "")
    with session_scope(world.api.engine) as session:
        incidents = session.scalars(select(IncidentReview.kind)).all()
    assert incidents == ["IDENTITY_ERROR"]
