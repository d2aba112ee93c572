"""API fixtures: the app on the test database, and signed-in users of any role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher, Type
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from immigrationos.api import create_app
from immigrationos.audit.models import AuditEvent
from immigrationos.auth import accounts, passwords, totp
from immigrationos.auth.permissions import is_office_scoped
from immigrationos.db.engine import session_scope

PASSWORD = "violet-harbor-lantern-42"
HOME_OFFICE = "Los Angeles Field Office"
OTHER_OFFICE = "Chicago Field Office"


@dataclass
class SignedInUser:
    """A user with a session: send ``headers`` with every request."""

    id: str
    username: str
    role: str
    offices: list[str]
    totp_secret: str
    token: str
    headers: dict[str, str] = field(default_factory=dict)

    def with_purpose(self, purpose_id: str) -> dict[str, str]:
        """Return the headers with a purpose declared."""
        return {**self.headers, "X-Purpose": purpose_id}


@dataclass
class Api:
    """A test client on the test database, and a way to make signed-in users."""

    client: TestClient
    engine: Engine
    _count: int = 0

    def create(
        self, role: str, offices: list[str] | None = None, username: str | None = None
    ) -> Any:
        """Create a user of ``role`` (office roles default to HOME_OFFICE)."""
        self._count += 1
        if offices is None:
            offices = [HOME_OFFICE] if is_office_scoped(role) else []
        name = username or f"{role.lower().replace('_', '-')}.{self._count}"
        return accounts.create_user(
            name,
            f"Test {role}",
            role,
            PASSWORD,
            created_by="test",
            field_offices=offices,
            engine=self.engine,
        )

    def sign_in(self, username: str, secret: str, password: str = PASSWORD) -> Any:
        """Sign in through the API with the current TOTP code."""
        code = totp.code_at(secret, datetime.now(UTC))
        return self.client.post(
            "/api/v1/auth/sign-in",
            json={
                "username": username,
                "password": password,
                "totp_code": code,
                "accept_notice": True,
            },
        )

    def user(self, role: str, offices: list[str] | None = None) -> SignedInUser:
        """Return a signed-in user of ``role``."""
        created = self.create(role, offices)
        response = self.sign_in(created.user.username, created.totp_secret)
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        return SignedInUser(
            id=created.user.id,
            username=created.user.username,
            role=role,
            offices=created.user.offices,
            totp_secret=created.totp_secret,
            token=token,
            headers={"Authorization": f"Bearer {token}"},
        )

    def audit_count(self, **where: Any) -> int:
        """Return how many audit events match ``where`` (column = value)."""
        with session_scope(self.engine) as session:
            query = select(func.count()).select_from(AuditEvent)
            for column, value in where.items():
                query = query.where(getattr(AuditEvent, column) == value)
            return int(session.execute(query).scalar_one())

    def audit_events(self, **where: Any) -> list[AuditEvent]:
        """Return the audit events matching ``where``, oldest first."""
        with session_scope(self.engine) as session:
            query = select(AuditEvent).order_by(AuditEvent.seq)
            for column, value in where.items():
                query = query.where(getattr(AuditEvent, column) == value)
            events = list(session.scalars(query))
            session.expunge_all()
            return events


@pytest.fixture()
def fast_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[PasswordHasher]:
    """Argon2id at minimal cost, so API tests stay fast; the policy is the same."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    monkeypatch.setattr(passwords, "HASHER", hasher)
    passwords.dummy_hash.cache_clear()
    yield hasher
    passwords.dummy_hash.cache_clear()


_APPS: dict[int, FastAPI] = {}


def app_on(engine: Engine) -> FastAPI:
    """Return the application on ``engine``, built once per engine (per backend and worker).

    Building it (every route's models and dependencies) costs more than most API tests do;
    it holds nothing of a test's own (its routers are module-level, its one state the
    engine), and each test still gets its own client, cookies and emptied database.
    """
    app = _APPS.get(id(engine))
    if app is None or app.state.engine is not engine:
        app = _APPS[id(engine)] = create_app(engine)
    return app


@pytest.fixture()
def api(engine: Engine, fast_hasher: PasswordHasher) -> Iterator[Api]:
    """The API on this test's database."""
    app = app_on(engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, engine=engine)
