"""Command-line operations planning: ``imos operations solve-vrptw`` and ``plan-synthetic``.

Neither reads person data: a benchmark instance and a synthetic operation are the solvers'
own checks, open to anyone with the command line.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from immigrationos.operations import (
    instances,
    plan,
    routing,
    routing_ortools,
    synthetic,
    vrptw,
)
from immigrationos.operations.travel import TravelModel

console = Console()
err = Console(stderr=True, soft_wrap=True)

operations_app = typer.Typer(
    help="Operations planning: team routes, and the route solver on benchmark instances.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``imos operations`` to the command line."""
    app.add_typer(operations_app, name="operations")


@operations_app.command("solve-vrptw")
def solve_vrptw(
    file: Annotated[Path, typer.Argument(help="A Solomon or VRPLIB VRPTW instance file.")],
    seconds: Annotated[float, typer.Option(help="Solver time budget in seconds.", min=0.1)] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the search.")] = 1,
    best_known: Annotated[
        Path | None,
        typer.Option(help="Best-known solution (.sol); default: FILE with the .sol suffix."),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Independent searches at once (one core each); best kept.", min=1)
    ] = 1,
) -> None:
    """Solve a VRPTW benchmark instance; print its distance, routes and the time taken."""
    try:
        instance = instances.read_instance(file)
        sol_path = best_known or file.with_suffix(".sol")
        known = (
            instances.read_best_known(sol_path, instance)
            if best_known is not None or sol_path.exists()
            else None
        )
    except instances.InstanceError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=as_json,
    ) as progress:
        task = progress.add_task(f"{instance.name}: solving", total=seconds)

        def report(elapsed: float, best: float) -> None:
            shown = f"best {best:.2f}" if math.isfinite(best) else "no feasible solution yet"
            progress.update(
                task,
                completed=min(elapsed, seconds),
                description=f"{instance.name}: {shown}",
            )

        result = vrptw.solve_instance(
            instance, seconds, seed=seed, progress=report, workers=workers
        )
        progress.update(
            task, completed=seconds, description=f"{instance.name}: {result.distance:.2f}"
        )
    payload = result.to_dict()
    if known is not None:
        known_distance = instances.total_distance(instance, list(known.routes))
        payload["best_known"] = {
            "file": str(sol_path),
            "cost": known.cost,
            "distance": round(known_distance, 4),
            "gap_percent": round(100 * (result.distance / known_distance - 1), 3) + 0.0,
            "dimacs_gap_percent": round(100 * (result.dimacs_distance / known.cost - 1), 3) + 0.0,
        }
    if as_json:
        console.print_json(json.dumps(payload))
    else:
        _print_result(result, payload)
    if not result.feasible:
        raise typer.Exit(1)


def _print_result(result: vrptw.VrptwResult, payload: dict[str, object]) -> None:
    table = Table(title=f"{result.name}: {len(result.routes)} routes")
    table.add_column("route", justify="right")
    table.add_column("customers")
    for k, route in enumerate(result.routes, start=1):
        table.add_row(str(k), " ".join(map(str, route)))
    console.print(table)
    console.print(
        f"distance [bold]{result.distance:.2f}[/] (unrounded; {result.dimacs_distance:.1f} "
        f"with edges truncated to one decimal), {result.seconds:.1f} s, "
        f"{result.iterations:,} iterations, seed {result.seed}"
    )
    known = payload.get("best_known")
    if isinstance(known, dict):
        console.print(
            f"best known {known['distance']:.2f} unrounded (file: Cost {known['cost']}), "
            f"gap {known['gap_percent']:+.2f} % ({known['dimacs_gap_percent']:+.2f} % truncated)"
        )
    for problem in result.violations:
        err.print(f"[red]infeasible:[/] {problem}")


@operations_app.command("plan-synthetic")
def plan_synthetic(
    stops: Annotated[int, typer.Option(help="Stops of the synthetic operation.", min=0)] = 40,
    teams: Annotated[int, typer.Option(help="Teams (vehicles).", min=1)] = 4,
    seconds: Annotated[float, typer.Option(help="Time budget per solver.", min=0.1)] = 5.0,
    solver: Annotated[str, typer.Option(help="pyvrp, ortools or both.")] = "pyvrp",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic operation.")] = 1,
    speed: Annotated[float, typer.Option(help="Travel speed in km/h.", min=1)] = 40.0,
) -> None:
    """Plan the team routes of a synthetic operation; print each route and the stops left out."""
    if solver not in ("pyvrp", "ortools", "both"):
        err.print(f"[red]error:[/] --solver is {solver!r}: pyvrp, ortools or both")
        raise typer.Exit(2)
    problem = synthetic.synthetic_operation(
        stops, teams, seed=seed, travel=TravelModel(speed_kmh=speed)
    )
    solvers = {
        "pyvrp": lambda: routing.plan_routes(problem, seconds, seed=seed),
        "ortools": lambda: routing_ortools.plan_routes(problem, seconds),
    }
    for name in ("pyvrp", "ortools") if solver == "both" else (solver,):
        with err.status(f"{name}: planning {stops} stops for {teams} teams ({seconds:g} s)"):
            result = solvers[name]()
        _print_plan(result)


def _print_plan(result: plan.RoutePlan) -> None:
    table = Table(
        title=f"{result.solver}: {result.distance_m / 1000:,.1f} km, {len(result.routes)} "
        f"routes, {len(result.unassigned)} stops left out, {result.seconds:.1f} s"
    )
    for name in ("team", "leaves", "back", "km", "stops (arrival)"):
        table.add_column(name, justify="right" if name == "km" else "left")
    for route in result.routes:
        visits = " ".join(f"{v.stop_id}@{plan.clock(v.arrival_s)}" for v in route.visits)
        table.add_row(
            route.team_id,
            plan.clock(route.leave_office_s),
            plan.clock(route.back_office_s),
            f"{route.distance_m / 1000:.1f}",
            visits,
        )
    console.print(table)
    for stop in result.unassigned:
        console.print(f"[yellow]left out[/] {stop.stop_id}: {stop.reason}")
