"""Schemathesis on the worksite routes as a worksite auditor (who may call every one of them).

The suite's schema test signs in as oversight and admin, whom the write routes refuse at
the door; this one reaches the multipart upload, the inspections and the notices with
generated requests: no server error, no answer outside the schema.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from api.conftest import Api, api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from api.test_openapi_schemathesis import _operations


def test_the_worksite_routes_conform_to_the_schema(api: Api) -> None:  # noqa: F811
    headers = api.user("WORKSITE_AUDITOR").headers
    operations = [o for o in _operations(api) if o.path.startswith("/api/v1/worksite/")]
    assert len(operations) >= 10
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers={**(case.headers or {}), **headers})

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n\n".join(failures)
