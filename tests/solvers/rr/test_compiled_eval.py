"""The compiled route evaluation equals solvers.evaluate.evaluate_route."""

from __future__ import annotations

import math

from solvers.evaluate import carries_past_limits, evaluate_route
from solvers.rr.compiled import compile_problem
from solvers.rr.search import evaluate_visits
from tests.solvers.rr.random_problems import random_problem, random_routes


def test_compiled_evaluation_equals_exact() -> None:
    """60 random problems (goods on board and partly picked tasks included), 5 random
    plans each, two departures per route (routes of carriers with route limits left
    out: the search does not take such problems): equal feasibility and ranking cost (to 1e-6),
    and enough feasible routes to mean something."""
    feasible_seen = 0
    for seed in range(60):
        feasible_seen += _compare(seed)
    assert feasible_seen >= 150


def _compare(seed: int) -> int:
    problem = random_problem(seed)
    compiled = compile_problem(problem)
    feasible_seen = 0
    for r in range(5):
        for vehicle_id, visits in random_routes(problem, seed * 10 + r).items():
            vehicle = problem.vehicle(vehicle_id)
            if carries_past_limits(problem, vehicle):
                # Running past max duration/distance with goods on board is not in the
                # kernels: `supports` keeps such problems on OR-Tools.
                continue
            for start in (vehicle.shift.start_s, vehicle.shift.start_s + 17.5):
                exact = evaluate_route(problem, vehicle, visits, start)
                ok, cost = evaluate_visits(compiled, problem, vehicle_id, visits, start)
                assert ok == exact.feasible, (vehicle_id, visits, exact.breaches)
                # The ranking cost: late goods on board count (LATE_CARRIED_PER_S).
                assert math.isclose(cost, exact.ranking_cost, rel_tol=0, abs_tol=1e-6)
                feasible_seen += ok
    return feasible_seen
