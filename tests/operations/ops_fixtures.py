"""Fixtures of the operations tests: the API on the test database, four persons with a case
each, and signed-in users: two officers, three supervisors, and the other roles.

Imported by the test modules (``from .ops_fixtures import ...``) rather than a conftest, so
that the solver tests of this folder stay free of the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from api.conftest import HOME_OFFICE, Api, SignedInUser, api, fast_hasher  # noqa: F401
from immigrationos.auth.principal import Principal
from immigrationos.cases.models import Case
from immigrationos.db.engine import session_scope
from immigrationos.operations import sensitive

from . import ops_world

DAY = dt.date(2026, 12, 3)
NO_PLACES = "categories:\n  school: {label: school, radius_m: 300}\nlocations: []\n"


@dataclass
class OpsWorld:
    """The API, the leads, users by label, each with a purpose."""

    api: Api
    folder: Path
    lake_dir: Path
    leads: dict[str, str]
    users: dict[str, SignedInUser] = field(default_factory=dict)
    purposes: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        """Return the headers of a user with their purpose."""
        return self.users[who].with_purpose(self.purposes[who])

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        """POST as a user under their purpose."""
        return self.api.client.post(f"/api/v1{path}", json=body, headers=self.headers(who))

    def get(self, who: str, path: str, **params: Any) -> Any:
        """GET as a user under their purpose."""
        return self.api.client.get(f"/api/v1{path}", params=params, headers=self.headers(who))

    def principal(self, who: str) -> Principal:
        """Return the principal of a user, for calling flows directly."""
        user = self.users[who]
        return Principal(
            actor=user.id, username=user.username, role=user.role,
            offices=tuple(user.offices), client="test",
        )  # fmt: skip

    def case_in(self, label: str, state: str) -> str:
        """Open the person's case, assign it to officer1 and set its state; return its ID."""
        response = self.post("analyst", "/cases", {"lead_id": self.leads[label]})
        assert response.status_code == 201, response.text
        case_id = str(response.json()["case_id"])
        with session_scope(self.api.engine) as session:
            session.execute(
                update(Case)
                .where(Case.case_id == case_id)
                .values(state=state, assigned_officer=self.users["officer1"].id, version=2)
            )
            session.commit()
        return case_id

    def case(self, case_id: str) -> Case:
        """Return the stored case."""
        with session_scope(self.api.engine) as session:
            found = session.get(Case, case_id)
            assert found is not None
            session.expunge(found)
        return found

    def request_body(self, case_ids: list[str], **extra: Any) -> dict[str, Any]:
        """Return a request for an operation in Los Angeles with one team of officer1."""
        body: dict[str, Any] = {
            "field_office": HOME_OFFICE,
            "day": DAY.isoformat(),
            "shift_start": "05:00",
            "shift_end": "14:00",
            "service_minutes": 20,
            "teams": [{"team_id": "T01", "seats": 4, "officers": [self.users["officer1"].id]}],
            "case_ids": case_ids,
            "reason": "three overstays of one area, one morning",
        }
        body.update(extra)
        return body

    def request(self, who: str, case_ids: list[str], **extra: Any) -> dict[str, Any]:
        """Request an operation; return it."""
        response = self.post(who, "/operations", self.request_body(case_ids, **extra))
        assert response.status_code == 201, response.text
        return dict(response.json())


def make_purpose(on: Api, user: SignedInUser, ref: str) -> str:
    """Create a CASE purpose as the user; return its ID."""
    response = on.client.post(
        "/api/v1/purposes",
        json={"kind": "CASE", "reference": ref, "title": "operation", "justification": "test"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture()
def places_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sensitive-locations file in force for the test (none at first)."""
    path = tmp_path / "sensitive.yaml"
    path.write_text(NO_PLACES, encoding="utf-8")
    monkeypatch.setenv(sensitive.ENV_VAR, str(path))
    return path


def make_world(api: Api, tmp_path: Path, lake_dir: Path) -> OpsWorld:  # noqa: F811
    """Build the four persons with OPEN leads, and users of each role with their purposes."""
    leads = ops_world.build(api.engine, tmp_path / "in", lake_dir)
    found = OpsWorld(api=api, folder=tmp_path, lake_dir=lake_dir, leads=leads)
    roles = {
        "officer1": "OFFICER", "officer2": "OFFICER", "sup1": "SUPERVISOR",
        "sup2": "SUPERVISOR", "sup3": "SUPERVISOR", "analyst": "ANALYST",
        "oversight": "OVERSIGHT",
    }  # fmt: skip
    for label, role in roles.items():
        office = None if role in ("ANALYST", "OVERSIGHT") else [HOME_OFFICE]
        user = api.user(role, office)
        found.users[label] = user
        if role != "OVERSIGHT":
            found.purposes[label] = make_purpose(api, user, f"C-{label}")
    found.purposes["oversight"] = found.purposes["analyst"]
    return found


@pytest.fixture()
def world(api: Api, tmp_path: Path, lake_dir: Path, places_file: Path) -> OpsWorld:  # noqa: F811
    """Four persons with OPEN leads, and users: officers, supervisors, analyst, oversight."""
    return make_world(api, tmp_path, lake_dir)
