"""Warm workers (search18c): within ``warm_workers`` the portfolio reuses its worker
processes from one call to the next; the answers are checked as before, and the
processes are gone when the block ends."""

from __future__ import annotations

import multiprocessing

from solvers import SolveParams, check, portfolio, solve
from solvers.rr import ensure_compiled
from tests.solvers.rr.test_search import _clustered


def test_warm_workers_are_reused_and_shut_down() -> None:
    ensure_compiled()
    problem = _clustered(20, pairs=True)
    params = SolveParams(time_limit_s=1.0, workers=2, seed=1, iterations=30)
    cold = solve(problem, params)
    with portfolio.warm_workers():
        first = solve(problem, params)
        pool = portfolio._WARM["pool"]
        assert pool is not None
        pids = set(pool._processes)
        second = solve(problem, params)
        assert portfolio._WARM["pool"] is pool and set(pool._processes) == pids
    assert portfolio._WARM["pool"] is None
    assert not multiprocessing.active_children()
    for solution in (cold, first, second):
        assert check(problem, solution).ok and not solution.unassigned
    # Reproducible with iterations, warm or not.
    assert first.routes == second.routes == cold.routes
