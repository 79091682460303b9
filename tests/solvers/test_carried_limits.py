"""Goods on board past the carrier's max route duration and distance (issue 16).

A vehicle with goods on board delivers them even when that takes it past its
``max_duration_s`` or ``max_distance_m``: the excess is counted
(``RouteEvaluation.over_duration_s`` / ``over_distance_m``, ranked far above any cost; a
soft bound at ``LATE_CARRIED_COST`` in the model) and said on the route
(``Route.past_limits``), while work it does not carry must still end within its limits.
The model, the evaluation and the independent checker agree.  Before: the carrier's
goods were left out by the model (a hard span or distance bound) and the route that
delivers them broke the limit, which the checker rejected.
"""

from __future__ import annotations

import dataclasses

import pytest

from solvers import RoutingProblem, check, portfolio
from solvers.budget import Budget
from solvers.evaluate import BreachKind, evaluate_route
from solvers.problem import Stop, Task, Vehicle, VehicleLock
from tests.solvers.helpers import FAST, problem, solved, visits


def _carrier(
    *,
    max_duration_s: float | None = None,
    max_distance_m: float | None = None,
    free: float = 0.0,
) -> RoutingProblem:
    # v at x=0 carries t to x=30 (30 s, 30 m away); with `free`, f waits at x=10 (15 s
    # service).
    v = Vehicle(
        "v",
        0,
        None,
        capacity=(9.0,),
        max_duration_s=max_duration_s,
        max_distance_m=max_distance_m,
    )
    tasks = [Task("t", (), Stop(3), (1.0,))]
    if free:
        tasks.append(Task("f", (), Stop(1, service_s=15.0), (1.0,), drop_penalty=1e6))
    return problem([v], tasks, locks=[VehicleLock("v", on_board=("t",))])


@pytest.mark.parametrize(
    ("limits", "over_s", "over_m", "said"),
    [
        ({"max_duration_s": 20.0}, 10.0, 0.0, "10 s past its max duration"),
        ({"max_duration_s": 5.0}, 25.0, 0.0, "25 s past its max duration"),
        ({"max_distance_m": 20.0}, 0.0, 10.0, "10 m past its max distance"),
        ({"max_duration_s": 25.0, "max_distance_m": 12.0}, 5.0, 18.0, "and 18 m"),
    ],
)
def test_goods_on_board_are_delivered_past_the_route_limits(
    limits: dict[str, float], over_s: float, over_m: float, said: str
) -> None:
    p = _carrier(**limits)
    s = solved(p)  # checked by the independent checker
    assert s.unassigned == ()
    # The model itself delivers them (not only the fallback that puts carried goods on
    # their carrier's route when a search answers without them).
    member = portfolio.Member(portfolio.MemberKind.ORTOOLS, 0)
    answer = portfolio.run_member(p, FAST, member, Budget.start(5.0))
    assert [visit for _, route, _ in answer.routes for visit in route] == [("t", 0)]
    assert visits(s, "v") == [("t", 0)]
    (route,) = s.routes
    assert route.past_limits is not None and said in route.past_limits
    ev = evaluate_route(p, p.vehicle("v"), [("t", 0)], route.start_s)
    assert ev.feasible
    assert ev.over_duration_s == pytest.approx(over_s)
    assert ev.over_distance_m == pytest.approx(over_m)
    assert ev.ranking_cost > ev.cost.total + 1000.0  # counted far above any cost


def test_within_its_limits_a_carrier_route_says_nothing() -> None:
    s = solved(_carrier(max_duration_s=100.0, max_distance_m=100.0))
    assert s.routes[0].past_limits is None


@pytest.mark.parametrize("limits", [{"max_duration_s": 20.0}, {"max_distance_m": 5.0}])
def test_past_its_limits_a_carrier_takes_no_new_work(limits: dict[str, float]) -> None:
    # f would end 25 s after the departure (> 20 s) and lies 10 m out (> 5 m): left out,
    # while t is delivered past the limit.
    s = solved(_carrier(free=1.0, **limits))
    assert visits(s, "v") == [("t", 0)]
    assert [u.task_id for u in s.unassigned] == ["f"]


def test_new_work_within_the_limits_comes_before_the_goods_past_them() -> None:
    # Max 40 s: f first (ends at 25 s, within), then t (at 45 s, 5 s past the limit); t
    # first would put f past the limit.
    s = solved(_carrier(max_duration_s=40.0, free=1.0))
    assert visits(s, "v") == [("f", 0), ("t", 0)]
    assert s.unassigned == ()
    assert "5 s past its max duration" in (s.routes[0].past_limits or "")


@pytest.mark.parametrize(
    ("limits", "kind"),
    [({"max_duration_s": 20.0}, "max_duration"), ({"max_distance_m": 5.0}, "max_distance")],
)
def test_the_checker_and_the_evaluation_refuse_new_work_past_the_limits(
    limits: dict[str, float], kind: str
) -> None:
    tight = _carrier(free=1.0, **limits)
    loose = dataclasses.replace(
        tight,
        vehicles=(
            dataclasses.replace(tight.vehicles[0], max_duration_s=None, max_distance_m=None),
        ),
    )
    s = solved(loose, FAST)
    assert s.unassigned == ()
    f_first = [("f", 0), ("t", 0)]
    assert visits(s, "v") == f_first  # nearer first
    report = check(tight, s)
    assert not report.ok
    about_f = [v for v in report.violations if v.kind == kind and "'f'" in v.detail]
    assert about_f, report.violations
    ev = evaluate_route(tight, tight.vehicle("v"), f_first, s.routes[0].start_s)
    assert [b.kind for b in ev.breaches] == [BreachKind(kind)]


def test_the_checker_wants_the_excess_said_and_only_then() -> None:
    p = _carrier(max_duration_s=20.0)
    s = solved(p)
    unsaid = dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], past_limits=None),))
    assert [v.kind for v in check(p, unsaid).violations] == ["reported"]
    within = _carrier(max_duration_s=100.0)
    s2 = solved(within)
    claimed = dataclasses.replace(
        s2, routes=(dataclasses.replace(s2.routes[0], past_limits="runs 1 s past"),)
    )
    assert [v.kind for v in check(within, claimed).violations] == ["reported"]
    # A vehicle without goods on board never runs past its limits.
    free = dataclasses.replace(within, locks=(), tasks=(Task("t", (), Stop(3), (1.0,)),))
    s3 = solved(free)
    claimed3 = dataclasses.replace(
        s3, routes=(dataclasses.replace(s3.routes[0], past_limits="runs 1 s past"),)
    )
    assert [v.kind for v in check(free, claimed3).violations] == ["reported"]
