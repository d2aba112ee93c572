"""Each legal deadline a transition starts, its alert as time passes, and what meets it."""

from __future__ import annotations

import datetime as dt

from cases import world as case_world
from cases.conftest import World
from immigrationos.cases.machine import CaseState
from immigrationos.custody import deadlines as dl
from immigrationos.custody.models import CustodyDeadline
from immigrationos.db.engine import session_scope

from .conftest import at_state, take

LA = frozenset({"Los Angeles Field Office"})


def _deadlines(w: World, case_id: str) -> list[CustodyDeadline]:
    with session_scope(w.api.engine) as session:
        found = list(
            session.query(CustodyDeadline)
            .filter(CustodyDeadline.case_id == case_id)
            .order_by(CustodyDeadline.id)
        )
        session.expunge_all()
    return found


def _due(w: World, now: dt.datetime, offices: frozenset[str] | None = LA) -> list[dl.DeadlineView]:
    with session_scope(w.api.engine) as session:
        return dl.deadlines_due(session, offices, now)


def test_an_arrest_starts_the_48_hour_custody_decision_and_its_alerts(world: World) -> None:
    case_id, version = at_state(world, CaseState.OPERATION_APPROVAL)
    before = dt.datetime.now(dt.UTC)
    taken = take(world, "OFFICER", case_id, "record_arrest", version)
    (deadline,) = _deadlines(world, case_id)
    assert (deadline.kind, deadline.status, deadline.started_by) == (
        "CUSTODY_DECISION", "OPEN", "record_arrest",
    )  # fmt: skip
    due = dl.aware(deadline.due_at)
    assert dt.timedelta(hours=48) <= due - before <= dt.timedelta(hours=48, minutes=1)
    assert "287.3(d)" in deadline.basis
    # Frozen times: not yet an alert, then due within 12 hours, then overdue.
    assert _due(world, due - dt.timedelta(hours=13)) == []
    (soon,) = _due(world, due - dt.timedelta(hours=2))
    assert (soon.case_id, soon.alert, soon.seconds_left) == (case_id, "DUE", 7200)
    (late,) = _due(world, due + dt.timedelta(minutes=1))
    assert late.alert == "OVERDUE" and late.seconds_left == -60
    # Another office's alerts do not show it.
    assert _due(world, due + dt.timedelta(hours=1), frozenset({"Chicago Field Office"})) == []
    # The custody decision meets it.
    referred = take(world, "DETENTION", case_id, "refer_custody_decision", taken["version"])
    take(world, "SUPERVISOR", case_id, "detain", referred["version"])
    (met,) = _deadlines(world, case_id)
    assert (met.status, met.closed_with) == ("MET", "detain")
    assert _due(world, due + dt.timedelta(hours=1)) == []


def test_a_release_meets_the_custody_decision_too(world: World) -> None:
    case_id, version = at_state(world, CaseState.OPERATION_APPROVAL)
    version = take(world, "OFFICER", case_id, "record_arrest", version)["version"]
    version = take(world, "DETENTION", case_id, "refer_custody_decision", version)["version"]
    take(world, "SUPERVISOR", case_id, "release_to_atd", version)
    (met,) = _deadlines(world, case_id)
    assert (met.kind, met.status, met.closed_with) == (
        "CUSTODY_DECISION", "MET", "release_to_atd",
    )  # fmt: skip


def _detained_to_final_order(w: World, decision: str = "detain") -> tuple[str, int]:
    case_id, version = at_state(w, CaseState.CUSTODY_DECISION)
    version = take(w, "SUPERVISOR", case_id, decision, version)["version"]
    version = take(w, "LEGAL", case_id, "start_proceedings", version)["version"]
    return case_id, take(w, "LEGAL", case_id, "record_final_order", version)["version"]


def test_a_final_order_starts_the_removal_period_and_custody_reviews_of_the_detained(
    world: World,
) -> None:
    case_id, version = _detained_to_final_order(world)
    found = {d.kind: d for d in _deadlines(world, case_id)}
    assert set(found) == {"REMOVAL_PERIOD", "POST_ORDER_CUSTODY_REVIEW"}
    period = found["REMOVAL_PERIOD"]
    start, due = dl.aware(period.starts_at), dl.aware(period.due_at)
    assert due - start == dt.timedelta(days=90) and "241(a)(1)" in period.basis
    assert dl.aware(found["POST_ORDER_CUSTODY_REVIEW"].due_at) == due
    # 14 days before: both due; a day after: both overdue.
    alerts = _due(world, due - dt.timedelta(days=13))
    assert {(a.kind, a.alert) for a in alerts} == {
        ("REMOVAL_PERIOD", "DUE"), ("POST_ORDER_CUSTODY_REVIEW", "DUE"),
    }  # fmt: skip
    assert {a.alert for a in _due(world, due + dt.timedelta(days=1))} == {"OVERDUE"}
    # The removal meets the period and moots the review.
    case_world.add_final_order(world.api.engine, world.folder / "order", world.lake_dir)
    version = take(world, "DETENTION", case_id, "schedule_removal", version)["version"]
    take(world, "OFFICER", case_id, "record_removal", version)
    closed = {d.kind: (d.status, d.closed_with) for d in _deadlines(world, case_id)}
    assert closed == {
        "REMOVAL_PERIOD": ("MET", "record_removal"),
        "POST_ORDER_CUSTODY_REVIEW": ("MOOT", "record_removal"),
    }


def test_a_released_person_has_no_custody_review(world: World) -> None:
    case_id, _version = _detained_to_final_order(world, "release_on_recognizance")
    assert [d.kind for d in _deadlines(world, case_id)] == ["REMOVAL_PERIOD"]


def test_custody_reviews_repeat_while_detention_continues(world: World) -> None:
    case_id, _version = _detained_to_final_order(world)
    reviews = world.post(
        "DETENTION", f"/custody/cases/{case_id}/custody-reviews",
        {"continue_detention": True, "reason": "removal expected within weeks"},
    )  # fmt: skip
    assert reviews.status_code == 201, reviews.text
    body = reviews.json()
    assert body["met"]["status"] == "MET" and body["met"]["note"].startswith("removal")
    second = body["next"]
    assert second["sequence"] == 2 and second["status"] == "OPEN"
    gap = dt.datetime.fromisoformat(second["due_at"]) - dt.datetime.fromisoformat(
        second["starts_at"]
    )
    assert gap == dt.timedelta(days=90)  # the HQ review three months on
    third = world.post(
        "SUPERVISOR", f"/custody/cases/{case_id}/custody-reviews",
        {"continue_detention": True, "reason": "travel document pending"},
    ).json()["next"]  # fmt: skip
    gap = dt.datetime.fromisoformat(third["due_at"]) - dt.datetime.fromisoformat(third["starts_at"])
    assert third["sequence"] == 3 and gap == dt.timedelta(days=365)
    released = world.post(
        "DETENTION", f"/custody/cases/{case_id}/custody-reviews",
        {"continue_detention": False, "reason": "release on an order of supervision"},
    )  # fmt: skip
    assert released.json()["next"] is None
    none_left = world.post(
        "DETENTION", f"/custody/cases/{case_id}/custody-reviews",
        {"continue_detention": True, "reason": "again"},
    )  # fmt: skip
    assert none_left.status_code == 409
    assert world.api.audit_count(action="custody.review", outcome="SUCCESS") == 3
    # An officer may not record one (least privilege).
    officer = world.post(
        "OFFICER", f"/custody/cases/{case_id}/custody-reviews",
        {"continue_detention": True, "reason": "x"},
    )  # fmt: skip
    assert officer.status_code == 403


def test_an_exit_moots_what_is_open(world: World) -> None:
    case_id, version = at_state(world, CaseState.OPERATION_APPROVAL)
    version = take(world, "OFFICER", case_id, "record_arrest", version)["version"]
    take(world, "LEGAL", case_id, "record_us_citizen", version)
    (mooted,) = _deadlines(world, case_id)
    assert (mooted.status, mooted.closed_with) == ("MOOT", "record_us_citizen")


def test_the_alerts_and_a_cases_deadlines_over_the_api(world: World) -> None:
    case_id, version = at_state(world, CaseState.OPERATION_APPROVAL)
    take(world, "OFFICER", case_id, "record_arrest", version)
    other = world.accept("wilhelmina")["case_id"]  # Chicago's
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with session_scope(world.api.engine) as session:  # both 49 hours old: overdue
        for deadline in session.query(CustodyDeadline):
            deadline.due_at = hour_ago
        session.add(
            CustodyDeadline(
                case_id=other, field_office="Chicago Field Office", kind="CUSTODY_DECISION",
                sequence=1, basis="b", started_by="record_arrest", starts_at=hour_ago,
                due_at=hour_ago, status="OPEN",
            )
        )  # fmt: skip
        session.commit()
    alerts = world.get("DETENTION", "/custody/deadlines")
    assert alerts.status_code == 200, alerts.text
    items = alerts.json()["items"]
    assert [(i["case_id"], i["kind"], i["alert"]) for i in items] == [
        (case_id, "CUSTODY_DECISION", "OVERDUE")
    ]
    assert alerts.json()["field_offices"] == ["Los Angeles Field Office"]
    of_case = world.get("OFFICER", f"/custody/cases/{case_id}/deadlines").json()["items"]
    assert [d["status"] for d in of_case] == ["OPEN"]
    hidden = world.get("OFFICER", f"/custody/cases/{other}/deadlines")
    assert hidden.status_code == 404
    assert world.get("ANALYST", "/custody/deadlines").status_code == 403
    assert world.api.audit_count(action="custody.deadlines", outcome="SUCCESS") == 1
    with session_scope(world.api.engine) as session:  # nationally: both offices
        assert {d.case_id for d in dl.deadlines_due(session, None, dt.datetime.now(dt.UTC))} == {
            case_id, other,
        }  # fmt: skip
