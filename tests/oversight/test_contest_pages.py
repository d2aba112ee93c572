"""The contests page: a contest entered and decided through its forms, and who sees which."""

from __future__ import annotations

import re
from pathlib import Path

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases import world as case_world
from immigrationos.db.engine import session_scope
from immigrationos.targeting.models import Lead
from web import conftest as web_conftest
from web.conftest import Web

web = web_conftest.web  # the web tests' browsers, re-used
PATH = "/oversight/contests"


def _state(web: Web, lead_id: str) -> str:
    with session_scope(web.api.engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead.state


def test_a_contest_is_entered_and_decided_on_the_page(
    web: Web, tmp_path: Path, lake_dir: Path
) -> None:
    leads = case_world.build(web.api.engine, tmp_path / "in", lake_dir)
    legal, supervisor, oversight = web.user("LEGAL"), web.user("SUPERVISOR"), web.user("OVERSIGHT")
    shown = legal.get(PATH)
    assert shown.status_code == 200 and 'data-testid="contest-form"' in shown.text
    entered = legal.post(
        PATH,
        {"kind": "FLAG", "subject": leads["teodoro"], "filed_by": "ATTORNEY",
         "claimant": "counsel", "claim": "born in Ohio", "evidence": "birth certificate",
         "finding": "US_CITIZEN"},
        follow_redirects=False,
    )  # fmt: skip
    assert entered.status_code == 303, entered.text
    assert _state(web, leads["teodoro"]) == "HELD"
    # Oversight reads the list but gets no form; an office user of another area sees none.
    seen = oversight.get(PATH)
    assert seen.text.count('data-testid="contest-row"') == 1
    assert 'data-testid="decide-form"' not in seen.text
    assert "contest-form" not in seen.text
    elsewhere = web.user("SUPERVISOR", ["Chicago Field Office"]).get(PATH)
    assert 'data-testid="contest-row"' not in elsewhere.text
    page = supervisor.get(PATH)
    found = re.search(r'action="/oversight/contests/([0-9a-f-]+)/decision"', page.text)
    assert found is not None
    # The one who entered it may not decide it.
    own = legal.post(f"{PATH}/{found.group(1)}/decision", {"outcome": "UPHELD", "reason": "mine"})
    assert own.status_code == 403 and "someone else decides it" in own.text
    decided = supervisor.post(
        f"{PATH}/{found.group(1)}/decision",
        {"outcome": "UPHELD", "reason": "verified", "finding": ""},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert _state(web, leads["teodoro"]) == "CLOSED"
    after = oversight.get(PATH)
    assert 'data-testid="error-count"' in after.text and "incident review OPEN" in after.text
    assert web.api.audit_count(action="contests.open") == 1
    assert web.api.audit_count(action="contests.decide", outcome="SUCCESS") == 1
    assert web.api.audit_count(action="contests.list") >= 4
