"""The supervisors' inbox: lead reviews, overrides and unsure judgements, by permission."""

from __future__ import annotations

import json

from api.conftest import HOME_OFFICE, OTHER_OFFICE, Api

from .conftest import Web
from .test_actions import _lead


def test_the_inbox_shows_what_awaits_a_second_person(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    office, state, action = _lead(api, world["lead"])
    officer = web.user("OFFICER", [office])
    officer.declare_purpose("C-OVR")
    done = officer.post(
        f"/leads/{world['lead']}/decisions",
        {"recommendation": action, "followed": "no", "reason": "the court set a hearing"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    analyst = web.user("ANALYST")
    analyst.declare_purpose("C-UNSURE")
    body = {
        "left": "cbp_i94:I94-LA",
        "right": "uscis_benefits:BEN-ASY",
        "verdict": "UNSURE",
        "reason": "the photographs could be the same woman",
    }
    judged = analyst.post(f"/persons/{world['marisol']}/judgements", body, follow_redirects=False)
    assert judged.status_code == 303, judged.text

    # The judged records lie in both offices of the world: a supervisor of both sees it.
    supervisor = web.user("SUPERVISOR", [HOME_OFFICE, OTHER_OFFICE])
    assert supervisor.get("/inbox").status_code == 428  # a purpose, as for any look-up
    declared = supervisor.post(
        "/purpose",
        {"kind": "CASE", "reference": "C-INBOX", "title": "inbox", "justification": "t",
         "field_office": office},
        follow_redirects=False,
    )  # fmt: skip
    assert declared.status_code == 303, declared.text
    shown = supervisor.get("/inbox")
    assert shown.status_code == 200
    assert 'data-testid="inbox-override"' in shown.text and "the court set a hearing" in shown.text
    if state == "HELD":
        assert 'data-testid="inbox-review"' in shown.text and world["lead"] in shown.text
    assert "the photographs could be the same woman" in shown.text
    event = api.audit_events(action="web.inbox", actor=supervisor.id)[-1]
    details = json.loads(event.details)
    assert details["overrides"] == [world["lead"]] and len(details["judgements"]) == 1
    assert api.audit_count(action="leads.read", actor=supervisor.id) >= 1
    assert api.audit_count(action="judgements.list", actor=supervisor.id) == 1

    # A supervisor of the lead's office alone sees the override, not the judgement whose
    # other record lies outside their area.
    local = web.user("SUPERVISOR", [office])
    local.declare_purpose("C-LOCAL")
    mine = local.get("/inbox").text
    assert "the court set a hearing" in mine and "the photographs could be" not in mine
    # An officer may decide on leads but not record judgements: no judgements list.
    again = officer.get("/inbox")
    assert again.status_code == 200 and "the court set a hearing" in again.text
    assert 'data-testid="inbox-judgements"' not in again.text

    # Outside the area nothing of it shows; roles that cannot decide are refused.
    outsider = web.user("SUPERVISOR", ["Seattle Field Office"])
    outsider.declare_purpose("C-AWAY")
    away = outsider.get("/inbox").text
    assert world["lead"] not in away and "the court set a hearing" not in away
    assert "the photographs could be the same woman" not in away
    for role in ("OVERSIGHT", "LEGAL", "ADMIN"):
        assert web.user(role).get("/inbox").status_code == 403, role
