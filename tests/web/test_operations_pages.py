"""Operations in the interface: the approvals inbox, an operation's page with its routes,
and a supervisor's decision, under the API's rules (two persons, reasons, audit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.conftest import HOME_OFFICE, Api
from immigrationos.auth.principal import Principal
from immigrationos.operations import flows as ops_flows
from immigrationos.operations.schemas import OperationCreate
from operations.ops_fixtures import OpsWorld, make_world, places_file  # noqa: F401  (fixture)

from .conftest import Web, WebUser


@pytest.fixture()
def ops(api: Api, tmp_path: Path, lake_dir: Path, places_file: Path) -> OpsWorld:  # noqa: F811
    """The operations tests' world: four persons with cases to target, users of each role."""
    return make_world(api, tmp_path, lake_dir)


ROW = re.compile(
    r'data-testid="inbox-operation">\s*<td data-label="Operation"><a class="big" href="/operations/(O\w+)'
)


def _supervisor(web: Web) -> WebUser:
    user = web.user("SUPERVISOR", [HOME_OFFICE])
    user.declare_purpose("C-OPS")
    return user


def test_a_supervisor_approves_an_officers_operation_from_the_inbox(
    ops: OpsWorld, web: Web
) -> None:
    case_id = ops.case_in("teodoro", "target_package")
    op = ops.request("officer1", [case_id])
    supervisor = _supervisor(web)
    inbox = supervisor.get("/inbox").text
    assert ROW.findall(inbox) == [op["operation_id"]]

    shown = supervisor.get(f"/operations/{op['operation_id']}")
    assert shown.status_code == 200
    text = shown.text
    assert 'data-testid="routes-drawing"' in text and "<polyline" in text
    assert "placed by zip" in text and 'data-testid="operation-decide"' in text
    assert 'data-testid="sensitive"' not in text

    # A decision needs its reason; then the cases move and the operation is approved.
    empty = supervisor.post(
        f"/operations/{op['operation_id']}/approve",
        {"version": str(op["version"]), "reason": "", "purpose": supervisor.purpose or ""},
        follow_redirects=False,
    )
    assert empty.status_code == 422 and "Give the reason" in empty.text
    done = supervisor.post(
        f"/operations/{op['operation_id']}/approve",
        {
            "version": str(op["version"]),
            "reason": "team ready",
            "purpose": supervisor.purpose or "",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    after = supervisor.get(f"/operations/{op['operation_id']}").text
    assert "Approved" in after and "team ready" in after
    assert 'data-testid="operation-decide"' not in after
    assert ops.case(case_id).state == "operation_approval"
    assert ops.api.audit_count(action="operations.approve", actor=supervisor.id) == 1
    assert ROW.findall(supervisor.get("/inbox").text) == []
    listed = supervisor.get("/operations?status=APPROVED").text
    assert op["operation_id"] in listed


def test_ones_own_request_is_not_in_ones_inbox_and_its_approval_is_refused(
    ops: OpsWorld, web: Web
) -> None:
    case_id = ops.case_in("teodoro", "target_package")
    supervisor = _supervisor(web)
    mine = ops_flows.request_operation(
        ops.api.engine,
        principal=Principal(
            actor=supervisor.id, username="sup", role="SUPERVISOR", offices=(HOME_OFFICE,)
        ),
        purpose_id=supervisor.purpose,
        data=OperationCreate.model_validate(ops.request_body([case_id])),
    )
    assert ROW.findall(supervisor.get("/inbox").text) == []
    page = supervisor.get(f"/operations/{mine.operation_id}").text
    assert 'data-testid="own-request"' in page and 'data-testid="operation-decide"' not in page
    refused = supervisor.post(
        f"/operations/{mine.operation_id}/approve",
        {"version": str(mine.version), "reason": "mine", "purpose": supervisor.purpose or ""},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and "another" in refused.text.lower()
    assert ops.api.audit_count(action="operations.approve", outcome="DENIED") == 1
    # Officers read operations but have no approvals list; other offices see nothing.
    officer = web.user("OFFICER", [HOME_OFFICE])
    officer.declare_purpose("C-O")
    assert 'data-testid="inbox-operations"' not in officer.get("/inbox").text
    away = web.user("SUPERVISOR", ["Chicago Field Office"])
    away.declare_purpose("C-A")
    assert away.get(f"/operations/{mine.operation_id}").status_code == 404
