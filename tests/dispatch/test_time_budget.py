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
    # (kind, called at, time limit, returned at) of each solver run, perf_counter seconds.
    runs: list[tuple[str, float, float, float]] = []
    real_solve, real_assign = solve, assign_capacitated

    def recording_solve(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
        called = time.perf_counter()
        out = real_solve(problem, params)
        runs.append(("route", called, params.time_limit_s, time.perf_counter()))
        return out

    def recording_assign(*args: Any, time_limit_s: float, **kw: Any) -> Any:
        called = time.perf_counter()
        out = real_assign(*args, time_limit_s=time_limit_s, **kw)
        runs.append(("assign", called, time_limit_s, time.perf_counter()))
        return out

    monkeypatch.setattr(routing, "solve", recording_solve)
    monkeypatch.setattr(next_day, "assign_capacitated", recording_assign)
    budget_s = 1.5
    started = time.perf_counter()
    plan = Planner(demo.world, demo.settings).plan(
        demo.orders, at_s=10 * 3600, params=SolveParams(time_limit_s=budget_s, workers=1)
    )
    # All five flows and the assignment ran, one after the other, each told to end by
    # the plan's deadline, or given MIN_PART_S once it has passed.  True under any load:
    # the plan's deadline is at most budget_s after the first run was called, and each
    # run's limit was cut after the run before it returned.
    kinds = [kind for kind, *_ in runs]
    assert kinds.count("route") == 5 and kinds.count("assign") == 1
    plan_deadline = runs[0][1] + budget_s
    cut_after = started
    for kind, called, limit_s, returned in runs:
        assert limit_s <= max(MIN_PART_S, plan_deadline - cut_after) + 1e-9, kind
        assert called >= cut_after
        cut_after = returned
    # Whatever the search had time for: every order served once or unassigned.
    served = plan.served_order_ids()
    unassigned = {u.order_id for u in plan.unassigned}
    assert not served & unassigned
    assert served | unassigned == {o.id for o in demo.orders}
    for run in plan.routing_runs:
        assert check(run.problem, run.solution).ok


def test_flows_share_the_budget_by_their_orders(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[tuple[int, float]] = []
    spent: list[float] = []
    real_solve = solve

    def recording_solve(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
        limits.append((len(problem.tasks), params.time_limit_s))
        started = time.perf_counter()
        try:
            return real_solve(problem, params)
        finally:
            spent.append(time.perf_counter() - started)

    monkeypatch.setattr(routing, "solve", recording_solve)
    Planner(demo.world, demo.settings).plan(
        demo.orders, at_s=10 * 3600, params=SolveParams(time_limit_s=3.0, workers=1)
    )
    # The first flow planned (instant) gets about its share of the orders: it is the
    # largest flow of the demo, so its share is the largest of the first solve.
    n_instant, first_limit = limits[0]
    share = n_instant / len(demo.orders)
    assert first_limit == pytest.approx(3.0 * share, rel=0.25)
    # A flow that returns early leaves its time to the next ones (the limits may add up
    # to more than the budget), but the solves together keep it.
    assert all(limit <= 3.0 for _, limit in limits)
    assert sum(spent) <= 3.0 + 5 * MIN_PART_S


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
