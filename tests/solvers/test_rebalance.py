"""The balance-aware pass after the search (:func:`solvers.balance.rebalance`): it
moves whole tasks off the busiest route while the objective with the balance term
drops, never drops a task, and its answers pass the independent checker.

Geometry: locations on a line (``tests.solvers.helpers``), distance = duration = |dx|.
"""

from __future__ import annotations

import dataclasses
import importlib
import time

import pytest

from solvers import SolveParams, check, solve
from solvers.balance import rebalance
from solvers.evaluate import Visit
from solvers.problem import Balance, RoutingProblem, Stop, Task, TimeWindow, Vehicle
from tests.solvers.helpers import line_matrices
from tests.solvers.test_balance_and_breaks import _two_couriers

POSITIONS = (0, 10, 11, 12, 13, 14, 15)


def _all_on_a(problem: RoutingProblem) -> dict[str, list[Visit]]:
    return {"a": [(t.id, 0) for t in problem.tasks]}


def _loads(routes: dict[str, list[Visit]]) -> list[int]:
    return sorted(len(v) for v in routes.values() if v)


def test_the_pass_spreads_the_busiest_route() -> None:
    problem = _two_couriers(Balance("tasks", 5.0))
    starts = {"a": 0.0, "b": 0.0}
    routes, _ = rebalance(problem, _all_on_a(problem), starts, time.perf_counter() + 10.0)
    assert _loads(routes) == [3, 3]
    served = sorted(tid for visits in routes.values() for tid, _ in visits)
    assert served == sorted(t.id for t in problem.tasks)  # moved, never dropped
    # Bounded by a count of moves: one move takes one task off.
    one, _ = rebalance(problem, _all_on_a(problem), starts, time.perf_counter() + 10.0, 1)
    assert _loads(one) == [1, 5]


def test_without_a_balance_term_nothing_moves() -> None:
    problem = _two_couriers(None)
    routes, starts = rebalance(
        problem, _all_on_a(problem), {"a": 0.0, "b": 0.0}, time.perf_counter() + 10.0
    )
    assert routes == _all_on_a(problem)
    assert starts == {"a": 0.0, "b": 0.0}


def test_a_new_route_leaves_just_in_time_for_its_first_stop() -> None:
    """Vehicle b starts its shift at 0, the tasks open at 5,000 s; time costs money, so
    a route that left at 0 would pay for the wait."""
    vehicles = (
        Vehicle("a", 0, None, capacity=(10.0,), cost_per_km=1.0, cost_per_hour=36.0),
        Vehicle("b", 0, None, capacity=(10.0,), cost_per_km=1.0, cost_per_hour=36.0),
    )
    window = (TimeWindow(5000.0, 5600.0),)
    tasks = tuple(
        Task(f"t{i}", (), Stop(i, service_s=60.0, windows=window), demand=(1.0,), drop_penalty=1e4)
        for i in range(1, 5)
    )
    problem = RoutingProblem(
        vehicles, tasks, line_matrices(POSITIONS), balance=Balance("tasks", 20.0)
    )
    starts = {"a": 4990.0, "b": 0.0}
    routes, moved = rebalance(problem, _all_on_a(problem), starts, time.perf_counter() + 10.0)
    assert _loads(routes) == [2, 2]
    assert moved["b"] > 4000.0  # not the shift's start: no hour of waiting paid


def _no_pass(
    problem: RoutingProblem,
    routes: dict[str, list[Visit]],
    starts: dict[str, float],
    deadline_s: float,
    max_moves: int | None = None,
) -> tuple[dict[str, list[Visit]], dict[str, float]]:
    del problem, deadline_s, max_moves
    return routes, dict(starts)


def test_solve_balances_where_the_search_alone_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _two_couriers(Balance("tasks", 5.0))
    # Two iterations: the search's first solution and one local-search solution, and
    # at most two moves of the pass.
    params = SolveParams(time_limit_s=10.0, workers=1, iterations=2)
    balanced = solve(problem, params)
    assert not check(problem, balanced).violations
    assert sorted(len(r.stops) for r in balanced.routes) == [2, 4]
    assert not balanced.unassigned
    # Without the pass, the search keeps one route.
    solve_module = importlib.import_module("solvers.solve")
    monkeypatch.setattr(solve_module, "rebalance", _no_pass)
    alone = solve(problem, params)
    assert sorted(len(r.stops) for r in alone.routes) == [6]
    assert balanced.cost.total < alone.cost.total


def test_the_pass_keeps_its_deadline() -> None:
    problem = _two_couriers(Balance("tasks", 5.0))
    routes, _ = rebalance(
        problem, _all_on_a(problem), {"a": 0.0, "b": 0.0}, time.perf_counter() - 1.0
    )
    assert _loads(routes) == [6]  # the deadline had passed: the search's answer


def test_an_infeasible_input_plan_is_left_alone() -> None:
    problem = _two_couriers(Balance("tasks", 5.0))
    tight = dataclasses.replace(
        problem,
        vehicles=(dataclasses.replace(problem.vehicles[0], capacity=(2.0,)), problem.vehicles[1]),
    )
    routes, _ = rebalance(tight, _all_on_a(tight), {"a": 0.0, "b": 0.0}, time.perf_counter() + 5)
    assert routes == _all_on_a(tight)
