"""The budget rule: parts in turn get the time left in proportion to their weight."""

from __future__ import annotations

import sys
import time

import pytest

from solvers import InvalidInputError, SolveParams, portfolio
from solvers.budget import MIN_PART_S, Budget
from solvers.params import DEFAULT_TIME_LIMIT_S
from solvers.problem import Stop, Task, Vehicle
from tests.solvers.helpers import problem


class FakeClock:
    """A perf_counter that moves only when told."""

    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("solvers.budget.perf_counter", fake)
    return fake


def test_parts_share_the_time_left_by_weight_and_the_last_gets_the_rest(clock: FakeClock) -> None:
    budget = Budget.start(10.0)
    first = budget.part(2, 5)  # 2 of 5 orders: 4 s
    assert first.remaining_s() == pytest.approx(4.0)
    clock.now_s += 1.0  # the first part ends 3 s early: its time goes on
    second = budget.part(2, 3)  # 9 s left, 2 of 3 orders: 6 s
    assert second.remaining_s() == pytest.approx(6.0)
    clock.now_s += 6.0
    last = budget.part(1, 1)
    assert last.remaining_s() == pytest.approx(3.0)
    assert last.deadline_s == pytest.approx(budget.deadline_s)


def test_shares_are_cut_when_asked_for(clock: FakeClock) -> None:
    parts = Budget.start(12.0).shares([1.0, 2.0, 3.0])
    assert next(parts).remaining_s() == pytest.approx(2.0)  # 1 of 6
    clock.now_s += 0.5  # the first part leaves 1.5 s: 11.5 s left for weights 2 and 3
    assert next(parts).remaining_s() == pytest.approx(11.5 * 2 / 5)
    clock.now_s += 11.5 * 2 / 5
    assert next(parts).remaining_s() == pytest.approx(11.5 * 3 / 5)  # the rest
    with pytest.raises(StopIteration):
        next(parts)
    # Weights whose running difference drifts in float arithmetic (the sum less 1 and 5
    # is 0.5999999999999996 < 0.1 * 6) still give the last part all that is left.
    drifting = list(Budget.start(1.0).shares([1, 5, 0.1 * 6]))
    assert drifting[-1].remaining_s() == pytest.approx(1.0)


def test_a_part_never_ends_after_its_parent_unless_at_the_floor(clock: FakeClock) -> None:
    budget = Budget.start(1.0)
    for weight_left in (10.0, 3.0, 1.0):
        assert budget.part(1.0, weight_left).deadline_s <= budget.deadline_s
    clock.now_s += 5.0  # spent: a part still gets the floor a solver needs to return
    assert budget.remaining_s() == 0.0
    assert budget.part(1.0, 1.0).remaining_s() == pytest.approx(MIN_PART_S)
    assert budget.params(SolveParams(time_limit_s=9.0)).time_limit_s == pytest.approx(MIN_PART_S)


def test_params_carry_the_time_left_and_keep_the_rest(clock: FakeClock) -> None:
    budget = Budget.start(3.0)
    clock.now_s += 1.0
    params = budget.params(SolveParams(time_limit_s=3.0, seed=4, workers=1, iterations=7))
    assert params == SolveParams(time_limit_s=2.0, seed=4, workers=1, iterations=7)


def test_a_weightless_call_and_bad_weights(clock: FakeClock) -> None:
    budget = Budget.start(2.0)
    assert budget.part(0, 0).remaining_s() == pytest.approx(2.0)
    with pytest.raises(InvalidInputError, match="weight"):
        budget.part(3, 2)
    with pytest.raises(InvalidInputError, match="weight"):
        budget.part(-1, 2)
    for bad in (0.0, -1.0, float("inf"), float("nan"), True):
        with pytest.raises(InvalidInputError, match="time_limit_s"):
            Budget.start(bad)


def test_one_default_and_the_iterations_rule_is_validated() -> None:
    assert SolveParams().time_limit_s == DEFAULT_TIME_LIMIT_S
    assert SolveParams(iterations=5).iterations == 5
    for bad in (0, -3, 2.5, True):
        with pytest.raises(InvalidInputError, match=r"SolveParams\.iterations"):
            SolveParams(iterations=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"SolveParams\.time_limit_s"):
        SolveParams(time_limit_s=True)


def test_the_search_inside_a_solve_ends_before_the_solve_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    solve_module = sys.modules["solvers.solve"]  # the package's `solve` is the function
    seen: list[float] = []
    real = portfolio.run_portfolio

    def recording(p: object, params: SolveParams, budget: Budget, post_s: float) -> object:
        seen.append(budget.deadline_s)
        return real(p, params, budget, post_s)  # type: ignore[arg-type]

    monkeypatch.setattr(solve_module, "run_portfolio", recording)
    # search18c: without the own search (its stop moves make the pass redundant).
    monkeypatch.setattr(solve_module, "own_search_expected", lambda _p: False)
    single = Task("t", (Stop(0),), Stop(1), demand=(1.0,))
    basket = Task("b", (Stop(1), Stop(2)), Stop(3), demand=(1.0,))
    shares = []
    for task in (single, basket):
        p = problem([Vehicle("v", start=0, end=0, capacity=(5.0,))], [task])
        started = time.perf_counter()
        solution = solve_module.solve(p, SolveParams(time_limit_s=0.4, workers=1))
        assert len(solution.routes) == 1
        # The search leaves the passes after it their share of the budget.
        assert started < seen[-1] < started + 0.4
        shares.append((seen[-1] - started) / 0.4)
    # About 1 / 1.05 and 1 / 1.15: the stop-level pass of multi-pickup routes gets more.
    assert shares[1] < shares[0]
    # With the own search expected the basket's search gets the single task's share.
    monkeypatch.setattr(solve_module, "own_search_expected", lambda _p: True)
    p = problem([Vehicle("v", start=0, end=0, capacity=(5.0,))], [basket])
    started = time.perf_counter()
    solve_module.solve(p, SolveParams(time_limit_s=0.4, workers=1))
    assert (seen[-1] - started) / 0.4 > 1 / 1.1
