"""The jobs page in Chromium: start a job, watch it end without reloading, cancel one.

On SQLite the job runs in the server's thread and the table, polled by htmx, shows it
RUNNING then SUCCEEDED with its result; on PostgreSQL (no worker here) a started job
waits QUEUED and its cancel button cancels it.
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

from audit_guard import empty_database
from immigrationos.api import create_app
from immigrationos.auth import passwords
from web.test_browser import (  # noqa: F401  (the browser fixtures, re-used)
    AXE,
    Site,
    _free_port,
    browser,
    check_page,
    chromium,
    sign_in,
)

from .test_jobs_api import _delivery

pytestmark = pytest.mark.xdist_group("jobs-browser")


@pytest.fixture(scope="module")
def site(chromium: Path, db_engine: Engine) -> Iterator[Site]:  # noqa: F811
    """Serve the app with uvicorn in a thread on a free port, on an empty database."""
    with pytest.MonkeyPatch.context() as patch:
        from argon2 import PasswordHasher, Type

        patch.setattr(passwords, "HASHER",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))  # fmt: skip
        passwords.dummy_hash.cache_clear()
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(db_engine), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        try:
            yield Site(f"http://127.0.0.1:{port}", db_engine, {}, "")
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            passwords.dummy_hash.cache_clear()
            empty_database(db_engine)


def _row(page: Any, state: str) -> Any:
    row = page.locator(f'[data-testid="job-row"][data-state="{state}"]').first
    row.wait_for(timeout=120_000)
    return row


def test_jobs_page_starts_follows_and_cancels(site: Site, browser: Any, world: Path) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(20_000)
    page_size = "desktop"
    page = context.new_page()
    page.size_name = page_size
    try:
        username, secret = site.user("ANALYST")
        sign_in(page, site, username, secret)
        page.goto(site.url + "/jobs")
        page.get_by_test_id("no-jobs").wait_for()
        check_page(page, "jobs")
        if site.engine.dialect.name == "sqlite":
            page.get_by_label("Delivery folder").fill(_delivery(world))
            page.get_by_role("button", name="Start ingest").click()
            # The table refreshes itself (htmx) until the job has ended: no reload here.
            row = _row(page, "SUCCEEDED")
            assert "Ingest a delivery" in row.inner_text()
            assert "accepted" in row.get_by_test_id("job-result").inner_text()
            assert page.get_by_test_id("jobs-table").get_attribute("data-active") == "no"
            page.get_by_label("Delivery folder").fill("../outside")
            page.get_by_role("button", name="Start ingest").click()
            assert "inside incoming/" in page.get_by_test_id("jobs-error").inner_text()
        else:
            page.get_by_label("Export or report").select_option("export-clusters")
            page.get_by_role("button", name="Start", exact=True).click()
            row = _row(page, "QUEUED")
            row.get_by_test_id("cancel-job").click()
            row = _row(page, "CANCELLED")
            assert "before it ran" in row.get_by_test_id("job-error").inner_text()
        check_page(page, "jobs-after")
    finally:
        context.close()
