"""The field view puts the officer's own work first: the open cases assigned to them."""

from __future__ import annotations

import re
from pathlib import Path

from api.conftest import HOME_OFFICE, Api
from cases import world as case_world

from .conftest import Web

ASSIGNED = re.compile(
    r'data-testid="assigned-card".*?Case <a href="/cases/(C\w+)\?purpose=[^"]*"><strong>\1</strong></a>',
    re.S,
)
AREA = re.compile(r'data-testid="field-card"')


def test_an_assigned_case_comes_first_and_leaves_the_area_list(
    web: Web, api: Api, tmp_path: Path, lake_dir: Path
) -> None:
    leads = case_world.build(api.engine, tmp_path / "in", lake_dir)
    office = HOME_OFFICE  # teodoro's lead; wilhelmina's is Chicago's
    officer = web.user("OFFICER", [office])
    colleague = web.user("OFFICER", [office])
    for user in (officer, colleague):
        user.declare_purpose()
    before = officer.get("/field").text
    assert "0 open cases a supervisor assigned to you" in before
    assert len(AREA.findall(before)) == 1

    # An analyst accepts the lead; the office's supervisor assigns the case (the API's way).
    case = _assigned_case(api, leads["teodoro"], office, officer.id)

    mine = officer.get("/field")
    assert mine.status_code == 200
    assert ASSIGNED.findall(mine.text) == [case]
    assert "1 open case a supervisor assigned to you" in mine.text
    assert "Investigation" in mine.text or "investigation" in mine.text
    # The lead is the officer's own now: not repeated among the area's leads.
    assert AREA.findall(mine.text) == []
    # A colleague of the same office sees it among the area's leads, not as theirs.
    theirs = colleague.get("/field").text
    assert ASSIGNED.findall(theirs) == [] and len(AREA.findall(theirs)) == 1
    # The officer's case list is an audited read under the purpose, as the API's is.
    assert api.audit_count(action="cases.list", actor=officer.id) == 2


def _assigned_case(api: Api, lead_id: str, office: str, officer_id: str) -> str:
    analyst, supervisor = api.user("ANALYST"), api.user("SUPERVISOR", [office])
    headers = {}
    for user in (analyst, supervisor):
        made = api.client.post(
            "/api/v1/purposes",
            json={"kind": "CASE", "reference": "C-F", "title": "case work", "justification": "t"},
            headers=user.headers,
        )
        assert made.status_code == 201, made.text
        headers[user.id] = {**user.headers, "X-Purpose": str(made.json()["id"])}
    opened = api.client.post(
        "/api/v1/cases", json={"lead_id": lead_id, "reason": "t"}, headers=headers[analyst.id]
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assigned = api.client.post(
        f"/api/v1/cases/{case['case_id']}/assign",
        json={"officer_id": officer_id, "version": case["version"], "reason": "nearest"},
        headers=headers[supervisor.id],
    )
    assert assigned.status_code == 200, assigned.text
    return str(case["case_id"])
