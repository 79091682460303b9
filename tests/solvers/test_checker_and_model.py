"""The checker finds every kind of violation; the model refuses bad input by name."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from solvers import InvalidInputError, RoutingProblem, TravelMatrices, check
from solvers.problem import Stop, Task, TimeWindow, Vehicle, VehicleLock
from solvers.solution import (
    CostBreakdown,
    Route,
    RouteStop,
    RoutingSolution,
    SolveStats,
    SolveStatus,
    StopKind,
)
from tests.solvers.helpers import line_matrices, problem

STATS = SolveStats(SolveStatus.SOLVED, 0.0, 0, 0, 1, 0)
V = Vehicle("v1", 0, 0, capacity=(10.0,), cost_per_km=1000.0)
A = Task("a", (Stop(0),), Stop(1, windows=(TimeWindow(0, 50),)), demand=(6.0,))
B = Task("b", (Stop(0),), Stop(2), demand=(6.0,))


def stop(task: str, index: int, loc: int, t: float, load: float) -> RouteStop:
    kind = StopKind.DELIVERY if index == 1 else StopKind.PICKUP
    return RouteStop(task, index, kind, loc, t, t, t, (load,))


def good() -> tuple[RoutingProblem, RoutingSolution]:
    p = problem([V], [A, B])
    route = Route(
        "v1",
        0.0,
        (
            stop("a", 0, 0, 0, 6),
            stop("a", 1, 1, 10, 0),
            stop("b", 0, 0, 20, 6),
            stop("b", 1, 2, 40, 0),
        ),
        60.0,
        60.0,
        60.0,
        CostBreakdown(distance=60.0),
    )
    return p, RoutingSolution((route,), (), CostBreakdown(distance=60.0), STATS)


def kinds(p: RoutingProblem, s: RoutingSolution) -> set[str]:
    return {v.kind for v in check(p, s).violations}


def test_a_correct_hand_solution_passes_with_the_exact_cost() -> None:
    p, s = good()
    report = check(p, s)
    assert report.ok, report.violations
    assert report.cost.total == 60.0


def test_capacity_overflow_is_found() -> None:
    p, s = good()
    stops = (
        stop("a", 0, 0, 0, 6),
        stop("b", 0, 0, 0, 12),
        stop("a", 1, 1, 10, 6),
        stop("b", 1, 2, 20, 0),
    )
    bad = dataclasses.replace(
        s,
        routes=(Route("v1", 0.0, stops, 40.0, 40.0, 40.0, CostBreakdown(distance=40.0)),),
        cost=CostBreakdown(distance=40.0),
    )
    assert kinds(p, bad) == {"capacity"}


def test_precedence_partial_duplicate_and_coverage() -> None:
    p, s = good()
    swapped = (
        stop("a", 1, 1, 10, -6),
        stop("a", 0, 0, 20, 0),
        stop("b", 0, 0, 20, 6),
        stop("b", 1, 2, 40, 0),
    )
    found = kinds(
        p, dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=swapped),))
    )
    assert "precedence" in found
    partial = s.routes[0].stops[:3]
    found = kinds(
        p, dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=partial),))
    )
    assert "partial_task" in found
    twice = (*s.routes[0].stops, stop("b", 1, 2, 60, 0))
    found = kinds(
        p, dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=twice),))
    )
    assert "duplicate_stop" in found
    nothing = RoutingSolution((), (), CostBreakdown(), STATS)
    assert kinds(p, nothing) == {"coverage"}


def test_time_window_reported_times_and_cost_are_recomputed() -> None:
    p, s = good()
    late = dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], start_s=45.0),))
    assert "time_window" in kinds(p, late)  # arrives at a's stop at 55 > 50
    wrong_time = list(s.routes[0].stops)
    wrong_time[1] = dataclasses.replace(wrong_time[1], arrival_s=11.0)
    found = kinds(
        p,
        dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=tuple(wrong_time)),)),
    )
    assert found == {"reported"}
    assert kinds(p, dataclasses.replace(s, cost=CostBreakdown(distance=59.0))) == {"cost"}


def test_split_task_locks_and_pins() -> None:
    v2 = dataclasses.replace(V, id="v2")
    p = problem([V, v2], [A], pinned={"a": "v2"})
    split = RoutingSolution(
        (
            Route("v1", 0.0, (stop("a", 0, 0, 0, 6),), 0.0, 0.0, 0.0, CostBreakdown()),
            Route(
                "v2",
                0.0,
                (stop("a", 1, 1, 10, -6),),
                20.0,
                20.0,
                20.0,
                CostBreakdown(distance=20.0),
            ),
        ),
        (),
        CostBreakdown(distance=20.0),
        STATS,
    )
    assert {"split_task", "pinned"} <= kinds(p, split)
    locked = problem([V, v2], [A], locks=[VehicleLock("v2", on_board=("a",))])
    wrong_vehicle = RoutingSolution(
        (
            Route(
                "v1",
                0.0,
                (stop("a", 1, 1, 10, -6),),
                20.0,
                20.0,
                20.0,
                CostBreakdown(distance=20.0),
            ),
        ),
        (),
        CostBreakdown(distance=20.0),
        STATS,
    )
    assert "on_board" in kinds(locked, wrong_vehicle)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: TimeWindow(10, 5), r"TimeWindow: start_s must be <= end_s, got 10 > 5"),
        (
            lambda: Task("t", (Stop(0),), Stop(1), demand=(-1.0,)),
            r"Task 't': demand\[0\]: must be a finite number in \[0, 1e\+09\]",
        ),
        (
            lambda: Task("t", (Stop(0, service_s=-1),), Stop(1)),
            r"Task 't' pickup 0: service_s: must be >= 0",
        ),
        (
            lambda: problem([V], [Task("t", (Stop(0),), Stop(9), demand=(1.0,))]),
            r"Task 't' delivery: location: location 9 is not in \[0, 4\)",
        ),
        (
            lambda: problem([Vehicle("v", 7, capacity=(1.0,))], []),
            r"Vehicle 'v': start: location 7",
        ),
        (
            lambda: TravelMatrices(np.array([[0.0, math.nan], [1.0, 0.0]]), np.zeros((2, 2))),
            r"TravelMatrices.distance_m: must not contain NaN",
        ),
        (
            lambda: TravelMatrices(np.zeros((2, 3)), np.zeros((2, 3))),
            r"must be a square 2-D matrix, got shape \(2, 3\)",
        ),
        (
            lambda: RoutingProblem((V,), (A, A), line_matrices([0, 1, 2])),
            r"Task 'a': id must be unique",
        ),
        (
            lambda: RoutingProblem(
                (dataclasses.replace(V, profile="bike"),), (), line_matrices([0, 1])
            ),
            r"Vehicle 'v1': profile: must be one of \['default'\]",
        ),
        (
            lambda: problem([V], [A], locks=[VehicleLock("ghost")]),
            r"VehicleLock 'ghost': names an unknown vehicle",
        ),
        (
            lambda: problem([V], [A], pinned={"a": "ghost"}),
            r"pinned\['a'\]: names an unknown vehicle",
        ),
        (
            lambda: problem([V], [Task("t", (Stop(0),), Stop(1), demand=(1.0, 2.0))]),
            r"capacity and demand vectors must have one length",
        ),
    ],
)
def test_bad_input_names_the_field_and_rule(build: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        build()  # type: ignore[operator]
