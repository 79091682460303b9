"""The search on live re-plans with goods on board: carried goods stay on their vehicle
and are delivered (late if need be, at LATE_CARRIED_PER_S), an overloaded vehicle keeps
its locked work and takes nothing else; every plan passes the independent checker."""

from __future__ import annotations

import math

import numpy as np

from solvers import SolveParams, check, solve
from solvers.evaluate import LATE_CARRIED_PER_S, evaluate_route
from solvers.problem import (
    RoutingProblem,
    Stop,
    Task,
    TimeWindow,
    TravelMatrices,
    Vehicle,
    VehicleLock,
)
from solvers.rr import improve, supports
from solvers.rr.compiled import compile_problem
from tests.solvers.rr.test_search import _as_solution


def _live(seed: int, shift_s: float = 14400.0) -> RoutingProblem:
    """Two couriers at 10:00 (36000 s), on shifts of ``shift_s`` seconds.  ``v0``
    carries ``late`` (due at 35000 s, with a skill ``v0`` lacks, a ride limit long
    exceeded) and has picked one of two shops of ``basket``; ``v1`` carries ``heavy``,
    more than its capacity.  Six free orders."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, size=(12, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    now = 36000.0
    open_all = (TimeWindow(now, now + 7200.0),)
    free = tuple(
        Task(
            f"f{i}",
            (Stop(4 + i, 30.0, open_all),),
            Stop(int(rng.integers(1, 12)), 30.0, open_all),
            demand=(1.0,),
        )
        for i in range(6)
    )
    late = Task(
        "late",
        (Stop(2, 30.0),),
        Stop(3, 30.0, (TimeWindow(34000.0, 35000.0),)),
        demand=(2.0,),
        skills=frozenset({"cold"}),
        max_ride_s=600.0,
    )
    basket = Task(
        "basket",
        (Stop(5, 30.0), Stop(6, 30.0, open_all)),
        Stop(7, 30.0, open_all),
        demand=(2.0,),
        pickup_demands=((1.0,), (1.0,)),
    )
    heavy = Task("heavy", (Stop(8, 30.0),), Stop(9, 30.0, open_all), demand=(9.0,))
    shift = TimeWindow(now, now + shift_s)
    vehicles = (
        Vehicle("v0", 0, None, shift, (5.0,), cost_per_km=1.0, cost_per_hour=30.0),
        Vehicle("v1", 1, None, shift, (5.0,), cost_per_km=1.0, cost_per_hour=30.0),
    )
    locks = (
        VehicleLock(
            "v0",
            on_board=("late",),
            picked_up_at_s={"late": now - 3000.0, "basket": now - 300.0},
            pickups_done={"basket": (0,)},
        ),
        VehicleLock("v1", on_board=("heavy",), picked_up_at_s={"heavy": now - 60.0}),
    )
    tasks = (*free, late, basket, heavy)
    return RoutingProblem(vehicles, tasks, {"default": TravelMatrices(d, d / 5.0)}, locks)


def test_search_keeps_carried_goods_on_their_vehicle_and_overloaded_to_its_work() -> None:
    for seed in range(6):
        problem = _live(seed)
        assert supports(problem)
        run = improve(problem, {}, math.inf, iterations=300, seed=seed)
        assert run is not None
        served_by = {tid: vid for vid, visits in run.visits.items() for tid, _ in visits}
        assert served_by["late"] == "v0"
        assert served_by["basket"] == "v0"
        assert [tid for tid, _ in run.visits["v1"]] == ["heavy"]  # overloaded: nothing new
        assert run.visits["v0"][0] == ("late", 1)  # a late second costs more than any km
        assert all(f"f{i}" in served_by for i in range(6))  # v0 has room for them
        report = check(problem, _as_solution(problem, run))
        assert report.ok, report.violations
        ranking = sum(
            evaluate_route(problem, problem.vehicle(vid), visits, run.starts[vid]).ranking_cost
            for vid, visits in run.visits.items()
        )
        assert math.isclose(ranking, run.objective, abs_tol=1e-6)
        late_s = evaluate_route(
            problem, problem.vehicle("v0"), run.visits["v0"], run.starts["v0"]
        ).late_carried_s
        assert late_s > 0  # delivered late, priced, not dropped
        assert run.objective > LATE_CARRIED_PER_S * late_s


def test_solve_runs_the_search_on_live_replans_reproducibly() -> None:
    """Through ``solve`` (OR-Tools' start, then the search by iterations): accepted by
    the checker, carried goods served, the same routes twice."""
    problem = _live(1)
    params = SolveParams(time_limit_s=60.0, workers=1, seed=3, iterations=200)
    first, second = solve(problem, params), solve(problem, params)
    assert check(problem, first).ok
    assert not first.unassigned
    assert first.routes == second.routes
    by_task = {s.task_id: r.vehicle_id for r in first.routes for s in r.stops}
    assert by_task["late"] == by_task["basket"] == "v0"
    assert {s.task_id for r in first.routes if r.vehicle_id == "v1" for s in r.stops} == {"heavy"}


def test_a_carrier_runs_past_its_shift_end_only_for_its_goods() -> None:
    """Shifts of 5 minutes: the carriers' goods are delivered after the shift ends (the
    overtime priced at LATE_CARRIED_PER_S per second, the search's objective equal to
    the exact evaluation's), and no free order is taken past it: accepted by the
    checker, through ``improve`` and through ``solve``."""
    for seed in range(4):
        problem = _live(seed, shift_s=300.0)
        assert supports(problem)
        run = improve(problem, {}, math.inf, iterations=300, seed=seed)
        assert run is not None
        report = check(problem, _as_solution(problem, run))
        assert report.ok, report.violations
        served_by = {tid: vid for vid, visits in run.visits.items() for tid, _ in visits}
        assert served_by["late"] == served_by["basket"] == "v0"
        assert served_by["heavy"] == "v1"
        overtime = 0.0
        ranking = 0.0
        for vid, visits in run.visits.items():
            vehicle = problem.vehicle(vid)
            ev = evaluate_route(problem, vehicle, visits, run.starts[vid])
            ranking += ev.ranking_cost
            overtime += max(0.0, ev.end_s - vehicle.shift.end_s)
            for stop in ev.stops:
                if problem.carrier(stop.task_id) != vid:
                    assert stop.departure_s <= vehicle.shift.end_s + 1e-6
        assert overtime > 0  # past the shift end, for the goods on board
        # The free orders that do not fit before the shift end stay unserved, each at
        # the search's penalty for a task that must be served.
        unserved = sum(1 for t in problem.tasks if t.id not in served_by)
        penalty = compile_problem(problem).must_penalty
        assert math.isclose(ranking + unserved * penalty, run.objective, rel_tol=1e-12)
        params = SolveParams(time_limit_s=60.0, workers=1, seed=seed, iterations=100)
        solved = solve(problem, params)
        assert check(problem, solved).ok
        assert {"late", "basket", "heavy"} <= {s.task_id for r in solved.routes for s in r.stops}
