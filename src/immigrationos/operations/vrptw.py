"""Solve benchmark VRPTW instances with PyVRP and report them in the instance's own units.

PyVRP works in integers. Distances are scaled by :data:`SCALE` (100) and rounded, so the
objective it minimizes is within 0.005 per edge of the unrounded one; travel and service
times are scaled and rounded *up*, time windows' closing times rounded *down*, so a route
feasible for the solver is feasible in exact arithmetic too. The distance reported is
recomputed from the routes in floating point (:func:`instances.total_distance`).
"""

from __future__ import annotations

import math
import multiprocessing
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from pyvrp import (
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
    Model,
    Solution,
    SolveParams,
)
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from immigrationos.operations import instances
from immigrationos.operations.instances import VrptwInstance

SCALE = 100

# Called with (seconds elapsed, best distance so far in the instance's units).
ProgressCallback = Callable[[float, float], None]


@dataclass(frozen=True)
class VrptwResult:
    """The routes found for an instance, their distance in its units, and the time taken."""

    name: str
    distance: float
    dimacs_distance: float
    routes: tuple[tuple[int, ...], ...]
    seconds: float
    iterations: int
    seed: int
    feasible: bool
    violations: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Return the result as plain JSON-ready values."""
        return {
            "instance": self.name,
            "distance": round(self.distance, 4),
            "dimacs_distance": self.dimacs_distance,
            "vehicles": len(self.routes),
            "routes": [list(route) for route in self.routes],
            "seconds": round(self.seconds, 3),
            "iterations": self.iterations,
            "seed": self.seed,
            "feasible": self.feasible,
            "violations": list(self.violations),
        }


class _Progress(IteratedLocalSearchCallbacks):
    """Report the best distance on each improvement and every 0.2 s in between."""

    def __init__(self, report: ProgressCallback, started: float) -> None:
        self._report = report
        self._started = started
        self._last = 0.0
        self._best = math.inf

    def on_best(self, best: Solution) -> None:
        """Report a new best solution's distance (when it is feasible)."""
        if best.is_feasible():
            self._best = best.distance() / SCALE
        self._tick(force=True)

    def on_iteration(self, current: object, candidate: object, best: object, ce: object) -> None:
        """Report the time every 0.2 s."""
        self._tick(force=False)

    def _tick(self, *, force: bool) -> None:
        now = time.perf_counter() - self._started
        if force or now - self._last >= 0.2:
            self._last = now
            self._report(now, self._best)


def build_model(instance: VrptwInstance) -> Model:
    """Return the PyVRP model of an instance: scaled integer distances and conservative times."""
    model = Model()
    depot_loc = model.add_location(x=instance.x[0], y=instance.y[0], name="0")
    depot = model.add_depot(
        depot_loc,
        tw_early=math.ceil(SCALE * instance.ready[0]),
        tw_late=math.floor(SCALE * instance.due[0]),
    )
    model.add_vehicle_type(
        num_available=instance.num_vehicles,
        capacity=instance.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=math.ceil(SCALE * instance.ready[0]),
        tw_late=math.floor(SCALE * instance.due[0]),
    )
    locations = [depot_loc]
    for i in range(1, len(instance.x)):
        loc = model.add_location(x=instance.x[i], y=instance.y[i], name=str(i))
        locations.append(loc)
        model.add_client(
            loc,
            delivery=instance.demand[i],
            service_duration=math.ceil(SCALE * instance.service[i] - 1e-9),
            tw_early=math.ceil(SCALE * instance.ready[i] - 1e-9),
            tw_late=math.floor(SCALE * instance.due[i] + 1e-9),
            name=str(i),
        )
    scaled = SCALE * instance.distance_matrix()
    distance = np.rint(scaled).astype(np.int64)
    duration = np.ceil(scaled - 1e-9).astype(np.int64)
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            if i != j:
                model.add_edge(frm, to, distance=int(distance[i, j]), duration=int(duration[i, j]))
    return model


def solve_instance(
    instance: VrptwInstance,
    seconds: float,
    *,
    seed: int = 1,
    progress: ProgressCallback | None = None,
    workers: int = 1,
) -> VrptwResult:
    """Solve an instance with PyVRP for a time budget; return the best routes found.

    Args:
        instance: the instance, as read by :func:`instances.read_instance`.
        seconds: the wall-clock budget, model build included.
        seed: the random seed; the same seed and budget give similar, not identical, results
            because the search stops on time.
        progress: called with (seconds elapsed, best feasible distance so far) by the
            search in this process.
        workers: independent searches run at once (seeds ``seed``, ``seed + 1``, ...), one
            in this process and the others in child processes; the best result is kept.
            PyVRP's search uses one core: on a machine with two idle cores, two workers
            search twice as much in the same time.

    Returns:
        The routes as customer numbers, their unrounded and DIMACS distances, and whether
        they are feasible in exact arithmetic (with the reasons when not).
    """
    started = time.perf_counter()
    deadline = time.time() + seconds  # wall clock: shared with the child processes
    others = []
    pool = None
    if workers > 1:
        pool = ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("spawn"))
        others = [
            pool.submit(_search, instance, deadline, seed + k, None) for k in range(1, workers)
        ]
    try:
        searches = [_search(instance, deadline, seed, progress, started)]
        searches.extend(future.result() for future in others)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    best = min(searches, key=lambda s: (not s.solver_feasible, s.distance, s.seed))
    violations = instances.route_violations(instance, list(best.routes))
    if not best.solver_feasible:
        violations.insert(0, "the solver found no feasible solution in the time given")
    return VrptwResult(
        name=instance.name,
        distance=best.distance,
        dimacs_distance=instances.dimacs_distance(instance, list(best.routes)),
        routes=best.routes,
        seconds=time.perf_counter() - started,
        iterations=sum(s.iterations for s in searches),
        seed=best.seed,
        feasible=not violations,
        violations=tuple(violations),
    )


@dataclass(frozen=True)
class _Search:
    routes: tuple[tuple[int, ...], ...]
    distance: float
    iterations: int
    seed: int
    solver_feasible: bool


def _search(
    instance: VrptwInstance,
    deadline: float,
    seed: int,
    progress: ProgressCallback | None,
    started: float | None = None,
) -> _Search:
    """Run one PyVRP search until the wall-clock deadline (also in a child process)."""
    model = build_model(instance)
    callbacks: IteratedLocalSearchCallbacks = (
        _Progress(progress, started if started is not None else time.perf_counter())
        if progress
        else IteratedLocalSearchCallbacks()
    )
    params = SolveParams(ils=IteratedLocalSearchParams(callbacks=callbacks))
    with warnings.catch_warnings():
        # PyVRP warns when it struggles to find a feasible solution; the result says so.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = model.solve(
            MaxRuntime(max(0.05, deadline - time.time())),
            seed=seed,
            collect_stats=False,
            display=False,
            params=params,
        )
    routes = tuple(
        tuple(activity.idx + 1 for activity in route if activity.is_client())
        for route in result.best.routes()
        if route.num_clients() > 0
    )
    return _Search(
        routes=routes,
        distance=instances.total_distance(instance, list(routes)),
        iterations=result.num_iterations,
        seed=seed,
        solver_feasible=result.best.is_feasible(),
    )
