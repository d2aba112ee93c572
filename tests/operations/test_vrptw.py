"""Solving VRPTW instances with PyVRP: known optima, brute force, and the command line."""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from immigrationos.cli import app
from immigrationos.operations import instances, vrptw
from immigrationos.operations.instances import VrptwInstance

DATA = Path(__file__).parent.parent / "data" / "vrp"


def test_tiny_instance_reaches_its_optimum() -> None:
    inst = instances.read_instance(DATA / "TINY4.txt")
    result = vrptw.solve_instance(inst, 0.5)
    assert result.feasible
    assert result.distance == 80
    assert sorted(sorted(r) for r in result.routes) == [[1, 2], [3, 4]]


def brute_force(inst: VrptwInstance) -> float:
    """Return the optimal distance by trying every route of every subset (n <= 6)."""
    n = inst.num_customers

    def travel(i: int, j: int) -> float:
        return math.ceil(vrptw.SCALE * inst.distance(i, j) - 1e-9) / vrptw.SCALE

    @cache
    def best_route(subset: frozenset[int]) -> float:
        if sum(inst.demand[c] for c in subset) > inst.capacity:
            return math.inf
        best = math.inf
        for order in itertools.permutations(sorted(subset)):
            t, here, ok = inst.ready[0], 0, True
            for c in [*order, 0]:
                t = max(t + travel(here, c), inst.ready[c])
                if t > inst.due[c] + 1e-9:
                    ok = False
                    break
                t += inst.service[c]
                here = c
            if ok:
                best = min(best, instances.route_distance(inst, order))
        return best

    @cache
    def best_split(rest: frozenset[int], vehicles: int) -> float:
        if not rest:
            return 0.0
        if vehicles == 0:
            return math.inf
        first = min(rest)
        others = sorted(rest - {first})
        best = math.inf
        for k in range(len(others) + 1):
            for combo in itertools.combinations(others, k):
                route = frozenset((first, *combo))
                cost = best_route(route)
                if cost < best:
                    best = min(best, cost + best_split(rest - route, vehicles - 1))
        return best

    return best_split(frozenset(range(1, n + 1)), inst.num_vehicles)


@st.composite
def tiny_instances(draw: st.DrawFn) -> VrptwInstance:
    n = draw(st.integers(2, 6))
    coord = st.integers(0, 40)
    ready = [0] + [draw(st.integers(0, 150)) for _ in range(n)]
    due = [400] + [r + draw(st.integers(10, 200)) for r in ready[1:]]
    return VrptwInstance(
        name="tiny",
        num_vehicles=draw(st.integers(1, n)),
        capacity=draw(st.integers(3, 12)),
        x=tuple(float(draw(coord)) for _ in range(n + 1)),
        y=tuple(float(draw(coord)) for _ in range(n + 1)),
        demand=(0, *(draw(st.integers(1, 3)) for _ in range(n))),
        ready=tuple(float(r) for r in ready),
        due=tuple(float(d) for d in due),
        service=(0.0, *(float(draw(st.integers(0, 10))) for _ in range(n))),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(tiny_instances())
def test_pyvrp_matches_brute_force_and_is_feasible(inst: VrptwInstance) -> None:
    optimum = brute_force(inst)
    assume(math.isfinite(optimum))
    result = vrptw.solve_instance(inst, 0.2)
    assert result.feasible, result.violations
    assert instances.route_violations(inst, list(result.routes)) == []
    # PyVRP minimizes distances rounded to 0.01 per edge: allow that much per edge.
    edges = inst.num_customers + len(result.routes)
    assert result.distance <= optimum + 0.005 * edges + 1e-9
    assert result.distance >= optimum - 0.005 * edges - 1e-9


def test_infeasible_instance_is_reported() -> None:
    inst = instances.read_instance(DATA / "TINY4.txt")
    one_vehicle = VrptwInstance(**{**inst.__dict__, "num_vehicles": 1})
    result = vrptw.solve_instance(one_vehicle, 0.2)
    assert not result.feasible
    assert result.violations


def test_cli_solves_with_json() -> None:
    runner = CliRunner()
    out = runner.invoke(
        app, ["operations", "solve-vrptw", str(DATA / "TINY4.txt"), "--seconds", "0.3", "--json"]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout[out.stdout.index("{") :])
    assert payload["distance"] == 80
    assert payload["best_known"]["cost"] == 80
    assert payload["best_known"]["gap_percent"] == 0
    assert sorted(map(sorted, payload["routes"])) == [[1, 2], [3, 4]]
    assert payload["seconds"] > 0


def test_cli_table_output() -> None:
    out = CliRunner().invoke(
        app, ["operations", "solve-vrptw", str(DATA / "TINY4.txt"), "--seconds", "0.2"]
    )
    assert out.exit_code == 0, out.output
    assert "distance 80.00" in out.stdout


def test_cli_bad_input_exits_2_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("X\nVEHICLE\n1 1\nCUSTOMER\n0 0 0 0 0 10\n")
    out = CliRunner().invoke(app, ["operations", "solve-vrptw", str(bad), "--seconds", "0.2"])
    assert out.exit_code == 2
    assert "bad.txt" in out.output and "needs 7 fields" in out.output
    missing = CliRunner().invoke(app, ["operations", "solve-vrptw", str(tmp_path / "none.txt")])
    assert missing.exit_code == 2
    assert "none.txt: no such file" in missing.output


def test_cli_plans_a_synthetic_operation() -> None:
    out = CliRunner().invoke(
        app,
        ["operations", "plan-synthetic", "--stops", "8", "--teams", "2", "--seconds", "0.3",
         "--solver", "both"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "pyvrp:" in out.stdout and "ortools:" in out.stdout
    bad = CliRunner().invoke(app, ["operations", "plan-synthetic", "--solver", "gurobi"])
    assert bad.exit_code == 2


def test_two_workers_keep_the_best() -> None:
    inst = instances.read_instance(DATA / "TINY4.txt")
    result = vrptw.solve_instance(inst, 1.0, seed=5, workers=2)
    assert result.feasible and result.distance == 80
    assert result.seed in (5, 6)
