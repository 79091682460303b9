"""Goods on board past the carrier's shift end (issue 16): they are delivered, late.

A vehicle with goods on board may end its route after its shift to deliver them; the
time past the shift end counts as late carried time (``RouteEvaluation.late_carried_s``,
ranked first at ``LATE_CARRIED_PER_S``; ``LATE_CARRIED_COST`` in the model), and work it
does not carry must still end by the shift end.  The model, the evaluation and the
independent checker agree.  Before: the carried task was left unassigned (and the
checker, rightly, rejected that).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest

from solvers import RoutingProblem, check, portfolio
from solvers.evaluate import BreachKind, evaluate_route
from solvers.problem import Stop, Task, TimeWindow, Vehicle, VehicleLock
from tests.solvers.helpers import FAST, problem, solved, visits


def _late_carrier(shift_end_s: float, *, free_work: bool = False) -> RoutingProblem:
    # v at x=0 carries t to x=30 (30 s away); f, if any, waits at x=10 with 15 s service.
    v = Vehicle("v", 0, None, capacity=(9.0,), shift=TimeWindow(0.0, shift_end_s))
    tasks = [Task("t", (), Stop(3), (1.0,))]
    if free_work:
        tasks.append(Task("f", (), Stop(1, service_s=15.0), (1.0,), drop_penalty=1e6))
    return problem([v], tasks, locks=[VehicleLock("v", on_board=("t",))])


@pytest.mark.parametrize("shift_end_s", [20.0, 5.0])
def test_goods_on_board_are_delivered_after_the_shift_end(shift_end_s: float) -> None:
    p = _late_carrier(shift_end_s)
    s = solved(p)  # checked by the independent checker
    assert s.unassigned == ()
    assert visits(s, "v") == [("t", 0)]
    (route,) = s.routes
    assert route.end_s == pytest.approx(30.0)
    ev = evaluate_route(p, p.vehicle("v"), [("t", 0)])
    assert ev.feasible
    assert ev.late_carried_s == pytest.approx(30.0 - shift_end_s)


def test_past_its_shift_end_a_carrier_takes_no_new_work() -> None:
    # f fits only after the shift end (it would end at 25 s > 20 s): left unassigned,
    # while t is delivered late.
    p = _late_carrier(20.0, free_work=True)
    s = solved(p)
    assert visits(s, "v") == [("t", 0)]
    assert [u.task_id for u in s.unassigned] == ["f"]


def test_the_checker_and_the_evaluation_refuse_new_work_past_the_shift_end() -> None:
    short = _late_carrier(20.0, free_work=True)
    longer = dataclasses.replace(
        short,
        vehicles=(dataclasses.replace(short.vehicles[0], shift=TimeWindow(0.0, 1000.0)),),
    )
    s = solved(longer, FAST)
    assert {u.task_id for u in s.unassigned} == set()
    report = check(short, s)
    assert not report.ok
    shift = [v for v in report.violations if v.kind == "shift"]
    assert shift and all("'f'" in v.detail for v in shift), report.violations
    ev = evaluate_route(short, short.vehicle("v"), visits(s, "v"), s.routes[0].start_s)
    assert [b.kind for b in ev.breaches] == [BreachKind.SHIFT]


def test_goods_on_board_are_delivered_when_the_search_found_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A search cut off before its first solution (a loaded machine, seen in the solve
    # property campaign) answers nothing: the goods still go to their doors, after the
    # carrier's locked prefix (the store it rides to, then that order's door).
    v = Vehicle("v", 0, None, capacity=(9.0,), shift=TimeWindow(0.0, 20.0))
    carried = Task("t", (), Stop(3), (1.0,))
    begun = Task("g", (Stop(1),), Stop(2), (1.0,))
    free = Task("f", (), Stop(1), (1.0,), drop_penalty=5.0)
    lock = VehicleLock("v", fixed_prefix=(("g", 0),), on_board=("t",))
    p = problem([v], [carried, begun, free], locks=[lock])
    nothing = portfolio.Pick({}, {}, 0, -1, "", False, False, ())
    solve_module = importlib.import_module("solvers.solve")  # `solvers.solve` is the function

    def no_answer(*_args: Any) -> portfolio.Pick:
        return nothing

    monkeypatch.setattr(solve_module, "run_portfolio", no_answer)
    s = solved(p)
    assert visits(s, "v") == [("g", 0), ("g", 1), ("t", 0)]
    assert [u.task_id for u in s.unassigned] == ["f"]


def test_a_partly_picked_task_beyond_the_capacity_makes_its_carrier_overloaded() -> None:
    # g's first shop is done (half of 5 units on board, within the capacity of 4); the
    # second shop would make it 5.  Before: no solution the checker accepts existed (g
    # left unassigned, or completed over capacity); found by the solve property.
    v = Vehicle("v", 0, None, capacity=(4.0,))
    g = Task("g", (Stop(1), Stop(2)), Stop(3), (5.0,))
    free = Task("f", (), Stop(1), (1.0,), drop_penalty=5.0)
    lock = VehicleLock("v", pickups_done={"g": (0,)}, picked_up_at_s={"g": 0.0})
    p = problem([v], [g, free], locks=[lock])
    assert "cannot complete a partly picked task" in (p.overloaded("v") or "")
    s = solved(p)
    assert visits(s, "v") == [("g", 1), ("g", 2)]
    assert s.routes[0].overloaded == p.overloaded("v")
    assert [u.task_id for u in s.unassigned] == ["f"]  # it takes no new work
