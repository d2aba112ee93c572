"""The audit-completeness scenarios of the operations routes, for
``tests/api/test_audit_completeness.py`` to add to its own:

    scenarios.update(operations_audit.scenarios(api, state, supervisor=supervisor,
                                                 purpose=pid, purpose_of=purpose_of))

They run after the cases scenarios: ``state["case_id"]`` is then a Los Angeles case in
``target_package``, assigned. Each call of a route is preceded, where it needs
one, by a fresh operation requested through the API.
"""

from __future__ import annotations

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
    other = api.user("SUPERVISOR", [HOME_OFFICE])
    officer = api.user("OFFICER", [HOME_OFFICE])
    other_purpose = purpose_of(other, "C-OPS-2")
    officer_purpose = purpose_of(officer, "C-OPS-OFF")

    def request() -> Any:
        response = api.client.post(
            "/api/v1/operations",
            json={
                "field_office": HOME_OFFICE, "day": "2026-12-03", "shift_start": "06:00",
                "shift_end": "12:00", "case_ids": [state["case_id"]],
                "teams": [{"team_id": "T01", "seats": 2, "officers": [officer.id]}],
                "reason": "audit test",
            },
            headers=supervisor.with_purpose(purpose),
        )  # fmt: skip
        state["operation_id"] = response.json().get("operation_id")
        return response

    def decide(step: str, who: SignedInUser, who_purpose: str, version: int) -> Any:
        return api.client.post(
            f"/api/v1/operations/{state['operation_id']}/{step}",
            json={"version": version, "reason": "audit test"},
            headers=who.with_purpose(who_purpose),
        )

    def approve() -> Any:
        request()
        return decide("approve", other, other_purpose, 1)

    def cancel() -> Any:
        request()
        return decide("cancel", supervisor, purpose, 1)

    prefix = "/api/v1/operations"
    return {
        ("POST", prefix): (request, purpose),
        ("POST", prefix + "/{operation_id}/reject"): (
            lambda: decide("reject", other, other_purpose, 1), other_purpose,
        ),
        ("POST", prefix + "/{operation_id}/approve"): (approve, other_purpose),
        ("GET", prefix): (
            lambda: api.client.get(prefix, headers=supervisor.with_purpose(purpose)), purpose,
        ),
        ("GET", prefix + "/{operation_id}"): (
            lambda: api.client.get(
                f"{prefix}/{state['operation_id']}", headers=supervisor.with_purpose(purpose)
            ),
            purpose,
        ),
        ("GET", prefix + "/routes/mine"): (
            lambda: api.client.get(
                prefix + "/routes/mine", headers=officer.with_purpose(officer_purpose)
            ),
            officer_purpose,
        ),
        ("POST", prefix + "/{operation_id}/execute"): (
            lambda: decide("execute", officer, officer_purpose, 3), officer_purpose,
        ),
        ("POST", prefix + "/{operation_id}/cancel"): (cancel, purpose),
    }  # fmt: skip
