"""Benchmark VRPTW instances: read Solomon and VRPLIB files, their best-known solutions, and
evaluate routes in the instance's own units.

Solomon's convention: travel time equals the Euclidean distance, unrounded; node 0 is the
depot, its time window is the planning horizon. The best-known files (``.sol``) list one
route per line (``Route #1: 5 3 7``) and end with ``Cost N``. The ``.sol`` files bundled
from the PyVRP project state their cost with each edge truncated to one decimal (the DIMACS
challenge convention); :func:`dimacs_distance` computes that convention too, so both can be
compared like for like.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib

# Times are compared in floating point: allow for the rounding of a sum of square roots.
TIME_TOLERANCE = 1e-6
_ROUTE_RE = re.compile(r"^Route\s*#\s*(\d+)\s*:(.*)$", re.IGNORECASE)
_COST_RE = re.compile(r"^Cost\s+(\S+)\s*$", re.IGNORECASE)


class InstanceError(ValueError):
    """An instance or solution file that cannot be read, with the file and what is wrong."""


@dataclass(frozen=True)
class VrptwInstance:
    """A capacitated VRP with time windows; index 0 is the depot, 1..n the customers."""

    name: str
    num_vehicles: int
    capacity: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    demand: tuple[int, ...]
    ready: tuple[float, ...]
    due: tuple[float, ...]
    service: tuple[float, ...]

    @property
    def num_customers(self) -> int:
        """Return the number of customers (the depot excluded)."""
        return len(self.x) - 1

    def distance(self, i: int, j: int) -> float:
        """Return the Euclidean distance between nodes i and j (also the travel time)."""
        return math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])

    def distance_matrix(self) -> np.ndarray:
        """Return all Euclidean distances as an (n+1)x(n+1) float matrix."""
        xy = np.column_stack([self.x, self.y])
        return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))


@dataclass(frozen=True)
class BestKnown:
    """A best-known solution: its routes (customer numbers) and its stated cost."""

    routes: tuple[tuple[int, ...], ...]
    cost: float


def read_instance(path: Path) -> VrptwInstance:
    """Read a Solomon or VRPLIB VRPTW file; raise InstanceError naming the file and the fault."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise InstanceError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot be read ({exc})") from exc
    if not text.strip():
        raise InstanceError(f"{path}: the file is empty")
    if "NODE_COORD_SECTION" in text.upper():
        instance = _read_vrplib(path)
    else:
        instance = _parse_solomon(path, text)
    _validate(path, instance)
    return instance


def _number(path: Path, line_no: int, field: str, token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise InstanceError(f"{path}: line {line_no}: {field} is {token!r}, not a number") from None
    if not math.isfinite(value):
        raise InstanceError(f"{path}: line {line_no}: {field} is {token!r}, not finite")
    return value


def _integer(path: Path, line_no: int, field: str, token: str) -> int:
    value = _number(path, line_no, field, token)
    if value != int(value):
        raise InstanceError(f"{path}: line {line_no}: {field} is {token!r}, not a whole number")
    return int(value)


_CUSTOMER_FIELDS = ("customer number", "x", "y", "demand", "ready time", "due date", "service")


def _parse_solomon(path: Path, text: str) -> VrptwInstance:
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    content = [(n, line) for n, line in lines if line]
    name = content[0][1]
    upper = [line.upper() for _, line in content]
    if "VEHICLE" not in upper or "CUSTOMER" not in upper:
        raise InstanceError(
            f"{path}: not a Solomon instance (no VEHICLE and CUSTOMER sections) "
            "and not a VRPLIB one (no NODE_COORD_SECTION)"
        )
    vehicle_at = upper.index("VEHICLE")
    customer_at = upper.index("CUSTOMER")
    # VEHICLE, its header (NUMBER CAPACITY), then the two numbers
    numbers = [(n, line) for n, line in content[vehicle_at + 1 : customer_at] if line[0].isdigit()]
    if len(numbers) != 1 or len(numbers[0][1].split()) != 2:
        line_no = content[vehicle_at][0]
        raise InstanceError(
            f"{path}: line {line_no}: the VEHICLE section needs one line 'NUMBER CAPACITY'"
        )
    line_no, line = numbers[0]
    vehicles_token, capacity_token = line.split()
    num_vehicles = _integer(path, line_no, "vehicle number", vehicles_token)
    capacity = _integer(path, line_no, "vehicle capacity", capacity_token)
    rows: list[list[float]] = []
    for line_no, line in content[customer_at + 1 :]:
        if not (line[0].isdigit() or line[0] in "+-."):
            continue  # the column header
        tokens = line.split()
        if len(tokens) != len(_CUSTOMER_FIELDS):
            raise InstanceError(
                f"{path}: line {line_no}: a customer line needs {len(_CUSTOMER_FIELDS)} "
                f"fields ({', '.join(_CUSTOMER_FIELDS)}), found {len(tokens)}"
            )
        row = [
            float(_integer(path, line_no, f, t))
            if f in ("customer number", "demand")
            else _number(path, line_no, f, t)
            for f, t in zip(_CUSTOMER_FIELDS, tokens, strict=True)
        ]
        if int(row[0]) != len(rows):
            raise InstanceError(
                f"{path}: line {line_no}: customer number is {int(row[0])}, expected {len(rows)} "
                "(customers are numbered 0 (the depot), 1, 2, ... in order)"
            )
        rows.append(row)
    if len(rows) < 2:
        raise InstanceError(f"{path}: the CUSTOMER section needs the depot and one customer")
    columns = list(zip(*rows, strict=True))
    return VrptwInstance(
        name=name,
        num_vehicles=num_vehicles,
        capacity=capacity,
        x=tuple(columns[1]),
        y=tuple(columns[2]),
        demand=tuple(int(v) for v in columns[3]),
        ready=tuple(columns[4]),
        due=tuple(columns[5]),
        service=tuple(columns[6]),
    )


def _read_vrplib(path: Path) -> VrptwInstance:
    try:
        data = vrplib.read_instance(path, compute_edge_weights=False)
    except Exception as exc:  # vrplib raises bare RuntimeError/ValueError/IndexError
        raise InstanceError(f"{path}: not a readable VRPLIB instance ({exc})") from exc
    missing = [k for k in ("node_coord", "demand", "time_window", "capacity") if k not in data]
    if missing:
        raise InstanceError(f"{path}: VRPLIB instance without {', '.join(missing)}")
    depots = list(np.atleast_1d(data.get("depot", [0])))
    if depots != [0]:
        raise InstanceError(f"{path}: only one depot, node 1, is supported (found {depots})")
    coords = np.asarray(data["node_coord"], dtype=float)
    windows = np.asarray(data["time_window"], dtype=float)
    n = len(coords)
    service = np.asarray(data.get("service_time", np.zeros(n)), dtype=float)
    demand = np.asarray(data["demand"], dtype=float)
    if not (len(windows) == len(demand) == len(np.atleast_1d(service)) == n):
        raise InstanceError(f"{path}: sections of different lengths (expected {n} nodes)")
    return VrptwInstance(
        name=str(data.get("name", path.stem)),
        num_vehicles=int(data.get("vehicles", n - 1)),
        capacity=int(np.atleast_1d(data["capacity"])[0]),
        x=tuple(float(v) for v in coords[:, 0]),
        y=tuple(float(v) for v in coords[:, 1]),
        demand=tuple(int(v) for v in demand),
        ready=tuple(float(v) for v in windows[:, 0]),
        due=tuple(float(v) for v in windows[:, 1]),
        service=tuple(float(v) for v in np.broadcast_to(service, (n,))),
    )


def _validate(path: Path, inst: VrptwInstance) -> None:
    if inst.num_vehicles < 1:
        raise InstanceError(f"{path}: vehicle number is {inst.num_vehicles}, needs at least 1")
    if inst.capacity < 1:
        raise InstanceError(f"{path}: vehicle capacity is {inst.capacity}, needs at least 1")
    for i in range(len(inst.x)):
        what = "the depot" if i == 0 else f"customer {i}"
        if inst.demand[i] < 0 or inst.demand[i] > inst.capacity:
            raise InstanceError(
                f"{path}: {what}: demand {inst.demand[i]} outside 0..capacity {inst.capacity}"
            )
        if inst.ready[i] > inst.due[i]:
            raise InstanceError(
                f"{path}: {what}: ready time {inst.ready[i]:g} after due date {inst.due[i]:g}"
            )
        if inst.service[i] < 0:
            raise InstanceError(f"{path}: {what}: negative service time {inst.service[i]:g}")


def read_best_known(path: Path, instance: VrptwInstance | None = None) -> BestKnown:
    """Read a ``.sol`` file (``Route #k: ...`` lines, then ``Cost N``); check it if given one."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError as exc:
        raise InstanceError(f"{path}: no such file") from exc
    routes: list[tuple[int, ...]] = []
    cost: float | None = None
    for line_no, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if match := _ROUTE_RE.match(line):
            routes.append(
                tuple(_integer(path, line_no, "route visit", t) for t in match.group(2).split())
            )
        elif match := _COST_RE.match(line):
            cost = _number(path, line_no, "cost", match.group(1))
        else:
            raise InstanceError(f"{path}: line {line_no}: neither 'Route #k: ...' nor 'Cost N'")
    if cost is None:
        raise InstanceError(f"{path}: no 'Cost N' line")
    if instance is not None:
        n = instance.num_customers
        visits = sorted(v for route in routes for v in route)
        if visits != list(range(1, n + 1)):
            raise InstanceError(
                f"{path}: the routes do not visit customers 1..{n} exactly once each"
            )
    return BestKnown(routes=tuple(routes), cost=cost)


def route_distance(instance: VrptwInstance, route: tuple[int, ...] | list[int]) -> float:
    """Return the unrounded length of depot → route → depot."""
    path = [0, *route, 0]
    return sum(instance.distance(a, b) for a, b in itertools.pairwise(path))


def total_distance(instance: VrptwInstance, routes: list[tuple[int, ...]]) -> float:
    """Return the unrounded total distance of the routes, in the instance's units."""
    return sum(route_distance(instance, route) for route in routes)


def dimacs_distance(instance: VrptwInstance, routes: list[tuple[int, ...]]) -> float:
    """Return the total distance with each edge truncated to one decimal (DIMACS convention)."""
    total = 0
    for route in routes:
        path = [0, *route, 0]
        total += sum(
            math.floor(10 * instance.distance(a, b) + 1e-9) for a, b in itertools.pairwise(path)
        )
    return total / 10


def route_violations(instance: VrptwInstance, routes: list[tuple[int, ...]]) -> list[str]:
    """Return what makes the routes infeasible in exact arithmetic (empty when feasible).

    Checks that every customer is visited exactly once, no route exceeds the capacity, service
    starts within each time window (waiting when early) and every vehicle is back at the
    depot by its due date, with travel time equal to the unrounded distance.
    """
    problems: list[str] = []
    if len(routes) > instance.num_vehicles:
        problems.append(f"{len(routes)} routes for {instance.num_vehicles} vehicles")
    seen: dict[int, int] = {}
    for k, route in enumerate(routes, start=1):
        for customer in route:
            if not 1 <= customer <= instance.num_customers:
                problems.append(f"route {k}: no customer {customer}")
                continue
            seen[customer] = seen.get(customer, 0) + 1
        load = sum(instance.demand[c] for c in route if 1 <= c <= instance.num_customers)
        if load > instance.capacity:
            problems.append(f"route {k}: load {load} over capacity {instance.capacity}")
        time, here = instance.ready[0], 0
        for customer in [*route, 0]:
            if not 0 <= customer <= instance.num_customers:
                break
            time = max(time + instance.distance(here, customer), instance.ready[customer])
            if time > instance.due[customer] + TIME_TOLERANCE:
                problems.append(
                    f"route {k}: arrives at {customer} at {time:.3f}, due {instance.due[customer]:g}"
                )
            time += instance.service[customer]
            here = customer
    problems.extend(f"customer {c} visited {n} times" for c, n in sorted(seen.items()) if n > 1)
    missing = [c for c in range(1, instance.num_customers + 1) if c not in seen]
    if missing:
        problems.append(
            f"customers not visited: {missing[:10]}{'...' if len(missing) > 10 else ''}"
        )
    return problems
