"""PyVRP behind a process boundary (issue 16): a call's time limit holds with PyVRP in
the portfolio.

PyVRP's setup is not cut by the deadline, so the member runs in a child process that
is abandoned once the deadline has passed (``run_pyvrp_abandonable``), and the lineup
leaves PyVRP out where its predicted setup (``SETUP_S``) would eat most of the search
time.  The wall-clock promise itself is measured by ``./run bench -k time_limits``.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest

from benchmarks.pyvrp_setup import depot_problem
from solvers import SolveParams, pyvrp_member
from solvers.errors import InvalidInputError
from solvers.portfolio import MemberKind, lineup
from solvers.pyvrp_member import (
    build_data,
    predicted_setup_s,
    run_pyvrp,
    run_pyvrp_abandonable,
    setup_fits,
)

SLEEP_S = 60.0


def test_the_member_answers_through_its_child_as_in_process() -> None:
    p = depot_problem(30)
    far = time.perf_counter() + 30.0
    here = run_pyvrp(build_data(p, 1000), far, seed=3, iterations=20)
    there = run_pyvrp_abandonable(p, 1000, far, seed=3, iterations=20)
    assert there is not None
    assert there.routes == here.routes
    assert there.objective == here.objective


def test_a_setup_past_the_deadline_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*_args: Any, **_kwargs: Any) -> Any:
        time.sleep(SLEEP_S)  # a setup far longer than the budget

    monkeypatch.setattr(pyvrp_member, "build_data", slow)  # the forked child inherits it
    started = time.perf_counter()
    found = run_pyvrp_abandonable(depot_problem(10), 1000, started + 0.2, seed=0)
    waited_s = time.perf_counter() - started
    assert found is None
    assert waited_s < SLEEP_S / 3  # abandoned, not waited for
    assert not multiprocessing.active_children()  # and not left running


def test_an_input_error_in_the_child_is_the_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise InvalidInputError("Vehicle 'v0': capacity[0]", "must fit the solver's integers")

    monkeypatch.setattr(pyvrp_member, "build_data", refuse)
    with pytest.raises(InvalidInputError, match="capacity"):
        run_pyvrp_abandonable(depot_problem(10), 1000, time.perf_counter() + 10.0, seed=0)


def test_the_predicted_setup_grows_with_the_tasks() -> None:
    sizes = [10, 100, 175, 250, 500, 750, 1000, 2000]
    predicted = [predicted_setup_s(n) for n in sizes]
    assert predicted == sorted(predicted)
    assert predicted_setup_s(1000) == pyvrp_member.SETUP_S[-1][1]
    assert predicted_setup_s(2000) > predicted_setup_s(1000)


def test_the_lineup_leaves_pyvrp_out_where_its_setup_does_not_fit() -> None:
    p = depot_problem(600)
    params = SolveParams(workers=2)
    tight_s = predicted_setup_s(600) * 1.5  # setup would take 2/3 of it
    assert not setup_fits(p, tight_s)
    assert setup_fits(p, 10 * predicted_setup_s(600))
    assert all(m.kind is MemberKind.ORTOOLS for m in lineup(p, params, tight_s))
    roomy = lineup(p, params, 10 * predicted_setup_s(600))
    assert any(m.kind is MemberKind.PYVRP for m in roomy)
