"""The field view shows the officer's planned routes: each route of a team they are on in an
approved operation, with its vehicle, shift, stops in order (arrival, address confidence,
the case page) and its drawing; read through ``operations.access`` and audited as the API's
``/operations/routes/mine`` is. In Chromium at phone width: readable, no sideways scroll."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine, update

from api.conftest import HOME_OFFICE, PASSWORD, Api
from immigrationos.api import create_app
from immigrationos.auth import accounts
from immigrationos.db.engine import session_scope
from immigrationos.operations.models import OperationTarget
from operations.ops_fixtures import DAY, OpsWorld, make_world, places_file  # noqa: F401  (fixture)

from .conftest import Web, WebUser
from .test_browser import (  # noqa: F401  (the browser fixtures, re-used)
    AXE,
    VIEWPORTS,
    Site,
    _free_port,
    browser,
    check_page,
    chromium,
    declare_purpose,
    sign_in,
)

STOP = re.compile(
    r'data-testid="route-stop"[^>]*>\s*<td data-label="Stop">(\d+)</td>\s*'
    r'<td data-label="Arrive">(\d\d:\d\d)</td>\s*'
    r'<td data-label="Case"><a class="big" href="/cases/(C\w+)\?purpose='
)


@pytest.fixture()
def ops(api: Api, tmp_path: Path, lake_dir: Path, places_file: Path) -> OpsWorld:  # noqa: F811
    """The operations tests' world: persons with cases to target, users of each role."""
    return make_world(api, tmp_path, lake_dir)


def _approved(ops: OpsWorld, officer_ids: list[str], labels: list[str]) -> dict[str, Any]:
    """Request (officer1) and approve (sup1) an operation whose one team is ``officer_ids``."""
    case_ids = [ops.case_in(label, "target_package") for label in labels]
    team = {"team_id": "T07", "seats": 3, "officers": officer_ids}
    op = ops.request("officer1", case_ids, teams=[team])
    done = ops.post("sup1", f"/operations/{op['operation_id']}/approve",
                    {"version": op["version"], "reason": "team ready"})  # fmt: skip
    assert done.status_code == 200, done.text
    return dict(done.json())


def _low_confidence(ops: OpsWorld, case_id: str) -> None:
    """Store a stop as placed by its city only (as the geocoder does without a ZIP)."""
    with session_scope(ops.api.engine) as session:
        session.execute(
            update(OperationTarget)
            .where(OperationTarget.case_id == case_id)
            .values(address_confidence="city")
        )
        session.commit()


def _officer(web: Web) -> WebUser:
    user = web.user("OFFICER", [HOME_OFFICE])
    user.declare_purpose("C-ROUTE")
    return user


def test_the_field_view_shows_the_officers_route_in_order(ops: OpsWorld, web: Web) -> None:
    officer = _officer(web)
    op = _approved(ops, [officer.id], ["teodoro", "aurelio"])
    order = sorted((t for t in op["target_list"]), key=lambda t: t["seq"])
    _low_confidence(ops, order[-1]["case_id"])

    shown = officer.get("/field")
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert 'data-testid="field-route"' in text and 'data-testid="no-route"' not in text
    assert f"{op['operation_id']}</a>, {DAY.isoformat()}: team T07" in text
    assert "3 seats for persons taken into custody" in text
    assert f"{op['shift_start']}–{op['shift_end']}" in text
    stops = STOP.findall(text)
    assert [(int(s), c) for s, _eta, c in stops] == [(t["seq"], t["case_id"]) for t in order]
    assert [eta for _s, eta, _c in stops] == [t["arrival"] for t in order]
    # The stop placed by city stands out; the one placed by ZIP does not.
    assert text.count('data-testid="stop-unsure"') == 1
    assert "Low confidence: placed by city" in text and "1 stop placed less surely" in text
    assert 'data-testid="routes-drawing"' in text and text.count("route-stop") >= 2
    # One audited routes read under the purpose; the operation itself is not read again.
    routes = ops.api.audit_events(action="operations.routes", actor=officer.id)
    assert [e.purpose for e in routes] == [officer.purpose]
    assert order[0]["case_id"] in routes[0].details
    assert ops.api.audit_count(action="operations.read", actor=officer.id) == 0


def test_no_route_cancelled_or_others_routes_are_not_shown(ops: OpsWorld, web: Web) -> None:
    officer, colleague = _officer(web), _officer(web)
    assert 'data-testid="no-route"' in officer.get("/field").text
    op = _approved(ops, [colleague.id], ["teodoro"])
    mine = officer.get("/field").text
    assert 'data-testid="no-route"' in mine and op["operation_id"] not in mine
    assert op["operation_id"] in colleague.get("/field").text
    cancelled = ops.post("officer1", f"/operations/{op['operation_id']}/cancel",
                         {"version": op["version"], "reason": "target moved"})  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    after = colleague.get("/field").text
    assert op["operation_id"] not in after and 'data-testid="no-route"' in after
    # A role without operations.read gets no routes section at all (and no routes read).
    analyst = web.user("ANALYST", None)
    analyst.declare_purpose("C-AN")
    page = analyst.get("/field")
    assert page.status_code == 200 and 'data-testid="my-routes"' not in page.text
    assert ops.api.audit_count(action="operations.routes", actor=analyst.id) == 0


@contextmanager
def serving(engine: Engine) -> Iterator[Site]:
    """Serve the app over ``engine`` with uvicorn in a thread, on a free port."""
    port = _free_port()
    config = uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", engine, {}, HOME_OFFICE)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    """Open a page in a fresh context at phone size, with axe-core loaded."""
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(15_000)
    opened = context.new_page()
    opened.size_name = "phone"
    try:
        yield opened
    finally:
        context.close()


def user_at(site: Site, username: str, role: str = "OFFICER") -> Any:
    """Create a user of the home office who signs in through the pages."""
    return accounts.create_user(
        username, f"Phone {role}", role, PASSWORD, created_by="test",
        field_offices=[HOME_OFFICE], engine=site.engine,
    )  # fmt: skip


def test_the_route_at_phone_width(ops: OpsWorld, browser: Any) -> None:  # noqa: F811
    with serving(ops.api.engine) as site, phone(browser) as page:
        created = user_at(site, "field.phone")
        op = _approved(ops, [created.user.id], ["teodoro", "aurelio"])
        sign_in(page, site, "field.phone", created.totp_secret)
        declare_purpose(page, site, "C-PHONE")
        page.goto(site.url + "/field")
        route = page.get_by_test_id("field-route")
        route.wait_for()
        assert op["operation_id"] in route.inner_text()
        box = page.get_by_test_id("routes-drawing").bounding_box()
        assert box is not None and 0 < box["width"] <= VIEWPORTS["phone"]["width"]
        check_page(page, "field-routes")
        first = min(op["target_list"], key=lambda t: t["seq"])["case_id"]
        page.get_by_role("link", name=first).first.click()
        page.wait_for_url(re.compile(rf"/cases/{first}"))
        assert first in page.content()
