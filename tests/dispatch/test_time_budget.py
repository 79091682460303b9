"""One time budget per call: every solver run of a plan or a re-plan ends within it, and
the iterations rule makes plans byte-identical."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from dispatch import Planner
from dispatch.flows import next_day, routing
from scenarios.demo import demo_scenario
from scenarios.scenario_build import build_scenario
from solvers import RoutingProblem, RoutingSolution, SolveParams, check, solve
from solvers.assignment import assign_capacitated
from solvers.budget import MIN_PART_S


@pytest.fixture(scope="module")
def demo() -> Any:
    return build_scenario(demo_scenario(seed=2, blocks=4))


def test_every_solver_run_of_a_plan_ends_within_the_plan_budget(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadlines: list[tuple[str, float]] = []
    real_solve, real_assign = solve, assign_capacitated

    def recording_solve(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
        deadlines.append(("route", time.perf_counter() + params.time_limit_s))
        return real_solve(problem, params)

    def recording_assign(*args: Any, time_limit_s: float, **kw: Any) -> Any:
        deadlines.append(("assign", time.perf_counter() + time_limit_s))
        return real_assign(*args, time_limit_s=time_limit_s, **kw)

    monkeypatch.setattr(routing, "solve", recording_solve)
    monkeypatch.setattr(next_day, "assign_capacitated", recording_assign)
    budget_s = 1.5
    started = time.perf_counter()
    plan = Planner(demo.world, demo.settings).plan(
        demo.orders, at_s=10 * 3600, params=SolveParams(time_limit_s=budget_s, workers=1)
    )
    # All five flows and the assignment ran, one after the other, each told to end by
    # the plan's deadline (a part gets at least MIN_PART_S, hence the slack).
    kinds = [kind for kind, _ in deadlines]
    assert kinds.count("route") == 5 and kinds.count("assign") == 1
    for kind, deadline in deadlines:
        assert deadline <= started + budget_s + MIN_PART_S, kind
    assert plan.kpis.orders_served > 0
    for run in plan.routing_runs:
        assert check(run.problem, run.solution).ok


def test_flows_share_the_budget_by_their_orders(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[tuple[int, float]] = []
    real_solve = solve

    def recording_solve(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
        limits.append((len(problem.tasks), params.time_limit_s))
        return real_solve(problem, params)

    monkeypatch.setattr(routing, "solve", recording_solve)
    Planner(demo.world, demo.settings).plan(
        demo.orders, at_s=10 * 3600, params=SolveParams(time_limit_s=3.0, workers=1)
    )
    # The first flow planned (instant) gets about its share of the orders: it is the
    # largest flow of the demo, so its share is the largest of the first solve.
    n_instant, first_limit = limits[0]
    share = n_instant / len(demo.orders)
    assert first_limit == pytest.approx(3.0 * share, rel=0.25)
    assert sum(limit for _, limit in limits) <= 3.0 + 5 * MIN_PART_S


@pytest.mark.parametrize("workers", [1, 2])
def test_same_batch_seed_and_iterations_give_byte_identical_plan_json(
    demo: Any, workers: int
) -> None:
    params = SolveParams(time_limit_s=30.0, workers=workers, seed=1, iterations=30)
    planner = Planner(demo.world, demo.settings)
    first, second = (
        json.dumps(planner.plan(demo.orders, at_s=10 * 3600, params=params).to_json())
        for _ in range(2)
    )
    assert first == second
    assert json.loads(first)["routes"]
