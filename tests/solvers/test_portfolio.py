"""The solver portfolio and its PyVRP member: what PyVRP may take, the round trip through
PyVRP, the choice of the checker-accepted best, determinism, and failing members."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import numpy as np
import pytest

from solvers import RoutingProblem, SolveParams, TravelMatrices, check, portfolio, solve
from solvers.budget import Budget
from solvers.evaluate import Visit, evaluate_route
from solvers.portfolio import Member, MemberAnswer, MemberKind, assess, lineup
from solvers.problem import Stop, Task, TimeWindow, Vehicle, VehicleLock
from solvers.pyvrp_member import build_data, pyvrp_support, run_pyvrp
from tests.solvers.helpers import problem, solved


def solomon_like(
    customers: int = 12, seed: int = 5, *, vehicles: tuple[Vehicle, ...] | None = None
) -> RoutingProblem:
    """A small VRPTW in the Solomon style: a depot at 0, customers with demands, service
    times and windows; Euclidean distance = travel time; cost = distance."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[50.0, 50.0], rng.uniform(0, 100, size=(customers, 2))])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    tasks = []
    for i in range(1, customers + 1):
        ready = float(rng.integers(0, 150))
        window = TimeWindow(ready, ready + float(rng.integers(60, 120)))
        tasks.append(
            Task(f"c{i}", (), Stop(i, 10.0, (window,)), demand=(float(rng.integers(5, 20)),))
        )
    fleet = vehicles or tuple(
        Vehicle(f"v{k}", 0, 0, TimeWindow(0.0, 400.0), (60.0,), cost_per_km=1000.0)
        for k in range(5)
    )
    return RoutingProblem(fleet, tuple(tasks), {"default": TravelMatrices(d, d)})


# --- what PyVRP may take ----------------------------------------------------------------


def test_pyvrp_takes_vrptw_shipments_prizes_and_mixed_fleets() -> None:
    assert pyvrp_support(solomon_like()) is None
    vans = (
        Vehicle("big", 0, 0, TimeWindow(0, 400), (80.0,), fixed_cost=5.0, cost_per_km=2.0),
        Vehicle("bike", 0, None, TimeWindow(30, 300), (20.0,), cost_per_hour=12.0),
    )
    pairs = [
        Task(f"p{i}", (Stop(2 * i + 1),), Stop(2 * i + 2), demand=(1.0,), drop_penalty=9.0)
        for i in range(3)
    ]
    assert pyvrp_support(problem(vans, pairs, list(range(0, 70, 10)))) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("multi_pickup", "has 2 pickups"),
        ("ride", "ride-time limit"),
        ("windows", "2 time windows"),
        ("soft", "soft lateness"),
        ("skills", "skills some vehicle lacks"),
        ("max_distance", "route distance limit"),
        ("lock", "locked routes"),
        ("pinned", "pinned tasks"),
        ("empty", "needs vehicles and tasks"),
    ],
)
def test_pyvrp_refuses_what_it_would_drop_or_change(change: str, reason: str) -> None:
    v = Vehicle("v", 0, 0, capacity=(10.0,))
    one = Task("a", (Stop(1),), Stop(2), demand=(1.0,))
    tasks = [one]
    vehicles = [v]
    locks: list[VehicleLock] = []
    pinned: dict[str, str] = {}
    if change == "multi_pickup":
        tasks = [Task("a", (Stop(1), Stop(3)), Stop(2), demand=(1.0,))]
    elif change == "ride":
        tasks = [Task("a", (Stop(1),), Stop(2), demand=(1.0,), max_ride_s=50.0)]
    elif change == "windows":
        two = (TimeWindow(0, 10), TimeWindow(20, 30))
        tasks = [Task("a", (Stop(1),), Stop(2, windows=two), demand=(1.0,))]
    elif change == "soft":
        late = Stop(2, windows=(TimeWindow(0, 10),), max_lateness_s=5, lateness_cost_per_s=1)
        tasks = [Task("a", (Stop(1),), late, demand=(1.0,))]
    elif change == "skills":
        tasks = [Task("a", (Stop(1),), Stop(2), demand=(1.0,), skills=frozenset({"cold"}))]
    elif change == "max_distance":
        vehicles = [Vehicle("v", 0, 0, capacity=(10.0,), max_distance_m=100.0)]
    elif change == "lock":
        locks = [VehicleLock("v", on_board=("a",))]
    elif change == "pinned":
        pinned = {"a": "v"}
    elif change == "empty":
        tasks = []
    p = problem(vehicles, tasks, locks=locks, pinned=pinned)
    found = pyvrp_support(p)
    assert found is not None and reason in found
    # A problem PyVRP cannot take never gets a PyVRP member.
    for workers in (1, 2, 3):
        kinds = {m.kind for m in lineup(p, SolveParams(workers=workers))}
        assert kinds == {MemberKind.ORTOOLS}


def _cost(p: RoutingProblem, routes: dict[str, list[Visit]], starts: dict[str, float]) -> float:
    served = {tid for visits in routes.values() for tid, _ in visits}
    drops = sum(t.drop_penalty or 0.0 for t in p.tasks if t.id not in served)
    return drops + sum(
        evaluate_route(p, p.vehicle(vid), v, starts[vid]).cost.total for vid, v in routes.items()
    )


# --- round trip through PyVRP -----------------------------------------------------------


def _check_routes(
    p: RoutingProblem, routes: tuple[tuple[str, tuple[Visit, ...], float], ...]
) -> None:
    as_dict = {vid: list(visits) for vid, visits, _ in routes}
    starts = {v.id: v.shift.start_s for v in p.vehicles}
    starts.update({vid: dep for vid, _, dep in routes})
    for vid, visits in as_dict.items():
        assert evaluate_route(p, p.vehicle(vid), visits, starts[vid]).feasible
    ok, (broken, cost) = assess(p, as_dict, starts)
    assert ok and broken == 0
    assert math.isclose(cost, _cost(p, as_dict, starts), rel_tol=1e-9)


def test_a_solomon_like_problem_round_trips_through_pyvrp() -> None:
    p = solomon_like()
    found = run_pyvrp(build_data(p, 1000), time.perf_counter() + 5.0, seed=1, iterations=200)
    assert found.feasible
    served = sorted(tid for _, visits, _ in found.routes for tid, _ in visits)
    assert served == sorted(t.id for t in p.tasks)
    _check_routes(p, found.routes)
    # PyVRP's objective is the distance (cost_per_km 1000 on benchmark units), in
    # thousandths of a unit as scaled.
    distance = sum(
        evaluate_route(p, p.vehicle(vid), list(v), dep).distance_m for vid, v, dep in found.routes
    )
    assert math.isclose(found.objective / 1000, distance, abs_tol=0.01 * len(p.tasks))


def test_pyvrp_round_trip_with_open_routes_prizes_and_two_vehicle_types() -> None:
    vans = (
        Vehicle("big", 0, 0, TimeWindow(0, 500), (80.0,), fixed_cost=5.0, cost_per_km=2.0),
        Vehicle("bike", 0, None, TimeWindow(30, 300), (15.0,), cost_per_hour=12.0),
    )
    pairs = [
        Task(
            f"p{i}", (Stop(2 * i + 1, 2.0),), Stop(2 * i + 2, 1.0), demand=(4.0,), drop_penalty=50.0
        )
        for i in range(4)
    ]
    # One shipment too far to be worth its penalty: PyVRP leaves it out, as the engine would.
    far = Task("far", (Stop(9),), Stop(10), demand=(1.0,), drop_penalty=0.001)
    positions = [0, 5, 12, 8, 20, 3, 15, 7, 11, 400, 800]
    p = problem(vans, [*pairs, far], positions)
    found = run_pyvrp(build_data(p, 1000), time.perf_counter() + 5.0, seed=2, iterations=200)
    assert found.feasible
    served = {tid for _, visits, _ in found.routes for tid, _ in visits}
    assert served == {t.id for t in pairs}
    _check_routes(p, found.routes)


# --- the portfolio ----------------------------------------------------------------------


def test_solve_runs_pyvrp_beside_ortools_and_is_reproducible_with_iterations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = solomon_like(14, seed=9)
    for workers in (1, 2):
        params = SolveParams(time_limit_s=20.0, seed=3, workers=workers, iterations=60)
        first, second = solved(p, params), solved(p, params)
        assert not first.unassigned
        assert first.routes == second.routes
        assert first.stats.member == second.stats.member
        assert first.stats.member.split(":")[0] in {"ortools", "pyvrp"}
    kinds = [m.kind for m in lineup(p, SolveParams(workers=2))]
    assert kinds[:2] == [MemberKind.ORTOOLS, MemberKind.PYVRP]
    assert lineup(p, SolveParams(workers=1))[0].kind is MemberKind.PYVRP
    # Too little time for PyVRP's search: OR-Tools alone, as in a plan's small flows.
    short = lineup(p, SolveParams(workers=2), portfolio.MIN_PYVRP_S / 2)
    assert {m.kind for m in short} == {MemberKind.ORTOOLS}
    # Too large for PyVRP's setup, which the deadline does not bound: OR-Tools alone.
    monkeypatch.setattr(portfolio, "MAX_PYVRP_TASKS", len(p.tasks) - 1)
    assert {m.kind for m in lineup(p, SolveParams(workers=2))} == {MemberKind.ORTOOLS}


# Fake members: each returns fixed routes for a 3-task problem on a line, so the pick is
# known.  Vehicle "v" (capacity 2) and "w" (capacity 10) start and end at 0.
LINE = (0, 10, 20, 30)
ALL_ON_W = (("w", (("a", 0), ("b", 0), ("c", 0)), 0.0),)
SPLIT = (("v", (("a", 0), ("b", 0)), 0.0), ("w", (("c", 0),), 0.0))
OVERLOADED = (("v", (("a", 0), ("b", 0), ("c", 0)), 0.0),)  # 3 > capacity 2
# ALL_ON_W drives 60, SPLIT 40 + 60.


def _line_problem() -> RoutingProblem:
    vans = [Vehicle("v", 0, 0, capacity=(2.0,)), Vehicle("w", 0, 0, capacity=(10.0,))]
    tasks = [Task(t, (), Stop(i + 1), demand=(1.0,)) for i, t in enumerate("abc")]
    return problem(vans, tasks, LINE)


def _fake(plans: Mapping[tuple[MemberKind, int], object]) -> portfolio.Runner:
    def run(p: RoutingProblem, params: SolveParams, member: Member, budget: Budget) -> MemberAnswer:
        plan = plans[(member.kind, member.index)]
        if plan == "raise":
            raise RuntimeError("member crashed")
        if plan is None:
            return MemberAnswer(member, error="nothing")
        return MemberAnswer(member, plan, 1)  # type: ignore[arg-type]

    return run


@pytest.mark.parametrize(
    ("plans", "winner"),
    [
        # The cheaper answer wins whatever its place in the lineup.
        ({(MemberKind.ORTOOLS, 0): SPLIT, (MemberKind.ORTOOLS, 1): ALL_ON_W}, "ortools:1"),
        # Equal plans: the earlier member.
        ({(MemberKind.ORTOOLS, 0): ALL_ON_W, (MemberKind.ORTOOLS, 1): ALL_ON_W}, "ortools:0"),
        # A member that raises, or returns nothing, is ignored.
        ({(MemberKind.ORTOOLS, 0): "raise", (MemberKind.ORTOOLS, 1): ALL_ON_W}, "ortools:1"),
        ({(MemberKind.ORTOOLS, 0): None, (MemberKind.ORTOOLS, 1): ALL_ON_W}, "ortools:1"),
        # An answer the checker rejects loses to any accepted one, however short.
        ({(MemberKind.ORTOOLS, 0): OVERLOADED, (MemberKind.ORTOOLS, 1): ALL_ON_W}, "ortools:1"),
    ],
)
def test_the_portfolio_keeps_the_best_accepted_answer(
    monkeypatch: pytest.MonkeyPatch, plans: Mapping[tuple[MemberKind, int], object], winner: str
) -> None:
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.ORTOOLS, _fake(plans))
    p = _line_problem()
    assert pyvrp_support(p) is None  # but PyVRP is left out of this lineup:
    monkeypatch.setattr(portfolio, "ROUND", ((MemberKind.ORTOOLS, False),))
    s = solved(p, SolveParams(time_limit_s=5.0, workers=2))
    assert s.stats.member == winner
    assert not s.unassigned


def test_an_infeasible_pyvrp_answer_is_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    plans = {(MemberKind.ORTOOLS, 0): ALL_ON_W, (MemberKind.PYVRP, 0): OVERLOADED}
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.ORTOOLS, _fake(plans))
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.PYVRP, _fake(plans))
    s = solved(_line_problem(), SolveParams(time_limit_s=5.0, workers=2))
    assert s.stats.member == "ortools:0"


def test_with_one_worker_ortools_answers_when_pyvrp_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    plans = {(MemberKind.PYVRP, 0): "raise", (MemberKind.ORTOOLS, 0): ALL_ON_W}
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.ORTOOLS, _fake(plans))
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.PYVRP, _fake(plans))
    s = solved(_line_problem(), SolveParams(time_limit_s=5.0, workers=1))
    assert s.stats.member == "ortools:0"
    assert s.stats.best_worker == 1  # second in the lineup: the backup run


def test_multi_pickup_tasks_never_go_to_pyvrp(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_: object) -> MemberAnswer:
        raise AssertionError("PyVRP must not run on multi-pickup tasks")

    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.PYVRP, forbidden)
    basket = Task("b", (Stop(1), Stop(2)), Stop(3), demand=(1.0,))
    single = Task("s", (Stop(1),), Stop(2), demand=(1.0,))
    p = problem([Vehicle("v", 0, 0, capacity=(5.0,))], [basket, single])
    for workers in (1, 2):
        s = solved(p, SolveParams(time_limit_s=2.0, workers=workers, iterations=20))
        assert s.stats.member.startswith("ortools:")
        assert not s.unassigned
    report = check(p, solve(p, SolveParams(time_limit_s=2.0, workers=1, iterations=20)))
    assert report.ok
