"""real13: each promised window soft or hard (``TimeWindow.hard``, ``Stop.soft_window``).

A soft window lets service start after its end, up to the stop's ``max_lateness_s``,
at its lateness cost; a hard one does not.  Without flags only the last window is soft.
The OR-Tools model, the exact evaluation and the independent checker agree.

Geometry: locations on a line (``tests.solvers.helpers``), distance = duration = |dx|.
"""

from __future__ import annotations

import dataclasses

import pytest

from solvers import ViolationKind, check, solve
from solvers.evaluate import service_start
from solvers.problem import RoutingProblem, Stop, Task, TimeWindow, Vehicle
from solvers.pyvrp_member import pyvrp_support
from solvers.rr.search import supports
from solvers.solution import StopKind
from tests.solvers.helpers import FAST, line_matrices, solved

LATE_S = 60.0


def _door(first_hard: bool | None, last_hard: bool | None = None) -> Stop:
    """A door 120 m away with a window closing at 100 s and one opening at 1,000 s."""
    return Stop(
        1,
        service_s=10.0,
        windows=(TimeWindow(0, 100, hard=first_hard), TimeWindow(1000, 1100, hard=last_hard)),
        max_lateness_s=LATE_S,
        lateness_cost_per_s=0.5,
    )


def _problem(door: Stop, shift_end_s: float = 600.0) -> RoutingProblem:
    van = Vehicle("v", 0, None, shift=TimeWindow(0, shift_end_s), capacity=(5.0,))
    task = Task("t", (), door, demand=(1.0,), drop_penalty=1000.0)
    return RoutingProblem((van,), (task,), line_matrices((0, 120)))


def test_which_windows_are_soft() -> None:
    default = _door(None)
    assert [default.soft_window(i) for i in range(2)] == [False, True]
    assert default.default_softness
    flagged = _door(False, True)
    assert [flagged.soft_window(i) for i in range(2)] == [True, False]
    assert [flagged.allowance_s(i) for i in range(2)] == [LATE_S, 0.0]
    assert flagged.latest_s == 1100 and not flagged.default_softness
    with pytest.raises(Exception, match="hard"):
        TimeWindow(0, 1, "order 'o': promised", hard="yes")  # type: ignore[arg-type]


def test_service_start_serves_late_after_a_soft_window_rather_than_wait() -> None:
    assert service_start(_door(None), 120.0) == (1000.0, 0.0, 0.0)  # hard: waits
    assert service_start(_door(False), 120.0) == (120.0, 20.0, LATE_S)  # soft: late now
    assert service_start(_door(False), 200.0) == (1000.0, 0.0, 0.0)  # past the allowance
    assert service_start(_door(None), 1130.0) == (1130.0, 30.0, LATE_S)  # last soft
    assert service_start(_door(None, True), 1130.0) == (1130.0, 30.0, 0.0)  # last hard


def test_a_soft_first_window_is_used_late_within_the_shift() -> None:
    # The shift ends at 600 s: waiting for the 1,000 s window is impossible.
    hard = solve(_problem(_door(None)), FAST)
    assert [u.task_id for u in hard.unassigned] == ["t"]
    soft = _problem(_door(False))
    solution = solved(soft)
    (route,) = solution.routes
    door = next(s for s in route.stops if s.kind is StopKind.DELIVERY)
    assert door.start_s == pytest.approx(120.0) and door.lateness_s == pytest.approx(20.0)
    assert solution.cost.lateness == pytest.approx(20.0 * 0.5)


def test_a_hard_last_window_allows_no_lateness() -> None:
    # The door is 1,130 m away: it cannot be reached before 1,100 s.
    def far(last_hard: bool | None) -> RoutingProblem:
        p = _problem(_door(None, last_hard), shift_end_s=5000.0)
        return dataclasses.replace(p, matrices=line_matrices((0, 1130)))

    soft = solved(far(None))
    assert not soft.unassigned and soft.cost.lateness == pytest.approx(30.0 * 0.5)
    hard = solve(far(True), FAST)
    assert [u.task_id for u in hard.unassigned] == ["t"]
    # The checker judges the flags on its own: the late plan breaks the hard window.
    kinds = {v.kind for v in check(far(True), soft).violations}
    assert ViolationKind.TIME_WINDOW in kinds


def test_the_checker_catches_lateness_after_a_hard_first_window() -> None:
    late = solved(_problem(_door(False)))
    kinds = {v.kind for v in check(_problem(_door(None)), late).violations}
    assert ViolationKind.TIME_WINDOW in kinds


def test_the_own_search_and_pyvrp_leave_flagged_windows_to_or_tools() -> None:
    assert supports(_problem(_door(None)))
    assert not supports(_problem(_door(False)))
    assert pyvrp_support(_problem(_door(False))) is not None
