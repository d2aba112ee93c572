"""Removal flights in the interface: the list, a new flight, its manifest, fill, the PDF
and recording it flown, each through the custody flows as the API calls them."""

from __future__ import annotations

import datetime as dt
import re

from api.conftest import HOME_OFFICE
from cases import world as case_world
from cases.conftest import World, api, fast_hasher, world  # noqa: F401  (fixtures)
from custody.conftest import at_state, take
from custody.test_booking import COMPLETE
from custody.test_locator import FACILITY
from custody.test_removal_flights import ISSUED
from immigrationos.auth.permissions import is_office_scoped
from immigrationos.cases.machine import CaseState

from .conftest import Web, WebUser, web  # noqa: F401  (fixture)

SOON = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)).isoformat()
FLIGHT = re.compile(r"/flights/(F\w+)")
VERSION = re.compile(r'name="version" value="(\d+)"')


def _detention(web: Web) -> WebUser:  # noqa: F811
    user = web.user("DETENTION", [HOME_OFFICE] if is_office_scoped("DETENTION") else None)
    return user


def _ready(w: World) -> str:
    case_id, _version = at_state(w, CaseState.FINAL_ORDER)
    case_world.add_final_order(w.api.engine, w.folder / "order", w.lake_dir)
    return case_id


def _document(w: World, case_id: str) -> None:
    doc = w.post("DETENTION", f"/custody/cases/{case_id}/travel-document", ISSUED)
    assert doc.status_code == 200, doc.text


def _create(user: WebUser, purpose: str, **extra: str) -> str:
    body = {
        "destination": "GTM", "departs": SOON, "seats": "10",
        "departure_site": "Alexandria Staging Facility, LA", "purpose": purpose, **extra,
    }  # fmt: skip
    made = user.post("/flights", body, follow_redirects=False)
    assert made.status_code == 303, made.text
    found = FLIGHT.search(made.headers["location"])
    assert found
    return found.group(1)


def test_a_flight_is_created_filled_downloaded_and_executed(world: World, web: Web) -> None:  # noqa: F811
    case_id = _ready(world)
    purpose = world.purposes["DETENTION"]
    user = _detention(web)
    listed = user.get(f"/flights?purpose={purpose}")
    assert listed.status_code == 200 and 'data-testid="flight-create"' in listed.text
    flight_id = _create(user, purpose)
    assert flight_id in user.get(f"/flights?purpose={purpose}").text
    shown = user.get(f"/flights/{flight_id}?purpose={purpose}").text
    assert "No one is on this flight" in shown and 'data-testid="flight-actions"' in shown
    version = VERSION.search(shown)
    assert version
    # Without a travel document the case is left out, and the page says why.
    empty = user.post(
        f"/flights/{flight_id}/fill", {"version": version.group(1), "purpose": purpose}
    )
    assert empty.status_code == 200, empty.text
    assert 'data-testid="left-out"' in empty.text and "no travel document" in empty.text
    assert case_id in empty.text
    _document(world, case_id)
    version = VERSION.search(empty.text)
    assert version

    filled = user.post(
        f"/flights/{flight_id}/fill", {"version": version.group(1), "purpose": purpose}
    )
    assert filled.status_code == 200, filled.text
    assert 'data-testid="fill-outcome"' in filled.text and case_id in filled.text
    assert "BALTHAZAR-KWIATEK" in filled.text and "TD-1" in filled.text
    assert world.case(case_id).state == "removal_scheduled"

    pdf = user.get(f"/flights/{flight_id}/manifest.pdf?purpose={purpose}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert world.api.audit_events(action="custody.flight.manifest_pdf", outcome="SUCCESS")

    page = user.get(f"/flights/{flight_id}?purpose={purpose}").text
    version = VERSION.search(page)
    assert version
    no_reason = user.post(
        f"/flights/{flight_id}/execute",
        {"version": version.group(1), "purpose": purpose, "reason": ""},
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    done = user.post(
        f"/flights/{flight_id}/execute",
        {"version": version.group(1), "purpose": purpose, "reason": "flown as planned"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert world.case(case_id).state == "removed"
    after = user.get(f"/flights/{flight_id}?purpose={purpose}").text
    assert "Executed" in after and 'data-testid="flight-actions"' not in after
    assert world.api.audit_events(action="custody.flight.execute", outcome="SUCCESS")
    assert world.api.audit_events(action="custody.flight.execute_reason")


def test_refusals_in_words(world: World, web: Web) -> None:  # noqa: F811
    purpose = world.purposes["DETENTION"]
    user = _detention(web)
    bad = user.post(
        "/flights",
        {"destination": "GT", "departs": SOON, "seats": "3", "departure_site": "X",
         "purpose": purpose},
    )  # fmt: skip
    assert bad.status_code == 422 and "destination" in bad.text
    flight_id = _create(user, purpose)
    stale = user.post(f"/flights/{flight_id}/fill", {"version": "9", "purpose": purpose})
    assert stale.status_code == 409 and "changed" in stale.text
    # A role with custody.read but not custody.manage sees the flight, acts on none of it.
    officer = web.user("OFFICER", [HOME_OFFICE])
    officer.declare_purpose("C-FL")
    seen = officer.get(f"/flights/{flight_id}")
    assert seen.status_code == 200 and 'data-testid="flight-actions"' not in seen.text
    refused = officer.post(f"/flights/{flight_id}/fill", {"version": "1"})
    assert refused.status_code == 403
    assert world.case  # the world stays untouched


def test_the_locator_page_answers_as_the_public_locator(world: World, web: Web) -> None:  # noqa: F811
    case_id, version = at_state(world, CaseState.ARREST)
    assert world.post("OFFICER", f"/custody/cases/{case_id}/booking", {}).status_code == 201
    done = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", COMPLETE)
    assert done.status_code == 200 and not done.json()["halted"], done.text
    version = take(world, "DETENTION", case_id, "refer_custody_decision", version)["version"]
    take(world, "SUPERVISOR", case_id, "detain", version)
    placed = world.post("DETENTION", f"/custody/cases/{case_id}/detention", FACILITY)
    assert placed.status_code == 201, placed.text
    legal = web.user("LEGAL", [HOME_OFFICE] if is_office_scoped("LEGAL") else None)
    legal.declare_purpose("C-LOC")
    assert 'data-testid="locator-form"' in legal.get("/custody/locator").text
    found = legal.get("/custody/locator?a_number=a-123456789&country_of_birth=gtm").text
    assert "In ICE custody" in found and FACILITY["facility_name"] in found
    assert case_id not in found  # never shown
    wrong = legal.get("/custody/locator?a_number=A123456789&country_of_birth=MEX").text
    unknown = legal.get("/custody/locator?a_number=A999999999&country_of_birth=GTM").text
    assert "No match" in wrong and "No match" in unknown
    assert FACILITY["facility_name"] not in wrong
    half = legal.get("/custody/locator?a_number=A123456789")
    assert half.status_code == 422 and "Give both" in half.text
    assert len(world.api.audit_events(action="custody.locate")) == 3
    analyst = web.user("ANALYST", None)
    assert (
        analyst.get("/custody/locator?a_number=A123456789&country_of_birth=GTM").status_code == 403
    )
