"""Plain OR-Tools: the textbook routing model of a VRPTW or PDPTW benchmark instance.

A peer for the engine's own model (:mod:`solvers.ortools.model`) in the quality report:
the model every OR-Tools user writes first, so that "the engine is at least as good as
OR-Tools out of the box" can be measured.  One depot node shared by every vehicle, one
node per stop, one arc-cost matrix for all vehicles (real distance times ``scale``,
rounded), a time dimension with slack (travel rounded *up* plus the service at the
node left, so every integer schedule is feasible in real arithmetic), a capacity
dimension, a drop disjunction per task, PATH_CHEAPEST_ARC then guided local search,
OR-Tools' default parameters otherwise, one search thread.

Instances come from :func:`scenarios.instances.read_instance` (formats ``solomon`` and
``lilim``: one depot, identical vehicles, at most one pickup per task).  Routes are
returned as the problem's visits and their distance is recomputed in real arithmetic
by :func:`solvers.evaluate.evaluate_route`, the function the checker uses.

Run ``python -m benchmarks.plain_ortools INSTANCE --format solomon --time-limit 10``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from scenarios.instances import read_instance
from solvers.errors import EngineError, InvalidInputError
from solvers.evaluate import Visit, evaluate_route
from solvers.problem import RoutingProblem

FORMATS = ("solomon", "lilim")
DEFAULT_SCALE = 1000  # integer units per distance unit: three decimals of real distance
# Dropping a task costs this many times the longest arc: far above what serving it adds
# to a route, so a task is left out only when no route can take it.
DROP_PENALTY_ARCS = 100


@dataclass(frozen=True)
class PlainResult:
    """What the plain model found.

    Attributes:
        vehicles: routes with at least one stop.
        distance: total real-valued distance of the routes, in the file's units.
        routes: per used vehicle (id, visits in order).
        unassigned: ids of the tasks left out.
        feasible: whether every route passes :func:`solvers.evaluate.evaluate_route`.
        objective: OR-Tools' objective, integer units.
        solve_s: wall-clock seconds of the search (model building included).
    """

    vehicles: int
    distance: float
    routes: tuple[tuple[str, tuple[Visit, ...]], ...]
    unassigned: tuple[str, ...]
    feasible: bool
    objective: int
    solve_s: float


def _up(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Round up to integers (travel and service times: integer feasible is real feasible)."""
    return np.ceil(np.asarray(values, dtype=np.float64) - 1e-9).astype(np.int64)


def _check_shape(problem: RoutingProblem) -> None:
    """The plain model's assumptions: one depot and profile, same fleet, <= 1 pickup."""
    first = problem.vehicles[0]
    for v in problem.vehicles:
        if (v.start, v.end, v.profile, v.capacity, v.shift) != (
            first.start,
            first.end,
            first.profile,
            first.capacity,
            first.shift,
        ):
            raise InvalidInputError("plain model", "needs identical vehicles at one depot")
    if len({bool(task.pickups) for task in problem.tasks}) > 1:
        raise InvalidInputError("plain model", "needs every task picked up, or none")
    for task in problem.tasks:
        if len(task.pickups) > 1 or len(task.demand) != len(first.capacity):
            raise InvalidInputError(
                "plain model", f"task {task.id!r}: needs at most one pickup and one demand"
            )


def solve_plain(
    problem: RoutingProblem,
    time_limit_s: float,
    *,
    solution_limit: int | None = None,
    scale: int = DEFAULT_SCALE,
) -> PlainResult:
    """Solve ``problem`` with the plain OR-Tools model for ``time_limit_s`` seconds.

    ``solution_limit`` also stops the search after that many solutions (the first one
    and one per accepted local-search move, as ``SolveParams.iterations`` counts them):
    a limit that does not depend on the machine's load, for side-by-side comparisons.

    Raises:
        InvalidInputError: the problem is not of the plain model's shape.
    """
    started = time.perf_counter()
    _check_shape(problem)
    vehicle = problem.vehicles[0]
    # Node 0 is the depot, node i + 1 the i-th stop (a task's pickup before its delivery).
    stops: list[Visit] = [(t.id, i) for t in problem.tasks for i in range(len(t.stops))]
    at = np.array([vehicle.start] + [problem.task(t).stops[i].location for t, i in stops])
    service = np.array([0.0] + [problem.task(t).stops[i].service_s for t, i in stops])
    mats = problem.matrices[vehicle.profile]
    cost = np.rint(mats.distance_m[np.ix_(at, at)] * scale).astype(np.int64)
    travel = _up(mats.duration_s[np.ix_(at, at)] * scale)
    transit = travel + _up(service * scale)[:, None]

    manager = pywrapcp.RoutingIndexManager(len(at), len(problem.vehicles), 0)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost.tolist()))

    horizon = int(np.floor(vehicle.shift.end_s * scale + 1e-9))
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    shift_start = int(_up(np.array(vehicle.shift.start_s * scale)))
    for v in range(len(problem.vehicles)):
        time_dim.CumulVar(routing.Start(v)).SetRange(shift_start, horizon)
        time_dim.CumulVar(routing.End(v)).SetRange(shift_start, horizon)

    picks_up = any(task.pickups for task in problem.tasks)
    demand = [0] * len(at)
    penalty = DROP_PENALTY_ARCS * int(cost.max())
    solver = routing.solver()
    for node, (task_id, i) in enumerate(stops, start=1):
        task = problem.task(task_id)
        stop = task.stops[i]
        index = manager.NodeToIndex(node)
        lo = int(_up(np.array(stop.windows[0].start_s * scale)))
        hi = int(np.floor(stop.windows[-1].end_s * scale + 1e-9))
        time_dim.CumulVar(index).SetRange(lo, min(hi, horizon))
        load = round(task.demand[0] * scale) if task.demand else 0
        delivery = i == len(task.pickups)
        # Loaded at the depot: cumul = load delivered so far; picked up: load on board.
        demand[node] = -load if picks_up and delivery else load
        routing.AddDisjunction([index], penalty)
        if task.pickups and not delivery:
            drop = manager.NodeToIndex(node + 1)
            routing.AddPickupAndDelivery(index, drop)
            solver.Add(routing.VehicleVar(index) == routing.VehicleVar(drop))
            solver.Add(time_dim.CumulVar(index) <= time_dim.CumulVar(drop))
    if vehicle.capacity:
        caps = [round(v.capacity[0] * scale) for v in problem.vehicles]
        demand_cb = routing.RegisterUnaryTransitVector(demand)
        routing.AddDimensionWithVehicleCapacity(demand_cb, 0, caps, True, "capacity")

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    left_s = max(0.01, time_limit_s - (time.perf_counter() - started))
    search.time_limit.FromMilliseconds(int(left_s * 1000))
    if solution_limit is not None:
        search.solution_limit = solution_limit
    solution = routing.SolveWithParameters(search)
    routes: list[tuple[str, tuple[Visit, ...]]] = []
    if solution is not None:
        for v, veh in enumerate(problem.vehicles):
            index = solution.Value(routing.NextVar(routing.Start(v)))
            route: list[Visit] = []
            while not routing.IsEnd(index):
                route.append(stops[manager.IndexToNode(index) - 1])
                index = solution.Value(routing.NextVar(index))
            if route:
                routes.append((veh.id, tuple(route)))
    served = {t for _, route in routes for t, _ in route}
    evaluations = [evaluate_route(problem, problem.vehicle(v), r) for v, r in routes]
    return PlainResult(
        vehicles=len(routes),
        distance=sum(e.distance_m for e in evaluations),
        routes=tuple(routes),
        unassigned=tuple(t.id for t in problem.tasks if t.id not in served),
        feasible=all(e.feasible for e in evaluations),
        objective=int(solution.ObjectiveValue()) if solution is not None else 0,
        solve_s=time.perf_counter() - started,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.plain_ortools",
        description="Solve one instance with the plain OR-Tools model; print JSON.",
    )
    parser.add_argument("instance", type=Path)
    parser.add_argument("--format", choices=FORMATS, default="solomon")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument(
        "--solutions", type=int, help="also stop after this many solutions (load-independent)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``{instance, vehicles, distance, unassigned, feasible, solve_s}``; 2 on bad input."""
    args = _parser().parse_args(argv)
    try:
        bench = read_instance(args.instance, args.format)
        result = solve_plain(bench.problem, args.time_limit, solution_limit=args.solutions)
    except EngineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    summary = {
        "instance": bench.name,
        "vehicles": result.vehicles,
        "distance": round(result.distance, 2),
        "unassigned": len(result.unassigned),
        "feasible": result.feasible,
        "solve_s": round(result.solve_s, 2),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
