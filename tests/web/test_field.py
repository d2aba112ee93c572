"""The field view: the leads of the officer's area, open first, with the person's essentials."""

from __future__ import annotations

import re

import pytest

from api.conftest import HOME_OFFICE, OTHER_OFFICE, Api
from api.test_leads_api import _queue_world, _Withholding
from immigrationos.policy import engine as policy_engine
from immigrationos.web.field import FIELD_PAGE

from .conftest import Web
from .test_pages import _lead_office

CARD = re.compile(r'href="/leads/(L\w+)\?purpose=[^"]*">Open lead')
STATE = re.compile(r'<span class="state state-(\w+)">.*?score (\S+)</p>', re.S)


def test_an_officer_sees_the_leads_of_their_area_with_the_persons_essentials(
    web: Web, api: Api, world: dict[str, str]
) -> None:
    officer = web.user("OFFICER", [_lead_office(api, world["lead"])])
    assert officer.get("/field").status_code == 428  # a purpose first, as everywhere
    officer.declare_purpose()
    shown = officer.get("/field")
    assert shown.status_code == 200 and 'data-testid="field-card"' in shown.text
    assert CARD.findall(shown.text) == [world["lead"]]
    for words in ("Born", "confidence", "Violations", "Safeguards", "Assigned to you"):
        assert words in shown.text
    assert api.audit_count(action="leads.read", actor=officer.id) == 1
    assert api.audit_count(action="persons.read", actor=officer.id) == 1
    office = _lead_office(api, world["lead"])
    outsider = web.user("OFFICER", [OTHER_OFFICE if office == HOME_OFFICE else HOME_OFFICE])
    outsider.declare_purpose()
    assert world["lead"] not in outsider.get("/field").text
    assert web.user("ADMIN").get("/field").status_code == 403


def test_open_leads_come_first_then_held_highest_score_first(
    web: Web, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _queue_world(api)
    monkeypatch.setattr(
        policy_engine, "get_policy", lambda real=policy_engine.get_policy(): _Withholding(real)
    )
    analyst = web.user("ANALYST")
    analyst.declare_purpose()
    seen: list[tuple[str, int]] = []
    for number in range(1, 10):
        html = analyst.get("/field", params={"page": number}).text
        found = [(s, -1 if v == "—" else int(v)) for s, v in STATE.findall(html)]
        assert len(found) <= FIELD_PAGE
        if not found:
            break
        seen += found
    states = [s for s, _ in seen]
    assert set(states) == {"open", "held"} and states == sorted(states, key=lambda s: s != "open")
    for state in ("open", "held"):
        scores = [v for s, v in seen if s == state]
        assert scores == sorted(scores, reverse=True)
    servable = [
        r
        for r in rows
        if r["retired_at"] is None and (r["evidence"] == "[]" or "open_src" in r["evidence"])
    ]
    assert len(seen) == len(servable)
