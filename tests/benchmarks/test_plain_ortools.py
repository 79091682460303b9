"""The plain OR-Tools peer (``benchmarks/plain_ortools.py``) on tiny instances.

Its routes are re-driven here from the file's coordinates and windows, not from
anything the model computed.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from benchmarks.plain_ortools import main, solve_plain
from scenarios.instances import read_instance
from solvers.errors import InvalidInputError
from solvers.evaluate import Visit
from solvers.ortools.model import build_model
from solvers.problem import RoutingProblem, Stop, Task, TimeWindow, TravelMatrices, Vehicle

# id x y demand ready due service; the depot's due date is the horizon.
SOLOMON_ROWS = [
    (0, 0, 0, 0, 0, 200, 0),
    (1, 10, 0, 4, 0, 50, 5),
    (2, 20, 0, 4, 0, 60, 5),
    (3, 0, 10, 4, 30, 80, 5),
    (4, 0, 20, 4, 0, 100, 5),
    (5, -10, -10, 4, 100, 150, 5),
]


def _solomon(path: Path, capacity: int = 10) -> Path:
    lines = ["TINY", "", "VEHICLE", "NUMBER     CAPACITY", f"  4         {capacity}", ""]
    lines += ["CUSTOMER", "CUST NO.  XCOORD.  YCOORD.  DEMAND  READY  DUE  SERVICE", ""]
    lines += ["  ".join(str(v) for v in row) for row in SOLOMON_ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def _drive(rows: dict[int, tuple[float, ...]], route: list[int], capacity: float) -> float:
    """Distance of depot -> route -> depot; asserts windows, horizon and capacity."""
    depot = rows[0]
    now, length, load = 0.0, 0.0, 0.0
    here = depot
    for node in [*route, 0]:
        there = rows[node]
        leg = math.hypot(there[1] - here[1], there[2] - here[2])
        length += leg
        now = max(now + leg, there[4])
        assert now <= there[5] + 1e-9, f"node {node} served at {now} after {there[5]}"
        now += there[6]
        load += there[3]
        here = there
    assert load <= capacity
    return length


def test_solomon_routes_are_feasible_and_distance_is_recomputed(tmp_path: Path) -> None:
    bench = read_instance(_solomon(tmp_path / "tiny.txt"), "solomon")
    result = solve_plain(bench.problem, 1.0)
    assert result.feasible and not result.unassigned
    rows = {row[0]: tuple(float(v) for v in row) for row in SOLOMON_ROWS}
    served = [int(task_id[1:]) for _, route in result.routes for task_id, _ in route]
    assert sorted(served) == [1, 2, 3, 4, 5]
    total = sum(_drive(rows, [int(t[1:]) for t, _ in route], 10.0) for _, route in result.routes)
    assert result.distance == pytest.approx(total, abs=1e-9)
    # Capacity 10 and five demands of 4: at least three routes.
    assert result.vehicles == len(result.routes) >= 3


def test_pickup_and_delivery_share_a_route_in_order(tmp_path: Path) -> None:
    # vehicles capacity speed; id x y demand earliest latest service pickup_of delivery_of
    lines = [
        "3 10 1",
        "0 0 0 0 0 500 0 0 0",
        "1 10 0 5 0 100 2 0 2",
        "2 20 0 -5 0 200 2 1 0",
        "3 0 10 5 0 100 2 0 4",
        "4 0 20 -5 0 200 2 3 0",
    ]
    path = tmp_path / "pd.txt"
    path.write_text("\n".join(lines) + "\n")
    bench = read_instance(path, "lilim")
    result = solve_plain(bench.problem, 1.0)
    assert result.feasible and not result.unassigned
    for _, route in result.routes:
        tasks = [t for t, _ in route]
        for task_id in set(tasks):
            assert [i for t, i in route if t == task_id] == [0, 1]  # pickup, then delivery
    xy = {0: (0, 0), 1: (10, 0), 2: (20, 0), 3: (0, 10), 4: (0, 20)}
    total = 0.0
    for _, route in result.routes:
        walk = [0, *(bench.problem.task(t).stops[i].location for t, i in route), 0]
        total += sum(math.dist(xy[a], xy[b]) for a, b in itertools.pairwise(walk))
    assert result.distance == pytest.approx(total, abs=1e-9)
    # Both pairs on one route (load 5 at a time): 10 + 10 + sqrt(500) + 10 + 20.
    assert result.distance == pytest.approx(50 + math.sqrt(500))


def test_refuses_a_problem_it_cannot_model(tmp_path: Path) -> None:
    bench = read_instance(_solomon(tmp_path / "tiny.txt"), "solomon")
    fleet = (*bench.problem.vehicles, Vehicle("far", 3, 3, capacity=(10.0,)))
    other = type(bench.problem)(fleet, bench.problem.tasks, bench.problem.matrices)
    with pytest.raises(InvalidInputError, match="identical vehicles"):
        solve_plain(other, 0.1)
    first, second = bench.problem.tasks[0].delivery, bench.problem.tasks[1].delivery
    multi = Task("m", (first, first), second, demand=(2.0,))
    with pytest.raises(InvalidInputError, match="pickup"):
        solve_plain(
            type(bench.problem)(bench.problem.vehicles, (multi,), bench.problem.matrices), 0.1
        )


def test_main_prints_one_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _solomon(tmp_path / "tiny.txt")
    assert main([str(path), "--time-limit", "0.5", "--solutions", "50"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["instance"] == "tiny"
    assert summary["unassigned"] == 0 and summary["feasible"] is True
    assert summary["vehicles"] >= 3
    assert main([str(tmp_path / "missing.txt")]) == 2


def _random_vrptw(customers: int, vehicles: int, seed: int) -> RoutingProblem:
    """A Solomon-like instance: 100 x 100 grid, 60-wide windows, capacity 100."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 100, size=(customers + 1, 2)).astype(float)
    xy[0] = 50.0
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    tasks = []
    for i in range(1, customers + 1):
        ready = float(rng.integers(0, 150))
        window = (TimeWindow(ready, ready + 60.0),)
        demand = (float(rng.integers(5, 30)),)
        tasks.append(Task(f"c{i}", (), Stop(i, 10.0, window), demand=demand))
    fleet = tuple(
        Vehicle(f"v{k}", 0, 0, TimeWindow(0.0, 400.0), (100.0,), cost_per_km=1000.0)
        for k in range(vehicles)
    )
    return RoutingProblem(fleet, tuple(tasks), {"default": TravelMatrices(d, d)})


def test_engine_model_of_a_vrptw_searches_exactly_like_the_plain_model() -> None:
    # Same strategy, same solution count: the engine's model must walk the same path as
    # the textbook one.  It did not while every vehicle had its own start and end node
    # (12 vehicle classes instead of 1): other routes after 60 solutions, and twice the
    # CPU per solution on Solomon instances.  A model change that makes it fail changes
    # how OR-Tools searches plain VRPTW instances: measure it against the plain model.
    p = _random_vrptw(customers=40, vehicles=12, seed=3)
    solutions = 60
    plain = solve_plain(p, 60.0, solution_limit=solutions)
    built = build_model(p, 1000)
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.solution_limit = solutions
    search.time_limit.FromSeconds(60)
    routing = built.routing
    solution = routing.SolveWithParameters(search)
    assert solution is not None
    routes: list[tuple[Visit, ...]] = []
    for v in range(len(p.vehicles)):
        route: list[Visit] = []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            route.extend(built.nodes[built.manager.IndexToNode(index)].visits)
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(tuple(route))
    assert routing.GetVehicleClassesCount() == 1
    assert sorted(routes) == sorted(route for _, route in plain.routes)
    # Money is scaled 1000 times finer than the plain model's distance units.
    assert solution.ObjectiveValue() == plain.objective * 1000
