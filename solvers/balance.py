"""The workload balance term of the objective (:class:`solvers.problem.Balance`).

``weight`` times the largest workload over the routes: tasks delivered on a route, or
its duration in hours.  The solution's cost carries it as ``CostBreakdown.balance``;
:mod:`solvers.checker` recomputes it on its own from the reported routes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from core.limits import MAX_MONEY
from solvers.problem import RoutingProblem
from solvers.solution import CostBreakdown, Route, StopKind


def route_workload(by: str, route: Route) -> float:
    """A route's workload: tasks delivered (``"tasks"``) or hours (``"hours"``)."""
    if by == "tasks":
        return float(sum(1 for stop in route.stops if stop.kind is StopKind.DELIVERY))
    return route.duration_s / 3600.0


def balance_cost(problem: RoutingProblem, routes: Sequence[Route]) -> CostBreakdown:
    """The balance term of these routes (zero without ``problem.balance``)."""
    balance = problem.balance
    if balance is None or not routes:
        return CostBreakdown()
    busiest = max(route_workload(balance.by, r) for r in routes)
    return CostBreakdown(balance=balance.weight * busiest)


# --- real13: drop penalties dominate the balance term ------------------------------------
def balance_saving_bound(problem: RoutingProblem) -> float:
    """The most the balance term can fall when one more task is left out, money: the
    weight times one task (``tasks``: the busiest route loses at most one), or times
    the longest route any vehicle may drive, in hours (``hours``: its shift or its
    ``max_duration_s``, whichever is shorter); 0 without a balance term."""
    balance = problem.balance
    if balance is None or balance.weight <= 0:
        return 0.0
    if balance.by == "tasks":
        return balance.weight
    longest_s = max(
        (
            min(v.shift.end_s - v.shift.start_s, v.max_duration_s or math.inf)
            for v in problem.vehicles
        ),
        default=0.0,
    )
    return min(MAX_MONEY, balance.weight * longest_s / 3600.0)


def with_dominant_penalties(problem: RoutingProblem) -> RoutingProblem:
    """``problem`` with every optional task's drop penalty raised by
    :func:`balance_saving_bound`, so that leaving a task out can never pay for itself
    through the balance term: a balanced plan serves every order the plan without the
    term would serve (on the same search), and trades only route cost for balance.
    Required tasks and problems without a balance term come back unchanged.  The
    raised penalties are the problem's own, so the evaluation, the OR-Tools model and
    the checker all price them alike."""
    extra = balance_saving_bound(problem)
    if extra <= 0:
        return problem
    tasks = tuple(
        task
        if task.drop_penalty is None
        else dataclasses.replace(task, drop_penalty=min(MAX_MONEY, task.drop_penalty + extra))
        for task in problem.tasks
    )
    return dataclasses.replace(problem, tasks=tasks)


# --- end real13 ---------------------------------------------------------------------------
