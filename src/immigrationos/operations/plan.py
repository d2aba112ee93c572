"""The team route planning model shared by both solvers: stops, teams, routes, and checks.

Times are whole seconds from 00:00 of the operation day. A stop is served by one team,
whose service starts within the stop's window (a team arriving early waits); the persons
taken at a stop ride with the team until it is back at its office, so a route's persons add
up against the team's seats. A team leaves its office no earlier than its shift start and
is back no later than its shift end. A stop no team can serve is reported with the reason,
never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from immigrationos.operations.travel import TravelModel


@dataclass(frozen=True)
class Stop:
    """A place to visit: coordinates, service time, time window and persons to transport."""

    id: str
    lat: float
    lon: float
    service_s: int
    earliest_s: int
    latest_s: int
    persons: int = 1
    address_confidence: str | None = None


@dataclass(frozen=True)
class Team:
    """A team and its vehicle: seats for persons, a shift, and the office it starts from."""

    id: str
    seats: int
    shift_start_s: int
    shift_end_s: int
    office_lat: float
    office_lon: float
    office: str = ""


@dataclass(frozen=True)
class RoutingProblem:
    """The stops and teams of one operation, and the travel model between them."""

    stops: tuple[Stop, ...]
    teams: tuple[Team, ...]
    travel: TravelModel = field(default_factory=TravelModel)

    def __post_init__(self) -> None:
        _validate(self)

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (lat, lon): the teams' offices first, one per team, then the stops."""
        lat = [t.office_lat for t in self.teams] + [s.lat for s in self.stops]
        lon = [t.office_lon for t in self.teams] + [s.lon for s in self.stops]
        return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (metres, seconds) over :meth:`points`: node t is team t's office, T+i stop i."""
        lat, lon = self.points()
        return self.travel.matrices(lat, lon)


@dataclass(frozen=True)
class Visit:
    """One stop of a route: when the team arrives, starts, leaves, and who is on board."""

    stop_id: str
    arrival_s: int
    start_s: int
    departure_s: int
    persons_on_board: int
    address_confidence: str | None = None


@dataclass(frozen=True)
class TeamRoute:
    """The route of one team: its visits in order, its times at the office and its length."""

    team_id: str
    visits: tuple[Visit, ...]
    leave_office_s: int
    back_office_s: int
    distance_m: int


@dataclass(frozen=True)
class UnassignedStop:
    """A stop that no route serves, and why."""

    stop_id: str
    reason: str


@dataclass(frozen=True)
class RoutePlan:
    """The routes of all teams, the stops left out with reasons, and how they were found."""

    routes: tuple[TeamRoute, ...]
    unassigned: tuple[UnassignedStop, ...]
    solver: str
    seconds: float

    @property
    def distance_m(self) -> int:
        """Return the total road distance of all routes in metres."""
        return sum(route.distance_m for route in self.routes)


def clock(seconds: int) -> str:
    """Return seconds from the day's 00:00 as HH:MM (with +1d past midnight)."""
    days, rest = divmod(seconds, 86_400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return f"{text}+{days}d" if days else text


def schedule(
    problem: RoutingProblem,
    team_index: int,
    stop_indices: list[int],
    matrices: tuple[np.ndarray, np.ndarray] | None = None,
) -> TeamRoute:
    """Return a team's route through stops in this order, each served as early as possible.

    The team leaves the office at shift start, or later if it would only wait at its first
    stop: the times from the first stop on are those of leaving at shift start, and leaving
    as early as possible never makes a later arrival (waiting is allowed at every stop).
    The route may be infeasible; :func:`violations` says why.
    """
    metres, seconds = matrices if matrices is not None else problem.matrices()
    team = problem.teams[team_index]
    offset = len(problem.teams)
    leave = team.shift_start_s
    if stop_indices:
        first = problem.stops[stop_indices[0]]
        leave = max(leave, first.earliest_s - int(seconds[team_index, offset + stop_indices[0]]))
    here, now, on_board, distance = team_index, leave, 0, 0
    visits = []
    for i in stop_indices:
        stop = problem.stops[i]
        node = offset + i
        arrival = now + int(seconds[here, node])
        start = max(arrival, stop.earliest_s)
        on_board += stop.persons
        distance += int(metres[here, node])
        now = start + stop.service_s
        visits.append(Visit(stop.id, arrival, start, now, on_board, stop.address_confidence))
        here = node
    back = now + int(seconds[here, team_index])
    distance += int(metres[here, team_index])
    return TeamRoute(team.id, tuple(visits), leave, back, distance)


def violations(problem: RoutingProblem, plan: RoutePlan) -> list[str]:
    """Return every way the plan breaks the model (empty when it is feasible and complete)."""
    problems: list[str] = []
    stops = {s.id: s for s in problem.stops}
    teams = {t.id: t for t in problem.teams}
    seen: dict[str, int] = {}
    for route in plan.routes:
        team = teams.get(route.team_id)
        if team is None:
            problems.append(f"route of unknown team {route.team_id}")
            continue
        if route.leave_office_s < team.shift_start_s:
            problems.append(f"team {team.id} leaves before its shift")
        if route.back_office_s > team.shift_end_s:
            problems.append(f"team {team.id} back at {clock(route.back_office_s)}, after shift")
        for visit in route.visits:
            seen[visit.stop_id] = seen.get(visit.stop_id, 0) + 1
            stop = stops.get(visit.stop_id)
            if stop is None:
                problems.append(f"team {team.id} visits unknown stop {visit.stop_id}")
                continue
            if not stop.earliest_s <= visit.start_s <= stop.latest_s:
                problems.append(f"stop {stop.id} served at {clock(visit.start_s)}, outside window")
            if visit.persons_on_board > team.seats:
                problems.append(
                    f"team {team.id} carries {visit.persons_on_board} for {team.seats} seats"
                )
    for stop_id, n in seen.items():
        if n > 1:
            problems.append(f"stop {stop_id} visited {n} times")
    for u in plan.unassigned:
        if u.stop_id in seen:
            problems.append(f"stop {u.stop_id} both routed and reported unassigned")
        seen.setdefault(u.stop_id, 0)
    problems.extend(
        f"stop {s.id} neither routed nor reported" for s in problem.stops if s.id not in seen
    )
    return problems


def skip_penalties(problem: RoutingProblem, metres: np.ndarray) -> list[int]:
    """Return, per stop, the cost in metres of leaving it out: more than serving it can add.

    Inserting a stop into a route adds at most twice its largest distance to any other node;
    four times that, plus 10 km, makes leaving out a stop that could be served never pay,
    while keeping the numbers on the scale of the distances (PyVRP's penalties adapt to that
    scale; an astronomical prize makes it chase infeasible solutions).
    """
    offset = len(problem.teams)
    far = np.maximum(metres.max(axis=0), metres.max(axis=1))
    return [int(4 * far[offset + i] + 10_000) for i in range(len(problem.stops))]


def unassigned_reason(
    problem: RoutingProblem, stop_index: int, matrices: tuple[np.ndarray, np.ndarray]
) -> str:
    """Return why a stop is left out: too many persons, out of every team's reach, or no room."""
    stop = problem.stops[stop_index]
    largest = max(t.seats for t in problem.teams)
    if stop.persons > largest:
        return f"needs {stop.persons} seats; the largest team has {largest}"
    for t, team in enumerate(problem.teams):
        if stop.persons <= team.seats:
            alone = schedule(problem, t, [stop_index], matrices)
            visit = alone.visits[0]
            if visit.start_s <= stop.latest_s and alone.back_office_s <= team.shift_end_s:
                return (
                    "no room left: the teams' seats and shift hours are taken by other stops "
                    f"(team {team.id} alone could serve it at {clock(visit.start_s)})"
                )
    return (
        "out of reach: no team with enough seats can get there from its office within "
        f"the window {clock(stop.earliest_s)}-{clock(stop.latest_s)} and be back by shift end"
    )


def _validate(problem: RoutingProblem) -> None:
    if not problem.teams:
        raise ValueError("a routing problem needs at least one team")
    ids = [s.id for s in problem.stops]
    if len(set(ids)) != len(ids):
        raise ValueError("stop ids must be unique")
    for stop in problem.stops:
        if stop.earliest_s > stop.latest_s:
            raise ValueError(f"stop {stop.id}: window opens after it closes")
        if stop.service_s < 0 or stop.persons < 0:
            raise ValueError(f"stop {stop.id}: negative service time or persons")
        if not (-90 <= stop.lat <= 90 and -180 <= stop.lon <= 180):
            raise ValueError(f"stop {stop.id}: coordinates out of range")
    for team in problem.teams:
        if team.shift_start_s > team.shift_end_s:
            raise ValueError(f"team {team.id}: shift ends before it starts")
        if team.seats < 0:
            raise ValueError(f"team {team.id}: negative seats")
