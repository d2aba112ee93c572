"""The request for an operation through its form: the office's eligible cases with their
addresses, the teams, the reason; the API's flow behind it, refusals in words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from api.conftest import HOME_OFFICE, Api
from operations import ops_world
from operations.ops_fixtures import DAY, OpsWorld, make_world, places_file  # noqa: F401

from .conftest import Web, WebUser

LAT, LON = ops_world.ZIP_CENTROIDS["teodoro"]
NEAR_TEODORO = f"""
categories:
  school: {{label: school, radius_m: 300}}
locations:
  - {{id: SL-T-1, name: Test Primary School (synthetic), category: school,
      lat: {LAT + 0.001}, lon: {LON}}}
"""
OPERATION = re.compile(r"/operations/(O\w+)")


@pytest.fixture()
def ops(api: Api, tmp_path: Path, lake_dir: Path, places_file: Path) -> OpsWorld:  # noqa: F811
    """The operations tests' world: four persons with cases to target, users of each role."""
    return make_world(api, tmp_path, lake_dir)


def _officer(web: Web) -> WebUser:
    user = web.user("OFFICER", [HOME_OFFICE])
    user.declare_purpose("C-REQ")
    return user


def _form(user: WebUser, case_ids: list[str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "csrf_token": user.csrf(),
        "purpose": user.purpose or "",
        "field_office": HOME_OFFICE,
        "day": DAY.isoformat(),
        "shift_start": "05:00",
        "shift_end": "14:00",
        "service_minutes": "20",
        "team_id_0": "T01",
        "seats_0": "4",
        "officers_0": [user.id],
        "team_id_1": "",
        "seats_1": "",
        "case_ids": case_ids,
        "reason": "two overstays of one area, one morning",
    }
    body.update(extra)
    return body


def test_an_officer_requests_an_operation_through_the_form(ops: OpsWorld, web: Web) -> None:
    first = ops.case_in("teodoro", "target_package")
    second = ops.case_in("aurelio", "operation_approval")
    ops.case_in("wilhelmina", "investigation")
    officer = _officer(web)
    shown = officer.get("/operations/new")
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert text.count('data-testid="eligible-case"') == 2
    assert first in text and second in text and "placed by zip" in text
    assert text.count('data-testid="team-row"') >= 2 and officer.id in text
    assert "sensitive" in text.lower() and "second supervisor" in text
    assert ops.api.audit_count(action="operations.request_form", actor=officer.id) == 1

    sent = officer.client.post(
        "/operations/new", data=_form(officer, [first, second]), follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    found = OPERATION.search(sent.headers["location"])
    assert found
    page = officer.get(sent.headers["location"]).text
    assert 'data-testid="routes-drawing"' in page and "<polyline" in page
    assert first in page and second in page
    assert ops.api.audit_count(action="operations.request", actor=officer.id) == 1
    # The cases now in an operation are no longer offered.
    assert 'data-testid="eligible-case"' not in officer.get("/operations/new").text
    assert "/operations/new" in officer.get("/operations").text


def test_a_stop_near_a_sensitive_place_needs_the_justification(
    ops: OpsWorld,
    web: Web,
    places_file: Path,  # noqa: F811
) -> None:
    places_file.write_text(NEAR_TEODORO, encoding="utf-8")
    near = ops.case_in("teodoro", "operation_approval")
    officer = _officer(web)
    refused = officer.client.post(
        "/operations/new", data=_form(officer, [near]), follow_redirects=False
    )
    assert refused.status_code == 422, refused.text
    assert 'data-testid="request-refused"' in refused.text
    assert "Test Primary School" in refused.text and near in refused.text
    # The form is kept as it was filled in.
    assert "two overstays of one area" in refused.text and "checked" in refused.text
    assert ops.api.audit_count(action="operations.request", outcome="DENIED") == 1
    done = officer.client.post(
        "/operations/new",
        data=_form(officer, [near], sensitive_justification="the school is closed at 06:00"),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = officer.get(done.headers["location"]).text
    assert 'data-testid="sensitive"' in page and "closed at 06:00" in page


def test_no_case_chosen_and_an_ineligible_case_are_refused_in_words(
    ops: OpsWorld, web: Web
) -> None:
    early = ops.case_in("teodoro", "investigation")
    officer = _officer(web)
    none = officer.client.post("/operations/new", data=_form(officer, []))
    assert none.status_code == 422 and "Choose at least one case" in none.text
    wrong = officer.client.post("/operations/new", data=_form(officer, [early]))
    assert wrong.status_code == 409 and early in wrong.text and "investigation" in wrong.text
    assert 'data-testid="operation-request"' in wrong.text


def test_a_role_without_the_permission_is_refused(ops: OpsWorld, web: Web) -> None:
    analyst = web.user("ANALYST", None)
    analyst.declare_purpose("C-AN")
    assert analyst.get("/operations/new").status_code == 403
    sent = analyst.client.post(
        "/operations/new", data={"csrf_token": analyst.csrf(), "case_ids": ["X"]}
    )
    assert sent.status_code == 403
    assert ops.api.audit_count(action="operations.request", actor=analyst.id) == 0
    assert ops.api.audit_count(action="api.denied", actor=analyst.id) == 2
