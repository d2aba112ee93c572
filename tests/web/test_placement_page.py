"""The placement page: the detained persons of the user's area, a proposal by the min-cost
flow (each placement explained, who is not placed and why, a map of the moves), and the
placements a supervisor accepts recorded with the reason; under custody.read/manage, the
purpose, the area and the audit log. In Chromium at phone width: readable, no sideways
scroll."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from api.conftest import HOME_OFFICE, OTHER_OFFICE
from cases.conftest import World, api, fast_hasher, world  # noqa: F401  (fixtures)
from custody.conftest import at_state
from immigrationos.cases.machine import CaseState
from immigrationos.custody import placement
from immigrationos.custody.models import Detention
from immigrationos.custody.sites import build_sites
from immigrationos.db.engine import session_scope
from immigrationos.reference import field_offices

from .conftest import Web, WebUser, web  # noqa: F401  (fixture)
from .test_browser import browser, check_page, chromium, declare_purpose, sign_in  # noqa: F401
from .test_field_routes import phone, serving, user_at

ROW = re.compile(r'data-testid="placement-row" data-case="(C\w+)" data-facility="([^"]+)"')


def _held(w: World) -> str:
    """Return the case of Teodoro (Los Angeles, male on his records), detained."""
    case_id, _version = at_state(w, CaseState.DETAINED)
    return case_id


def _user(web: Web, role: str, office: str = HOME_OFFICE) -> WebUser:  # noqa: F811
    user = web.user(role, [office])
    user.declare_purpose(f"C-PL-{role}")
    return user


def _expected(level: str) -> placement.Placement:
    """Return the placement the flow makes of a man of ``level`` at the Los Angeles office."""
    office = field_offices.get_field_office(HOME_OFFICE)
    person = placement.DetainedPerson("X", "M", level, office.lat, office.lon)
    return placement.place([person], build_sites()).placements[0]


def _stays(w: World, case_id: str) -> list[Detention]:
    with session_scope(w.api.engine) as session:
        found = list(session.scalars(select(Detention).where(Detention.case_id == case_id)))
        session.expunge_all()
    return found


def test_a_proposal_is_computed_explained_and_recorded(world: World, web: Web) -> None:  # noqa: F811
    case_id = _held(world)
    supervisor = _user(web, "SUPERVISOR")
    shown = supervisor.get("/custody/placement")
    assert shown.status_code == 200, shown.text
    assert f'data-testid="held-row" data-case="{case_id}"' in shown.text
    assert "awaiting placement" in shown.text and "M on the records" in shown.text
    assert f"not yet placed: at {HOME_OFFICE}" in shown.text
    assert world.api.audit_count(action="custody.placement.list", actor=supervisor.id) == 1

    # Without a security level the person is not placed, and the page says why.
    bare = supervisor.post("/custody/placement/propose", {"case": case_id})
    assert bare.status_code == 200, bare.text
    assert 'data-testid="unplaced-row"' in bare.text and "no security level" in bare.text
    assert ROW.findall(bare.text) == []

    proposed = supervisor.post(
        "/custody/placement/propose", {"case": case_id, "level": f"{case_id}:B"}
    )
    assert proposed.status_code == 200, proposed.text
    expected = _expected("B")
    assert ROW.findall(proposed.text) == [(case_id, expected.facility_code)]
    assert f"{expected.distance_km:.1f} km" in proposed.text
    assert "holds male detainees and security level B" in proposed.text
    assert 'data-testid="moves-map"' in proposed.text and f'data-case="{case_id}"' in proposed.text
    assert world.api.audit_count(action="custody.placement.propose", actor=supervisor.id) == 2
    assert _stays(world, case_id) == []  # a proposal records nothing

    choice = f"{case_id}:{expected.facility_code}:B"
    no_reason = supervisor.post("/custody/placement/record", {"choice": choice, "reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    done = supervisor.post(
        "/custody/placement/record",
        {"choice": choice, "reason": "nearest eligible beds"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    stays = _stays(world, case_id)
    assert [(s.facility_code, s.released_at) for s in stays] == [(expected.facility_code, None)]
    events = world.api.audit_events(action="custody.placement", outcome="SUCCESS")
    details = json.loads(events[0].details)
    assert (events[0].resource_id, events[0].purpose) == (case_id, supervisor.purpose)
    assert details["reason"] == "nearest eligible beds"
    assert details["distance_km"] == expected.distance_km and details["security_level"] == "B"
    after = supervisor.get(done.headers["location"]).text
    assert 'data-testid="placement-recorded"' in after
    assert f"held at {expected.facility_name}" in after
    # Proposed again, the person stays where they are held: nothing to record.
    again = supervisor.post(
        "/custody/placement/propose", {"case": case_id, "level": f"{case_id}:B"}
    )
    assert ROW.findall(again.text) == [(case_id, expected.facility_code)]
    assert 'data-testid="stays"' in again.text and "0.0 km" in again.text
    same = supervisor.post("/custody/placement/record", {"choice": choice, "reason": "again"})
    assert same.status_code == 409 and "already held at" in same.text
    assert len(_stays(world, case_id)) == 1


def test_a_recording_that_no_longer_holds_is_refused_in_words(world: World, web: Web) -> None:  # noqa: F811
    case_id = _held(world)
    supervisor = _user(web, "SUPERVISOR")
    women_only = next(s for s in build_sites() if s.excluded is None and s.sexes == ("F",))
    wrong = supervisor.post(
        "/custody/placement/record",
        {"choice": f"{case_id}:{women_only.code}:A", "reason": "try"},
    )
    assert wrong.status_code == 409 and "holds female detainees only" in wrong.text
    unknown = supervisor.post(
        "/custody/placement/record", {"choice": f"{case_id}:NOPE:A", "reason": "try"}
    )
    assert unknown.status_code == 422 and "not in the listing" in unknown.text
    garbled = supervisor.post("/custody/placement/record", {"choice": "x", "reason": "try"})
    assert garbled.status_code == 422
    assert _stays(world, case_id) == []
    assert world.api.audit_count(action="custody.placement", outcome="DENIED") == 2


def test_roles_and_areas(world: World, web: Web) -> None:  # noqa: F811
    case_id = _held(world)
    officer = _user(web, "OFFICER")
    page = officer.get("/custody/placement").text
    assert 'href="/custody/placement"' in page  # the nav link
    proposed = officer.post(
        "/custody/placement/propose", {"case": case_id, "level": f"{case_id}:A"}
    )
    assert proposed.status_code == 200 and 'data-testid="record-not-yours"' in proposed.text
    found = ROW.findall(proposed.text)
    assert [c for c, _f in found] == [case_id]
    refused = officer.post(
        "/custody/placement/record", {"choice": f"{case_id}:{found[0][1]}:A", "reason": "r"}
    )
    assert refused.status_code == 403
    # Another office's supervisor sees no one, and cannot record the case (404, audited).
    away = _user(web, "SUPERVISOR", OTHER_OFFICE)
    assert 'data-testid="none-held"' in away.get("/custody/placement").text
    hidden = away.post(
        "/custody/placement/record", {"choice": f"{case_id}:{found[0][1]}:A", "reason": "r"}
    )
    assert hidden.status_code == 404 and _stays(world, case_id) == []
    analyst = web.user("ANALYST", None)
    analyst.declare_purpose("C-PL-AN")
    assert analyst.get("/custody/placement").status_code == 403
    assert 'href="/custody/placement"' not in analyst.get("/dashboard").text


def test_the_placement_page_at_phone_width(world: World, browser: Any) -> None:  # noqa: F811
    case_id = _held(world)
    expected = _expected("C")
    with serving(world.api.engine) as site, phone(browser) as page:
        created = user_at(site, "placement.phone", "SUPERVISOR")
        sign_in(page, site, "placement.phone", created.totp_secret)
        declare_purpose(page, site, "C-PL-PHONE")
        page.goto(site.url + "/custody/placement")
        page.get_by_label(f"Security level of case {case_id}").select_option(f"{case_id}:C")
        page.get_by_role("button", name="Compute a placement proposal").click()
        row = page.get_by_test_id("placement-row")
        row.wait_for()
        assert expected.facility_name in row.inner_text()
        box = page.get_by_test_id("moves-map").bounding_box()
        assert box is not None and 0 < box["width"] <= 390
        check_page(page, "placement-proposal")
        page.get_by_label("Reason for these placements (recorded)").fill("nearest beds")
        page.get_by_role("button", name="Record the checked placements").click()
        page.get_by_test_id("placement-recorded").wait_for()
        check_page(page, "placement-recorded")
    assert [s.facility_code for s in _stays(world, case_id)] == [expected.facility_code]
