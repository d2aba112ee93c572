"""The audit-completeness scenarios of the documents routes, for
``tests/api/test_audit_completeness.py`` to add to its own.

They run after the cases scenarios, before the operations': ``state["case_id"]`` is then a
Los Angeles case in ``target_package``. A second supervisor of the office drafts an I-200
(a warrant); ``supervisor``, not its drafter, signs it, then records serving it in person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from api.conftest import HOME_OFFICE, Api, SignedInUser

Scenario = tuple[Callable[[], Any], str | None]


def scenarios(
    api: Api,
    state: dict[str, Any],
    *,
    supervisor: SignedInUser,
    purpose: str,
    purpose_of: Callable[[Any, str], str],
) -> dict[tuple[str, str], Scenario]:
    """Return (method, path) -> (call, the purpose its audit event must name)."""
    drafter = api.user("SUPERVISOR", [HOME_OFFICE])
    drafter_purpose = purpose_of(drafter, "C-DOC")

    def draft_warrant() -> Any:
        response = api.client.post(
            f"/api/v1/cases/{state['case_id']}/documents",
            json={"form": "I-200", "entries": {"charges": ["237(a)(1)(B)"]}},
            headers=drafter.with_purpose(drafter_purpose),
        )
        state["document_id"] = response.json().get("document_id")
        return response

    def as_supervisor(method: str, path: str, **kw: Any) -> Any:
        return api.client.request(method, path, headers=supervisor.with_purpose(purpose), **kw)

    return {
        ("POST", "/api/v1/cases/{case_id}/documents"): (draft_warrant, drafter_purpose),
        ("POST", "/api/v1/documents"): (
            lambda: as_supervisor(
                "POST", "/api/v1/documents", json={"case_id": state["case_id"], "form": "I-200"}
            ),
            purpose,
        ),
        ("GET", "/api/v1/cases/{case_id}/documents"): (
            lambda: as_supervisor("GET", f"/api/v1/cases/{state['case_id']}/documents"),
            purpose,
        ),
        ("GET", "/api/v1/documents/{document_id}"): (
            lambda: as_supervisor("GET", f"/api/v1/documents/{state['document_id']}"),
            purpose,
        ),
        ("GET", "/api/v1/documents/{document_id}/pdf"): (
            lambda: as_supervisor("GET", f"/api/v1/documents/{state['document_id']}/pdf"),
            purpose,
        ),
        ("POST", "/api/v1/documents/{document_id}/sign"): (
            lambda: as_supervisor("POST", f"/api/v1/documents/{state['document_id']}/sign"),
            purpose,
        ),
        ("POST", "/api/v1/documents/{document_id}/service"): (
            lambda: as_supervisor(
                "POST",
                f"/api/v1/documents/{state['document_id']}/service",
                json={
                    "method": "IN_PERSON",
                    "recipient": "the person named",
                    "served_at": dt.datetime.now(dt.UTC).isoformat(),
                },
            ),
            purpose,
        ),
        ("GET", "/api/v1/documents/forms"): (
            lambda: api.client.get("/api/v1/documents/forms", headers=supervisor.headers),
            None,
        ),
    }
