"""Automation-bias signals: a seeded rubber-stamping pattern is flagged (per reviewer and
per office); a careful reviewer is not; the thresholds are the caller's to set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases import conftest as cases_conftest
from cases.conftest import World
from immigrationos.audit import service as audit_service
from immigrationos.db.engine import session_scope
from immigrationos.oversight import automation
from immigrationos.targeting.models import Lead, LeadEvent
from web import conftest as web_conftest
from web.conftest import Web

world = cases_conftest.world  # the fixtures, re-used
web = web_conftest.web

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The audit log's clock, set by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Audit events written at the time the test sets."""
    found = Clock()
    monkeypatch.setattr(audit_service, "_now", found)
    yield found


def _seed(
    world: World,
    clock: Clock,
    actor: str,
    lead_id: str,
    start: dt.datetime,
    pattern: list[tuple[bool, float | None]],
) -> None:
    """Seed decisions on a lead: (followed, seconds after opening it; None: never opened)."""
    with session_scope(world.api.engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        at = start
        for i, (followed, seconds) in enumerate(pattern):
            at += dt.timedelta(minutes=10)
            if seconds is not None:
                clock.now = at
                audit_service.append(
                    session=session, actor=actor, action="leads.read", resource_type="lead",
                    resource_id=lead_id, client="test",
                )  # fmt: skip
            session.add(
                LeadEvent(
                    lead_id=lead_id, run_id=None, kind="FOLLOWED" if followed else "OVERRODE",
                    person_id=lead.person_id, from_state=lead.state, to_state=lead.state,
                    from_score=lead.score, to_score=lead.score,
                    reason=f"step {i}: " + ("as advised" if followed else "relief application pending"),
                    actor=actor, at=at + dt.timedelta(seconds=seconds or 1),
                )
            )  # fmt: skip
        session.commit()


def _signals(world: World, **params: Any) -> dict[str, Any]:
    response = world.api.client.get(
        "/api/v1/oversight/automation", params=params, headers=world.users["OVERSIGHT"].headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows}


def test_rubber_stamping_is_flagged_and_a_careful_reviewer_is_not(
    world: World, clock: Clock
) -> None:
    stamper = world.api.user("SUPERVISOR", ["Los Angeles Field Office"])
    careful = world.api.user("SUPERVISOR", ["Chicago Field Office"])
    # 25 decisions, every one followed, 4-8 seconds after opening the lead.
    _seed(world, clock, stamper.id, world.leads["teodoro"], T0,
          [(True, 4 + i % 5) for i in range(25)])  # fmt: skip
    # 25 decisions, 5 overridden with a reason, three to six minutes each.
    _seed(world, clock, careful.id, world.leads["wilhelmina"], T0,
          [(i % 5 != 0, 180 + 10 * i) for i in range(25)])  # fmt: skip

    found = _signals(world)
    reviewers = _by_name(found["reviewers"])
    flagged = reviewers[stamper.username]
    assert flagged["flagged"] is True and flagged["role"] == "SUPERVISOR"
    assert (flagged["decisions"], flagged["followed"], flagged["approval_rate"]) == (25, 25, 1.0)
    assert flagged["median_seconds"] == 6.0 and flagged["unopened"] == 0
    assert "median of 6 s" in flagged["flags"][0]
    fine = reviewers[careful.username]
    assert fine["flagged"] is False and fine["flags"] == []
    assert (fine["followed"], fine["overrode"], fine["approval_rate"]) == (20, 5, 0.8)
    assert fine["median_seconds"] == 300.0
    assert len(fine["override_reasons"]) == 5
    assert all("relief application pending" in reason for reason, _n in fine["override_reasons"])
    offices = _by_name(found["offices"])
    la = offices["Los Angeles Field Office"]
    assert la["flagged"] is True and la["flagged_reviewers"] == [stamper.username]
    assert offices["Chicago Field Office"]["flagged"] is False
    # Flagged first.
    assert found["reviewers"][0]["name"] == stamper.username

    # The thresholds are configurable: 30 decisions at least, or 5 s, and nobody is flagged.
    assert not any(r["flagged"] for r in _signals(world, min_decisions=30)["reviewers"])
    assert not any(r["flagged"] for r in _signals(world, median_seconds=5)["reviewers"])
    # And one office alone.
    only = _signals(world, office="Chicago Field Office")
    assert [r["name"] for r in only["reviewers"]] == [careful.username]


def test_following_without_opening_the_lead_is_flagged(world: World, clock: Clock) -> None:
    blind = world.api.user("SUPERVISOR", ["Los Angeles Field Office"])
    _seed(world, clock, blind.id, world.leads["teodoro"], T0,
          [(True, None) for _ in range(18)] + [(True, 200.0) for _ in range(4)])  # fmt: skip
    with session_scope(world.api.engine) as session:
        report = automation.signals(session)
    (found,) = [r for r in report.reviewers if r.name == blind.username]
    assert (found.decisions, found.unopened, found.median_seconds) == (22, 18, 200.0)
    assert found.flagged and "without opening" in found.flags[0]


def test_case_transitions_count_as_decisions_and_reads_time_them(world: World) -> None:
    case_id = world.accept()["case_id"]
    done = world.post(
        "SUPERVISOR", f"/cases/{case_id}/assign",
        {"officer_id": world.users["OFFICER"].id, "version": 1},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    seen = world.get("OFFICER", f"/cases/{case_id}")
    assert seen.status_code == 200, seen.text
    step = world.post(
        "OFFICER", f"/cases/{case_id}/transitions",
        {"transition": "build_target_package", "version": done.json()["version"], "reason": "r"},
    )  # fmt: skip
    assert step.status_code == 200, step.text
    with session_scope(world.api.engine) as session:
        report = automation.signals(session)
    (officer,) = [r for r in report.reviewers if r.name == world.users["OFFICER"].username]
    assert (officer.decisions, officer.followed, officer.unopened) == (1, 1, 0)
    assert officer.median_seconds is not None and officer.median_seconds >= 0
    assert not officer.flagged  # one decision is no pattern


def test_reviewers_need_the_audit_permission(world: World) -> None:
    response = world.api.client.get(
        "/api/v1/oversight/automation", headers=world.users["OFFICER"].headers
    )
    assert response.status_code == 403


def test_the_automation_page_marks_the_rubber_stamper(world: World, clock: Clock, web: Web) -> None:
    stamper = world.api.user("SUPERVISOR", ["Los Angeles Field Office"])
    _seed(world, clock, stamper.id, world.leads["teodoro"], T0, [(True, 3.0)] * 21)
    browser = web.user("OVERSIGHT")
    shown = browser.get("/oversight/automation")
    assert shown.status_code == 200, shown.text
    assert f'data-name="{stamper.username}" data-flagged="yes"' in shown.text
    assert 'data-name="Los Angeles Field Office" data-flagged="yes"' in shown.text
    relaxed = browser.get("/oversight/automation?min_decisions=50")
    assert f'data-name="{stamper.username}" data-flagged="no"' in relaxed.text
    assert (
        web.user("OFFICER", ["Los Angeles Field Office"]).get("/oversight/automation").status_code
        == 403
    )
