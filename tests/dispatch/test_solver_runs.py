"""Every solver run behind a plan is in ``Plan.solver_runs``: routing and assignment,
including the assignment's greedy fallback."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

import solvers.assignment
from dispatch import AssignmentRun, FulfilmentMode, Planner, RoutingRun, SolverKind
from solvers import check
from solvers.cp_sat import ModelStatus
from tests.dispatch.helpers import FAST, check_plan
from tests.dispatch.test_planner_next_day import AT, assignment_world, next_day, van

NEXT_DAY = FulfilmentMode.NEXT_DAY_PICKUP


def test_next_day_plan_records_its_assignment_and_its_trunk_routing() -> None:
    planner = Planner(assignment_world(van()))
    orders = [next_day("f1", "flex", home="h0"), next_day("v1", "vip", home="h0")]
    plan = planner.plan(orders, at_s=AT, params=FAST)
    check_plan(plan, orders, planner)
    assignment, routing = plan.solver_runs
    assert isinstance(assignment, AssignmentRun) and isinstance(routing, RoutingRun)
    assert [r.kind for r in plan.solver_runs] == [SolverKind.ASSIGNMENT, SolverKind.ROUTING]
    assert (assignment.flow, routing.flow) == (NEXT_DAY, NEXT_DAY)
    assert (assignment.requests, assignment.sites) == (2, 5)
    assert assignment.status == "optimal" and not assignment.run.fallback
    # Both placed at the 200 m point: two rewards of the placement less 2 x 200 m walking.
    assert assignment.objective == assignment.run.bound
    assert assignment.objective > 0
    assert assignment.solve_s >= 0.0
    assert plan.routing_runs == (routing,)
    assert check(routing.problem, routing.solution).ok


def test_the_greedy_fallback_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    def nothing_in_time(
        model: cp_model.CpModel, **_: object
    ) -> tuple[cp_model.CpSolver, ModelStatus | None]:
        return cp_model.CpSolver(), None

    monkeypatch.setattr(solvers.assignment, "solve_model", nothing_in_time)
    planner = Planner(assignment_world(van()))
    orders = [next_day("f1", "flex", home="h0"), next_day("alone", "hermit", home="lonely")]
    plan = planner.plan(orders, at_s=AT, params=FAST)
    check_plan(plan, orders, planner)
    (assignment,) = (r for r in plan.solver_runs if isinstance(r, AssignmentRun))
    assert assignment.status == "greedy"
    assert assignment.run.fallback and assignment.run.bound is None
    # The greedy fill still places the order at its nearest open point with room.
    assert [(a.order_id, a.pickup_point_id) for a in plan.pickup_assignments] == [("f1", "near")]
    assert [u.order_id for u in plan.unassigned] == ["alone"]


def test_plans_without_next_day_orders_have_routing_runs_only() -> None:
    planner = Planner(assignment_world(van()))
    plan = planner.plan([], at_s=AT, params=FAST)
    assert plan.solver_runs == plan.routing_runs == ()
