"""Documents fixtures: the API on the test database, the documents world, users by role."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from api.conftest import HOME_OFFICE, Api, api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases.conftest import World, make_purpose
from immigrationos.auth.models import ROLES
from immigrationos.auth.permissions import is_office_scoped

from . import world as documents_world


class DocumentsWorld(World):
    """The cases World, with a second supervisor and helpers for documents."""

    def open_case(self, label: str, state: str | None = None) -> str:
        """Accept the label's lead as the analyst; force the case into ``state``; return its ID."""
        case_id = str(self.accept(label)["case_id"])
        if state is not None:
            self.force(case_id, state=state)
        return case_id

    def generate(self, role: str, case_id: str, form: str, **entries: Any) -> Any:
        """POST a draft of ``form`` for the case as the role's user."""
        body: dict[str, Any] = {"form": form, "entries": entries}
        return self.post(role, f"/cases/{case_id}/documents", body)

    def sign(self, role: str, document_id: str) -> Any:
        """Sign a document as the role's user."""
        return self.post(role, f"/documents/{document_id}/sign", {})

    def pdf(self, role: str, document_id: str) -> bytes:
        """Download a document's PDF as the role's user."""
        response = self.get(role, f"/documents/{document_id}/pdf")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        return bytes(response.content)


def pdf_text(pdf: bytes) -> str:
    """Return a PDF's text with all whitespace removed, upper case (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return "".join(text.split()).upper()


def squeeze(value: str) -> str:
    """Return a value as :func:`pdf_text` compares it."""
    return "".join(value.split()).upper()


@pytest.fixture()
def world(api: Api, tmp_path: Path, lake_dir: Path) -> DocumentsWorld:  # noqa: F811  (the fixture)
    """The documents world with a user of every role (office roles: Los Angeles)."""
    on = api
    leads = documents_world.build(on.engine, tmp_path / "in", lake_dir)
    found = DocumentsWorld(api=on, folder=tmp_path, lake_dir=lake_dir, leads=leads)
    for role in ROLES:
        user = on.user(role, [HOME_OFFICE] if is_office_scoped(role) else None)
        found.users[role] = user
        if role not in ("DETENTION", "WORKSITE_AUDITOR", "OVERSIGHT", "ADMIN"):
            found.purposes[role] = make_purpose(on, user, f"C-{role}")
    found.purposes["DETENTION"] = found.purposes["SUPERVISOR"]
    found.purposes["OVERSIGHT"] = found.purposes["ANALYST"]
    # A second supervisor: a warrant is signed by one who did not draft it.
    second = on.user("SUPERVISOR", [HOME_OFFICE])
    found.users["SUPERVISOR2"] = second
    found.purposes["SUPERVISOR2"] = make_purpose(on, second, "C-SUPERVISOR2")
    return found
