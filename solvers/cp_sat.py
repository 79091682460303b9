"""Running a CP-SAT model the one deterministic way, and what a model run reports.

Every CP-SAT model of the engine (:mod:`solvers.assignment`, :mod:`solvers.bundling`)
solves on one search worker with a fixed seed, so the same input gives the same answer;
the limit is wall-clock seconds, CP-SAT's deterministic seconds, or both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from ortools.sat.python import cp_model

from solvers.errors import InvalidInputError

# CP-SAT refuses a zero limit; below this it would not even load the model.
MIN_TIME_LIMIT_S = 0.01


class ModelStatus(StrEnum):
    """How a model run ended."""

    OPTIMAL = "optimal"  # proved optimal (an empty model is trivially optimal)
    FEASIBLE = "feasible"  # a solution, the limit reached before the proof
    GREEDY = "greedy"  # no solution within the limit: the model's greedy fallback
    NO_SOLUTION = "no_solution"  # no solution within the limit and no fallback


@dataclass(frozen=True, slots=True)
class ModelRun:
    """What one run of a CP-SAT model reports.

    Attributes:
        status: how it ended.
        objective: the returned answer's objective, in the model's own units.
        bound: CP-SAT's proven bound on the objective, same units; None when CP-SAT
            found nothing (the fallback's answer has no bound).
        solve_s: wall-clock seconds of the run, building the model included.
        fallback: whether the answer comes from the greedy fallback.
    """

    status: ModelStatus
    objective: float
    bound: float | None
    solve_s: float
    fallback: bool


def solve_model(
    model: cp_model.CpModel,
    *,
    seed: int,
    time_limit_s: float | None = None,
    deterministic_time_s: float | None = None,
) -> tuple[cp_model.CpSolver, ModelStatus | None]:
    """Solve ``model`` on one worker with ``seed``; the solver and ``OPTIMAL`` or
    ``FEASIBLE``, or None when no solution was found within the limits.

    ``time_limit_s`` is wall-clock seconds (at least :data:`MIN_TIME_LIMIT_S`),
    ``deterministic_time_s`` CP-SAT's deterministic seconds (reproducible across
    machines); None means no such limit.

    Raises:
        InvalidInputError: a limit that is not a finite number >= 0, or a negative seed.
    """
    limits = (("time_limit_s", time_limit_s), ("deterministic_time_s", deterministic_time_s))
    for name, limit in limits:
        if limit is not None and not (math.isfinite(limit) and limit >= 0):
            raise InvalidInputError(name, f"must be a finite number >= 0, got {limit!r}")
    if seed < 0:
        raise InvalidInputError("seed", f"must be >= 0, got {seed}")
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if time_limit_s is not None:
        solver.parameters.max_time_in_seconds = max(MIN_TIME_LIMIT_S, float(time_limit_s))
    if deterministic_time_s is not None:
        solver.parameters.max_deterministic_time = float(deterministic_time_s)
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return solver, ModelStatus.OPTIMAL
    if status == cp_model.FEASIBLE:
        return solver, ModelStatus.FEASIBLE
    return solver, None
