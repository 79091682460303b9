"""Segment reversal (2-opt) in the own search: a reversal that shortens a route is
made, never one that puts a delivery before one of its task's pickups, never in the
locked prefix; on random routes of the full problem it never makes a route infeasible
or dearer (exact evaluation), and the line's route passes the independent checker."""

from __future__ import annotations

import numpy as np

from solvers import check
from solvers.evaluate import Visit, evaluate_route
from solvers.problem import RoutingProblem, Stop, Task, TravelMatrices, Vehicle, VehicleLock
from solvers.rr import ensure_compiled
from solvers.rr import kernels as K  # noqa: N812
from solvers.rr.compiled import Compiled, compile_problem
from solvers.rr.search import SearchRun, _encode, _state, _workspaces
from tests.solvers.rr.random_problems import random_problem, random_routes
from tests.solvers.rr.test_search import _as_solution


def _line() -> RoutingProblem:
    """Locations on a line (location i at x = 10 i).  Depot-loaded drops at 1..5, and a
    task ``p`` picked at 7 and delivered at 6; the vehicle starts at 0, route open."""
    x = 10.0 * np.arange(10)
    d = np.abs(x[:, None] - x[None, :])
    drops = tuple(Task(f"d{i}", (), Stop(i), demand=(1.0,)) for i in range(1, 6))
    p = Task("p", (Stop(7),), Stop(6), demand=(1.0,))
    vehicle = Vehicle("v", 0, None, capacity=(10.0,), cost_per_km=1000.0)
    lock = VehicleLock("v", fixed_prefix=(("d2", 0),))  # x = 20 first: kept there
    return RoutingProblem((vehicle,), (*drops, p), {"default": TravelMatrices(d, d)}, (lock,))


def _run(compiled: Compiled, problem: RoutingProblem, plan: dict[str, list[Visit]]) -> tuple:  # type: ignore[type-arg]
    st = _state(compiled, problem)
    assert _encode(compiled, problem, plan, st)
    scratch, work = _workspaces(compiled, problem)
    before = float(K.init_state(compiled.arrays, scratch, work, st))
    work[K.W_STAMP][0] += 1
    return st, scratch, work, before


def _route(compiled: Compiled, st: tuple, v: int) -> list[Visit]:  # type: ignore[type-arg]
    n = int(st[K.R_LEN][v])
    return [compiled.visits[int(s)] for s in st[K.R_STOPS][v, :n]]


def test_reversal_shortens_the_route_keeping_prefix_and_precedence() -> None:
    ensure_compiled()
    problem = _line()
    compiled = compile_problem(problem)
    # 20, 10, 40, 30, 50, then p: pick at 70, deliver at 60.
    zigzag: list[Visit] = [("d2", 0), ("d1", 0), ("d4", 0), ("d3", 0), ("d5", 0), ("p", 0)]
    zigzag.append(("p", 1))
    st, scratch, work, before = _run(compiled, problem, {"v": zigzag})
    assert K.two_opt(compiled.arrays, scratch, work, st, 0, True)
    route = _route(compiled, st, 0)
    after = evaluate_route(problem, problem.vehicle("v"), route)
    assert after.feasible
    assert after.cost.total < before - 1.0
    assert route[0] == ("d2", 0)  # the locked prefix
    assert route.index(("p", 0)) < route.index(("p", 1))  # never 60 before 70
    run = SearchRun({"v": route}, {"v": 0.0}, after.cost.total, before, 0, 0.0)
    assert check(problem, _as_solution(problem, run)).ok


def test_reversal_never_breaks_a_route_on_random_problems() -> None:
    ensure_compiled()
    moved = 0
    for seed in range(40):
        problem = random_problem(seed)
        compiled = compile_problem(problem)
        plan = random_routes(problem, seed)
        st = _state(compiled, problem)
        if not _encode(compiled, problem, plan, st):
            continue
        scratch, work = _workspaces(compiled, problem)
        K.init_state(compiled.arrays, scratch, work, st)
        for v, vehicle in enumerate(problem.vehicles):
            if st[K.R_FROZEN][v] or st[K.R_LEN][v] == 0:
                continue
            work[K.W_STAMP][0] += 1
            cost = float(st[K.R_COST][v])
            if not K.two_opt(compiled.arrays, scratch, work, st, v, False):
                continue
            moved += 1
            route = _route(compiled, st, v)
            ev = evaluate_route(problem, vehicle, route, float(st[K.R_DEP][v]))
            assert ev.feasible, ev.breaches
            assert ev.ranking_cost < cost + 1e-6
            lock = problem.lock_of(vehicle.id)
            prefix = list(lock.fixed_prefix) if lock else []
            assert route[: len(prefix)] == prefix
            for tid in {t for t, _ in route}:
                delivery = len(problem.task(tid).pickups)
                assert [i for t, i in route if t == tid][-1] == delivery  # after its pickups
    assert moved >= 5
