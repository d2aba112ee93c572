"""From an operation's rows to the routing model and back: where each target is believed to
be (under the data-use policy), and the planned routes written onto teams and targets.

The routes come from the PyVRP team routing (``routing.plan_routes``): each team one
vehicle with its seats, the operation's shift and its start office; each located target
one stop of one person with the operation's service time, within the shift. A target
that cannot be located, or that no team can reach, keeps the reason it is not routed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from immigrationos.operations import routing
from immigrationos.operations.models import Operation, OperationTarget, OperationTeam
from immigrationos.operations.plan import RoutePlan, RoutingProblem, Stop, Team
from immigrationos.persons import access as persons_access
from immigrationos.persons import service as persons_service
from immigrationos.policy.engine import UseContext
from immigrationos.reference import geocode
from immigrationos.resolution import service as resolution_service

NOT_LOCATED = "no address of the person could be located: not routed"
# The search's time budget grows with the stops, up to the flow's ceiling: a handful of
# stops is solved at once, 200 stops and 15 teams get the ceiling (docs/operations.md).
BUDGET_BASE_S = 0.3
BUDGET_PER_STOP_S = 0.05


def budget(stops: int, ceiling: float) -> float:
    """Return the search's time budget in seconds for a number of stops."""
    return min(ceiling, BUDGET_BASE_S + BUDGET_PER_STOP_S * stops)


@dataclass(frozen=True)
class Located:
    """Where a person is believed to be: the latest address the records allow, placed."""

    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    lat: float | None
    lon: float | None
    confidence: str
    note: str


def locate(session: Session, ctx: UseContext, person_id: str) -> Located:
    """Return the person's latest address among the records the policy allows, geocoded.

    The confidence is the geocoder's precision (``zip``, ``city``, ``state`` or ``none``:
    addresses are placed at ZIP centroids at best); the note says what it rests on.
    """
    current = resolution_service.current_person_id(session=session, person_id=person_id)
    if current is None:
        return Located(None, None, None, None, None, None, "none", "the person is gone")
    rows = persons_service.records_of_person(session=session, person_id=current)
    allowed, refused = persons_access.decide_rows(ctx, rows)
    addresses = persons_service.profile(allowed).addresses
    withheld = f"; {len(refused)} record(s) withheld by the data-use policy" if refused else ""
    if not addresses:
        return Located(None, None, None, None, None, None, "none", f"no address{withheld}")
    best = addresses[0]
    where = best.address
    placed = geocode.geocode(where.street, where.city, where.state, where.zip)
    seen = f"last seen {best.last_seen.isoformat()}" if best.last_seen is not None else "undated"
    others = f"; {len(addresses) - 1} other address(es) on record" if len(addresses) > 1 else ""
    note = (
        f"{placed.note}; {seen} in {best.records} record(s) ({', '.join(best.sources)})"
        f"{others}{withheld}"
    )
    return Located(
        where.street, where.city, where.state, where.zip, placed.lat, placed.lon,
        placed.precision, note,
    )  # fmt: skip


def problem_of(
    operation: Operation, teams: list[OperationTeam], targets: list[OperationTarget]
) -> RoutingProblem | None:
    """Return the routing problem of the included, located targets (None: nothing to route)."""
    stops = tuple(
        Stop(
            id=t.case_id,
            lat=t.lat,
            lon=t.lon,
            service_s=operation.service_s,
            earliest_s=operation.shift_start_s,
            latest_s=max(operation.shift_start_s, operation.shift_end_s - operation.service_s),
            persons=1,
            address_confidence=t.address_confidence,
        )
        for t in targets
        if t.status == "INCLUDED" and t.lat is not None and t.lon is not None
    )
    if not stops or not teams:
        return None
    vehicles = tuple(
        Team(
            id=team.team_id,
            seats=team.seats,
            shift_start_s=operation.shift_start_s,
            shift_end_s=operation.shift_end_s,
            office_lat=team.office_lat,
            office_lon=team.office_lon,
            office=team.start_office,
        )
        for team in teams
    )
    return RoutingProblem(stops, vehicles)


def plan(
    operation: Operation,
    teams: list[OperationTeam],
    targets: list[OperationTarget],
    seconds: float,
) -> RoutePlan | None:
    """Plan the teams' routes with PyVRP within ``seconds`` at most (None: nothing to route)."""
    problem = problem_of(operation, teams, targets)
    if problem is None:
        return None
    return routing.plan_routes(problem, budget(len(problem.stops), seconds))


def apply(
    found: RoutePlan | None, teams: list[OperationTeam], targets: list[OperationTarget]
) -> int:
    """Write a plan onto the team and target rows; return the total road distance (metres)."""
    by_case = {t.case_id: t for t in targets}
    for target in targets:
        target.team_id = target.seq = target.arrival_s = target.start_s = None
        target.departure_s = target.persons_on_board = None
        target.unrouted_reason = (
            None if target.status != "INCLUDED" or target.lat is not None else NOT_LOCATED
        )
    for team in teams:
        team.leave_office_s = team.back_office_s = team.distance_m = None
    if found is None:
        return 0
    by_team = {team.team_id: team for team in teams}
    for route in found.routes:
        team = by_team[route.team_id]
        team.leave_office_s, team.back_office_s = route.leave_office_s, route.back_office_s
        team.distance_m = route.distance_m
        for seq, visit in enumerate(route.visits, start=1):
            target = by_case[visit.stop_id]
            target.team_id, target.seq = route.team_id, seq
            target.arrival_s, target.start_s = visit.arrival_s, visit.start_s
            target.departure_s, target.persons_on_board = visit.departure_s, visit.persons_on_board
    for left in found.unassigned:
        by_case[left.stop_id].unrouted_reason = left.reason
    return found.distance_m
