"""Fixtures of the lawful-use tests: principals, purposes, authorizations and sample records."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from immigrationos.auth.models import User
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy.engine import (
    AuthorizationView,
    DataUsePolicy,
    PurposeView,
    UseContext,
    load_policy,
)

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NYC = "New York City Field Office"
CHICAGO = "Chicago Field Office"

OFFICER = Principal(actor="u-officer", username="officer", role="OFFICER", offices=(NYC,))
ANALYST = Principal(actor="u-analyst", username="analyst", role="ANALYST")
FINCEN_ANALYST = replace(ANALYST, grants=frozenset({"FINCEN"}))

W2 = {
    "record_id": "W2-1",
    "tax_year": "2025",
    "employer_ein": "123456789",
    "employer_name": "ACME FARMS",
    "employee_tin": "123456789",
    "given_name": "ANA",
    "family_name": "GARCIA",
    "wages": "31000.00",
}
W2_OTHER = {**W2, "record_id": "W2-2", "employee_tin": "987654321", "given_name": "LUIS"}
ITIN = {
    "record_id": "ITIN-1",
    "itin": "912345678",
    "given_name": "Ana",
    "family_name": "Garcia",
    "birth_date": "1990-01-02",
    "sex": "F",
    "country_of_citizenship": "MEX",
    "issue_date": "2015-03-01",
}
DMV_NY = {
    "record_id": "DMV-1",
    "state": "NY",
    "license_number": "123456789",
    "given_name": "ANA",
    "family_name": "GARCIA",
    "birth_date": "1990-01-02",
}
DMV_NY_OTHER = {**DMV_NY, "record_id": "DMV-2", "license_number": "555000111"}
DMV_TX = {**DMV_NY, "record_id": "DMV-3", "state": "TX", "license_number": "77001234"}
SAR = {"record_id": "SAR-1", "filer_name": "FIRST BANK", "given_name": "ANA", "amount": "9000"}
CTR = {"record_id": "CTR-1", "institution_name": "FIRST BANK", "given_name": "ANA"}
I94 = {"record_id": "I94-1", "event": "ARRIVAL", "given_name": "ANA", "family_name": "GARCIA"}


def benefit(form_type: str, record_id: str = "BEN-1") -> dict[str, Any]:
    """Return a benefit record of ``form_type``."""
    return {"record_id": record_id, "form_type": form_type, "status": "PENDING"}


def purpose(
    kind: str = "CASE",
    *,
    id: str = "P-1",
    field_office: str | None = NYC,
    closed: bool = False,
) -> PurposeView:
    """Return a purpose view."""
    return PurposeView(id, kind, f"REF-{id}", f"title of {id}", field_office, closed)


def auth(
    kind: str = "IRC_6103_I1_COURT_ORDER",
    *,
    id: str = "A-1",
    sources: tuple[str, ...] = ("irs_w2", "irs_itin"),
    purpose_ids: tuple[str, ...] = ("P-CI",),
    subjects: tuple[tuple[str, str], ...] = (("TIN", "123456789"),),
    states: tuple[str, ...] = (),
    expires_on: date | None = None,
    revoked: bool = False,
) -> AuthorizationView:
    """Return an authorization view."""
    return AuthorizationView(
        id=id,
        kind=kind,
        reference=f"ORDER-{id}",
        sources=frozenset(sources),
        purpose_ids=frozenset(purpose_ids),
        subjects=subjects,
        states=frozenset(states),
        expires_on=expires_on,
        revoked=revoked,
    )


CI = purpose("CRIMINAL_INVESTIGATION", id="P-CI")


def context(
    principal: Principal = ANALYST,
    purpose_view: PurposeView | None = CI,
    *authorizations: AuthorizationView,
) -> UseContext:
    """Return a use context on TODAY."""
    return UseContext(principal, purpose_view, tuple(authorizations), TODAY)


@pytest.fixture(scope="session")
def policy() -> DataUsePolicy:
    """The bundled default policy."""
    return load_policy()


def make_user(engine: Engine, username: str = "fin.analyst", role: str = "ANALYST") -> str:
    """Insert a user row directly (accounts are not under test here); return its id."""
    user_id = str(uuid.uuid4())
    with session_scope(engine) as session:
        session.add(
            User(
                id=user_id,
                username=username,
                display_name=username,
                role=role,
                field_offices=json.dumps([]),
                password_hash="not-a-hash",
                password_changed_at=NOW,
                totp_secret="not-a-secret",
                totp_confirmed=True,
                failed_attempts=0,
                disabled=False,
                created_at=NOW,
                created_by="test",
            )
        )
        session.commit()
    return user_id
