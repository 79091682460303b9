"""A time limit is a promise for the whole call, building the OR-Tools model included.

The model of a large problem takes seconds to build; with a tiny limit the build is
stopped by its deadline check (:func:`solvers.ortools.search.run_worker` passes one to
:func:`solvers.ortools.model.build_model`), and ``solve`` answers what it answers for a
search cut by its limit: every task unassigned with reason ``search_limit``, accepted by
the checker, never an exception.  The tests assert that the check fired and what came
back, not wall-clock times (the machine is shared).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from solvers import RoutingProblem, SolveParams, TravelMatrices, check, solve
from solvers.budget import Budget
from solvers.ortools import search
from solvers.ortools.model import build_model
from solvers.problem import Stop, Task, Vehicle
from solvers.solution import UnassignedReason


def _large(tasks: int) -> RoutingProblem:
    """``tasks`` parcels on a 5 km square and three vans: a model of seconds to build."""
    rng = np.random.default_rng(11)
    points = rng.uniform(0, 5000, size=(tasks + 1, 2))
    distance = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    matrices = {"default": TravelMatrices(distance, distance / 5.0)}
    vans = tuple(Vehicle(f"van{i}", 0, 0, capacity=(40.0,)) for i in range(3))
    parcels = tuple(Task(f"p{i}", (), Stop(i), (1.0,)) for i in range(1, tasks + 1))
    return RoutingProblem(vans, parcels, matrices)


@pytest.fixture(scope="module")
def large() -> RoutingProblem:
    return _large(800)


def test_a_tiny_limit_stops_the_model_build_and_leaves_every_task_to_the_limit(
    large: RoutingProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped: list[bool] = []

    def watched_build(*args: Any, **kwargs: Any) -> Any:
        try:
            return build_model(*args, **kwargs)
        except search.BuildDeadlineError:
            stopped.append(True)
            raise

    # One worker: the OR-Tools member runs in this process, where the spy sees it.
    monkeypatch.setattr(search, "build_model", watched_build)
    solution = solve(large, SolveParams(time_limit_s=0.01, workers=1))
    assert stopped, "the deadline check never fired while the model was built"
    report = check(large, solution)
    assert report.ok, report.violations[:3]
    assert not solution.routes
    assert len(solution.unassigned) == len(large.tasks)
    assert {u.reason for u in solution.unassigned} == {UnassignedReason.SEARCH_LIMIT}


def test_a_worker_out_of_time_answers_no_solution_and_says_why(large: RoutingProblem) -> None:
    spent = Budget(0.0)  # a deadline long past
    result = search.run_worker(large, SolveParams(time_limit_s=1.0, workers=1), 0, spent)
    assert not result.found
    assert result.out_of_time
    assert result.routes == ()


def test_the_build_check_is_called_throughout_the_build() -> None:
    problem = _large(30)
    calls = 0

    def count() -> None:
        nonlocal calls
        calls += 1

    built = build_model(problem, SolveParams().distance_scale, check=count)
    assert built.routing is not None
    # At least once per task and per node: a build can be stopped between any two.
    assert calls >= 2 * len(problem.tasks)
