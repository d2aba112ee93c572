"""Cases fixtures: the API on the test database, the two-person world, users by role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from api.conftest import HOME_OFFICE, Api, SignedInUser, api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from immigrationos.auth.models import ROLES
from immigrationos.auth.permissions import is_office_scoped
from immigrationos.cases.models import Case
from immigrationos.db.engine import session_scope

from . import world as case_world


@dataclass
class World:
    """The API, the two leads, and one signed-in user of each role with a purpose."""

    api: Api
    folder: Path
    lake_dir: Path
    leads: dict[str, str]
    users: dict[str, SignedInUser] = field(default_factory=dict)
    purposes: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        """Return the headers of the role's user, with its purpose."""
        return self.users[role].with_purpose(self.purposes.get(role, "none"))

    def post(self, role: str, path: str, body: dict[str, Any]) -> Any:
        """POST as the role's user under its purpose."""
        return self.api.client.post(f"/api/v1{path}", json=body, headers=self.headers(role))

    def get(self, role: str, path: str, **params: Any) -> Any:
        """GET as the role's user under its purpose."""
        return self.api.client.get(f"/api/v1{path}", params=params, headers=self.headers(role))

    def accept(self, label: str = "teodoro") -> dict[str, Any]:
        """Accept a lead as the analyst; return the case."""
        response = self.post("ANALYST", "/cases", {"lead_id": self.leads[label]})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def force(self, case_id: str, **values: Any) -> int:
        """Set a case's columns directly (test set-up); bump and return its version."""
        with session_scope(self.api.engine) as session:
            case = session.get(Case, case_id)
            assert case is not None
            version = case.version + 1
            session.execute(
                update(Case).where(Case.case_id == case_id).values(**values, version=version)
            )
            session.commit()
        return version

    def case(self, case_id: str) -> Case:
        """Return the stored case."""
        with session_scope(self.api.engine) as session:
            found = session.get(Case, case_id)
            assert found is not None
            session.expunge(found)
        return found


def make_purpose(on: Api, user: SignedInUser, ref: str) -> str:
    """Create a CASE purpose as the user; return its ID."""
    response = on.client.post(
        "/api/v1/purposes",
        json={"kind": "CASE", "reference": ref, "title": "case work", "justification": "test"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture()
def world(api: Api, tmp_path: Path, lake_dir: Path) -> World:  # noqa: F811  (the fixture)
    """The two-person world with a user of every role (office roles: Los Angeles)."""
    on = api
    leads = case_world.build(on.engine, tmp_path / "in", lake_dir)
    found = World(api=on, folder=tmp_path, lake_dir=lake_dir, leads=leads)
    for role in ROLES:
        user = on.user(role, [HOME_OFFICE] if is_office_scoped(role) else None)
        found.users[role] = user
        if role not in ("DETENTION", "WORKSITE_AUDITOR", "OVERSIGHT", "ADMIN"):
            found.purposes[role] = make_purpose(on, user, f"C-{role}")
    # Roles that declare no purposes work under one of their office's (or a national one).
    found.purposes["DETENTION"] = found.purposes["SUPERVISOR"]
    found.purposes["OVERSIGHT"] = found.purposes["ANALYST"]
    return found
