"""Take screenshots of the main pages over the demo world (not a test: run it by hand).

Usage, after ``IMOS_VAR_DIR=/tmp/imos-demo imos demo --persons 2000``::

    IMOS_VAR_DIR=/tmp/imos-demo .venv/bin/python tests/web/demo_screenshots.py docs/screenshots

It serves the demo database with ``imos serve`` on a free port, signs in as the demo
analyst (desktop) and the demo officer (phone) with their printed credentials, declares a
purpose, and saves the dashboard, the queue with a lead's explanation open, and the
person of that lead. It prints how long the queue and the profile took to load.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from immigrationos.auth import totp

CHROMIUM = "/usr/bin/chromium"
SIZES = {
    "desktop": ("demo.analyst", {"width": 1280, "height": 800}),
    "phone": ("demo.officer", {"width": 390, "height": 844}),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shoot(base: str, out: Path, credentials: dict[str, dict[str, str]]) -> None:
    """Sign in at each size and save the main pages."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for size, (username, viewport) in SIZES.items():
            phone = size == "phone"
            context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
            page = context.new_page()
            page.goto(base + "/sign-in")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(credentials[username]["password"])
            page.get_by_label("I have read the system-use notice and accept it").check()
            page.get_by_role("button", name="Continue").click()
            code = totp.code_at(credentials[username]["totp_secret"], datetime.now(UTC))
            page.get_by_label("Authenticator code").fill(code)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", name="Dashboard").wait_for()
            page.screenshot(path=str(out / f"demo-dashboard-{size}.png"), full_page=True)
            page.goto(base + "/purpose")
            page.get_by_label("Reference (case, lead or investigation number)").fill("C-2026-0042")
            page.get_by_label("Title").fill("Case review")
            page.get_by_label("Why the data is needed").fill("Reviewing the open leads")
            page.get_by_role("button", name="Declare and use").click()
            started = time.monotonic()
            page.goto(base + "/leads")
            print(f"{size}: queue {time.monotonic() - started:.3f} s")
            page.get_by_test_id("lead-row").first.locator("a").click()
            explanation = page.get_by_test_id("lead-explanation")
            explanation.wait_for()
            page.screenshot(path=str(out / f"demo-leads-{size}.png"))
            person = explanation.locator("a[href^='/persons/']").first.get_attribute("href")
            started = time.monotonic()
            page.goto(base + str(person))
            print(f"{size}: profile {time.monotonic() - started:.3f} s")
            page.screenshot(path=str(out / f"demo-person-{size}.png"), full_page=True)
            context.close()
        browser.close()


def main() -> None:
    """Serve the demo database and take the screenshots into the folder named."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    var = Path(os.environ.get("IMOS_VAR_DIR", "var"))
    credentials = {
        c["username"]: c for c in json.loads((var / "demo-credentials.json").read_text())
    }
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "imos"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("imos serve did not start") from None
                time.sleep(0.2)
        shoot(f"http://127.0.0.1:{port}", out, credentials)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
