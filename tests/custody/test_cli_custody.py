"""`imos custody deadlines`: the alerts on the command line, under a purpose, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from cases.conftest import World
from immigrationos import cli_custody
from immigrationos.auth.principal import Principal
from immigrationos.cases.machine import CaseState
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.custody.models import CustodyDeadline
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate

from .conftest import at_state, take


def test_custody_deadlines_prints_the_overdue_ones(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, version = at_state(world, CaseState.OPERATION_APPROVAL)
    take(world, "OFFICER", case_id, "record_arrest", version)
    monkeypatch.setattr(cli_custody, "get_engine", lambda: world.api.engine)
    monkeypatch.setattr(cli_custody.console, "width", 250)
    operator = Principal.operator(get_settings().operator)
    purpose = policy_flows.create_purpose(
        engine=world.api.engine, principal=operator,
        data=PurposeCreate(kind=PurposeKind.CASE, reference="C-CLI", title="t", justification="t"),
    )  # fmt: skip
    runner = CliRunner()
    quiet = runner.invoke(app, ["custody", "deadlines", "--purpose", purpose.id])
    assert quiet.exit_code == 0, quiet.output
    assert "0 deadline(s) overdue or due" in quiet.output
    with session_scope(world.api.engine) as session:
        for deadline in session.query(CustodyDeadline):
            deadline.due_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        session.commit()
    shown = runner.invoke(app, ["custody", "deadlines", "--purpose", purpose.id])
    assert shown.exit_code == 0, shown.output
    assert "OVERDUE" in shown.output and case_id in shown.output
    assert "CUSTODY_DECISION" in shown.output
    assert world.api.audit_count(action="custody.deadlines", actor=operator.actor) == 2
    refused = runner.invoke(app, ["custody", "deadlines", "--purpose", "P-nope"])
    assert refused.exit_code == 2
