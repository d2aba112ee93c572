"""The worksite pages in Chromium (Playwright): upload a small generated set, see findings.

One short run at desktop size on SQLite (the browser tests of ``tests/web`` cover both
backends): sign in as a worksite auditor, declare a purpose, upload the forms, a filled
PDF and the roster through the page, then filter the findings in place (htmx) under the
page's own Content Security Policy, with no serious axe-core violation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from api.conftest import HOME_OFFICE, PASSWORD
from immigrationos.api import create_app
from immigrationos.auth import accounts, passwords
from immigrationos.db.engine import build_engine, migrate
from immigrationos.worksite import generator
from web.test_browser import (  # noqa: F401  (fixtures re-used)
    AXE,
    Site,
    _free_port,
    browser,
    check_page,
    chromium,
    declare_purpose,
    sign_in,
)

pytestmark = pytest.mark.xdist_group("web-browser")


@pytest.fixture(scope="module")
def ws_site(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:  # noqa: F811
    """Serve the app on a fresh SQLite database with uvicorn in a thread."""
    folder = tmp_path_factory.mktemp("ws-web")
    engine: Engine = build_engine(f"sqlite:///{(folder / 'db.sqlite3').as_posix()}")
    migrate(engine)
    with pytest.MonkeyPatch.context() as patch:
        from argon2 import PasswordHasher, Type

        patch.setattr(
            passwords,
            "HASHER",
            PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID),
        )
        passwords.dummy_hash.cache_clear()
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
        )
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
            passwords.dummy_hash.cache_clear()
            engine.dispose()


def test_an_auditor_uploads_a_generated_set_and_filters_its_findings(
    browser: Any,  # noqa: F811
    ws_site: Site,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "set"
    generator.write_set(generator.generate(61, 12), folder, pdf_every=6)
    created = accounts.create_user(
        "web-worksite.1", "Web auditor", "WORKSITE_AUDITOR", PASSWORD, created_by="test",
        field_offices=[HOME_OFFICE], engine=ws_site.engine,
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.size_name = "desktop"
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, ws_site, "web-worksite.1", created.totp_secret)
        declare_purpose(page, ws_site, "WS-BROWSER")
        page.get_by_role("link", name="Worksite").click()
        page.get_by_role("heading", name="Worksite audits").wait_for()
        forms = [folder / "forms.csv", *sorted((folder / "pdf").glob("*.pdf"))]
        page.get_by_label("Forms (CSV, JSON, PDF)").set_input_files([str(p) for p in forms])
        page.get_by_label("Roster (CSV, optional)").set_input_files(str(folder / "roster.csv"))
        page.get_by_role("button", name="Audit").click()
        page.get_by_test_id("audit-summary").wait_for()
        assert page.locator("svg[data-chart]").count() >= 1
        rows = page.locator("#findings tbody tr")
        assert rows.count() >= 1
        first_rule = rows.first.get_attribute("data-rule")
        assert first_rule
        check_page(page, "worksite-audit")
        page.get_by_test_id("filters").get_by_label("Rule").select_option(first_rule)
        page.wait_for_function(
            "rule => [...document.querySelectorAll('#findings tbody tr')]"
            ".every(r => r.dataset.rule === rule)",
            arg=first_rule,
        )
        assert f"rule={first_rule}" in page.url  # the filter is in the address (hx-push-url)
    finally:
        context.close()
    blocked = [e for e in errors if "Content Security Policy" in e]
    assert not blocked, f"the page broke its own policy: {blocked}"
