"""The pages over the API's flows: permission, area, purpose, lawful use and audit."""

from __future__ import annotations

import json
import re

from api.conftest import HOME_OFFICE, OTHER_OFFICE, Api
from immigrationos.db.engine import session_scope
from immigrationos.targeting import service as targeting_service

from .conftest import Web

NOT_AVAILABLE = "No such {what} is available to you"


def _lead_office(api: Api, lead_id: str) -> str:
    with session_scope(api.engine) as session:
        lead = targeting_service.get_lead(session=session, lead_id=lead_id)
        assert lead is not None and lead.field_office
        return lead.field_office


def _refusal_words(html: str) -> str:
    found = re.search(r'data-testid="refusal">(.*?)</div>', html, re.S)
    assert found, "the page shows a refusal"
    return found.group(1)


def test_a_role_without_the_permission_is_refused_and_audited(web: Web, api: Api) -> None:
    admin = web.user("ADMIN")
    for path in ("/leads", "/persons", "/persons/PX", "/leads/LX"):
        answer = admin.get(path)
        assert answer.status_code == 403, path
        assert "Your role does not allow this" in answer.text
    denied = api.audit_events(action="api.denied", actor=admin.id)
    assert {json.loads(e.details)["path"] for e in denied} >= {"/leads", "/persons"}
    assert admin.get("/dashboard").status_code == 200  # no figures, but the page opens


def test_person_data_needs_a_purpose_named_in_plain_words(web: Web, world: dict[str, str]) -> None:
    analyst = web.user("ANALYST")
    for path in ("/leads", f"/persons/{world['marisol']}", "/persons?name=MARISOL+QUINTANILLA"):
        answer = analyst.get(path)
        assert answer.status_code == 428, path
        assert "choose or declare a purpose" in answer.text.lower()
    analyst.declare_purpose()
    assert analyst.get("/leads").status_code == 200
    unknown = analyst.get("/leads?purpose=P-not-mine")
    assert unknown.status_code == 403 and "no purpose P-not-mine" in unknown.text


def test_the_queue_opens_each_leads_explanation(web: Web, api: Api, world: dict[str, str]) -> None:
    analyst = web.user("ANALYST")
    purpose = analyst.declare_purpose()
    queue = analyst.get("/leads")
    assert queue.status_code == 200 and world["lead"] in queue.text
    assert f'hx-get="/leads/{world["lead"]}?purpose={purpose}"' in queue.text
    part = analyst.get(f"/leads/{world['lead']}", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    for words in ("Findings", "Score factors", "Safeguards", "Recommendations", "Addresses"):
        assert words in part.text
    assert "cbp_i94:I94-CHI" in part.text and "confidence" in part.text and "+10" in part.text
    whole = analyst.get(f"/leads/{world['lead']}")
    assert "<html" in whole.text and "Back to the queue" in whole.text
    fragment = analyst.get(
        "/leads?state=HELD", headers={"HX-Request": "true", "HX-Target": "queue"}
    )
    assert fragment.text.lstrip().startswith('<section id="queue"')
    assert world["lead"] in analyst.get("/leads?violation=OVERSTAY&sort=score-asc").text
    assert world["lead"] not in analyst.get("/leads?violation=IDENTITY_FRAUD").text
    office = _lead_office(api, world["lead"])
    other = OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE
    assert world["lead"] in analyst.get("/leads", params={"area": office}).text
    assert world["lead"] not in analyst.get("/leads", params={"area": other}).text


def test_an_officer_cannot_open_a_lead_or_person_outside_their_area(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    office = _lead_office(api, world["lead"])
    other = OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE
    outsider = web.user("OFFICER", [other])
    outsider.declare_purpose("C-OUT")
    away = outsider.get(f"/leads/{world['lead']}")
    missing = outsider.get("/leads/LNOSUCHLEAD0")
    assert away.status_code == missing.status_code == 404
    words = _refusal_words(away.text)
    assert words == _refusal_words(missing.text).replace("LNOSUCHLEAD0", world["lead"])
    assert NOT_AVAILABLE.format(what="lead") in words
    assert world["lead"] not in outsider.get("/leads").text
    # Even when the officer asks for the other office's area by name.
    assert world["lead"] not in outsider.get("/leads", params={"area": office}).text
    person = outsider.get(f"/persons/{world['chicago']}")
    nobody = outsider.get("/persons/PNOSUCHPERSON")
    assert person.status_code == nobody.status_code == 404
    assert _refusal_words(person.text) == _refusal_words(nobody.text)
    refusals = api.audit_events(actor=outsider.id, outcome="DENIED")
    assert {e.action for e in refusals} >= {"leads.read", "persons.read"}
    inside = web.user("OFFICER", [office])
    inside.declare_purpose("C-IN")
    assert inside.get(f"/leads/{world['lead']}").status_code == 200
    assert inside.get(f"/persons/{world['chicago']}").status_code == 200


def test_search_and_profile_reads_are_audited_with_their_purpose(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    analyst = web.user("ANALYST")
    purpose = analyst.declare_purpose()
    found = analyst.get("/persons", params={"name": "MARISOL QUINTANILLA"})
    assert found.status_code == 200 and world["marisol"] in found.text
    assert "judicial warrant" in found.text  # what the data-use policy withheld, and why
    profile = analyst.get(f"/persons/{world['marisol']}")
    assert profile.status_code == 200
    for words in ("Identity", "Why these records are one person", "Timeline", "Addresses"):
        assert words in profile.text
    assert "<svg" in profile.text and "Use restrictions" in profile.text
    assert "Withheld under your purpose" in profile.text
    by_id = analyst.get("/persons", params={"identifier": "P7654321"})
    assert world["chicago"] in by_id.text
    born = analyst.get("/persons", params={"birth_date": "1991-03-04"})
    assert world["chicago"] in born.text
    assert analyst.get("/persons", params={"birth_date": "03/04/1991"}).status_code == 400
    queue = analyst.get("/leads")
    assert queue.status_code == 200
    analyst.get(f"/leads/{world['lead']}", headers={"HX-Request": "true"})
    for action in (
        "persons.search",
        "persons.read",
        "persons.read_timeline",
        "persons.read_links",
        "leads.list",
        "leads.read",
    ):
        events = api.audit_events(action=action, actor=analyst.id, outcome="SUCCESS")
        assert events, action
        assert {e.purpose for e in events} == {purpose}, action


def test_the_dashboard_draws_counts_as_inline_svg(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    analyst = web.user("ANALYST")
    page = analyst.get("/dashboard")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 3 and "Leads by priority" in page.text
    assert "Ingest status" in page.text and "<script" not in page.text.split("</head>")[1]
    officer = web.user("OFFICER", [OTHER_OFFICE])
    assert "Ingest status" not in officer.get("/dashboard").text
    assert api.audit_count(action="web.dashboard") == 2


def test_pages_work_offline_with_vendored_htmx(web: Web) -> None:
    client = web.browser()
    page = client.get("/sign-in").text
    assert not re.search(r"""(src|href)=["']https?://""", page)
    script = client.get("/static/htmx.min.js")
    assert script.status_code == 200 and "Zero-Clause BSD" in script.text[:300]
    assert client.get("/static/htmx.LICENSE.txt").status_code == 200
    assert client.get("/static/web.css").status_code == 200


def test_pages_are_not_cached_framed_or_redirected_off_site(web: Web) -> None:
    analyst = web.user("ANALYST")
    page = analyst.get("/dashboard")
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    purpose = analyst.declare_purpose()
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        answer = analyst.post(
            "/purpose/use", {"purpose_id": purpose, "next_url": target}, follow_redirects=False
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/leads", target
