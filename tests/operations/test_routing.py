"""Team route planning: every route returned is feasible, and every stop is accounted for."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immigrationos.operations import plan, routing, routing_ortools, synthetic, travel
from immigrationos.operations.plan import RoutePlan, RoutingProblem, Stop, Team
from immigrationos.operations.travel import TravelModel

HOUR = 3600
SOLVERS = {
    "pyvrp": lambda p: routing.plan_routes(p, 0.3),
    "ortools": lambda p: routing_ortools.plan_routes(p, 0.3),
}


def test_haversine_and_circuity() -> None:
    # Los Angeles City Hall to New York City Hall: about 3,940 km great-circle.
    km = travel.haversine_km(34.0537, -118.2428, 40.7128, -74.0060)
    assert 3920 < km < 3960
    model = TravelModel(speed_kmh=60)
    assert model.road_km(34.0, -118.0, 34.0, -118.0) == 0
    assert model.road_km(0, 0, 0, 1) == pytest.approx(1.2 * travel.haversine_km(0, 0, 0, 1))
    # 1 degree of longitude on the equator, times 1.2, at 60 km/h, in whole seconds up
    assert model.travel_seconds(0, 0, 0, 1) == pytest.approx(1.2 * 111.195 * 60, abs=2)
    with pytest.raises(ValueError, match="speed"):
        TravelModel(speed_kmh=0)


def check_plan(problem: RoutingProblem, result: RoutePlan) -> None:
    """Assert the plan is feasible, complete, and timed by the travel model."""
    assert plan.violations(problem, result) == []
    stops = {s.id: s for s in problem.stops}
    teams = {t.id: t for t in problem.teams}
    for route in result.routes:
        team = teams[route.team_id]
        lat, lon, now = team.office_lat, team.office_lon, route.leave_office_s
        persons = 0
        for visit in route.visits:
            stop = stops[visit.stop_id]
            expected = now + problem.travel.travel_seconds(lat, lon, stop.lat, stop.lon)
            assert abs(visit.arrival_s - expected) <= 1
            assert visit.start_s == max(visit.arrival_s, stop.earliest_s)
            assert stop.earliest_s <= visit.start_s <= stop.latest_s
            assert visit.departure_s == visit.start_s + stop.service_s
            persons += stop.persons
            assert visit.persons_on_board == persons <= team.seats
            lat, lon, now = stop.lat, stop.lon, visit.departure_s
        back = now + problem.travel.travel_seconds(lat, lon, team.office_lat, team.office_lon)
        assert abs(route.back_office_s - back) <= 1
        assert route.back_office_s <= team.shift_end_s
    for u in result.unassigned:
        assert u.reason


@st.composite
def problems(draw: st.DrawFn) -> RoutingProblem:
    n_stops = draw(st.integers(0, 12))
    n_teams = draw(st.integers(1, 3))
    lat = st.floats(34.0, 34.3)
    lon = st.floats(-118.5, -118.1)
    stops = []
    for i in range(n_stops):
        opens = draw(st.integers(6, 14)) * HOUR
        stops.append(
            Stop(
                id=f"S{i}",
                lat=draw(lat),
                lon=draw(lon),
                service_s=draw(st.integers(0, 40)) * 60,
                earliest_s=opens,
                latest_s=opens + draw(st.integers(0, 4 * HOUR)),
                persons=draw(st.integers(0, 4)),
            )
        )
    teams = [
        Team(
            id=f"T{t}",
            seats=draw(st.integers(0, 6)),
            shift_start_s=draw(st.integers(5, 9)) * HOUR,
            shift_end_s=draw(st.integers(12, 18)) * HOUR,
            office_lat=draw(lat),
            office_lon=draw(lon),
        )
        for t in range(n_teams)
    ]
    speed = draw(st.sampled_from([20.0, 40.0, 80.0]))
    return RoutingProblem(tuple(stops), tuple(teams), TravelModel(speed_kmh=speed))


@pytest.mark.parametrize("solver", sorted(SOLVERS))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_every_route_is_feasible_and_every_stop_accounted(
    solver: str, problem: RoutingProblem
) -> None:
    check_plan(problem, SOLVERS[solver](problem))


@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_unassigned_stops_get_their_reason(solver: str) -> None:
    office = (34.05, -118.25)
    team = Team("T1", seats=2, shift_start_s=8 * HOUR, shift_end_s=12 * HOUR,
                office_lat=office[0], office_lon=office[1])  # fmt: skip
    stops = (
        Stop("near", 34.06, -118.25, 600, 8 * HOUR, 11 * HOUR, persons=1),
        Stop("too-many", 34.07, -118.25, 600, 8 * HOUR, 11 * HOUR, persons=3),
        Stop("far", 36.17, -115.14, 600, 8 * HOUR, 9 * HOUR, persons=1),  # Las Vegas
        Stop("after-shift", 34.06, -118.26, 600, 13 * HOUR, 14 * HOUR, persons=1),
    )
    problem = RoutingProblem(stops, (team,))
    result = SOLVERS[solver](problem)
    check_plan(problem, result)
    assert [v.stop_id for r in result.routes for v in r.visits] == ["near"]
    reasons = {u.stop_id: u.reason for u in result.unassigned}
    assert "needs 3 seats; the largest team has 2" in reasons["too-many"]
    assert reasons["far"].startswith("out of reach")
    assert reasons["after-shift"].startswith("out of reach")


@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_competing_stops_no_room_left(solver: str) -> None:
    team = Team("T1", 1, 8 * HOUR, 12 * HOUR, 34.05, -118.25)
    stops = (
        Stop("a", 34.06, -118.25, 600, 8 * HOUR, 11 * HOUR),
        Stop("b", 34.04, -118.25, 600, 8 * HOUR, 11 * HOUR),
    )
    problem = RoutingProblem(stops, (team,))
    result = SOLVERS[solver](problem)
    check_plan(problem, result)
    assert len(result.unassigned) == 1
    assert result.unassigned[0].reason.startswith("no room left")


def test_synthetic_operation_is_served_by_both_solvers() -> None:
    problem = synthetic.synthetic_operation(30, 3, seed=2)
    for solve in SOLVERS.values():
        result = solve(problem)
        check_plan(problem, result)
        assert result.distance_m > 0


def test_bad_problem_is_refused() -> None:
    team = Team("T1", 1, 8 * HOUR, 12 * HOUR, 34.05, -118.25)
    with pytest.raises(ValueError, match="window opens after it closes"):
        RoutingProblem((Stop("a", 34.0, -118.0, 0, 10, 5),), (team,))
    with pytest.raises(ValueError, match="at least one team"):
        RoutingProblem((), ())


def test_clock() -> None:
    assert plan.clock(8 * HOUR + 5 * 60) == "08:05"
    assert plan.clock(25 * HOUR) == "01:00+1d"
