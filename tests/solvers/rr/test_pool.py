"""Route pool and set partitioning: routes recorded by the kernels, recombined by CP-SAT
into a plan the independent checker accepts, never worse than the search's best."""

from __future__ import annotations

import math

import numpy as np

from solvers import SolveParams, check, solve
from solvers.problem import RoutingProblem, Stop, Task, TimeWindow, TravelMatrices, Vehicle
from solvers.rr import ensure_compiled, improve, pool
from solvers.rr import kernels as K  # noqa: N812
from solvers.rr.compiled import compile_problem
from solvers.rr.search import SearchConfig, _encode, _state, _workspaces
from tests.solvers.rr.random_problems import random_problem
from tests.solvers.rr.test_search import _as_solution


def _baskets(seed: int, n_tasks: int = 9) -> RoutingProblem:
    """Multi-store baskets (2-4 shops, then the home) with windows, ride limits, two
    capacity dimensions and drop penalties on some; four alike vehicles."""
    rng = np.random.default_rng(seed)
    n_loc = 3 * n_tasks + 1
    xy = rng.uniform(0, 100, size=(n_loc, 2))
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    tasks = []
    for i in range(n_tasks):
        shops = tuple(
            Stop(int(loc), service_s=2.0)
            for loc in rng.choice(np.arange(1, n_loc), size=int(rng.integers(2, 5)), replace=False)
        )
        open_s = float(rng.uniform(0, 300))
        home = Stop(int(rng.integers(1, n_loc)), 3.0, (TimeWindow(open_s, open_s + 900.0),))
        tasks.append(
            Task(
                f"t{i}",
                shops,
                home,
                demand=(float(rng.integers(1, 4)), 1.0),
                max_ride_s=float(rng.uniform(300, 900)) if rng.random() < 0.3 else None,
                drop_penalty=2000.0 if rng.random() < 0.3 else None,
            )
        )
    vehicles = tuple(
        Vehicle(f"v{j}", 0, 0, TimeWindow(0.0, 2000.0), (8.0, 4.0), cost_per_km=1000.0)
        for j in range(4)
    )
    return RoutingProblem(vehicles, tuple(tasks), {"default": TravelMatrices(d, d)})


def test_partitioned_plans_pass_the_checker_and_never_lose() -> None:
    """On unlocked multi-pickup problems the search ends by set partitioning over its
    pool: the plan passes the checker and its objective equals the exact pricing; the
    same iterations without the pool are never better than the pool's best found."""
    for seed in range(6):
        problem = _baskets(seed)
        assert pool.eligible(problem)
        run = improve(problem, {}, math.inf, iterations=120, seed=seed)
        assert run is not None
        assert run.pool_routes > 0
        assert run.partition_gain >= 0.0
        solution = _as_solution(problem, run)
        assert check(problem, solution).ok, (seed, check(problem, solution).violations)
        assert math.isclose(solution.cost.total, run.objective, rel_tol=1e-9, abs_tol=1e-6)
        off = SearchConfig(partition_stops=math.inf)
        plain = improve(problem, {}, math.inf, iterations=120, seed=seed, config=off)
        assert plain is not None and plain.pool_routes == 0
        # Same seed, same iterations: the pool only adds the final recombination.
        assert run.objective <= plain.objective + 1e-6


def test_locked_or_pinned_problems_keep_no_pool() -> None:
    for seed in range(20):
        problem = random_problem(seed, n_tasks=10, n_vehicles=3)
        if pool.eligible(problem):
            continue
        run = improve(problem, {}, math.inf, iterations=30, seed=seed)
        assert run is None or run.pool_routes == 0


def test_partition_combines_routes_no_single_plan_held() -> None:
    """Two plans, each with one good and one poor route: the pool holds the good ones
    of both, and partitioning puts them together."""
    ensure_compiled()
    x = np.array([0.0, 10.0, 11.0, 40.0, 41.0, -10.0, -11.0, -40.0, -41.0])
    d = np.abs(x[:, None] - x[None, :])
    tasks = (
        Task("a", (Stop(1),), Stop(2), demand=(1.0,)),
        Task("b", (Stop(3),), Stop(4), demand=(1.0,)),
        Task("c", (Stop(5),), Stop(6), demand=(1.0,)),
        Task("d", (Stop(7),), Stop(8), demand=(1.0,)),
    )
    vehicles = tuple(Vehicle(f"v{j}", 0, 0, capacity=(4.0,), cost_per_km=1000.0) for j in range(2))
    problem = RoutingProblem(vehicles, tasks, {"default": TravelMatrices(d, d)})
    compiled = compile_problem(problem)
    scratch, work = _workspaces(compiled, problem)
    recorder, _ = pool.buffer(compiled, 2)
    routes = pool.RoutePool(compiled.arrays[K.VEH_CLASS])

    def visit(*tids: str) -> list[tuple[str, int]]:
        return [(t, i) for t in tids for i in (0, 1)]

    plans = [
        # plan 1: right side good (a then b), left side poor (d before c, crossing back)
        {"v0": visit("a", "b"), "v1": [("d", 0), ("c", 0), ("c", 1), ("d", 1)]},
        # plan 2: left side good (c then d), right side poor
        {"v0": [("b", 0), ("a", 0), ("a", 1), ("b", 1)], "v1": visit("c", "d")},
    ]
    states = []
    for plan in plans:
        st = _state(compiled, problem)
        assert _encode(compiled, problem, plan, st)
        K.init_state(compiled.arrays, scratch, work, st)
        K.record_routes(st, recorder, work[K.W_TOUCHED], -1)
        routes.drain(recorder)
        states.append(st)
    assert len(routes) == 4
    best = states[0]
    before = float(K.objective(compiled.arrays, best))
    found = pool.partition(
        compiled, routes, best, scratch, seed=0, time_limit_s=10.0, deterministic_s=5.0
    )
    assert found is not None
    state, objective = found
    assert objective < before - 1.0
    assert math.isclose(objective, 2 * 1000.0 * 82.0 / 1000.0)  # out to 41 and back, twice
    served = sorted(int(t) for t in state[K.T_ROUTE])
    assert served == [0, 0, 1, 1]  # every task on one of the two vehicles


def _spread_baskets() -> RoutingProblem:
    """Three two-shop baskets on a line, each alone on its vehicle in the start plan;
    one vehicle can carry all three, and one route is cheapest."""
    x = np.array([0.0, 10.0, 12.0, 14.0, 20.0, 22.0, 24.0, 30.0, 32.0, 34.0])
    d = np.abs(x[:, None] - x[None, :])
    tasks = tuple(
        Task(f"b{i}", (Stop(1 + 3 * i), Stop(2 + 3 * i)), Stop(3 + 3 * i), demand=(1.0,))
        for i in range(3)
    )
    vehicles = tuple(
        Vehicle(f"v{j}", 0, 0, TimeWindow(0.0, 1000.0), (3.0,), cost_per_km=1000.0)
        for j in range(3)
    )
    return RoutingProblem(vehicles, tasks, {"default": TravelMatrices(d, d)})


def test_route_minimisation_empties_routes_and_keeps_the_plan_checked() -> None:
    """A run that is all route minimisation (no annealing before it): it drops the
    shortest route, serves its basket on the others, drops the next, and ends on one
    route, cheaper than the start, which the checker accepts."""
    problem = _spread_baskets()
    start = {f"v{i}": [(f"b{i}", 0), (f"b{i}", 1), (f"b{i}", 2)] for i in range(3)}
    only = SearchConfig(route_min_from=0.0, route_min_share=1.0, partition_stops=math.inf)
    run = improve(problem, start, math.inf, iterations=60, seed=3, config=only)
    assert run is not None
    assert len(run.visits) == 1
    assert run.objective < run.start_objective - 1.0
    assert check(problem, _as_solution(problem, run)).ok
    again = improve(problem, start, math.inf, iterations=60, seed=3, config=only)
    assert again is not None and (again.visits, again.objective) == (run.visits, run.objective)


def test_multi_pickup_runs_are_reproducible_with_pool_and_route_minimisation() -> None:
    problem = _baskets(11, n_tasks=12)
    runs = [improve(problem, {}, math.inf, iterations=150, seed=4) for _ in range(2)]
    assert runs[0] is not None and runs[1] is not None
    assert (runs[0].visits, runs[0].starts, runs[0].objective) == (
        runs[1].visits,
        runs[1].starts,
        runs[1].objective,
    )
    assert check(problem, _as_solution(problem, runs[0])).ok


def test_solve_on_baskets_is_reproducible_with_two_hedging_workers() -> None:
    """Two workers (route minimisation in the odd one, the pool in both), iterations
    and a seed: the same checked plan twice."""
    problem = _baskets(5, n_tasks=10)
    params = SolveParams(time_limit_s=60.0, workers=2, seed=1, iterations=80)
    first, second = solve(problem, params), solve(problem, params)
    assert check(problem, first).ok and not first.unassigned
    assert (first.routes, first.cost) == (second.routes, second.cost)
