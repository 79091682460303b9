"""The ruin-and-recreate search: feasible moves, locks kept, determinism, never worse."""

from __future__ import annotations

import math

import numpy as np

from solvers import RoutingSolution, SolveParams, check, solve
from solvers.budget import Budget
from solvers.evaluate import Visit, evaluate_route
from solvers.ortools.search import run_worker
from solvers.problem import RoutingProblem, Stop, Task, TimeWindow, TravelMatrices, Vehicle
from solvers.reasons import diagnose
from solvers.rr import improve
from solvers.rr.search import SearchRun
from solvers.solution import CostBreakdown, Route, SolveStats, SolveStatus
from tests.solvers.rr.random_problems import random_problem, random_routes


def _as_solution(problem: RoutingProblem, run: SearchRun) -> RoutingSolution:
    """The search's plan as a solution the independent checker can judge."""
    routes = []
    for vehicle in problem.vehicles:
        visits = run.visits.get(vehicle.id)
        if not visits:
            continue
        ev = evaluate_route(problem, vehicle, visits, run.starts[vehicle.id])
        routes.append(
            Route(
                vehicle.id,
                ev.start_s,
                ev.stops,
                ev.end_s,
                ev.distance_m,
                ev.duration_s,
                ev.cost,
                overloaded=problem.overloaded(vehicle.id),
            )
        )
    served = {tid for visits in run.visits.values() for tid, _ in visits}
    unassigned = tuple(
        diagnose(problem, t, run.visits, run.starts) for t in problem.tasks if t.id not in served
    )
    drop = sum(problem.task(u.task_id).drop_penalty or 0.0 for u in unassigned)
    cost = sum((r.cost for r in routes), CostBreakdown(drop_penalty=drop))
    stats = SolveStats(SolveStatus.SOLVED, 0.0, 0, 0, 1, 0)
    return RoutingSolution(tuple(routes), unassigned, cost, stats)


def _feasible_start(problem: RoutingProblem, seed: int) -> dict[str, list[Visit]]:
    """A random plan whose infeasible routes are cut back to their locked prefix (and
    the rest of the prefix's tasks)."""
    routes = random_routes(problem, seed)
    out: dict[str, list[Visit]] = {}
    for vid, visits in routes.items():
        if evaluate_route(problem, problem.vehicle(vid), visits).feasible:
            out[vid] = visits
            continue
        lock = problem.lock_of(vid)
        if lock is not None and lock.fixed_prefix:
            tids = {t for t, _ in lock.fixed_prefix}
            rest = [v for v in visits[len(lock.fixed_prefix) :] if v[0] in tids]
            out[vid] = [*lock.fixed_prefix, *rest]
    return out


def _plan_cost(
    problem: RoutingProblem, visits: dict[str, list[Visit]], starts: dict[str, float]
) -> tuple[int, float]:
    broken, total = 0, 0.0
    for vid, seq in visits.items():
        ev = evaluate_route(problem, problem.vehicle(vid), seq, starts.get(vid))
        broken += not ev.feasible
        total += ev.ranking_cost  # late goods on board included, as the search ranks
    served = {tid for seq in visits.values() for tid, _ in seq}
    for task in problem.tasks:
        if task.id not in served:
            if problem.must_serve(task.id):
                broken += 1
            else:
                total += task.drop_penalty or 0.0
    return broken, total


def test_moves_keep_plans_feasible_and_locks_kept() -> None:
    """Random problems with multi-pickup tasks, ride limits, capacities, skills, shifts,
    windows, locks (prefix, on board, partly picked, pinned) and drop penalties: the
    search's plan passes the independent checker whenever its start plan did, and its
    priced objective equals the exact evaluation's."""
    checked = 0
    for seed in range(40):
        problem = random_problem(seed, n_tasks=10, n_vehicles=3)
        start = _feasible_start(problem, seed)
        run = improve(problem, start, math.inf, iterations=150, seed=seed)
        if run is None:
            continue
        start_key = _plan_cost(problem, start, {})
        end_key = _plan_cost(problem, run.visits, run.starts)
        routes_ok = all(
            evaluate_route(problem, problem.vehicle(vid), seq).feasible
            for vid, seq in start.items()
        )
        if routes_ok:  # (an infeasible start is solve's to compare: its plan key)
            assert end_key[0] <= start_key[0]
            assert end_key <= start_key or end_key[0] < start_key[0]
            if end_key[0] == 0:  # (else locked work cannot all fit: the checker says so)
                report = check(problem, _as_solution(problem, run))
                assert report.ok, (seed, report.violations)
                checked += 1
            assert all(
                evaluate_route(problem, problem.vehicle(vid), seq, run.starts[vid]).feasible
                for vid, seq in run.visits.items()
            )
        for lock in problem.locks:
            visits = run.visits.get(lock.vehicle_id, [])
            assert visits[: len(lock.fixed_prefix)] == list(lock.fixed_prefix)
            for tid in (*lock.on_board, *lock.pickups_done):
                served_by = [
                    vid for vid, seq in run.visits.items() if any(t == tid for t, _ in seq)
                ]
                assert served_by in ([], [lock.vehicle_id])
    # Problems with goods on board are OR-Tools' (rr.search.supports): fewer are checked.
    assert checked >= 8


def test_deterministic_for_iterations_and_seed() -> None:
    problem = random_problem(3, n_tasks=12, n_vehicles=3)
    start = _feasible_start(problem, 3)
    a = improve(problem, start, math.inf, iterations=200, seed=5)
    b = improve(problem, start, math.inf, iterations=200, seed=5)
    assert a is not None and b is not None
    assert (a.visits, a.starts, a.objective) == (b.visits, b.starts, b.objective)


def _clustered(n: int = 40, pairs: bool = False) -> RoutingProblem:
    """A VRPTW (or, with ``pairs``, a pickup-and-delivery problem) on random points."""
    rng = np.random.default_rng(0)
    xy = np.vstack([[50.0, 50.0], rng.uniform(0, 100, size=(2 * n, 2))])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    tasks = []
    for i in range(1, n + 1):
        a = float(rng.uniform(0, 600))
        window = (TimeWindow(a, a + 250.0),)
        pickups = (Stop(n + i, service_s=5.0),) if pairs else ()
        tasks.append(
            Task(f"c{i}", pickups, Stop(i, 10.0, window), demand=(float(rng.integers(1, 10)),))
        )
    vehicles = tuple(
        Vehicle(f"v{j}", 0, 0, TimeWindow(0.0, 1500.0), (50.0,), cost_per_km=1000.0)
        for j in range(12)
    )
    return RoutingProblem(vehicles, tuple(tasks), {"default": TravelMatrices(d, d)})


def test_solve_with_iterations_is_reproducible_with_one_or_two_workers() -> None:
    """``solve`` runs the search inside its workers; iterations + seed fix the routes."""
    problem = _clustered(30, pairs=True)
    for workers in (1, 2):
        params = SolveParams(time_limit_s=60.0, workers=workers, seed=2, iterations=100)
        first, second = solve(problem, params), solve(problem, params)
        assert check(problem, first).ok and check(problem, second).ok
        assert not first.unassigned
        assert first.routes == second.routes
        assert first.cost == second.cost


def test_never_worse_than_the_start_on_a_benchmark_like_problem() -> None:
    """A VRPTW: the search only improves on the OR-Tools start it is given."""
    problem = _clustered(40)
    # OR-Tools' first solution itself (solve's portfolio would give PyVRP's answer here).
    first = run_worker(problem, SolveParams(time_limit_s=60.0, iterations=1), 0, Budget.start(60))
    start = {
        v.id: list(visits)
        for v, (visits, _) in zip(problem.vehicles, first.routes, strict=True)
        if visits
    }
    start_total = _plan_cost(problem, start, {})[1]
    run = improve(problem, start, math.inf, iterations=300, seed=1)
    assert run is not None
    assert run.objective < start_total  # 300 iterations do find something here
    broken, total = _plan_cost(problem, run.visits, run.starts)
    assert broken == 0
    assert math.isclose(total, run.objective, abs_tol=1e-6)
