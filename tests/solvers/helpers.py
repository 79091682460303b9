"""Tiny routing instances on a line: location i sits at x = positions[i], speed 1 unit/s."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solvers import RoutingProblem, RoutingSolution, SolveParams, TravelMatrices, check, solve
from solvers.problem import Task, Vehicle, VehicleLock

FAST = SolveParams(time_limit_s=0.4, workers=1)


def line_matrices(positions: Sequence[float]) -> dict[str, TravelMatrices]:
    """Distance = duration = |x_i - x_j| (metres and seconds)."""
    x = np.asarray(positions, dtype=float)
    d = np.abs(x[:, None] - x[None, :])
    return {"default": TravelMatrices(d, d)}


def problem(
    vehicles: Sequence[Vehicle],
    tasks: Sequence[Task],
    positions: Sequence[float] = (0, 10, 20, 30),
    locks: Sequence[VehicleLock] = (),
    pinned: dict[str, str] | None = None,
) -> RoutingProblem:
    """A problem on the line."""
    return RoutingProblem(
        tuple(vehicles), tuple(tasks), line_matrices(positions), tuple(locks), pinned or {}
    )


def solved(p: RoutingProblem, params: SolveParams = FAST) -> RoutingSolution:
    """Solve and insist the independent checker agrees."""
    solution = solve(p, params)
    report = check(p, solution)
    assert report.ok, report.violations
    assert report.cost.total == solution.cost.total
    return solution


def visits(solution: RoutingSolution, vehicle_id: str) -> list[tuple[str, int]]:
    """(task id, stop index) along the vehicle's route."""
    route = next(r for r in solution.routes if r.vehicle_id == vehicle_id)
    return [(s.task_id, s.stop_index) for s in route.stops]
