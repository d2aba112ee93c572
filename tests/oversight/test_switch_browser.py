"""The stop switch page in a real browser (Debian's Chromium driven by Playwright).

The server, the browser and the checks (axe-core: no serious violation; no sideways
scroll at phone width) are the web tests' own (``tests/web/test_browser.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete

from immigrationos.db.engine import session_scope
from immigrationos.oversight.models import TargetingSuspension
from web import test_browser as web_browser
from web.test_browser import Site, check_page, sign_in

# The web browser tests' fixtures, re-used (module-scoped: a server and a browser here).
chromium, site, browser, page = (
    web_browser.chromium,
    web_browser.site,
    web_browser.browser,
    web_browser.page,
)
pytestmark = pytest.mark.xdist_group("web-browser-switch")


def test_oversight_suspends_targeting_and_every_page_shows_it_until_resumed(
    page: Any, site: Site
) -> None:
    username, secret = site.user("OVERSIGHT")
    sign_in(page, site, username, secret)
    page.goto(site.url + "/oversight/switch")
    page.get_by_role("heading", name="Stop switch").wait_for()
    assert "Nothing is suspended" in page.get_by_test_id("switch-state").inner_text()
    check_page(page, "oversight-switch")
    try:
        page.get_by_label("What to suspend").select_option("TARGETING")
        page.get_by_label("Why (required)").fill(f"browser check {page.size_name}")
        page.get_by_role("button", name="Suspend", exact=True).click()
        banner = page.get_by_test_id("switch-banner")
        banner.wait_for()
        assert "Targeting is suspended" in banner.inner_text()
        assert page.get_by_test_id("switch-row").count() == 1
        check_page(page, "oversight-switch-suspended")
        page.goto(site.url + "/dashboard")
        shown = page.get_by_test_id("switch-banner").inner_text()
        assert f"browser check {page.size_name}" in shown
        check_page(page, "dashboard-suspended")
        page.goto(site.url + "/oversight/switch")
        page.get_by_label("Why resume").fill("checked")
        page.get_by_role("button", name="Resume targeting").click()
        page.get_by_text("Nothing is suspended").wait_for()
        assert page.get_by_test_id("switch-banner").count() == 0
    finally:
        _lift(site)  # never leave the module's world suspended, even after a failure


def _lift(served: Site) -> None:
    """Lift every suspension directly (test clean-up)."""
    with session_scope(served.engine) as session:
        session.execute(delete(TargetingSuspension))
        session.commit()
