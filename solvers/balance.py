"""The workload balance term of the objective (:class:`solvers.problem.Balance`).

``weight`` times the largest workload over the routes: tasks delivered on a route, or
its duration in hours.  The solution's cost carries it as ``CostBreakdown.balance``;
:mod:`solvers.checker` recomputes it on its own from the reported routes.
"""

from __future__ import annotations

from collections.abc import Sequence

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
