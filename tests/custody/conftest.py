"""Custody fixtures: the cases world (the API, two persons with OPEN leads, every role)."""

from __future__ import annotations

from typing import Any

from cases.conftest import World, api, fast_hasher, world  # noqa: F401  (the fixtures, re-used)
from immigrationos.cases.machine import CaseState


def at_state(w: World, state: CaseState, label: str = "teodoro") -> tuple[str, int]:
    """Accept a lead, assign the officer and set the case in ``state``; return ID, version."""
    case_id = w.accept(label)["case_id"]
    version = w.force(case_id, state=state.value, assigned_officer=w.users["OFFICER"].id)
    return case_id, version


def take(w: World, role: str, case_id: str, name: str, version: int) -> dict[str, Any]:
    """Take a transition as the role (with a reason); return the case after it."""
    done = w.post(
        role, f"/cases/{case_id}/transitions",
        {"transition": name, "version": version, "reason": f"{name} recorded"},
    )  # fmt: skip
    assert done.status_code == 200, (name, done.text)
    return dict(done.json())
