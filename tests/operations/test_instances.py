"""Reading VRPTW instances and best-known solutions, and evaluating routes."""

from __future__ import annotations

from pathlib import Path

import pytest

from immigrationos.operations import instances
from immigrationos.operations.instances import InstanceError

DATA = Path(__file__).parent.parent / "data" / "vrp"

GOOD_HEADER = """BAD

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "instance.txt"
    path.write_text(text)
    return path


def test_reads_solomon_c101() -> None:
    inst = instances.read_instance(DATA / "C101.txt")
    assert inst.name == "C101"
    assert (inst.num_vehicles, inst.capacity, inst.num_customers) == (25, 200, 100)
    assert (inst.x[1], inst.y[1], inst.demand[1]) == (45, 68, 10)
    assert (inst.ready[1], inst.due[1], inst.service[1]) == (912, 967, 90)
    assert inst.due[0] == 1236


def test_reads_gehring_homberger() -> None:
    inst = instances.read_instance(DATA / "C1_2_1.txt")
    assert (inst.num_customers, inst.num_vehicles) == (200, 50)


def test_reads_vrplib_format(tmp_path: Path) -> None:
    text = (
        "NAME : V3\nTYPE : VRPTW\nDIMENSION : 3\nVEHICLES : 2\nCAPACITY : 5\n"
        "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\n"
        "DEMAND_SECTION\n1 0\n2 1\n3 2\nTIME_WINDOW_SECTION\n1 0 100\n2 0 50\n3 10 60\n"
        "SERVICE_TIME_SECTION\n1 0\n2 1\n3 1\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )
    inst = instances.read_instance(write(tmp_path, text))
    assert inst.num_customers == 2
    assert inst.distance(0, 1) == 5
    assert inst.ready[2] == 10 and inst.capacity == 5 and inst.num_vehicles == 2


def test_best_known_c101_in_both_conventions() -> None:
    inst = instances.read_instance(DATA / "C101.txt")
    known = instances.read_best_known(DATA / "C101.sol", inst)
    assert known.cost == 827.3
    routes = list(known.routes)
    assert instances.dimacs_distance(inst, routes) == pytest.approx(827.3)
    assert instances.total_distance(inst, routes) == pytest.approx(828.937, abs=1e-3)
    assert instances.route_violations(inst, routes) == []


def test_rc101_best_known_is_infeasible_in_exact_arithmetic() -> None:
    inst = instances.read_instance(DATA / "RC101.txt")
    known = instances.read_best_known(DATA / "RC101.sol", inst)
    problems = instances.route_violations(inst, list(known.routes))
    assert problems == ["route 4: arrives at 46 at 143.070, due 143"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "the file is empty"),
        ("JUNK\n1 2 3\n", "not a Solomon instance"),
        (GOOD_HEADER + "0 0 0 0 0 100 0\n1 1 1 1 0 100\n", "line 11: a customer line needs 7"),
        (GOOD_HEADER + "0 0 0 0 0 100 0\n1 1 x 1 0 100 0\n", "line 11: y is 'x', not a number"),
        (GOOD_HEADER + "0 0 0 0 0 100 0\n2 1 1 1 0 100 0\n", "customer number is 2, expected 1"),
        (GOOD_HEADER + "0 0 0 0 0 100 0\n1 1 1 1.5 0 100 0\n", "demand is '1.5', not a whole"),
        (GOOD_HEADER + "0 0 0 0 0 100 0\n1 1 1 11 0 100 0\n", "demand 11 outside 0..capacity"),
        (GOOD_HEADER + "0 0 0 0 0 100 0\n1 1 1 1 50 40 0\n", "ready time 50 after due date 40"),
        (GOOD_HEADER + "0 0 0 0 0 100 0\n", "needs the depot and one customer"),
        (
            GOOD_HEADER.replace("  2         10", "  2"),
            "the VEHICLE section needs one line",
        ),
        (
            GOOD_HEADER.replace("  2         10", "  0         10")
            + "0 0 0 0 0 9 0\n1 1 1 1 0 9 0\n",
            "vehicle number is 0",
        ),
    ],
)
def test_malformed_instances_name_file_and_fault(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(InstanceError) as caught:
        instances.read_instance(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InstanceError, match="no such file"):
        instances.read_instance(tmp_path / "nope.txt")


def test_malformed_vrplib(tmp_path: Path) -> None:
    path = write(tmp_path, "NAME : X\nNODE_COORD_SECTION\n1 0 0\nEOF\n")
    with pytest.raises(InstanceError, match=r"instance\.txt: VRPLIB instance without"):
        instances.read_instance(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Route #1: 1 2 3 4\n", "no 'Cost N' line"),
        ("Route #1: 1 2\nRoute #2: 3 4\nprice 3\n", "line 3: neither"),
        ("Route #1: 1 2\nCost 80\n", "do not visit customers 1..4 exactly once"),
        ("Route #1: 1 2 x\nCost 80\n", "line 1: route visit is 'x'"),
    ],
)
def test_malformed_solutions(tmp_path: Path, text: str, message: str) -> None:
    inst = instances.read_instance(DATA / "TINY4.txt")
    path = tmp_path / "TINY4.sol"
    path.write_text(text)
    with pytest.raises(InstanceError, match=message):
        instances.read_best_known(path, inst)


def test_violations_name_each_fault() -> None:
    inst = instances.read_instance(DATA / "TINY4.txt")
    problems = instances.route_violations(inst, [(1, 2, 3), (3,)])
    assert "route 1: load 3 over capacity 2" in problems
    assert "customer 3 visited 2 times" in problems
    assert any("not visited: [4]" in p for p in problems)
