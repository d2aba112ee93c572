"""Removal flights: never overbooked, right country, not before ready, earliest first."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.custody import flights
from immigrationos.custody.flights import FlightError, RemovalCandidate, RemovalFlight

D0 = dt.date(2026, 12, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def check(
    flight_list: list[RemovalFlight],
    persons: list[RemovalCandidate],
    plan: flights.FlightPlan,
) -> None:
    by_flight = {f.id: f for f in flight_list}
    by_person = {p.id: p for p in persons}
    given_ids = [a.person_id for a in plan.assignments]
    assert sorted(given_ids + [n.person_id for n in plan.not_assigned]) == sorted(by_person)
    for a in plan.assignments:
        f, p = by_flight[a.flight_id], by_person[a.person_id]
        assert f.destination.upper() == p.destination.upper()
        assert f.departs >= p.ready_date and a.departs == f.departs
        assert a.wait_days == (f.departs - p.ready_date).days
    for fid, manifest in plan.manifests.items():
        assert len(manifest) <= by_flight[fid].seats
        assert all(a.flight_id == fid for a in plan.assignments if a.person_id in manifest)
    # earliest feasible: a person without a seat, or on a later flight, found the earlier
    # ones full
    taken = {fid: len(m) for fid, m in plan.manifests.items()}
    seat = {a.person_id: by_flight[a.flight_id] for a in plan.assignments}
    for p in persons:
        for f in flight_list:
            same = f.destination.upper() == p.destination.upper() and f.departs >= p.ready_date
            earlier = p.id not in seat or (f.departs, f.id) < (seat[p.id].departs, seat[p.id].id)
            if same and earlier:
                assert taken[f.id] == f.seats, (p, f)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[RemovalFlight], list[RemovalCandidate]]:
    countries = st.sampled_from(["MX", "GT", "hn"])
    flight_list = [
        RemovalFlight(
            f"F{i}", draw(countries), day(draw(st.integers(0, 20))), draw(st.integers(0, 4))
        )
        for i in range(draw(st.integers(0, 8)))
    ]
    persons = [
        RemovalCandidate(
            f"P{i}",
            draw(countries),
            day(draw(st.integers(0, 20))),
            draw(st.integers(1, 3)),
            draw(st.none() | st.integers(-90, 0).map(day)),
        )
        for i in range(draw(st.integers(0, 25)))
    ]
    return flight_list, persons


@settings(max_examples=150, deadline=None)
@given(cases(), st.sampled_from([flights.DEFAULT_ORDER, ("ready_date",), ("id",)]))
def test_never_overbooks_and_respects_country_and_date(
    case: tuple[list[RemovalFlight], list[RemovalCandidate]], order: tuple[str, ...]
) -> None:
    flight_list, persons = case
    plan = flights.assign_flights(flight_list, persons, order=order)
    check(flight_list, persons, plan)
    # deterministic whatever the input order
    again = flights.assign_flights(flight_list[::-1], persons[::-1], order=order)
    assert sorted(again.assignments, key=lambda a: a.person_id) == sorted(
        plan.assignments, key=lambda a: a.person_id
    )


def test_priority_order_decides_who_flies() -> None:
    flight_list = [RemovalFlight("F1", "MX", day(5), 1)]
    persons = [
        RemovalCandidate("late-ready", "MX", day(1), priority=1),
        RemovalCandidate("first", "MX", day(3), priority=1, detained_since=day(-30)),
        RemovalCandidate("low", "MX", day(0), priority=2),
    ]
    plan = flights.assign_flights(flight_list, persons)
    assert [a.person_id for a in plan.assignments] == ["late-ready"]
    by_ready = flights.assign_flights(flight_list, persons, order=("ready_date",))
    assert [a.person_id for a in by_ready.assignments] == ["low"]
    by_detained = flights.assign_flights(flight_list, persons, order=("detained_since",))
    assert [a.person_id for a in by_detained.assignments] == ["first"]


def test_earliest_flight_with_a_seat_and_reasons() -> None:
    flight_list = [
        RemovalFlight("F-early", "GT", day(1), 1),
        RemovalFlight("F-later", "GT", day(4), 1),
        RemovalFlight("F-mx", "MX", day(1), 5),
    ]
    persons = [
        RemovalCandidate("a", "GT", day(0)),
        RemovalCandidate("b", "gt", day(0)),
        RemovalCandidate("c", "GT", day(0)),
        RemovalCandidate("d", "MX", day(2)),
        RemovalCandidate("e", "SV", day(0)),
    ]
    plan = flights.assign_flights(flight_list, persons)
    assert {a.person_id: a.flight_id for a in plan.assignments} == {"a": "F-early", "b": "F-later"}
    assert plan.manifests == {"F-early": ("a",), "F-later": ("b",), "F-mx": ()}
    reasons = {n.person_id: n.reason for n in plan.not_assigned}
    assert reasons == {
        "c": "all 2 flights to GT on or after 2026-12-01 are full",
        "d": "no flight to MX on or after 2026-12-03",
        "e": "no flight to SV",
    }


def test_bad_input_is_refused() -> None:
    with pytest.raises(FlightError, match="flight F: negative seats"):
        flights.assign_flights([RemovalFlight("F", "MX", D0, -1)], [])
    with pytest.raises(FlightError, match="person P: listed twice"):
        p = RemovalCandidate("P", "MX", D0)
        flights.assign_flights([], [p, p])
    with pytest.raises(FlightError, match="unknown order field"):
        flights.assign_flights([], [], order=("height",))


def test_ten_thousand_persons() -> None:
    rng = random.Random(3)
    countries = ["MX", "GT", "HN", "SV", "CO"]
    flight_list = [
        RemovalFlight(f"F{i}", rng.choice(countries), day(rng.randrange(60)), 135)
        for i in range(80)
    ]
    persons = [
        RemovalCandidate(f"P{i}", rng.choice(countries), day(rng.randrange(60)), rng.randint(1, 3))
        for i in range(10_000)
    ]
    plan = flights.assign_flights(flight_list, persons)
    assert len(plan.assignments) + len(plan.not_assigned) == 10_000
    seats = {f.id: f.seats for f in flight_list}
    assert all(len(m) <= seats[fid] for fid, m in plan.manifests.items())
