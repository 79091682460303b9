"""Workload balance (``RoutingProblem.balance``) and vehicle breaks (``Vehicle.breaks``):
the solver models them and the independent checker prices and checks them.

Geometry: locations on a line (``tests.solvers.helpers``), distance = duration = |dx|.
"""

from __future__ import annotations

import dataclasses

import pytest

from solvers import ViolationKind, check
from solvers.balance import balance_cost
from solvers.errors import InvalidInputError
from solvers.problem import Balance, Break, RoutingProblem, Stop, Task, TimeWindow, Vehicle
from solvers.pyvrp_member import pyvrp_support
from solvers.rr.search import supports
from solvers.solution import CostBreakdown
from tests.solvers.helpers import line_matrices, solved

POSITIONS = (0, 10, 11, 12, 13, 14, 15)


def _two_couriers(balance: Balance | None) -> RoutingProblem:
    """Two open-route vehicles at x=0 (the second costs 1 more to use) and six tasks
    loaded at the start, 10-15 m away: the cheapest plan sends one vehicle to all."""
    vehicles = (
        Vehicle("a", 0, None, capacity=(10.0,), fixed_cost=1.0, cost_per_km=100.0),
        Vehicle("b", 0, None, capacity=(10.0,), fixed_cost=2.0, cost_per_km=100.0),
    )
    tasks = tuple(
        Task(f"t{i}", (), Stop(i, service_s=60.0), demand=(1.0,), drop_penalty=1000.0)
        for i in range(1, 7)
    )
    return RoutingProblem(vehicles, tasks, line_matrices(POSITIONS), balance=balance)


def _counts(problem: RoutingProblem) -> list[int]:
    solution = solved(problem)
    assert not solution.unassigned
    return sorted(sum(1 for s in r.stops) for r in solution.routes)


def test_balance_by_tasks_spreads_the_work_and_is_priced_by_the_checker() -> None:
    assert _counts(_two_couriers(None)) == [6]  # cheapest: one vehicle does everything
    balanced = _two_couriers(Balance("tasks", 5.0))
    assert _counts(balanced) == [3, 3]
    solution = solved(balanced)
    assert solution.cost.balance == pytest.approx(5.0 * 3)
    report = check(balanced, solution)
    assert report.cost.balance == pytest.approx(15.0)
    # A solution that leaves the balance term out of its cost is caught.
    cheap = dataclasses.replace(solution, cost=dataclasses.replace(solution.cost, balance=0.0))
    kinds = {v.kind for v in check(balanced, cheap).violations}
    assert kinds == {ViolationKind.COST}


def test_balance_by_hours_prices_the_longest_route() -> None:
    balanced = _two_couriers(Balance("hours", 200.0))
    solution = solved(balanced)
    longest_h = max(r.duration_s for r in solution.routes) / 3600.0
    assert solution.cost.balance == pytest.approx(200.0 * longest_h)
    assert len(solution.routes) == 2
    assert balance_cost(balanced, solution.routes) == CostBreakdown(balance=200.0 * longest_h)


def test_balance_and_breaks_are_left_to_ortools() -> None:
    plain = _two_couriers(None)
    assert supports(plain)
    assert not supports(_two_couriers(Balance("tasks", 1.0)))
    assert "balance" in (pyvrp_support(_two_couriers(Balance("tasks", 1.0))) or "")
    with_break = dataclasses.replace(
        plain,
        vehicles=(
            dataclasses.replace(plain.vehicles[0], breaks=(Break(TimeWindow(100.0, 500.0), 60.0),)),
            plain.vehicles[1],
        ),
    )
    assert not supports(with_break)
    assert pyvrp_support(with_break) is not None


def test_bad_balance_and_breaks_are_named() -> None:
    with pytest.raises(InvalidInputError, match=r"Balance\.by"):
        Balance("minutes", 1.0)
    with pytest.raises(InvalidInputError, match="duration_s"):
        Break(TimeWindow(0.0, 10.0, "courier 'c': breaks[0]"), 20.0)
    with pytest.raises(InvalidInputError, match="breaks"):
        Vehicle(
            "v",
            0,
            breaks=(Break(TimeWindow(100.0, 200.0), 10.0), Break(TimeWindow(50.0, 150.0), 10.0)),
        )


def _break_problem(window: TimeWindow, duration_s: float = 100.0) -> RoutingProblem:
    """One vehicle at x=0, two deliveries: x=10 by t=30 and x=20 from t=300 (a wait of
    about 270 s in between), shift 0-2000 s."""
    vehicle = Vehicle(
        "v",
        0,
        None,
        shift=TimeWindow(0.0, 2000.0),
        capacity=(10.0,),
        cost_per_hour=36.0,
        breaks=(Break(window, duration_s),),
    )
    tasks = (
        Task("near", (), Stop(1, service_s=10.0, windows=(TimeWindow(0.0, 30.0),)), demand=(1.0,)),
        Task(
            "far", (), Stop(2, service_s=10.0, windows=(TimeWindow(300.0, 400.0),)), demand=(1.0,)
        ),
    )
    return RoutingProblem((vehicle,), tasks, line_matrices((0, 10, 20)))


def test_a_break_fills_the_wait_between_stops_and_the_checker_verifies_it() -> None:
    problem = _break_problem(TimeWindow(50.0, 290.0))
    solution = solved(problem)
    (route,) = solution.routes
    (taken,) = route.breaks
    assert taken.after_stops == 1  # after "near", before driving to "far"
    assert taken.start_s >= 50.0 - 1e-6
    assert taken.end_s <= 290.0 + 1e-6
    assert taken.end_s - taken.start_s == pytest.approx(100.0)
    assert route.stops[-1].start_s == pytest.approx(300.0)  # the break cost no time
    # Without the break on the route the checker objects: it cannot fit off the route.
    dropped = dataclasses.replace(solution, routes=(dataclasses.replace(route, breaks=()),))
    kinds = {v.kind for v in check(problem, dropped).violations}
    assert ViolationKind.BREAK in kinds
    # Nor may the break leave its window.
    early = dataclasses.replace(taken, start_s=taken.start_s - 200.0, end_s=taken.end_s - 200.0)
    moved = dataclasses.replace(solution, routes=(dataclasses.replace(route, breaks=(early,)),))
    assert ViolationKind.BREAK in {v.kind for v in check(problem, moved).violations}


def test_a_break_that_delays_the_route_is_taken_and_priced() -> None:
    # Break 150 s somewhere in [20, 400]: the wait before "far" holds it.
    problem = _break_problem(TimeWindow(20.0, 400.0), 150.0)
    solution = solved(problem)
    (route,) = solution.routes
    assert len(route.breaks) == 1
    # A break in 600-900 while the route works until 310 s: taken after its end.
    late = _break_problem(TimeWindow(600.0, 900.0))
    (route,) = solved(late).routes
    assert route.breaks == ()  # it fits after the route: nothing on it
    # A break that must end by 310 s and cannot start before 200 s: taken after "near"
    # (a break at the start would delay both stops), it delays "far" by 10 s.
    forced = _break_problem(TimeWindow(200.0, 310.0), 100.0)
    solution = solved(forced)
    (route,) = solution.routes
    assert len(route.breaks) == 1
    far = route.stops[-1]
    assert far.task_id == "far"
    assert far.start_s >= route.breaks[0].end_s + 10.0 - 1e-6
    assert far.start_s == pytest.approx(310.0)
