"""The lawful-use routes: thin over the flows, each with its permission, refusals as problems."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher, Type
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from immigrationos.api import create_app
from immigrationos.auth import accounts, passwords, totp

PASSWORD = "violet-harbor-lantern-42"


@pytest.fixture()
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    monkeypatch.setattr(passwords, "HASHER", hasher)
    passwords.dummy_hash.cache_clear()
    with TestClient(create_app(engine), raise_server_exceptions=False) as test_client:
        yield test_client
    passwords.dummy_hash.cache_clear()


def sign_in(
    client: TestClient, role: str, offices: list[str] | None = None
) -> tuple[str, dict[str, str]]:
    created = accounts.create_user(
        f"{role.lower()}.one",
        f"Test {role}",
        role,
        PASSWORD,
        created_by="test",
        field_offices=offices or [],
        engine=client.app.state.engine,  # type: ignore[attr-defined]
    )
    response = client.post(
        "/api/v1/auth/sign-in",
        json={
            "username": created.user.username,
            "password": PASSWORD,
            "totp_code": totp.code_at(created.totp_secret, datetime.now(UTC)),
            "accept_notice": True,
        },
    )
    assert response.status_code == 200, response.text
    return created.user.id, {"Authorization": f"Bearer {response.json()['token']}"}


def test_purposes_authorizations_grants_and_accounting_over_http(client: TestClient) -> None:
    _, analyst = sign_in(client, "ANALYST")
    policy = client.get("/api/v1/policy", headers=analyst)
    assert policy.status_code == 200 and "census_tracts" in policy.json()["sources"]
    body = {"kind": "CASE", "reference": "C-1", "title": "a case", "justification": "why"}
    created = client.post("/api/v1/purposes", json=body, headers=analyst)
    assert created.status_code == 201, created.text
    purpose_id = created.json()["id"]
    listed = client.get("/api/v1/purposes", headers=analyst).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == purpose_id
    # An analyst may not record authorizations (the permission table).
    request = {
        "kind": "IRC_6103_I2_REQUEST",
        "reference": "REQ-1",
        "issued_by": "Director",
        "issued_on": "2026-11-26",
        "sources": ["irs_w2"],
        "purpose_ids": [purpose_id],
        "subjects": [{"kind": "SSN", "value": "123456789"}],
    }
    assert client.post("/api/v1/authorizations", json=request, headers=analyst).status_code == 403
    accounting = client.get(
        "/api/v1/disclosures/accounting", params={"subject_key": "cbp_i94:I94-1"}, headers=analyst
    )
    assert accounting.status_code == 403  # analysts do not read disclosures
    user_id, admin = sign_in(client, "ADMIN")
    grant = client.post(
        "/api/v1/grants",
        json={"user_id": user_id, "grant": "FINCEN", "reason": "BSA task force"},
        headers=admin,
    )
    assert grant.status_code == 201, grant.text
    again = client.post(
        "/api/v1/grants",
        json={"user_id": user_id, "grant": "FINCEN", "reason": "twice"},
        headers=admin,
    )
    assert again.status_code == 409 and "already holds" in again.json()["detail"]


def test_a_6103_request_for_a_civil_case_is_refused_over_http(client: TestClient) -> None:
    _, legal = sign_in(client, "LEGAL", ["New York City Field Office"])
    body = {"kind": "CASE", "reference": "C-2", "title": "a case", "justification": "why"}
    purpose_id = client.post("/api/v1/purposes", json=body, headers=legal).json()["id"]
    request = {
        "kind": "IRC_6103_I2_REQUEST",
        "reference": "REQ-1",
        "issued_by": "Director",
        "issued_on": "2026-11-26",
        "sources": ["irs_w2"],
        "purpose_ids": [purpose_id],
        "subjects": [{"kind": "SSN", "value": "123456789"}],
    }
    refused = client.post("/api/v1/authorizations", json=request, headers=legal)
    assert refused.status_code == 409 and "CRIMINAL_INVESTIGATION" in refused.json()["detail"]
    no_purpose = client.get(
        "/api/v1/disclosures/accounting", params={"subject_key": "cbp_i94:I94-1"}, headers=legal
    )
    assert no_purpose.status_code == 428
    accounting = client.get(
        "/api/v1/disclosures/accounting",
        params={"subject_key": "cbp_i94:I94-1"},
        headers={**legal, "X-Purpose": purpose_id},
    )
    assert accounting.status_code == 200 and accounting.json() == []
