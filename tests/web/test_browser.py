"""The web interface in a real browser: Debian's Chromium driven by Playwright.

One server (uvicorn in a thread, on the test database with the small world) and one
browser per module and backend; each test opens its own context at desktop (1280x800)
and phone (390x844) size, signs in through the pages with the authenticator code, and
runs axe-core in the page: no "serious" or "critical" violation is allowed, and at
phone width nothing may scroll sideways.

Without /usr/bin/chromium these tests skip with the reason, except under CI=true, where
they fail (``.ci/run`` installs Debian's chromium).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from api.conftest import HOME_OFFICE, OTHER_OFFICE, PASSWORD
from api.persons_world import resolved_world, targeted
from audit_guard import empty_database
from immigrationos.api import create_app
from immigrationos.auth import accounts, passwords, totp
from immigrationos.auth.permissions import is_office_scoped
from immigrationos.db.engine import session_scope
from immigrationos.targeting import service as targeting_service

CHROMIUM = Path(os.environ.get("IMOS_TEST_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "assets" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOTS = os.environ.get("IMOS_WEB_SCREENSHOTS")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
pytestmark = pytest.mark.xdist_group("web-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    """The running server, the small world's IDs, and a way to make users."""

    url: str
    engine: Engine
    ids: dict[str, str]
    lead_office: str
    count: int = 0

    def user(self, role: str, offices: list[str] | None = None) -> tuple[str, str]:
        """Create a user of ``role``; return (username, TOTP secret)."""
        self.count += 1
        if offices is None:
            offices = [HOME_OFFICE] if is_office_scoped(role) else []
        name = f"web-{role.lower()}.{self.count}"
        created = accounts.create_user(
            name, f"Web {role}", role, PASSWORD, created_by="test", field_offices=offices,
            engine=self.engine,
        )  # fmt: skip
        return name, created.totp_secret


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Return Debian's Chromium; fail under CI=true and skip elsewhere when it is missing."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def site(
    chromium: Path, db_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """Serve the app with uvicorn in a thread on a free port, over the small world."""
    with pytest.MonkeyPatch.context() as patch:
        from argon2 import PasswordHasher, Type

        patch.setattr(
            passwords,
            "HASHER",
            PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID),
        )
        passwords.dummy_hash.cache_clear()
        folder = tmp_path_factory.mktemp("web-world")
        lake = folder / "lake"
        lake.mkdir()
        ids = resolved_world(db_engine, folder / "in", lake)
        lead = targeted(db_engine, lake)
        with session_scope(db_engine) as session:
            found = targeting_service.get_lead(session=session, lead_id=lead)
            assert found is not None and found.field_office
            office = found.field_office
        port = _free_port()
        config = uvicorn.Config(
            create_app(db_engine), host="127.0.0.1", port=port, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        try:
            yield Site(f"http://127.0.0.1:{port}", db_engine, {**ids, "lead": lead}, office)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            passwords.dummy_hash.cache_clear()
            empty_database(db_engine)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any, site: Site) -> Iterator[Any]:
    """A fresh browser context (no cookies) at desktop or phone size."""
    size = request.param
    context = browser.new_context(
        viewport=VIEWPORTS[size],
        is_mobile=size == "phone",
        has_touch=size == "phone",
    )
    # axe-core goes in as an init script: the pages' own policy allows no injected script.
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(15_000)
    opened = context.new_page()
    opened.size_name = size
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    blocked = [e for e in errors if "Content Security Policy" in e]
    assert not blocked, f"the page broke its own policy: {blocked}"


def check_page(page: Any, name: str) -> None:
    """Assert no serious axe violation and no sideways scroll; save a screenshot if asked."""
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact,
                help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}));
        }"""
    )
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe on {name} ({page.size_name}): {serious}"
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, f"{name} scrolls sideways by {wide}px at {page.size_name} width"
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}-{page.size_name}.png"), full_page=True)


def sign_in(page: Any, site: Site, username: str, secret: str) -> None:
    """Sign in through both pages, with the authenticator code of this moment."""
    page.goto(site.url + "/sign-in")
    check_page(page, "sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read the system-use notice and accept it").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authenticator code").wait_for()
    # A code already used may not be used again: on the edge of a step, take the next one.
    now = datetime.now(UTC)
    if now.second % 30 >= 28:
        time.sleep(31 - now.second % 30)
        now = datetime.now(UTC)
    page.get_by_label("Authenticator code").fill(totp.code_at(secret, now))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def declare_purpose(page: Any, site: Site, reference: str) -> None:
    """Declare a case purpose on the purpose page; it becomes the current one."""
    page.goto(site.url + "/purpose")
    page.get_by_label("Reference (case, lead or investigation number)").fill(reference)
    page.get_by_label("Title").fill("Browser test")
    page.get_by_label("Why the data is needed").fill("Checking the web interface")
    page.get_by_role("button", name="Declare and use").click()
    page.get_by_test_id("current-purpose").wait_for()


def test_sign_in_with_mfa_and_a_wrong_code_refused(page: Any, site: Site) -> None:
    username, secret = site.user("ANALYST")
    page.goto(site.url + "/leads")
    assert "/sign-in" in page.url  # every page needs sign-in
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read the system-use notice and accept it").check()
    page.get_by_role("button", name="Continue").click()
    right = totp.code_at(secret, datetime.now(UTC))
    page.get_by_label("Authenticator code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Sign in").click()
    assert "not accepted" in page.locator("#sign-in-error").inner_text()
    sign_in(page, site, username, secret)
    check_page(page, "dashboard")
    assert page.locator("svg").count() >= 3


def test_the_lead_queue_opens_an_explanation(page: Any, site: Site) -> None:
    username, secret = site.user("ANALYST")
    sign_in(page, site, username, secret)
    declare_purpose(page, site, f"C-Q-{page.size_name}")
    page.goto(site.url + "/leads")
    rows = page.get_by_test_id("lead-row")
    assert rows.count() >= 1
    check_page(page, "leads")
    page.get_by_role("link", name=site.ids["lead"]).click()
    explanation = page.get_by_test_id("lead-explanation")
    explanation.wait_for()
    assert "/leads/" not in page.url  # opened in place by htmx
    text = explanation.inner_text()
    assert "Score factors" in text and "Safeguards" in text and "confidence" in text
    check_page(page, "lead-explanation")
    page.get_by_label("State").select_option("CLOSED")
    page.get_by_text("0 leads").wait_for()


def test_search_open_a_profile_and_judge_a_link(page: Any, site: Site) -> None:
    username, secret = site.user("ANALYST")
    sign_in(page, site, username, secret)
    declare_purpose(page, site, f"C-P-{page.size_name}")
    page.goto(site.url + "/persons")
    page.get_by_label("Name").fill("MARISOL QUINTANILLA")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("person-row").first.wait_for()
    check_page(page, "person-search")
    page.get_by_role("link", name=site.ids["marisol"]).click()
    page.get_by_role("heading", name="Timeline (", exact=False).wait_for()
    assert page.get_by_test_id("timeline-entry").count() >= 1
    page.locator("details.link summary").first.click()
    assert page.locator("svg.waterfall").first.is_visible()
    check_page(page, "person-profile")
    page.get_by_label("Are these two records the same person?").first.select_option("SAME")
    page.get_by_label("What shows it (recorded)").first.fill("Same passport on both records")
    page.get_by_role("button", name="Record the judgement").first.click()
    assert "Your judgement is recorded" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Review").click()
    page.get_by_role("heading", name="Identity links to review").wait_for()
    check_page(page, "review-queue")


def test_an_officer_is_refused_outside_their_area(page: Any, site: Site) -> None:
    other = OTHER_OFFICE if site.lead_office == HOME_OFFICE else HOME_OFFICE
    username, secret = site.user("OFFICER", [other])
    sign_in(page, site, username, secret)
    declare_purpose(page, site, f"C-A-{page.size_name}")
    page.goto(site.url + f"/leads/{site.ids['lead']}")
    refusal = page.get_by_test_id("refusal")
    assert "No such lead is available to you" in refusal.inner_text()
    check_page(page, "refused")
    page.goto(site.url + f"/persons/{site.ids['chicago']}")
    assert "No such person is available to you" in page.get_by_test_id("refusal").inner_text()
    page.goto(site.url + "/leads")
    assert page.get_by_test_id("lead-row").count() == 0


def test_oversight_verifies_the_audit_log(page: Any, site: Site) -> None:
    username, secret = site.user("OVERSIGHT")
    sign_in(page, site, username, secret)
    page.get_by_role("link", name="Audit log").click()
    assert page.get_by_test_id("audit-row").count() >= 1
    page.get_by_role("button", name="Verify the whole log now").click()
    assert "The chain is intact" in page.get_by_test_id("verification").inner_text()
    check_page(page, "audit-log")


def test_the_map_selects_leads_inside_a_drawn_rectangle(page: Any, site: Site) -> None:
    username, secret = site.user("ANALYST")
    sign_in(page, site, username, secret)
    declare_purpose(page, site, f"C-M-{page.size_name}")
    page.get_by_role("link", name="Map").click()
    page.get_by_role("heading", name="Map of leads").wait_for()
    point = page.locator(f'[data-testid="map-point"][data-lead="{site.ids["lead"]}"] circle')
    assert page.get_by_test_id("map-row").count() >= 1  # the same leads, as a table
    check_page(page, "map")
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 25, y - 25)
    page.mouse.down()
    page.mouse.move(x, y, steps=4)
    page.mouse.move(x + 25, y + 25, steps=4)
    page.mouse.up()
    chosen = page.get_by_test_id("selected-lead")
    chosen.first.wait_for()
    assert site.ids["lead"] in chosen.first.inner_text()
    assert page.locator("#map-shape").get_attribute("points")
    check_page(page, "map-selection")


def small_targets(page: Any) -> list[str]:
    """Return the visible links, buttons and fields smaller than 44 x 44 CSS pixels."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll("a[href], button, input, select, summary")]
                .filter(e => { const r = e.getBoundingClientRect();
                    return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
                        && e.type !== "hidden" && e.type !== "checkbox" && e.type !== "radio"; })
                .filter(e => { const r = e.getBoundingClientRect();
                    return r.width < 44 || r.height < 44; })
                .map(e => `${e.tagName} ${(e.textContent || e.name || "").trim().slice(0, 40)}`)"""
        )
    )


def test_the_field_view_fits_a_phone_with_large_targets(page: Any, site: Site) -> None:
    username, secret = site.user("OFFICER", [site.lead_office])
    sign_in(page, site, username, secret)
    declare_purpose(page, site, f"C-F-{page.size_name}")
    page.get_by_role("link", name="My leads").click()
    page.get_by_role("heading", name="My leads").wait_for()
    card = page.get_by_test_id("field-card")
    assert card.count() == 1
    text = card.first.inner_text()
    assert "Born" in text and "confidence" in text and "Safeguards" in text
    check_page(page, "field")  # axe, and nothing scrolls sideways
    if page.size_name == "phone":
        assert not small_targets(page), small_targets(page)
    page.get_by_role("link", name=f"Open lead {site.ids['lead']}").click()
    page.get_by_test_id("lead-explanation").wait_for()


def test_a_supervisor_opens_the_inbox(page: Any, site: Site) -> None:
    username, secret = site.user("SUPERVISOR", [site.lead_office])
    sign_in(page, site, username, secret)
    declare_purpose(page, site, f"C-I-{page.size_name}")
    page.get_by_role("link", name="Inbox").click()
    page.get_by_role("heading", name="Inbox").wait_for()
    assert page.get_by_test_id("inbox-reviews").is_visible()
    check_page(page, "inbox")


def test_a_refusal_answering_htmx_is_shown_in_words_and_cleared_by_a_success(
    page: Any, site: Site
) -> None:
    username, secret = site.user("ANALYST")
    sign_in(page, site, username, secret)
    declare_purpose(page, site, f"C-R-{page.size_name}")
    page.goto(site.url + "/map")
    page.get_by_role("heading", name="Map of leads").wait_for()
    region = page.get_by_test_id("refusals")
    assert region.inner_text() == ""
    # A request the server refuses (400: not a shape): htmx would drop it; the page says why.
    page.evaluate("htmx.ajax('GET', '/map/selection?shape=nonsense', {target: '#selection'})")
    region.get_by_test_id("refusal").wait_for()
    assert "Draw a rectangle" in region.inner_text()
    check_page(page, "refusal-in-place")
    # The next request that succeeds clears it.
    page.evaluate(
        "htmx.ajax('GET', '/map/selection?shape=0,0 975,0 975,610 0,610', {target: '#selection'})"
    )
    page.get_by_test_id("selected-lead").first.wait_for()
    assert region.inner_text() == ""
