"""The independent checker accepts correct hand-made solutions and catches each broken rule.

Geometry: locations on a line at x = 0, 10, 20, 30, 40 (``tests.solvers.helpers``),
distance = duration = |dx|.  Vehicles cost 5 to use, 1 per metre and 0.1 per second.

The reference solution, worked out by hand:

* ``v`` (back to x=0): multi-pickup task ``m`` (shops at x=10 then x=20, 5 s service
  each, shares 2 + 3, door at x=40): shop 0 at 10-15 s, shop 1 at 25-30 s, door at
  50 s, home at 90 s; 80 m; cost 5 + 80 + 9.
* ``w`` (open route): ``s`` loaded at the start, door at x=30 due by 20 s, soft up to
  30 s late at 0.5 per second: served at 30 s, 10 s late; 30 m; cost 5 + 30 + 3 + 5.
* ``u`` is left out (drop penalty 7).
"""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

import solvers.evaluate
from solvers import RoutingProblem, ViolationKind, check, solve
from solvers.problem import Stop, Task, TimeWindow, Vehicle, VehicleLock
from solvers.solution import (
    CostBreakdown,
    Route,
    RouteStop,
    RoutingSolution,
    SolveStats,
    SolveStatus,
    StopKind,
    UnassignedReason,
    UnassignedTask,
)
from tests.solvers.helpers import FAST, problem

LINE = (0, 10, 20, 30, 40)
STATS = SolveStats(SolveStatus.SOLVED, 0.0, 0, 0, 1, 0)
P, D = StopKind.PICKUP, StopKind.DELIVERY
DELIVERIES = frozenset({"m2", "s0"})

V = Vehicle("v", 0, 0, capacity=(10.0,), fixed_cost=5.0, cost_per_km=1000.0, cost_per_hour=360.0)
W = dataclasses.replace(V, id="w", end=None)
M = Task(
    "m",
    (Stop(1, service_s=5.0), Stop(2, service_s=5.0)),
    Stop(4, windows=(TimeWindow(0, 100),)),
    demand=(5.0,),
    pickup_demands=((2.0,), (3.0,)),
)
S = Task(
    "s",
    (),
    Stop(3, windows=(TimeWindow(0, 20),), max_lateness_s=30.0, lateness_cost_per_s=0.5),
    demand=(1.0,),
)
U = Task("u", (Stop(1),), Stop(2), demand=(1.0,), drop_penalty=7.0)

V_COST = CostBreakdown(fixed=5.0, distance=80.0, time=9.0)
W_COST = CostBreakdown(fixed=5.0, distance=30.0, time=3.0, lateness=5.0)


def at(
    visit: str, loc: int, times: tuple[float, float, float], load: float, *, late: float = 0.0
) -> RouteStop:
    """A reported stop: ``visit`` is the task id and the stop index ("m2": m's delivery),
    ``times`` (arrival, start of service, departure)."""
    arrival, start, departure = times
    kind = D if visit in DELIVERIES else P
    return RouteStop(
        visit[:-1], int(visit[-1]), kind, loc, arrival, start, departure, (load,), late
    )


V_STOPS = (
    at("m0", 1, (10, 10, 15), 2),
    at("m1", 2, (25, 25, 30), 5),
    at("m2", 4, (50, 50, 50), 0),
)
W_STOPS = (at("s0", 3, (30, 30, 30), 0, late=10),)


def routes() -> tuple[Route, Route]:
    return (
        Route("v", 0.0, V_STOPS, 90.0, 80.0, 90.0, V_COST),
        Route("w", 0.0, W_STOPS, 30.0, 30.0, 30.0, W_COST),
    )


def reference(*tasks: Task, **kw: object) -> RoutingProblem:
    chosen = {t.id: t for t in (M, S, U)} | {t.id: t for t in tasks}
    vehicles = kw.pop("vehicles", (V, W))
    return problem(vehicles, tuple(chosen.values()), LINE, **kw)  # type: ignore[arg-type]


def solution(
    route_list: tuple[Route, ...] | None = None,
    unassigned: tuple[str, ...] = ("u",),
    reason: UnassignedReason = UnassignedReason.NOT_WORTH_PENALTY,
    cost: CostBreakdown | None = None,
) -> RoutingSolution:
    chosen = routes() if route_list is None else route_list
    drop = 7.0 if "u" in unassigned else 0.0
    total = sum((r.cost for r in chosen), CostBreakdown(drop_penalty=drop))
    left = tuple(UnassignedTask(t, reason, "test") for t in unassigned)
    return RoutingSolution(chosen, left, cost or total, STATS)


def kinds(p: RoutingProblem, s: RoutingSolution) -> set[str]:
    return {v.kind for v in check(p, s).violations}


def with_stops(route: Route, *stops: RouteStop, **kw: object) -> Route:
    return dataclasses.replace(route, stops=stops, **kw)  # type: ignore[arg-type]


# --- correct solutions pass ------------------------------------------------------------


def test_the_hand_made_reference_passes_with_every_cost_term() -> None:
    report = check(reference(), solution())
    assert report.ok, report.violations
    assert report.cost == CostBreakdown(
        fixed=10.0, distance=110.0, time=12.0, lateness=5.0, drop_penalty=7.0
    )


def test_waiting_for_the_second_window_passes_and_a_start_in_the_gap_does_not() -> None:
    two = dataclasses.replace(S, delivery=Stop(3, windows=(TimeWindow(0, 10), TimeWindow(40, 60))))
    waited = Route(
        "w",
        0.0,
        (at("s0", 3, (30, 40, 40), 0),),
        40.0,
        30.0,
        40.0,
        CostBreakdown(fixed=5.0, distance=30.0, time=4.0),
    )
    p = reference(two)
    assert check(p, solution((routes()[0], waited))).ok
    in_gap = with_stops(waited, at("s0", 3, (30, 30, 30), 0))
    assert "time_window" in kinds(p, solution((routes()[0], in_gap)))
    too_long = with_stops(waited, at("s0", 3, (30, 45, 45), 0))
    assert "reported" in kinds(p, solution((routes()[0], too_long)))


def test_holding_back_the_first_pickup_of_a_ride_limited_task_passes() -> None:
    # The door opens at 60 s.  Leaving shop 0 at once, the ride is 60 - 10 = 50 s; held
    # until 20 s, it is 60 - 20 = 40 s, the limit.
    door = Stop(4, windows=(TimeWindow(60, 100),))
    limited = dataclasses.replace(M, delivery=door, max_ride_s=40.0)
    held = (
        at("m0", 1, (10, 20, 25), 2),
        at("m1", 2, (35, 35, 40), 5),
        at("m2", 4, (60, 60, 60), 0),
    )
    cost = CostBreakdown(fixed=5.0, distance=80.0, time=10.0)
    route = Route("v", 0.0, held, 100.0, 80.0, 100.0, cost)
    p = reference(limited)
    report = check(p, solution((route, routes()[1])))
    assert report.ok, report.violations
    eager = (
        at("m0", 1, (10, 10, 15), 2),
        at("m1", 2, (25, 25, 30), 5),
        at("m2", 4, (50, 60, 60), 0),
    )
    assert kinds(p, solution((with_stops(route, *eager), routes()[1]))) == {"ride_time"}
    # Waiting at the second shop is no hold: it starts the ride no later.
    late_second = (
        at("m0", 1, (10, 10, 15), 2),
        at("m1", 2, (25, 35, 40), 5),
        at("m2", 4, (60, 60, 60), 0),
    )
    assert "reported" in kinds(p, solution((with_stops(route, *late_second), routes()[1])))


def test_locks_kept_pass() -> None:
    on_board = VehicleLock("v", on_board=("m",), picked_up_at_s={"m": -20.0})
    delivered = Route(
        "v",
        0.0,
        (at("m2", 4, (40, 40, 40), 0),),
        80.0,
        80.0,
        80.0,
        CostBreakdown(fixed=5.0, distance=80.0, time=8.0),
    )
    p = reference(locks=(on_board, VehicleLock("w", fixed_prefix=(("s", 0),))), pinned={"m": "v"})
    report = check(p, solution((delivered, routes()[1])))
    assert report.ok, report.violations


# --- each broken rule is found ---------------------------------------------------------


def test_service_past_a_hard_window() -> None:
    tight = dataclasses.replace(M, delivery=Stop(4, windows=(TimeWindow(0, 40),)))
    late = with_stops(routes()[0], *V_STOPS[:2], dataclasses.replace(V_STOPS[2], lateness_s=10.0))
    assert kinds(reference(tight), solution((late, routes()[1]))) == {"time_window"}


def test_lateness_past_the_soft_cap() -> None:
    capped = dataclasses.replace(S, delivery=dataclasses.replace(S.delivery, max_lateness_s=5.0))
    assert kinds(reference(capped), solution()) == {"time_window"}


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"capacity": (4.0,)}, "capacity"),
        ({"shift": TimeWindow(0, 80)}, "shift"),
        ({"max_duration_s": 80.0}, "max_duration"),
        ({"max_distance_m": 70.0}, "max_distance"),
    ],
)
def test_vehicle_limits(change: dict[str, object], kind: str) -> None:
    p = reference(vehicles=(dataclasses.replace(V, **change), W))  # type: ignore[arg-type]
    assert kinds(p, solution()) == {kind}


def test_missing_skill() -> None:
    cold = dataclasses.replace(M, skills=frozenset({"cold"}))
    assert kinds(reference(cold), solution()) == {"skill"}


def test_overload_from_the_load_on_board_at_the_start() -> None:
    # s is loaded on w at the start: 1 unit in a vehicle of 0.5.
    small_w = dataclasses.replace(W, capacity=(0.5,))
    assert kinds(reference(vehicles=(V, small_w)), solution()) == {"capacity"}
    # m is on board of v (a lock): 5 units in a vehicle of 4.
    on_board = VehicleLock("v", on_board=("m",))
    small_v = dataclasses.replace(V, capacity=(4.0,))
    delivered = Route(
        "v",
        0.0,
        (at("m2", 4, (40, 40, 40), 0),),
        80.0,
        80.0,
        80.0,
        CostBreakdown(fixed=5.0, distance=80.0, time=8.0),
    )
    p = reference(vehicles=(small_v, W), locks=(on_board,))
    # Overloaded by its lock: delivering what it carries is kept (no capacity breach),
    # but the route must say it is overloaded.
    assert kinds(p, solution((delivered, routes()[1]))) == {"reported"}
    said = dataclasses.replace(delivered, overloaded="carries 5 > 4")
    assert kinds(p, solution((said, routes()[1]))) == set()
    # ... and it takes no new work: w's task s on v breaks the capacity rule.
    s_on_v = dataclasses.replace(routes()[1], vehicle_id="v", overloaded="carries 5 > 4")
    p_new = reference(vehicles=(small_v, dataclasses.replace(W, id="x")), locks=(on_board,))
    assert "capacity" in kinds(p_new, solution((said, s_on_v)))


def test_ride_time() -> None:
    limited = dataclasses.replace(M, max_ride_s=30.0)  # 10 s to 50 s is 40 s
    assert kinds(reference(limited), solution()) == {"ride_time"}


def test_a_pickup_after_its_delivery() -> None:
    swapped = with_stops(
        routes()[0],
        at("m0", 1, (10, 10, 15), 2),
        at("m2", 4, (45, 45, 45), -3),
        at("m1", 2, (65, 65, 70), 0),
    )
    assert "precedence" in kinds(reference(), solution((swapped, routes()[1])))


def test_a_task_served_twice_or_split_or_also_unassigned() -> None:
    v, w = routes()
    twice = with_stops(v, *V_STOPS, at("m2", 4, (50, 50, 50), -5))
    assert "duplicate_stop" in kinds(reference(), solution((twice, w)))
    split = with_stops(v, *V_STOPS[:2])
    other = with_stops(w, *W_STOPS, at("m2", 4, (40, 40, 40), -5))
    assert "split_task" in kinds(reference(), solution((split, other)))
    also = solution(unassigned=("u", "s"))
    assert "coverage" in kinds(reference(), also)
    assert "duplicate_route" in kinds(reference(), solution((v, w, w)))


def test_a_task_neither_served_nor_unassigned() -> None:
    assert kinds(reference(), solution(unassigned=())) == {"coverage"}


def test_reported_times_loads_and_distance() -> None:
    v, w = routes()
    for changed in (
        with_stops(v, dataclasses.replace(V_STOPS[0], arrival_s=9.0), *V_STOPS[1:]),
        with_stops(v, dataclasses.replace(V_STOPS[0], departure_s=14.0), *V_STOPS[1:]),
        with_stops(v, dataclasses.replace(V_STOPS[0], load=(3.0,)), *V_STOPS[1:]),
        with_stops(v, dataclasses.replace(V_STOPS[0], location=2), *V_STOPS[1:]),
        with_stops(v, dataclasses.replace(V_STOPS[0], kind=D), *V_STOPS[1:]),
        dataclasses.replace(v, end_s=91.0),
    ):
        assert kinds(reference(), solution((changed, w))) == {"reported"}, changed
    longer = dataclasses.replace(v, distance_m=81.0)
    assert kinds(reference(), solution((longer, w))) == {"reported"}


def test_wrong_total_cost() -> None:
    # The right total in the wrong terms is wrong too.
    assert kinds(reference(), solution(cost=CostBreakdown(distance=144.0))) == {"cost"}
    assert kinds(reference(), solution(cost=CostBreakdown(distance=145.0))) == {"cost"}
    no_drop = dataclasses.replace(solution().cost, drop_penalty=0.0)
    assert kinds(reference(), solution(cost=no_drop)) == {"cost"}


def test_wrong_route_cost_even_when_the_total_is_right() -> None:
    v, w = routes()
    shifted = dataclasses.replace(v, cost=dataclasses.replace(V_COST, fixed=4.0, distance=81.0))
    s = solution((shifted, w))
    assert s.cost.total == pytest.approx(solution().cost.total)
    report = check(reference(), s)
    assert {x.kind for x in report.violations} == {"route_cost", "cost"}
    assert {x.subject for x in report.violations if x.kind == "route_cost"} == {"v"}
    wrong_lateness = dataclasses.replace(w, cost=dataclasses.replace(W_COST, lateness=0.0))
    assert "route_cost" in kinds(reference(), solution((v, wrong_lateness)))


def test_violations_write_as_their_plain_strings() -> None:
    v, w = routes()
    shifted = dataclasses.replace(v, cost=dataclasses.replace(V_COST, fixed=4.0))
    first = check(reference(), solution((shifted, w))).violations[0]
    assert first.kind is ViolationKind.ROUTE_COST
    assert json.dumps(dataclasses.asdict(first)) == (
        '{"kind": "route_cost", "subject": "v", "detail": "fixed cost 4.0, recomputed 5.0"}'
    )
    assert str(first) == "route_cost [v]: fixed cost 4.0, recomputed 5.0"


def test_broken_locks() -> None:
    v, _ = routes()
    prefix = VehicleLock("v", fixed_prefix=(("m", 1),))
    assert kinds(reference(locks=(prefix,)), solution()) == {"prefix"}
    s_first = VehicleLock("w", fixed_prefix=(("s", 0),))
    # w's locked prefix is dropped with its whole route.
    assert kinds(
        reference(locks=(s_first,)),
        solution((v,), ("u", "s"), UnassignedReason.SEARCH_LIMIT),
    ) == {"prefix"}
    assert kinds(reference(pinned={"m": "w"}), solution()) == {"pinned"}
    on_w = VehicleLock("w", on_board=("m",))
    assert "on_board" in kinds(reference(locks=(on_w,)), solution())


def test_required_work_left_out_as_not_worth_its_penalty() -> None:
    v, _ = routes()
    p = reference()
    assert kinds(p, solution((v,), ("u", "s"), UnassignedReason.SEARCH_LIMIT)) == set()
    assert kinds(p, solution((v,), ("u", "s"))) == {"must_serve"}


# --- independence ----------------------------------------------------------------------


def test_the_checker_imports_only_the_problem_the_solution_and_its_replay() -> None:
    root = Path(__file__).resolve().parents[2] / "solvers"
    allowed = {"solvers.problem", "solvers.solution", "solvers.errors", "solvers.checker_route"}
    for name in ("checker.py", "checker_route.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        } | {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        engine = {m for m in imported if m.split(".")[0] in {"solvers", "geo", "dispatch"}}
        assert engine <= allowed, (name, engine - allowed)


def test_a_bug_in_the_evaluator_does_not_pass_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    p = problem([V], [M], LINE)
    assert check(p, solve(p, FAST)).ok
    # Windows ignored: service starts on arrival.
    # Shop 0 opens until 10 s, so the van leaves at 0 s and reaches the door at 50 s.
    shop = Stop(1, service_s=5.0, windows=(TimeWindow(0, 10),))
    door = Stop(4, windows=(TimeWindow(60, 90),))
    waits = dataclasses.replace(M, pickups=(shop, M.pickups[1]), delivery=door)
    tight = problem([V], [waits], LINE)
    assert check(tight, solve(tight, FAST)).ok
    monkeypatch.setattr(
        solvers.evaluate, "service_start", lambda _stop, arrival_s: (arrival_s, 0.0, 0.0)
    )
    assert "time_window" in kinds(tight, solve(tight, FAST))
    monkeypatch.undo()
    # Distance priced per mile instead of per kilometre.
    real_price = solvers.evaluate._price

    def per_mile(
        vehicle: Vehicle, distance_m: float, duration_s: float, late: float
    ) -> CostBreakdown:
        return real_price(vehicle, distance_m / 1.609, duration_s, late)

    monkeypatch.setattr(solvers.evaluate, "_price", per_mile)
    assert {"route_cost", "cost"} <= kinds(p, solve(p, FAST))
