"""The stop switch page, its forms, and the banner every page shows while it is on."""

from __future__ import annotations

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from web import conftest as web_conftest
from web.conftest import Web

web = web_conftest.web  # the web tests' browsers, re-used

BANNER = 'data-testid="switch-banner"'


def test_oversight_suspends_and_resumes_on_the_page_and_every_page_says_so(web: Web) -> None:
    oversight, analyst = web.user("OVERSIGHT"), web.user("ANALYST")
    shown = oversight.get("/oversight/switch")
    assert shown.status_code == 200 and "Nothing is suspended" in shown.text
    assert 'data-testid="suspend-form"' in shown.text and BANNER not in shown.text
    # A reason is required.
    bare = oversight.post("/oversight/switch", {"action": "SUSPEND", "scope": "TARGETING"})
    assert bare.status_code == 422 and "needs a reason" in bare.text
    done = oversight.post(
        "/oversight/switch",
        {"action": "SUSPEND", "scope": "TARGETING", "reason": "proxy bias found in ZIP factor"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    # Every page says so, to every user: the analyst's purpose page, the sign-in page.
    for page in (analyst.get("/purpose"), analyst.get("/oversight/switch")):
        assert page.status_code == 200 and BANNER in page.text
        assert "Targeting is suspended" in page.text and "proxy bias found" in page.text
    assert BANNER in web.browser().get("/sign-in").text
    # The analyst sees the state but gets no form, and may not switch.
    seen = analyst.get("/oversight/switch")
    assert 'data-testid="suspend-form"' not in seen.text and "Resume targeting" not in seen.text
    refused = analyst.post(
        "/oversight/switch", {"action": "RESUME", "scope": "TARGETING", "reason": "no"}
    )
    assert refused.status_code == 403
    # Resumed from the page: the banner is gone and the history keeps both changes.
    again = oversight.post(
        "/oversight/switch",
        {"action": "RESUME", "scope": "TARGETING", "target": "", "reason": "factor removed"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    after = oversight.get("/oversight/switch")
    assert BANNER not in after.text and after.text.count('data-testid="switch-event"') == 2
    assert BANNER not in analyst.get("/purpose").text
    assert web.api.audit_count(action="oversight.suspend", actor=oversight.id) == 1
    assert web.api.audit_count(action="oversight.resume", actor=oversight.id) == 1


def test_a_detector_suspension_is_named_on_the_banner_and_sign_off_is_offered(
    web: Web,
) -> None:
    oversight, legal = web.user("OVERSIGHT"), web.user("LEGAL")
    done = oversight.post(
        "/oversight/switch",
        {"action": "SUSPEND", "scope": "DETECTOR", "target": "OVERSTAY", "reason": "recall"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = legal.get("/oversight/switch")
    assert "Part of targeting is suspended" in page.text and "OVERSTAY detector" in page.text
    assert 'data-testid="signoff-form"' in page.text  # LEGAL may sign off
    assert "default-priority (bundled)" in page.text
    unknown = legal.post(
        "/oversight/policy-signoffs", {"sha256": "0" * 64, "statement": "reviewed"}
    )
    assert unknown.status_code == 404 and "was submitted" in unknown.text
