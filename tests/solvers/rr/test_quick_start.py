"""Short clock budgets: the own search starts at once from no route (no OR-Tools model),
and the portfolio judges the OR-Tools start only when the search's plan is rejected."""

from __future__ import annotations

from solvers import SolveParams, check, solve
from solvers.budget import Budget
from solvers.ortools import search as ortools_search
from solvers.rr import ensure_compiled
from tests.solvers.rr.test_search import _clustered


def test_a_short_budget_skips_the_ortools_start() -> None:
    ensure_compiled()
    problem = _clustered(20)
    params = SolveParams(time_limit_s=1.0)
    result = ortools_search.run_worker(problem, params, 0, Budget.start(1.0), own_search=True)
    assert result.found and result.improved is not None
    assert all(not visits for visits, _ in result.routes)  # no OR-Tools start
    assert sum(len(visits) for visits, _ in result.improved) == 20  # every task, 1 stop each
    # With iterations the start stays OR-Tools' (the choice must not depend on the clock).
    counted = SolveParams(time_limit_s=1.0, iterations=20)
    result = ortools_search.run_worker(problem, counted, 0, Budget.start(1.0), own_search=True)
    assert any(visits for visits, _ in result.routes)


def test_a_one_second_solve_is_checked_and_serves_everything() -> None:
    ensure_compiled()
    problem = _clustered(30, pairs=True)
    solution = solve(problem, SolveParams(time_limit_s=1.0, workers=2))
    assert check(problem, solution).ok
    assert not solution.unassigned
