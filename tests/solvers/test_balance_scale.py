"""real13: workload balance at scale.  Drop penalties dominate the balance term (a
balanced plan never leaves out an order to make the busiest route shorter), and the
call's time limit holds (the stop-level pass checks its deadline per move; the own
search's kernels are not loaded for a problem they do not model).

Geometry: locations on a line (``tests.solvers.helpers``), distance = duration = |dx|.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

import solvers.evaluate
import solvers.improve
import solvers.portfolio
from solvers import solve
from solvers.balance import balance_saving_bound, with_dominant_penalties
from solvers.problem import Balance, RoutingProblem, Stop, Task, TimeWindow, Vehicle
from tests.solvers.helpers import FAST, line_matrices, solved


def _one_courier(balance: Balance | None, *, required: bool = False) -> RoutingProblem:
    van = Vehicle("v", 0, None, shift=TimeWindow(0, 7200), capacity=(10.0,), cost_per_km=1.0)
    tasks = tuple(
        Task(
            f"t{i}",
            (),
            Stop(i, service_s=30.0),
            demand=(1.0,),
            drop_penalty=None if required and i == 1 else 200.0,
        )
        for i in (1, 2, 3)
    )
    return RoutingProblem((van,), tasks, line_matrices((0, 10, 20, 30)), balance=balance)


def test_the_bound_is_one_task_or_the_longest_shift() -> None:
    assert balance_saving_bound(_one_courier(None)) == 0.0
    assert balance_saving_bound(_one_courier(Balance("tasks", 300.0))) == 300.0
    assert balance_saving_bound(_one_courier(Balance("hours", 50.0))) == pytest.approx(100.0)


def test_balancing_never_drops_an_order_it_could_serve() -> None:
    # 300 yuan per task on the busiest route against a 200 yuan drop penalty: priced
    # as given, leaving every order out is cheapest.
    raw = _one_courier(Balance("tasks", 300.0))
    assert len(solve(raw, FAST).unassigned) == 3
    fair = with_dominant_penalties(raw)
    assert [t.drop_penalty for t in fair.tasks] == [500.0, 500.0, 500.0]
    solution = solved(fair)  # checked: the checker prices the raised penalties too
    assert not solution.unassigned
    assert solution.cost.balance == pytest.approx(900.0)


def test_required_tasks_and_unbalanced_problems_are_unchanged() -> None:
    plain = _one_courier(None)
    assert with_dominant_penalties(plain) is plain
    mixed = with_dominant_penalties(_one_courier(Balance("tasks", 5.0), required=True))
    assert [t.drop_penalty for t in mixed.tasks] == [None, 205.0, 205.0]


def test_the_stop_level_pass_checks_its_deadline_per_move(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _one_courier(None)
    clock = SimpleNamespace(now=0.0)
    calls = []
    real = solvers.evaluate.evaluate_route

    def slow(*args: object, **kwargs: object) -> object:
        calls.append(1)
        clock.now += 1.0  # every evaluation takes one (fake) second
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solvers.improve, "evaluate_route", slow)
    monkeypatch.setattr(solvers.improve, "time", SimpleNamespace(perf_counter=lambda: clock.now))
    visits = [("t3", 0), ("t1", 0), ("t2", 0)]
    solvers.improve.improve_route(problem, problem.vehicles[0], visits, 0.0, deadline=2.5)
    assert len(calls) <= 3  # the first evaluation and moves until 2.5 s, then it stops
    calls.clear()
    clock.now = 10.0
    out = solvers.improve.improve_route(problem, problem.vehicles[0], visits, 0.0, deadline=2.5)
    assert out == visits and not calls  # already late: not one evaluation


def test_the_kernels_are_not_loaded_for_a_problem_they_do_not_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads = []
    monkeypatch.setattr(solvers.portfolio, "own_search_ready", lambda *a: loads.append(a))
    started = time.perf_counter()
    solved(_one_courier(Balance("tasks", 5.0)))
    assert not loads and time.perf_counter() - started < 30
    solved(_one_courier(None))
    assert len(loads) == 1
