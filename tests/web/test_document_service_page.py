"""The service of a signed document on the case page (the form and the history), and the
cancellation of a removal flight on its page, each through the API's own flows."""

from __future__ import annotations

import datetime as dt
import re

from api.conftest import HOME_OFFICE
from cases.conftest import World, api, fast_hasher, world  # noqa: F401  (fixtures)
from custody.test_removal_flights import _fill, _flight, _ready

from .conftest import Web, web  # noqa: F401  (fixture)
from .test_case_pages import CaseWorld, cw  # noqa: F401  (fixture)

DOCUMENT = re.compile(r'href="/documents/(D\w+)/pdf')


def _now(hours: int = 0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")  # as a datetime-local field sends it


def _draft_and_sign(cw: CaseWorld, case_id: str, fields: dict[str, str], signer: str) -> str:  # noqa: F811
    officer = cw.as_("OFFICER")
    seen = set(DOCUMENT.findall(officer.get(f"/cases/{case_id}").text))
    made = officer.post(
        f"/cases/{case_id}/documents", {**fields, "purpose": officer.purpose or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    (document_id,) = set(DOCUMENT.findall(officer.get(f"/cases/{case_id}").text)) - seen
    user = cw.as_(signer)
    signed = user.post(
        f"/documents/{document_id}/sign", {"purpose": user.purpose or ""}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    return document_id


def test_a_signed_notice_is_served_from_the_case_page_and_its_history_shown(
    cw: CaseWorld,  # noqa: F811
) -> None:
    case_id = cw.open_case()
    cw.force(case_id, state="detained", assigned_officer=cw.as_("OFFICER").id)
    nta = _draft_and_sign(
        cw, case_id,
        {"form": "I-862", "charges": "237(a)(1)(B)", "immigration_court": "606 S Olive St"},
        "SUPERVISOR",
    )  # fmt: skip
    record = _draft_and_sign(
        cw, case_id, {"form": "I-213", "narrative": "Encountered on consent."}, "OFFICER"
    )
    officer = cw.as_("OFFICER")
    page = officer.get(f"/cases/{case_id}").text
    assert 'data-testid="serve-I-862"' in page and "Not served yet." in page
    assert 'data-testid="serve-I-213"' not in page and 'data-testid="not-served"' in page
    assert record in page

    future = officer.post(
        f"/documents/{nta}/service",
        {"method": "IN_PERSON", "served_at": _now(2), "recipient": "Teodoro",
         "purpose": officer.purpose or ""},
    )  # fmt: skip
    assert future.status_code == 422 and "in the future" in future.text
    served = officer.post(
        f"/documents/{nta}/service",
        {"method": "REGULAR_MAIL", "served_at": _now(), "recipient": "Teodoro Balthazar-Kwiatek",
         "address": "7 Elm St, Los Angeles", "purpose": officer.purpose or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert served.status_code == 303, served.text
    assert served.headers["location"].startswith(f"/cases/{case_id}?")
    page = cw.as_("SUPERVISOR").get(f"/cases/{case_id}").text
    (line,) = re.findall(r'<li data-testid="service-record">(.*?)</li>', page, re.S)
    for words in ("Served", "Regular mail", "7 Elm St", "Certificate of service: I certify"):
        assert words in line, words
    assert cw.api.audit_count(action="documents.serve", actor=officer.id, outcome="SUCCESS") == 1
    analyst = cw.as_("ANALYST")
    assert analyst.post(f"/documents/{nta}/service", {"method": "IN_PERSON"}).status_code == 403


def test_a_supervisor_cancels_a_flight_on_its_page_with_a_reason(
    world: World,  # noqa: F811
    web: Web,  # noqa: F811
) -> None:
    case_id = _ready(world)
    flight = _fill(world, _flight(world)).json()["flight"]
    fid = flight["flight_id"]
    supervisor = web.user("SUPERVISOR", [HOME_OFFICE])
    purpose = supervisor.declare_purpose("C-FLIGHT")
    shown = supervisor.get(f"/flights/{fid}?purpose={purpose}").text
    assert 'data-testid="flight-cancel"' in shown and case_id in shown
    detention = web.user("DETENTION", None)  # manages flights, but does not cancel them
    as_detention = detention.get(f"/flights/{fid}?purpose={purpose}").text
    assert 'data-testid="flight-actions"' in as_detention
    assert 'data-testid="flight-cancel"' not in as_detention

    version = str(flight["version"])
    blank = supervisor.post(
        f"/flights/{fid}/cancel", {"version": version, "reason": " ", "purpose": purpose}
    )
    assert blank.status_code == 422 and "why the flight is cancelled" in blank.text
    stale = supervisor.post(
        f"/flights/{fid}/cancel", {"version": "99", "reason": "weather", "purpose": purpose}
    )
    assert stale.status_code == 409 and "version" in stale.text
    done = supervisor.post(
        f"/flights/{fid}/cancel",
        {"version": version, "reason": "runway closed by weather", "purpose": purpose},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = supervisor.get(done.headers["location"]).text
    assert 'data-testid="flight-void"' in page and "runway closed by weather" in page
    assert 'data-testid="flight-actions"' not in page
    assert world.case(case_id).state == "removal_scheduled"
    assert world.api.audit_count(action="custody.flight.cancel", outcome="SUCCESS") == 1
