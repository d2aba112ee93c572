"""Schemathesis against the OpenAPI schema: no server errors, no answer outside the schema.

Every operation is called with generated requests (valid and invalid) by a signed-in
user, who holds every read permission (oversight) or the account permissions (admin);
answers must be documented status codes with documented bodies and content types.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from immigrationos.api import create_app

from .conftest import Api

# Sign-out and password changes would end the session the rest of the run uses; they
# have their own tests.
EXCLUDED = {("POST", "/api/v1/auth/sign-out"), ("POST", "/api/v1/auth/password")}
EXAMPLES = 10
# A request the schema allows may still be refused for what a schema cannot say: 400
# (e.g. a search with no criterion at all) and 428 (person data read without a purpose).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "428"]
            }
        }
    }
)


def _operations(api: Api) -> list[Any]:
    schema = schemathesis.openapi.from_asgi(
        "/api/v1/openapi.json", create_app(api.engine), config=CONFIG
    )
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in EXCLUDED:
            found.append(operation)
    return found


@pytest.mark.parametrize("role", ["OVERSIGHT", "ADMIN"])
def test_every_operation_conforms_to_the_schema(api: Api, role: str) -> None:
    headers = api.user(role).headers
    operations = _operations(api)
    assert len(operations) >= 25
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers={**(case.headers or {}), **headers})

        try:
            run()
        except BaseException as exc:  # collect every operation's failure, then report all
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n\n".join(failures)
