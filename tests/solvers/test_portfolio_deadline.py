"""The portfolio keeps the call's time limit: the backup member runs only in time the
call has left, and a lone PyVRP member leaves it a share (issue 18)."""

from __future__ import annotations

import time

import pytest

from solvers import RoutingProblem, SolveParams, portfolio, solve
from solvers.budget import Budget
from solvers.portfolio import Member, MemberAnswer, MemberKind
from solvers.problem import Stop, Task, Vehicle
from tests.solvers.helpers import problem
from tests.solvers.test_portfolio import ALL_ON_W, LINE

LIMIT_S = 1.0


def _line_problem() -> RoutingProblem:
    vans = [Vehicle("v", 0, 0, capacity=(2.0,)), Vehicle("w", 0, 0, capacity=(10.0,))]
    tasks = [Task(t, (), Stop(i + 1), demand=(1.0,)) for i, t in enumerate("abc")]
    return problem(vans, tasks, LINE)


def _members(calls: list[tuple[str, float]]) -> tuple[portfolio.Runner, portfolio.Runner]:
    """A PyVRP member that searches to its deadline and finds nothing, and an OR-Tools
    member that answers at once; both note (name, deadline) when called."""

    def pyvrp(
        p: RoutingProblem, params: SolveParams, member: Member, budget: Budget
    ) -> MemberAnswer:
        calls.append((member.name, budget.deadline_s))
        time.sleep(budget.remaining_s())
        return MemberAnswer(member, error="PyVRP found no feasible solution")

    def ortools(
        p: RoutingProblem, params: SolveParams, member: Member, budget: Budget
    ) -> MemberAnswer:
        calls.append((member.name, budget.deadline_s))
        return MemberAnswer(member, ALL_ON_W, 1)

    return pyvrp, ortools


def test_a_lone_pyvrp_member_leaves_the_backup_time_within_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, float]] = []
    pyvrp, ortools = _members(calls)
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.PYVRP, pyvrp)
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.ORTOOLS, ortools)
    started = time.perf_counter()
    s = solve(_line_problem(), SolveParams(time_limit_s=LIMIT_S, workers=1))
    elapsed = time.perf_counter() - started
    assert [name for name, _ in calls] == ["pyvrp:0", "ortools:0"]
    assert calls[0][1] < calls[1][1] - 0.5 * portfolio.BACKUP_SHARE * LIMIT_S
    assert s.stats.member == "ortools:0"
    assert not s.unassigned
    assert elapsed < LIMIT_S + 0.3


def test_no_backup_member_starts_after_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first member used all the time (no share kept): the call ends at its limit,
    with no answer, rather than starting the backup member late."""
    calls: list[tuple[str, float]] = []
    pyvrp, ortools = _members(calls)
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.PYVRP, pyvrp)
    monkeypatch.setitem(portfolio.RUNNERS, MemberKind.ORTOOLS, ortools)
    monkeypatch.setattr(portfolio, "BACKUP_SHARE", 0.0)
    started = time.perf_counter()
    s = solve(_line_problem(), SolveParams(time_limit_s=LIMIT_S, workers=1))
    elapsed = time.perf_counter() - started
    assert [name for name, _ in calls] == ["pyvrp:0"]
    assert s.stats.member == ""
    assert elapsed < LIMIT_S + 0.3
