"""The transition table: complete, consistent with the roles and the migration, documented."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from immigrationos.auth.models import ROLES
from immigrationos.auth.permissions import ROLE_PERMISSIONS, Permission
from immigrationos.cases import machine
from immigrationos.cases.machine import CaseState, Check

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cases.md"
MIGRATION = next((ROOT / "src/immigrationos/db/migrations/versions").glob("*_0012_cases.py"))


def test_every_state_is_reachable_and_every_open_state_can_end() -> None:
    reached = {machine.FIRST_STATE}
    changed = True
    while changed:
        changed = False
        for move in machine.TRANSITIONS:
            targets = (
                set(machine.OPEN_STATES - machine.HALTED) if move.target is None else {move.target}
            )
            if reached & move.sources and not targets <= reached:
                reached |= targets
                changed = True
    assert reached == set(CaseState)
    for state in machine.OPEN_STATES:
        assert machine.available(state.value), f"{state} is a dead end"
    for state in machine.TERMINAL:
        assert machine.available(state.value) == []


def test_the_lifecycle_runs_from_investigation_to_removal() -> None:
    path = [
        "build_target_package", "request_operation", "record_arrest", "refer_custody_decision",
        "detain", "start_proceedings", "record_final_order", "schedule_removal",
        "record_removal",
    ]  # fmt: skip
    state = machine.FIRST_STATE
    for name in path:
        move = machine.BY_NAME[name]
        assert state in move.sources, (name, state)
        assert move.target is not None
        state = move.target
    assert state is CaseState.REMOVED


def test_every_transition_rechecks_the_safeguards_and_names_known_roles() -> None:
    for move in machine.TRANSITIONS:
        assert Check.SAFEGUARDS in move.checks, move.name
        assert move.roles <= {*ROLES, machine.SYSTEM}, move.name
        assert move.sources <= machine.OPEN_STATES, move.name
    # Exits and releases are never refused by the safeguards; enforcement steps are.
    for name in ("record_us_citizen", "close_by_decision", "release_on_recognizance"):
        assert not machine.BY_NAME[name].advances
    assert machine.BY_NAME["record_arrest"].advances


def test_the_transition_permission_goes_to_exactly_the_roles_of_the_table() -> None:
    acting = {r for move in machine.TRANSITIONS for r in move.roles} - {machine.SYSTEM}
    holders = {r for r, ps in ROLE_PERMISSIONS.items() if Permission.CASES_TRANSITION in ps}
    assert holders == acting
    creators = {r for r, ps in ROLE_PERMISSIONS.items() if Permission.CASES_CREATE in ps}
    assert creators == {"ANALYST"}
    assigners = {r for r, ps in ROLE_PERMISSIONS.items() if Permission.CASES_ASSIGN in ps}
    assert assigners == {"SUPERVISOR"}
    assert Permission.CASES_READ not in ROLE_PERMISSIONS["ADMIN"]
    assert Permission.CASES_READ in ROLE_PERMISSIONS["OVERSIGHT"]


def test_the_migration_knows_every_state() -> None:
    spec = importlib.util.spec_from_file_location("migration_0012", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.CASE_STATES) == {s.value for s in CaseState}


def _block(text: str, marker: str) -> str:
    after = text.split(f"<!-- generated: immigrationos.cases.machine.{marker}() -->", 1)[1]
    return after.lstrip("\n")


def test_the_doc_holds_the_diagram_and_the_table_generated_from_the_machine() -> None:
    text = DOC.read_text(encoding="utf-8")
    diagram = re.search(r"```mermaid\n(.*?)```", _block(text, "mermaid"), re.S)
    assert diagram is not None, "docs/cases.md has a mermaid block"
    assert diagram.group(1) == machine.mermaid(), "regenerate the diagram in docs/cases.md"
    table = _block(text, "table_markdown")
    assert table.startswith(machine.table_markdown()), "regenerate the table in docs/cases.md"
