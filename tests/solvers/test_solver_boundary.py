"""The solver boundary (issue 16): extreme numbers are named input errors, never an
OverflowError or "CP Solver fail"; an overloaded vehicle is reported, not fatal; goods on
board are never left undelivered; the diagnosis keeps the call's deadline."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np
import pytest

import solvers.problem as problem_module
from solvers import RoutingProblem, SolveParams, TravelMatrices, check, solve
from solvers.errors import InvalidInputError
from solvers.problem import Stop, Task, TimeWindow, Vehicle, VehicleLock
from solvers.reasons import diagnose
from solvers.solution import UnassignedReason, UnassignedTask
from tests.solvers.helpers import FAST, problem, solved, visits

# Before: accepted here, then OverflowError from OR-Tools (2**63) or a "CP Solver fail".
HUGE_CLOCKS = [1e300, 2**63, 2.0**63, 1e15]


@pytest.mark.parametrize("clock", HUGE_CLOCKS)
def test_extreme_clock_values_are_named_input_errors(clock: float) -> None:
    with pytest.raises(InvalidInputError, match=r"task t7 promised window: end_s: must be in"):
        TimeWindow(0.0, clock, "task t7 promised window")
    with pytest.raises(InvalidInputError, match=r"vehicle v2 shift: start_s: must be in"):
        TimeWindow(clock, math.inf, "vehicle v2 shift")
    lock = VehicleLock("v", on_board=("t",), picked_up_at_s={"t": -clock})
    with pytest.raises(InvalidInputError, match=r"VehicleLock 'v': picked_up_at_s\['t'\]"):
        problem([Vehicle("v", 0, capacity=(9.0,))], [Task("t", (), Stop(1), (1.0,))], locks=[lock])
    with pytest.raises(InvalidInputError, match=r"Task 't' delivery: service_s"):
        Task("t", (), Stop(1, service_s=clock))
    with pytest.raises(InvalidInputError, match=r"Task 't': max_ride_s"):
        Task("t", (), Stop(1), max_ride_s=clock)


def test_an_infinite_clock_is_an_open_end_or_a_named_error() -> None:
    # 1.8e308 reads as infinity: a window may stay open, but nothing can start then.
    assert TimeWindow(0.0, 1.8e308).end_s == math.inf
    with pytest.raises(InvalidInputError, match=r"vehicle v2 shift: start_s: must be a finite"):
        TimeWindow(1.8e308, 1.8e308, "vehicle v2 shift")


@pytest.mark.parametrize("value", [1e300, 2.0**63, 1e10])
def test_capacities_demands_and_money_are_bounded(value: float) -> None:
    with pytest.raises(InvalidInputError, match=r"Vehicle 'v2': capacity\[0\]"):
        Vehicle("v2", 0, capacity=(value,))
    with pytest.raises(InvalidInputError, match=r"Task 't7': demand\[0\]"):
        Task("t7", (), Stop(1), (value,))
    with pytest.raises(InvalidInputError, match=r"Vehicle 'v2': cost_per_km"):
        Vehicle("v2", 0, cost_per_km=value)
    with pytest.raises(InvalidInputError, match=r"Task 't7': drop_penalty"):
        Task("t7", (), Stop(1), drop_penalty=value)


def test_sizes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(problem_module, "MAX_TASKS", 2)
    tasks = [Task(f"t{i}", (), Stop(1)) for i in range(3)]
    with pytest.raises(InvalidInputError, match=r"RoutingProblem: tasks: must have at most 2"):
        problem([Vehicle("v", 0)], tasks)
    with pytest.raises(InvalidInputError, match=r"SolveParams\.workers"):
        SolveParams(workers=100_000)
    with pytest.raises(InvalidInputError, match=r"SolveParams\.distance_scale"):
        SolveParams(distance_scale=10**12)


def _valid() -> RoutingProblem:
    vehicles = [Vehicle("v2", 0, 0, capacity=(10.0,)), Vehicle("v3", 0, 0, capacity=(10.0,))]
    tasks = [
        Task("t7", (Stop(1),), Stop(2), (1.0,), drop_penalty=50.0, max_ride_s=100.0),
        # Its own window: forcing a field of the shared default window would leak.
        Task("t8", (), Stop(3, windows=(TimeWindow(0.0, 1000.0),)), (2.0,)),
    ]
    return problem(vehicles, tasks)


def _force(obj: object, name: str, value: Any) -> None:
    """Set a field the constructor would have refused: only the adapter's own check is
    left to catch it (defence in depth)."""
    object.__setattr__(obj, name, value)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: _force(p.vehicles[0], "capacity", (1e300,)), r"Vehicle 'v2': capacity\[0\]"),
        (lambda p: _force(p.tasks[0], "demand", (1e300,)), r"Task 't7': demand\[0\]"),
        (
            lambda p: _force(p.tasks[1].delivery.windows[0], "start_s", 2.0**63),
            r"Task 't8' delivery: windows",
        ),
        (
            lambda p: _force(p.tasks[1].delivery, "service_s", 1e300),
            "Task 't8' delivery: service_s",
        ),
        (lambda p: _force(p.vehicles[0], "fixed_cost", 1e300), "Vehicle 'v2': fixed_cost"),
        (lambda p: _force(p.tasks[0], "drop_penalty", 1e300), "Task 't7': drop_penalty"),
        (lambda p: _force(p.tasks[0], "max_ride_s", 1e300), "Task 't7': max_ride_s"),
        (lambda p: _force(p.vehicles[0], "shift", TimeWindow(0.0, math.inf)), None),
        (
            lambda p: _force(p.vehicles[1], "shift", _bypass_window(1e300, math.inf)),
            "Vehicle 'v3': shift",
        ),
    ],
)
def test_the_adapter_checks_every_scaled_value(mutate: Any, field: str | None) -> None:
    p = _valid()
    mutate(p)
    if field is None:  # a valid change: still solves
        solved(p)
        return
    with pytest.raises(InvalidInputError, match=field):
        solve(p, FAST)


def _bypass_window(start_s: float, end_s: float) -> TimeWindow:
    window = TimeWindow(0.0, math.inf)
    _force(window, "start_s", start_s)
    _force(window, "end_s", end_s)
    return window


def test_a_price_times_a_distance_beyond_the_integer_range_is_named() -> None:
    # Each value is in bounds; their product in objective units is not.
    far = Vehicle("v2", 0, 0, capacity=(10.0,), cost_per_km=1e9)
    distance = np.array([[0.0, 1e8], [1e8, 0.0]])
    matrices = {"default": TravelMatrices(distance, distance / 1e4)}
    p = RoutingProblem((far,), (Task("t", (), Stop(1), (1.0,)),), matrices)
    with pytest.raises(InvalidInputError, match="Vehicle 'v2': cost_per_km"):
        solve(p, FAST)


# --- a vehicle overloaded by what it carries ----------------------------------------


def _overloaded() -> RoutingProblem:
    # v carries t (5 units) in a capacity of 4; f is right beside v, w is far.
    v = Vehicle("v", 1, None, capacity=(4.0,))
    w = Vehicle("w", 3, None, capacity=(10.0,))
    carried = Task("t", (), Stop(2), (5.0,))
    free = Task("f", (Stop(1),), Stop(2), (1.0,))
    lock = VehicleLock("v", on_board=("t",))
    return problem([v, w], [carried, free], locks=[lock])


@pytest.mark.parametrize("workers", [1, 2])
def test_an_overloaded_vehicle_keeps_its_goods_and_the_rest_is_planned(workers: int) -> None:
    # Before: t (on board) was left unassigned with reason capacity and v got new work.
    p = _overloaded()
    assert p.overloaded("w") is None
    assert "load[0] 5 > capacity 4" in (p.overloaded("v") or "")
    s = solved(p, dataclasses.replace(FAST, workers=workers))
    assert s.unassigned == ()
    assert visits(s, "v") == [("t", 0)]
    assert visits(s, "w") == [("f", 0), ("f", 1)]
    route = {r.vehicle_id: r for r in s.routes}
    assert route["v"].overloaded == p.overloaded("v")
    assert route["w"].overloaded is None


def test_an_overloaded_vehicle_takes_no_new_work_even_when_pinned() -> None:
    p = _overloaded()
    pinned = RoutingProblem(p.vehicles, p.tasks, p.matrices, p.locks, {"f": "v"})
    s = solved(pinned)
    (u,) = s.unassigned
    assert (u.task_id, u.reason) == ("f", UnassignedReason.CAPACITY)
    assert "takes no new work" in u.detail


def test_goods_on_board_are_delivered_late_rather_than_dropped() -> None:
    # The door's window closed before the re-plan: delivered late, not left on board.
    v = Vehicle("v", 0, None, capacity=(9.0,))
    late = Task(
        "t", (), Stop(3, windows=(TimeWindow(0.0, 5.0),)), (1.0,), skills=frozenset({"cold"})
    )
    p = problem([v], [late], locks=[VehicleLock("v", on_board=("t",))])
    s = solved(p)
    assert s.unassigned == ()
    assert s.routes[0].stops[0].lateness_s == pytest.approx(25.0)


def test_the_checker_rejects_undelivered_goods_whatever_the_reason() -> None:
    p = _overloaded()
    s = solved(p)
    for reason in UnassignedReason:
        dropped = dataclasses.replace(
            s,
            routes=tuple(r for r in s.routes if r.vehicle_id != "v"),
            unassigned=(UnassignedTask("t", reason, "said so"),),
        )
        kinds = {(v.kind, v.subject) for v in check(p, dropped).violations}
        assert ("on_board", "t") in kinds, reason


# --- the diagnosis keeps the deadline --------------------------------------------------


def test_the_diagnosis_stops_at_the_deadline() -> None:
    p = _valid()
    task = p.task("t7")
    started = time.perf_counter()
    late = diagnose(p, task, {}, {}, deadline=started - 1.0)
    assert late.reason is UnassignedReason.SEARCH_LIMIT
    assert "time limit" in late.detail
    # With time, the same task is diagnosed as usual.
    assert diagnose(p, task, {}, {}).reason is UnassignedReason.SEARCH_LIMIT
    assert "extra cost" in diagnose(p, task, {}, {}).detail
