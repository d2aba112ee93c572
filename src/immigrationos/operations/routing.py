"""Plan the teams' routes of an operation with PyVRP: a VRP with time windows and capacities.

Each team is a vehicle type of one vehicle, starting and ending at its own office, with its
seats as capacity and its shift as time window. Each stop is an *optional* client with a
prize larger than serving it can cost (:func:`plan.skip_penalties`): the solver serves every
stop it can, and a stop it leaves out is reported with the reason
(:func:`plan.unassigned_reason`), never dropped silently. Distances (metres) and travel
times (seconds, rounded up) come from :mod:`operations.travel`; the arrival times returned
are recomputed from the same matrices by :func:`plan.schedule`.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from pyvrp import Model, PenaltyParams, Solution, SolveParams, solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from immigrationos.operations import plan as plan_model
from immigrationos.operations.plan import RoutePlan, RoutingProblem, UnassignedStop


def build_model(problem: RoutingProblem, matrices: tuple[np.ndarray, np.ndarray]) -> Model:
    """Return the PyVRP model of a routing problem over the given (metres, seconds) matrices."""
    metres, seconds = matrices
    prizes = plan_model.skip_penalties(problem, metres)
    model = Model()
    locations = []
    for t, team in enumerate(problem.teams):
        loc = model.add_location(x=team.office_lon, y=team.office_lat, name=f"office:{team.id}")
        locations.append(loc)
        depot = model.add_depot(
            loc, tw_early=team.shift_start_s, tw_late=team.shift_end_s, name=f"team:{t}"
        )
        model.add_vehicle_type(
            num_available=1,
            capacity=[team.seats],
            start_depot=depot,
            end_depot=depot,
            tw_early=team.shift_start_s,
            tw_late=team.shift_end_s,
            name=team.id,
        )
    for stop, prize in zip(problem.stops, prizes, strict=True):
        loc = model.add_location(x=stop.lon, y=stop.lat, name=stop.id)
        locations.append(loc)
        model.add_client(
            loc,
            pickup=[stop.persons],
            service_duration=stop.service_s,
            tw_early=stop.earliest_s,
            tw_late=stop.latest_s,
            prize=prize,
            required=False,
            name=stop.id,
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            if i != j:
                model.add_edge(frm, to, distance=int(metres[i, j]), duration=int(seconds[i, j]))
    return model


def plan_routes(problem: RoutingProblem, seconds: float, *, seed: int = 1) -> RoutePlan:
    """Plan the teams' routes with PyVRP within a time budget.

    Args:
        problem: the stops, the teams and the travel model.
        seconds: the wall-clock budget, the travel matrices and model build included.
        seed: the random seed of the search.

    Returns:
        One route per team that has stops, with arrival and service times, and every stop
        not served with the reason.
    """
    started = time.perf_counter()
    matrices = problem.matrices()
    routes: list[plan_model.TeamRoute] = []
    served: set[int] = set()
    failed: dict[int, str] = {}
    # Stops no team could serve even alone are reported without troubling the solver.
    candidates = [i for i in range(len(problem.stops)) if _servable_alone(problem, i, matrices)]
    if candidates:
        sub = RoutingProblem(
            tuple(problem.stops[i] for i in candidates), problem.teams, problem.travel
        )
        sub_matrices = _sub_matrices(matrices, len(problem.teams), candidates)
        model = build_model(sub, sub_matrices)
        data = model.data()
        prizes = plan_model.skip_penalties(sub, sub_matrices[0])
        # Violations must be able to cost more than a prize, or the search settles on
        # serving every stop infeasibly; the empty plan is a feasible start.
        penalties = PenaltyParams(max_penalty=max(100_000.0, 2.0 * max(prizes)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = solve(
                data,
                MaxRuntime(max(0.05, seconds - (time.perf_counter() - started))),
                seed=seed,
                collect_stats=False,
                display=False,
                params=SolveParams(penalty=penalties),
                initial_solution=Solution(data, []),
            )
        for route in result.best.routes():
            stop_indices = [candidates[a.idx] for a in route if a.is_client()]
            if not stop_indices:
                continue
            if not route.is_feasible():
                for i in stop_indices:
                    failed[i] = "the solver found no feasible route for it in the time given"
                continue
            routes.append(
                plan_model.schedule(problem, route.vehicle_type(), stop_indices, matrices)
            )
            served.update(stop_indices)
    unassigned = tuple(
        UnassignedStop(stop.id, failed.get(i) or plan_model.unassigned_reason(problem, i, matrices))
        for i, stop in enumerate(problem.stops)
        if i not in served
    )
    order = {team.id: t for t, team in enumerate(problem.teams)}
    routes.sort(key=lambda r: order[r.team_id])
    return RoutePlan(tuple(routes), unassigned, "pyvrp", time.perf_counter() - started)


def _servable_alone(
    problem: RoutingProblem, stop_index: int, matrices: tuple[np.ndarray, np.ndarray]
) -> bool:
    stop = problem.stops[stop_index]
    for t, team in enumerate(problem.teams):
        if stop.persons <= team.seats:
            alone = plan_model.schedule(problem, t, [stop_index], matrices)
            if alone.visits[0].start_s <= stop.latest_s and alone.back_office_s <= team.shift_end_s:
                return True
    return False


def _sub_matrices(
    matrices: tuple[np.ndarray, np.ndarray], n_teams: int, stops: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    nodes = np.array([*range(n_teams), *(n_teams + i for i in stops)])
    return matrices[0][np.ix_(nodes, nodes)], matrices[1][np.ix_(nodes, nodes)]
