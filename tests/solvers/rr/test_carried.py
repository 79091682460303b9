"""The search on live re-plans with goods on board: carried goods stay on their vehicle
and are delivered (late if need be, at LATE_CARRIED_PER_S), an overloaded vehicle keeps
its locked work and takes nothing else; every plan passes the independent checker."""

from __future__ import annotations

import math

import numpy as np

from solvers import SolveParams, check, solve
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


def _live(seed: int) -> RoutingProblem:
    """Two couriers at 10:00 (36000 s).  ``v0`` carries ``late`` (due at 35000 s, with
    a skill ``v0`` lacks, a ride limit long exceeded) and has picked one of two shops
    of ``basket``; ``v1`` carries ``heavy``, more than its capacity.  Six free orders."""
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
    shift = TimeWindow(now, now + 14400.0)
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


def test_goods_on_board_keep_the_guided_local_search() -> None:
    """A carrier may run past its shift end to deliver its goods (solvers.evaluate); the
    kernels do not price that overtime, so the own search declines such problems."""
    for seed in range(6):
        problem = _live(seed)
        assert not supports(problem)
        assert improve(problem, {}, math.inf, iterations=10, seed=seed) is None


def test_solve_runs_the_search_on_live_replans_reproducibly() -> None:
    """Through ``solve`` (OR-Tools for goods on board): accepted by the checker, carried
    goods served, the same routes twice."""
    problem = _live(1)
    params = SolveParams(time_limit_s=60.0, workers=1, seed=3, iterations=200)
    first, second = solve(problem, params), solve(problem, params)
    assert check(problem, first).ok
    assert not first.unassigned
    assert first.routes == second.routes
    by_task = {s.task_id: r.vehicle_id for r in first.routes for s in r.stops}
    assert by_task["late"] == by_task["basket"] == "v0"
    assert {s.task_id for r in first.routes if r.vehicle_id == "v1" for s in r.stops} == {"heavy"}
