"""Optimistic locking: of two people acting on one case at once, exactly one succeeds."""

from __future__ import annotations

import threading
from typing import Any

from immigrationos.auth.principal import Principal
from immigrationos.cases import flows
from immigrationos.cases.flows import CaseError

from .conftest import World


def _principal(world: World, role: str) -> Principal:
    user = world.users[role]
    return Principal(
        actor=user.id, username=user.username, role=role, offices=tuple(user.offices),
        client="test",
    )  # fmt: skip


def test_a_change_at_a_stale_version_is_refused(world: World) -> None:
    case_id = world.accept()["case_id"]
    # Both supervisors read version 1; the first closes, the second's step is refused.
    first = world.post("SUPERVISOR", f"/cases/{case_id}/transitions",
                       {"transition": "close_by_decision", "version": 1, "reason": "dup"})  # fmt: skip
    assert first.status_code == 200, first.text
    second = world.post("SUPERVISOR", f"/cases/{case_id}/transitions",
                        {"transition": "build_target_package", "version": 1})  # fmt: skip
    assert second.status_code == 409
    problem = second.json()
    # The case is over now; had it not been, the version would have been named.
    assert problem["type"].endswith(("/case-version-stale", "/transition-not-available"))
    # Set back to investigation (version 3) behind the second person's back.
    world.force(case_id, state="investigation", assigned_officer=world.users["OFFICER"].id)
    stale = world.post("SUPERVISOR", f"/cases/{case_id}/transitions",
                       {"transition": "build_target_package", "version": 2})  # fmt: skip
    assert stale.status_code == 409 and stale.json()["type"].endswith("/case-version-stale")
    assert "version 3, not 2" in stale.json()["detail"]
    assert world.case(case_id).state == "investigation"
    assert world.api.audit_count(action="cases.transition", outcome="DENIED") == 2


def test_two_sessions_acting_at_once_never_both_succeed(world: World) -> None:
    case_id = world.accept()["case_id"]
    version = world.force(case_id, assigned_officer=world.users["OFFICER"].id)
    actors = {
        "SUPERVISOR": ("close_by_decision", "closing it"),
        "OFFICER": ("build_target_package", None),
    }
    start = threading.Barrier(len(actors))
    results: dict[str, Any] = {}

    def act(role: str) -> None:
        name, reason = actors[role]
        start.wait()
        try:
            results[role] = flows.move(
                world.api.engine, principal=_principal(world, role),
                purpose_id=world.purposes[role], case_id=case_id, transition=name,
                version=version, reason=reason,
            )  # fmt: skip
        except CaseError as exc:
            results[role] = exc

    threads = [threading.Thread(target=act, args=(role,)) for role in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [r for r, v in results.items() if isinstance(v, flows.TransitionOutcome)]
    lost = [v for v in results.values() if isinstance(v, CaseError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert (lost[0].status, lost[0].kind) == (409, "case-version-stale")
    case = world.case(case_id)
    assert case.version == version + 1
    winner = results[won[0]]
    assert case.state == winner.case.state
    history = world.get("ANALYST", f"/cases/{case_id}/history").json()["events"]
    assert [e["kind"] for e in history].count("TRANSITION") == 1
