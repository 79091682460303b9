"""The shift model on its own: the target is covered (checked from the shifts alone),
shift lengths and opening hours hold, and it needs fewer hours than the naive staffing."""

from __future__ import annotations

import math

import pytest

from solvers.errors import InvalidInputError
from solvers.staffing import (
    Shift,
    Staffing,
    StaffingProblem,
    check_staffing,
    naive_staffing,
    solve_staffing,
)

# A day with a lunch and an evening peak, orders per hour.
DAY = (0, 0, 0, 0, 0, 0, 1, 3, 6, 5, 6, 12, 16, 10, 5, 4, 5, 9, 18, 20, 12, 6, 3, 1)


@pytest.mark.parametrize("target", [0.8, 0.95, 1.0])
def test_staffing_covers_the_target_with_fewer_hours_than_naive(target: float) -> None:
    problem = StaffingProblem(DAY, 4.0, target, min_shift_h=4, max_shift_h=8, open_h=6, close_h=24)
    staffing = solve_staffing(problem, time_limit_s=10.0)
    assert not staffing.run.fallback
    assert check_staffing(problem, staffing) == []
    assert staffing.served >= problem.target_orders - 1e-6
    naive = naive_staffing(problem)
    assert naive.courier_hours == math.ceil(20 / 4.0) * 18
    assert staffing.courier_hours < naive.courier_hours
    assert staffing.run.bound is not None and staffing.run.bound <= staffing.courier_hours


def test_checker_catches_short_shifts_and_missed_targets() -> None:
    problem = StaffingProblem(DAY, 4.0, 0.95, min_shift_h=4, max_shift_h=8, open_h=6, close_h=24)
    staffing = solve_staffing(problem, time_limit_s=10.0)
    short = Staffing((Shift(18, 2, 5),), (), (), staffing.run)
    problems = check_staffing(problem, short)
    assert any("allowed lengths" in m for m in problems)
    assert any("below the target" in m for m in problems)
    early = Staffing((Shift(2, 4, 1),), (), (), staffing.run)
    assert any("opening hours" in m for m in check_staffing(problem, early))


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InvalidInputError, match="orders_per_courier_hour"):
        StaffingProblem(DAY, 0.0)
    with pytest.raises(InvalidInputError, match="target_share"):
        StaffingProblem(DAY, 3.0, 1.5)
    with pytest.raises(InvalidInputError, match="open_h, close_h"):
        StaffingProblem(DAY, 3.0, open_h=20, close_h=10)
