"""The ``dispatch solve`` JSON contract: hand-made solutions, then real short solves.

Hand-made solutions are driven with :func:`solvers.evaluate.evaluate_route`, so they
carry exact times, loads and costs and pass the independent checker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from scenarios.instances import FORMATS, BenchInstance, read_instance, solution_json
from solvers import RoutingSolution, SolveParams, check, solve
from solvers.evaluate import evaluate_route
from solvers.solution import (
    CostBreakdown,
    Route,
    SolveStats,
    SolveStatus,
    UnassignedReason,
    UnassignedTask,
)
from tests.scenarios.tiny import TEXTS, write

FAST = SolveParams(time_limit_s=0.5, workers=1)


def hand_made(
    bench: BenchInstance,
    plan: Mapping[str, Sequence[str]],
    unassigned: Sequence[str] = (),
) -> RoutingSolution:
    """Vehicle id -> task ids: each task's stops in order, tasks one after the other."""
    problem = bench.problem
    routes = []
    for vehicle_id, task_ids in plan.items():
        vehicle = problem.vehicle(vehicle_id)
        # Pickups first (tasks loaded at the depot have none), then the deliveries.
        visits = [(tid, i) for tid in task_ids for i in range(len(problem.task(tid).pickups))]
        visits += [(tid, len(problem.task(tid).pickups)) for tid in task_ids]
        ev = evaluate_route(problem, vehicle, visits, 0.0)
        assert ev.feasible, ev.breaches
        routes.append(
            Route(vehicle_id, ev.start_s, ev.stops, ev.end_s, ev.distance_m, ev.duration_s, ev.cost)
        )
    solution = RoutingSolution(
        tuple(routes),
        tuple(UnassignedTask(t, UnassignedReason.SEARCH_LIMIT, "hand-made") for t in unassigned),
        sum((route.cost for route in routes), CostBreakdown()),
        SolveStats(SolveStatus.SOLVED, 0.0, 0, 0, 1, 0),
    )
    report = check(problem, solution)
    assert report.ok, report.violations
    return solution


def test_cordeau_routes_name_their_depot_and_real_valued_distance(tmp_path: Path) -> None:
    bench = read_instance(write(tmp_path, "cordeau"), "cordeau")
    solution = hand_made(bench, {"d4-1": ["c1", "c3"], "d5-1": ["c2"]})
    assert solution_json(bench, solution, 1.23456) == {
        "instance": "tiny_cordeau",
        "vehicles": 2,
        # depot 4 (-3,-4) -> 1 (0,0) -> 3 (3,4) -> depot 4: 5 + 5 + 10; depot 5: 5 + 5.
        "distance": 30.0,
        "routes": [{"depot": 4, "nodes": [1, 3]}, {"depot": 5, "nodes": [2]}],
        "unassigned": [],
        "solve_s": 1.235,
    }


def test_cordeau_distance_is_not_rounded(tmp_path: Path) -> None:
    bench = read_instance(write(tmp_path, "cordeau"), "cordeau")
    solution = hand_made(bench, {"d5-1": ["c3"]}, unassigned=["c1", "c2"])
    out = solution_json(bench, solution, 0.0)
    assert out["distance"] == pytest.approx(2 * math.hypot(10, 0), abs=1e-6)
    assert out["routes"] == [{"depot": 5, "nodes": [3]}]
    assert out["unassigned"] == [1, 2]


def test_vrplib_distance_sums_rounded_arcs(tmp_path: Path) -> None:
    bench = read_instance(write(tmp_path, "vrplib"), "vrplib")
    solution = hand_made(bench, {"v1": ["c2", "c3"], "v2": ["c5", "c4"]})
    out = solution_json(bench, solution, 0.5)
    # 1->2->3->1: 1 + 2 + 4; 1->5->4->1: 3 + 4 + 5 (real-valued the total is 18.79).
    assert out == {
        "instance": "tiny-n5-k2",
        "vehicles": 2,
        "distance": 19.0,
        "routes": [[2, 3], [5, 4]],
        "unassigned": [],
        "solve_s": 0.5,
    }
    assert isinstance(out["distance"], float)
    assert out["distance"] == solution.distance_m


def test_single_depot_formats_keep_lists_and_real_distance(tmp_path: Path) -> None:
    solomon = read_instance(write(tmp_path, "solomon"), "solomon")
    out = solution_json(solomon, hand_made(solomon, {"v1": ["c1", "c2"]}), 0.0)
    assert (out["routes"], out["distance"], out["unassigned"]) == ([[1, 2]], 20.0, [])
    lilim = read_instance(write(tmp_path, "lilim"), "lilim")
    out = solution_json(lilim, hand_made(lilim, {"v2": ["p1"]}), 0.0)
    assert (out["routes"], out["distance"]) == ([[1, 2]], 20.0)
    mpdptw = read_instance(write(tmp_path, "mpdptw"), "mpdptw")
    out = solution_json(mpdptw, hand_made(mpdptw, {}, unassigned=["r0"]), 0.0)
    assert (out["vehicles"], out["routes"], out["distance"]) == (0, [], 0.0)
    assert out["unassigned"] == [1, 2, 3]


def assert_contract(out: dict[str, Any], fmt: str) -> None:
    assert set(out) == {"instance", "vehicles", "distance", "routes", "unassigned", "solve_s"}
    assert isinstance(out["instance"], str)
    assert isinstance(out["vehicles"], int)
    assert isinstance(out["distance"], float)
    assert isinstance(out["solve_s"], float)
    assert len(out["routes"]) == out["vehicles"]
    for route in out["routes"]:
        nodes = route["nodes"] if fmt == "cordeau" else route
        assert all(isinstance(x, int) for x in nodes)
    assert all(isinstance(x, int) for x in out["unassigned"])


# Optimal distances of the tiny instances (checked by hand): solomon and lilim one vehicle
# 0-1-2-0 = 5 + 5 + 10; mpdptw 0-1-2-3-0 = 5 + 5 + hypot(6, 3) + 5; cordeau the plan of
# the hand-made test (30); vrplib: capacity 10 needs two routes, best {2,3} + {5,4} or
# {2,3,5} + {4}, both 19 in rounded arcs (every split checked).
OPTIMUM = {
    "solomon": 20.0,
    "lilim": 20.0,
    "mpdptw": 15.0 + math.hypot(6, 3),
    "cordeau": 30.0,
    "vrplib": 19.0,
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_short_solve_is_feasible_and_optimal_on_tiny_files(tmp_path: Path, fmt: str) -> None:
    bench = read_instance(write(tmp_path, fmt), fmt)
    solution = solve(bench.problem, FAST)
    report = check(bench.problem, solution)
    assert report.ok, report.violations
    assert not solution.unassigned
    out = solution_json(bench, solution, solution.stats.solve_s)
    assert_contract(out, fmt)
    assert out["distance"] == pytest.approx(OPTIMUM[fmt], abs=1e-6)
    assert out["distance"] == pytest.approx(solution.distance_m, abs=1e-6)


ONE_TRIP = {
    # One vehicle of capacity 2, four customers of demand 1 around the depot.
    "solomon": TEXTS["solomon"]
    .replace("  2         10", "  1         2")
    .replace("    1      3          4          2 ", "    1      3          4          1 ")
    .replace("    2      6          8          3 ", "    2      6          8          1 ")
    + "    3     -3         -4          1          0         60          5\n"
    + "    4      0         -5          1          0         60          5\n",
    # One vehicle per depot, capacity 6 each: demands 4, 5 and 6 fit one per vehicle.
    "cordeau": TEXTS["cordeau"].replace("2 2 3 2\n50 10\n0 8\n", "2 1 3 2\n0 6\n0 6\n"),
}


@pytest.mark.parametrize("fmt", sorted(ONE_TRIP))
def test_a_vehicle_makes_one_trip(tmp_path: Path, fmt: str) -> None:
    """Loading is only possible before leaving: no return to the depot to reload."""
    bench = read_instance(write(tmp_path, fmt, ONE_TRIP[fmt]), fmt)
    solution = solve(bench.problem, FAST)
    assert check(bench.problem, solution).ok
    for route in solution.routes:
        # Only deliveries: the whole route's load leaves the depot with the vehicle.
        assert all(s.kind.value == "delivery" for s in route.stops)
        capacity = bench.problem.vehicle(route.vehicle_id).capacity[0]
        demand = sum(bench.problem.task(s.task_id).demand[0] for s in route.stops)
        assert demand <= capacity
    served = sum(len(r.stops) for r in solution.routes)
    assert (served, len(solution.unassigned)) == ((2, 2) if fmt == "solomon" else (2, 1))
