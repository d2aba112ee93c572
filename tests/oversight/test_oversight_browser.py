"""The oversight pages in a real browser (Debian's Chromium driven by Playwright).

The bias monitor, the automation-bias signals, a replayed lead and the contests page,
at desktop (1280x800) and phone (390x844) size, signed in through the pages. The
server, the browser and the checks (axe-core: no serious violation; no sideways scroll
at phone width) are the web tests' own (``tests/web/test_browser.py``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from immigrationos.auth.models import User
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.targeting import decisions
from immigrationos.targeting.models import Lead
from web import test_browser as web_browser
from web.test_browser import Site, check_page, sign_in

# The web browser tests' fixtures, re-used (module-scoped: a server and a browser here).
chromium, site, browser, page = (
    web_browser.chromium,
    web_browser.site,
    web_browser.browser,
    web_browser.page,
)
pytestmark = pytest.mark.xdist_group("web-browser")


def _principal(served: Site, username: str) -> Principal:
    """Return the principal of a user made by ``Site.user``."""
    with session_scope(served.engine) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        session.expunge(user)
    return Principal.of_user(user, client="test")


def _seed_decisions(served: Site) -> str:
    """Follow and override the lead's first recommendation through the flow; return who."""
    username, _ = served.user("SUPERVISOR", [served.lead_office])
    reviewer = _principal(served, username)
    purpose = policy_flows.create_purpose(
        engine=served.engine,
        principal=reviewer,
        data=PurposeCreate(
            kind=PurposeKind.CASE, reference="C-AUTO", title="review", justification="test"
        ),
    )
    with session_scope(served.engine) as session:
        lead = session.get(Lead, served.ids["lead"])
        assert lead is not None
        offered = [r["action"] for r in json.loads(lead.evaluation)["recommendations"]]
    for followed, reason in ((True, "as advised"), (True, "as advised"), (False, "relief")):
        decisions.decide_recommendation(
            served.engine, principal=reviewer, purpose_id=purpose.id,
            lead_id=served.ids["lead"], action=offered[0], followed=followed, reason=reason,
        )  # fmt: skip
    return username


def _purpose(served: Site) -> str:
    """Return a case purpose an analyst of the lead's office declared (oversight declares none)."""
    username, _ = served.user("ANALYST")
    return policy_flows.create_purpose(
        engine=served.engine,
        principal=_principal(served, username),
        data=PurposeCreate(
            kind=PurposeKind.CASE, reference="C-REPLAY", title="replay", justification="test"
        ),
    ).id


def test_oversight_sees_bias_automation_and_a_replay(page: Any, site: Site) -> None:
    reviewer = _seed_decisions(site)
    purpose = _purpose(site)
    username, secret = site.user("OVERSIGHT")
    sign_in(page, site, username, secret)
    # Bias: the small world needs a smallest group of 1 to draw a chart.
    page.goto(site.url + "/oversight/bias")
    page.get_by_role("heading", name="Bias monitor").wait_for()
    page.get_by_label("Smallest group").fill("1")
    page.get_by_role("button", name="Measure").click()
    page.wait_for_url("**min_group=1**")
    bands = page.locator("svg rect.band")
    assert bands.count() >= 1  # one chart per metric and attribute, each over the band
    assert "0.8 to 1.25" in (bands.first.locator("title").text_content() or "")
    # Every group's label fits inside its chart (the longest: a field office's name).
    cut = page.evaluate(
        """() => [...document.querySelectorAll("svg.ratio-chart g.group > text:first-of-type")]
            .filter(t => t.getBBox().x < 0).map(t => t.textContent)"""
    )
    assert not cut, f"labels cut at the chart's left edge: {cut}"
    alerts = page.get_by_test_id("bias-alerts").or_(page.get_by_test_id("bias-no-alert"))
    assert alerts.first.is_visible()
    check_page(page, "oversight-bias")
    # Automation bias: the seeded reviewer's row, 2 followed and 1 overridden.
    page.get_by_role("link", name="Automation bias").click()
    row = page.locator(f'[data-testid="automation-reviewer"][data-name="{reviewer}"]')
    row.wait_for()
    text = row.inner_text()
    assert "relief" in text and "66.7%" in text
    assert page.get_by_test_id("automation-office").count() >= 1
    check_page(page, "oversight-automation")
    # Replay: the lead's decision then, beside today.
    page.goto(site.url + f"/oversight/replay/lead/{site.ids['lead']}?purpose={purpose}")
    then, today = page.get_by_test_id("replay-then"), page.get_by_test_id("replay-today")
    assert then.get_by_role("heading", name="Then:").is_visible()
    assert today.get_by_role("heading", name="Today:").is_visible()
    assert then.get_by_test_id("replay-record").count() >= 1
    for side in (then, today):
        assert side.get_by_test_id("replay-policy").inner_text().strip()
        assert side.get_by_test_id("replay-state").inner_text().strip()
    assert "from a snapshot" in page.get_by_test_id("replay-subject").inner_text()
    check_page(page, "oversight-replay")


def test_a_contest_entered_and_decided_through_the_forms(page: Any, site: Site) -> None:
    lead = site.ids["lead"]
    legal, legal_secret = site.user("LEGAL", [site.lead_office])
    sign_in(page, site, legal, legal_secret)
    page.goto(site.url + "/oversight/contests")
    page.get_by_role("heading", name="Enter a contest").wait_for()
    check_page(page, "oversight-contests-form")
    page.get_by_label("Against").select_option("FLAG")
    page.get_by_label("Lead, record or link").fill(lead)
    page.get_by_label("Brought by").select_option("ATTORNEY")
    page.get_by_label("Name of who brought it").fill(f"counsel {page.size_name}")
    page.get_by_label("The claim", exact=True).fill("born in Ohio")
    page.get_by_label("The evidence shown").fill("birth certificate")
    page.get_by_role("button", name="Enter the contest").click()
    row = page.get_by_test_id("contest-row").filter(has_text=f"counsel {page.size_name}")
    row.wait_for()
    assert "OPEN" in row.inner_text() and "HELD" in row.inner_text()
    # The one who entered it may not decide it: the form answers in words.
    row.get_by_label("Why (required)").fill("my own")
    row.get_by_role("button", name="Decide").click()
    page.get_by_text("someone else decides it").first.wait_for()
    check_page(page, "oversight-contests-own-refused")
    page.context.clear_cookies()
    supervisor, supervisor_secret = site.user("SUPERVISOR", [site.lead_office])
    sign_in(page, site, supervisor, supervisor_secret)
    page.goto(site.url + "/oversight/contests")
    row = page.get_by_test_id("contest-row").filter(has_text=f"counsel {page.size_name}")
    # Rejected, so the lead goes back to its state for the other viewport's run.
    row.get_by_label("Outcome").select_option("REJECTED")
    row.get_by_label("Why (required)").fill("the certificate does not match the person")
    check_page(page, "oversight-contests-decide")
    row.get_by_role("button", name="Decide").click()
    decided = page.get_by_test_id("contest-row").filter(has_text="does not match the person")
    decided.first.wait_for()
    assert "REJECTED" in decided.first.inner_text()
    check_page(page, "oversight-contests-decided")


def test_a_role_without_oversight_is_refused_in_words(page: Any, site: Site) -> None:
    username, secret = site.user("ANALYST")
    sign_in(page, site, username, secret)
    page.goto(site.url + "/oversight/bias")
    refusal = page.get_by_test_id("refusal")
    assert "Your role does not allow this" in refusal.inner_text()
    check_page(page, "oversight-refused")
