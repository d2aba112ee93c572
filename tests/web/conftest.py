"""Web fixtures: the application on the test database, and browsers signed in by role.

A ``WebUser`` is a test client with its own cookie jar, signed in through the pages
(password, then authenticator code), as a person at a browser would be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.conftest import PASSWORD, Api, api, fast_hasher  # noqa: F401  (fixtures re-used)
from api.persons_world import resolved_world, targeted
from immigrationos.auth import totp

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PENDING = re.compile(r'name="pending" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's forms carry."""
    found = CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str, code: str) -> Any:
    """Go through both sign-in pages; return the answer to the code page."""
    token = csrf_of(client.get("/sign-in").text)
    step = client.post(
        "/sign-in",
        data={
            "csrf_token": token,
            "username": username,
            "password": password,
            "accept_notice": "yes",
        },
    )
    assert step.status_code == 200, step.text
    pending = PENDING.search(step.text)
    assert pending, "the code page holds the pending sign-in"
    return client.post(
        "/sign-in/code",
        data={"csrf_token": token, "pending": pending.group(1), "totp_code": code},
        follow_redirects=False,
    )


@dataclass
class WebUser:
    """A browser signed in as one user."""

    id: str
    role: str
    offices: list[str]
    client: TestClient
    purpose: str | None = None
    seen: list[str] = field(default_factory=list)

    def get(self, path: str, **kw: Any) -> Any:
        """Open a page."""
        return self.client.get(path, **kw)

    def csrf(self) -> str:
        """Return this session's CSRF token (from a page's form)."""
        return csrf_of(self.client.get("/purpose").text)

    def post(self, path: str, data: dict[str, str], **kw: Any) -> Any:
        """Send a form with this session's CSRF token."""
        return self.client.post(path, data={"csrf_token": self.csrf(), **data}, **kw)

    def declare_purpose(self, reference: str = "C-WEB") -> str:
        """Declare a purpose through the purpose page and make it the current one."""
        answer = self.post(
            "/purpose",
            {"kind": "CASE", "reference": reference, "title": "web test", "justification": "t"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        self.purpose = str(self.client.cookies.get("imos_purpose"))
        return self.purpose


@dataclass
class Web:
    """The application on the test database, and a way to open signed-in browsers."""

    api: Api
    clients: list[TestClient] = field(default_factory=list)

    def browser(self) -> TestClient:
        """Return a fresh client with an empty cookie jar."""
        client = TestClient(self.api.client.app, raise_server_exceptions=False)
        self.clients.append(client)
        return client

    def user(self, role: str, offices: list[str] | None = None) -> WebUser:
        """Return a browser signed in as a new user of ``role``."""
        created = self.api.create(role, offices)
        client = self.browser()
        code = totp.code_at(created.totp_secret, datetime.now(UTC))
        answer = sign_in(client, created.user.username, PASSWORD, code)
        assert answer.status_code == 303, answer.text
        return WebUser(id=created.user.id, role=role, offices=created.user.offices, client=client)


@pytest.fixture()
def web(api: Api) -> Iterator[Web]:  # noqa: F811
    """The web interface on this test's database."""
    found = Web(api=api)
    yield found
    for client in found.clients:
        client.close()


@pytest.fixture()
def world(api: Api, tmp_path: Path, lake_dir: Path) -> dict[str, str]:  # noqa: F811
    """The persons API's small world, resolved and targeted: person IDs and ``lead``."""
    ids = resolved_world(api.engine, tmp_path / "in", lake_dir)
    return {**ids, "lead": targeted(api.engine, lake_dir)}
