"""Decisions from the pages, each with its reason, under the same checks as the API."""

from __future__ import annotations

import json

from api.conftest import HOME_OFFICE, OTHER_OFFICE, Api
from immigrationos.db.engine import session_scope
from immigrationos.targeting import service as targeting_service

from .conftest import Web


def _lead(api: Api, lead_id: str) -> tuple[str, str, str]:
    """Return the lead's office, state and first recommended action."""
    with session_scope(api.engine) as session:
        lead = targeting_service.get_lead(session=session, lead_id=lead_id)
        assert lead is not None and lead.field_office
        action = json.loads(lead.evaluation)["recommendations"][0]["action"]
        return lead.field_office, lead.state, action


def test_an_officer_overrides_a_recommendation_with_a_reason(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    office, _, action = _lead(api, world["lead"])
    officer = web.user("OFFICER", [office])
    officer.declare_purpose("C-DEC")
    url = f"/leads/{world['lead']}/decisions"
    shown = officer.get(f"/leads/{world['lead']}")
    assert "Record the decision" in shown.text and "Close the lead" in shown.text
    blank = officer.post(url, {"recommendation": action, "followed": "no", "reason": " "})
    assert blank.status_code == 400 and "not accepted" in blank.text
    done = officer.post(
        url,
        {"recommendation": action, "followed": "no", "reason": "the court set a hearing"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/leads/{world['lead']}"
    )
    with session_scope(api.engine) as session:
        kinds = [
            e.kind for e in targeting_service.events_of(session=session, lead_id=world["lead"])
        ]
    assert "OVERRODE" in kinds
    assert api.audit_count(action="leads.recommendation", actor=officer.id, outcome="SUCCESS") == 1
    page = officer.get(f"/leads/{world['lead']}").text
    assert "the court set a hearing" in page  # who did what before


def test_decisions_outside_the_area_or_role_are_refused(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    office, _, action = _lead(api, world["lead"])
    other = OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE
    outsider = web.user("OFFICER", [other])
    outsider.declare_purpose("C-AWAY")
    body = {"recommendation": action, "followed": "yes", "reason": "checked"}
    away = outsider.post(f"/leads/{world['lead']}/decisions", body)
    assert away.status_code == 404 and "No such lead is available to you" in away.text
    closing = outsider.post(f"/leads/{world['lead']}/close", {"reason": "done"})
    assert closing.status_code == 404
    legal = web.user("LEGAL")
    assert legal.post(f"/leads/{world['lead']}/close", {"reason": "done"}).status_code == 403
    assert _lead(api, world["lead"])[1] != "CLOSED"


def test_closing_a_lead_from_its_explanation(web: Web, api: Api, world: dict[str, str]) -> None:
    analyst = web.user("ANALYST")
    analyst.declare_purpose("C-CLOSE")
    answer = analyst.post(
        f"/leads/{world['lead']}/close",
        {"reason": "granted relief on review"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and "Your decision is recorded" in answer.text
    assert "<html" not in answer.text and "Close the lead" not in answer.text
    assert _lead(api, world["lead"])[1] == "CLOSED"
    assert api.audit_count(action="leads.close", actor=analyst.id, outcome="SUCCESS") == 1


def test_judging_a_link_from_the_profile(web: Web, api: Api, world: dict[str, str]) -> None:
    analyst = web.user("ANALYST")
    analyst.declare_purpose("C-JUDGE")
    profile = analyst.get(f"/persons/{world['marisol']}")
    assert "Record the judgement" in profile.text
    body = {
        "left": "cbp_i94:I94-LA",
        "right": "uscis_benefits:BEN-ASY",
        "verdict": "DIFFERENT",
        "reason": "different mothers' names on the two applications",
    }
    done = analyst.post(f"/persons/{world['marisol']}/judgements", body, follow_redirects=False)
    assert done.status_code == 303 and "judged=1" in done.headers["location"]
    assert api.audit_count(action="resolution.judge", actor=analyst.id, outcome="SUCCESS") == 1
    assert "Your judgement is recorded" in analyst.get(done.headers["location"]).text
    officer = web.user("OFFICER", [HOME_OFFICE])
    assert officer.post(f"/persons/{world['marisol']}/judgements", body).status_code == 403
