"""Plan the same team routes with OR-Tools' routing solver, for comparison with PyVRP.

The model is the one of :mod:`operations.routing`, over the same integer matrices: arc cost
in metres, a capacity dimension for seats, a time dimension whose transit is the service
time at the origin plus the travel time, with waiting allowed (slack) and the shift as each
vehicle's start/end window. A stop may be dropped at the cost of
:func:`plan.skip_penalties` (a disjunction), the prize PyVRP gets,, and a dropped stop is reported with its reason. The search is guided local
search from a parallel cheapest-insertion start (which, on the 200-stop benchmark, leaves
no stop out where the cheapest-arc start left nine), stopped at the time limit.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from immigrationos.operations import plan as plan_model
from immigrationos.operations.plan import RoutePlan, RoutingProblem, UnassignedStop


def plan_routes(problem: RoutingProblem, seconds: float) -> RoutePlan:
    """Plan the teams' routes with OR-Tools within a time budget.

    Args:
        problem: the stops, the teams and the travel model.
        seconds: the wall-clock budget, the travel matrices and model build included.

    Returns:
        One route per team that has stops, with arrival and service times, and every stop
        not served with the reason.
    """
    started = time.perf_counter()
    matrices = problem.matrices()
    n_teams = len(problem.teams)
    routes: list[plan_model.TeamRoute] = []
    served: set[int] = set()
    if problem.stops:
        solution_routes = _solve(problem, matrices, started + seconds)
        if solution_routes is None:
            solution_routes = {}
        for t, nodes in solution_routes.items():
            stop_indices = [node - n_teams for node in nodes]
            routes.append(plan_model.schedule(problem, t, stop_indices, matrices))
            served.update(stop_indices)
    unassigned = tuple(
        UnassignedStop(stop.id, plan_model.unassigned_reason(problem, i, matrices))
        for i, stop in enumerate(problem.stops)
        if i not in served
    )
    return RoutePlan(tuple(routes), unassigned, "ortools", time.perf_counter() - started)


def _solve(
    problem: RoutingProblem, matrices: tuple[np.ndarray, np.ndarray], deadline: float
) -> dict[int, list[int]] | None:
    metres, travel = matrices
    teams, stops = problem.teams, problem.stops
    n_teams = len(teams)
    service = [0] * n_teams + [s.service_s for s in stops]
    demand = [0] * n_teams + [s.persons for s in stops]
    manager = pywrapcp.RoutingIndexManager(
        len(service), n_teams, list(range(n_teams)), list(range(n_teams))
    )
    routing = pywrapcp.RoutingModel(manager)
    metres_list = metres.tolist()
    transit_list = (travel + np.asarray(service)[:, None]).tolist()

    def arc_metres(i: int, j: int) -> int:
        return int(metres_list[manager.IndexToNode(i)][manager.IndexToNode(j)])

    def arc_seconds(i: int, j: int) -> int:
        return int(transit_list[manager.IndexToNode(i)][manager.IndexToNode(j)])

    def persons(i: int) -> int:
        return demand[manager.IndexToNode(i)]

    cost_cb = routing.RegisterTransitCallback(arc_metres)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    demand_cb = routing.RegisterUnaryTransitCallback(persons)
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, [t.seats for t in teams], True, "seats")
    horizon = max([t.shift_end_s for t in teams] + [s.latest_s for s in stops])
    time_cb = routing.RegisterTransitCallback(arc_seconds)
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    penalties = plan_model.skip_penalties(problem, metres)
    for i, stop in enumerate(stops):
        index = manager.NodeToIndex(n_teams + i)
        time_dim.CumulVar(index).SetRange(stop.earliest_s, stop.latest_s)
        routing.AddDisjunction([index], penalties[i])
    for t, team in enumerate(teams):
        time_dim.CumulVar(routing.Start(t)).SetRange(team.shift_start_s, team.shift_end_s)
        time_dim.CumulVar(routing.End(t)).SetRange(team.shift_start_s, team.shift_end_s)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    # the search gets what is left of the budget once the model is built
    params.time_limit.FromMilliseconds(max(50, round((deadline - time.perf_counter()) * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    result: dict[int, list[int]] = {}
    for t in range(n_teams):
        index = solution.Value(routing.NextVar(routing.Start(t)))
        nodes = []
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if nodes:
            result[t] = nodes
    return result
