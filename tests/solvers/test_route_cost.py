"""Each route carries its cost, and the solution's cost is the routes' plus the drops;
the evaluator prices and times routes as the model and the checker do."""

from __future__ import annotations

import dataclasses
import json

import pytest

from solvers import check, solve
from solvers.evaluate import BreachKind, evaluate_route
from solvers.problem import Stop, Task, TimeWindow, Vehicle, VehicleLock
from solvers.solution import CostBreakdown, UnassignedReason
from tests.solvers.helpers import FAST, problem

# x = 0, 10, 20, 30, 40 and a far corner at 1000; distance = duration = |dx|.
LINE = (0, 10, 20, 30, 40, 1000)


def test_route_costs_add_up_to_the_solution_cost_with_lateness_and_drops() -> None:
    van = Vehicle(
        "v", 0, 0, capacity=(10.0,), fixed_cost=5.0, cost_per_km=1000.0, cost_per_hour=36.0
    )
    late = Task(
        "late",
        (Stop(1),),
        Stop(4, windows=(TimeWindow(0, 20),), max_lateness_s=100.0, lateness_cost_per_s=0.5),
        demand=(1.0,),
    )
    near = Task("near", (Stop(2),), Stop(3), demand=(1.0,))
    far = Task("far", (), Stop(5), demand=(1.0,), drop_penalty=3.0)
    solution = solve(problem([van], [late, near, far], LINE), FAST)
    (route,) = solution.routes
    assert [u.task_id for u in solution.unassigned] == ["far"]
    # 0 -> 40 and back: 80 m, 80 s; the door at x=40 is reached at 40 s, 20 s late.
    assert route.cost == CostBreakdown(fixed=5.0, distance=80.0, time=0.8, lateness=10.0)
    assert route.cost.total == pytest.approx(95.8)
    assert solution.cost == route.cost + CostBreakdown(drop_penalty=3.0)
    assert solution.cost.total == pytest.approx(98.8)


def test_cost_breakdowns_add_term_by_term() -> None:
    a = CostBreakdown(fixed=1.0, distance=2.0, time=3.0, lateness=4.0, drop_penalty=5.0)
    b = CostBreakdown(fixed=10.0, distance=20.0, time=30.0, lateness=40.0, drop_penalty=50.0)
    assert a + b == CostBreakdown(
        fixed=11.0, distance=22.0, time=33.0, lateness=44.0, drop_penalty=55.0
    )
    assert sum((a, b), CostBreakdown()).total == pytest.approx(165.0)


def test_a_task_on_board_since_an_earlier_departure_rides_from_its_lock_time() -> None:
    # Loaded 40 s before this re-plan, 30 s from its door, at most 50 s on board: it
    # cannot be delivered in time, but it is on board: it is delivered, late (the goods
    # are not dropped), and the model, the evaluation and the checker agree.
    van = Vehicle("v", 0, 0, capacity=(10.0,), cost_per_km=1000.0)
    parcel = Task("t", (), Stop(3), demand=(1.0,), max_ride_s=50.0)
    lock = VehicleLock("v", on_board=("t",), picked_up_at_s={"t": -40.0})
    p = problem([van], [parcel], (0, 10, 20, 30), [lock])
    solution = solve(p, FAST)
    assert solution.unassigned == ()
    assert [(s.task_id, s.start_s) for r in solution.routes for s in r.stops] == [("t", 30.0)]
    assert check(p, solution).ok
    assert evaluate_route(p, van, [("t", 0)]).feasible
    # The same parcel not on board may not ride that long.
    free = Task("t", (Stop(1),), Stop(3), demand=(1.0,), max_ride_s=10.0)
    p_free = problem([van], [free], (0, 10, 20, 30))
    assert not evaluate_route(p_free, van, [("t", 0), ("t", 1)]).feasible


def test_breach_kinds_name_unassigned_reasons_and_write_as_plain_strings() -> None:
    # The diagnosis turns a breach kind into the task's reason: every kind must be one.
    assert {kind.value for kind in BreachKind} <= {reason.value for reason in UnassignedReason}
    van = Vehicle("v", 0, 0, capacity=(1.0,))
    heavy = Task("t", (Stop(1),), Stop(2), demand=(2.0,))
    ev = evaluate_route(problem([van], [heavy]), van, [("t", 0), ("t", 1)])
    (breach,) = ev.breaches
    assert breach.kind is BreachKind.CAPACITY
    assert json.dumps(dataclasses.asdict(breach)) == (
        '{"kind": "capacity", "detail": "after task \'t\' stop 0: load[0] 2 > capacity 1"}'
    )
    solution = solve(problem([van], [heavy]), FAST)
    assert [(u.reason, u.detail) for u in solution.unassigned] == [
        (
            "capacity",
            "no vehicle can serve it even alone: after task 't' stop 0: load[0] 2 > capacity 1",
        )
    ]
