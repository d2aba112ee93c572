"""A supervisor reviews an officer's override as the second person; it leaves the inbox."""

from __future__ import annotations

import json

from api.conftest import Api

from .conftest import Web, WebUser
from .test_actions import _lead

FORM = 'data-testid="override-review"'


def _override(web: Web, role: str, office: str, lead_id: str, action: str, why: str) -> WebUser:
    user = web.user(role, [office])
    user.declare_purpose("C-OVR")
    done = user.post(
        f"/leads/{lead_id}/decisions",
        {"recommendation": action, "followed": "no", "reason": why},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return user


def test_a_supervisor_reviews_an_override_and_it_leaves_the_inbox(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    lead_id = world["lead"]
    office, _, action = _lead(api, lead_id)
    officer = _override(web, "OFFICER", office, lead_id, action, "the court set a hearing")
    # An officer sees the override but may not review it: no form.
    assert FORM not in officer.get("/inbox").text

    supervisor = web.user("SUPERVISOR", [office])
    supervisor.declare_purpose("C-REV")
    inbox = supervisor.get("/inbox").text
    assert FORM in inbox and "the court set a hearing" in inbox
    # A review needs a verdict and a reason; without them nothing is recorded.
    refused = supervisor.post(
        f"/leads/{lead_id}/override-review", {"verdict": "", "reason": "x"}, follow_redirects=False
    )
    assert refused.status_code == 422 and "Say whether the override stands" in refused.text
    done = supervisor.post(
        f"/leads/{lead_id}/override-review",
        {"verdict": "agree", "reason": "hearing confirmed on EOIR's calendar"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    after = supervisor.get("/inbox").text
    assert "the court set a hearing" not in after and "No override awaits a review" in after
    (event,) = api.audit_events(action="leads.override_review", actor=supervisor.id)
    details = json.loads(event.details)
    assert details["verdict"] == "AGREED" and details["overrides"][0]["by"] == officer.id

    # A new override after the review awaits a review again.
    _override(web, "OFFICER", office, lead_id, action, "a second hearing was set")
    again = supervisor.get("/inbox").text
    assert "a second hearing was set" in again and "the court set a hearing" not in again


def test_nobody_reviews_their_own_override_and_roles_without_the_right_are_refused(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    lead_id = world["lead"]
    office, _, action = _lead(api, lead_id)
    supervisor = _override(web, "SUPERVISOR", office, lead_id, action, "my own override")
    page = supervisor.get("/inbox").text
    assert "my own override" in page and FORM not in page
    assert "another supervisor reviews it" in page
    own = supervisor.post(
        f"/leads/{lead_id}/override-review",
        {"verdict": "agree", "reason": "fine by me"},
        follow_redirects=False,
    )
    assert own.status_code == 400 and "a second person must review it" in own.text
    # Over the API: the same rule, and the permission is a supervisor's alone.
    for role in ("OFFICER", "ANALYST"):
        user = api.user(role, [office] if role == "OFFICER" else None)
        answer = api.client.post(
            f"/api/v1/leads/{lead_id}/override-reviews",
            json={"agree": True, "reason": "x"},
            headers=user.headers,
        )
        assert answer.status_code == 403, role
    assert api.audit_count(action="leads.override_review", outcome="SUCCESS") == 0
