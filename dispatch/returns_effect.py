"""What returns cost the routes: the plan with returns against the plan without them.

``plan_with_returns_effect(planner, orders, returns, at_s=..., params=...) -> Plan``
plans the batch twice, with the returns and without, and writes the difference of
their route distances into ``plan.kpis.returns.km_added`` (kilometres; it can be a
little negative when the search finds a better plan for the larger batch).  The call's
``params.time_limit_s`` is its whole budget, half for each plan (:mod:`solvers.budget`);
with ``params.iterations`` both plans stop on a count and the figure is reproducible.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from dispatch.domain import Order
from dispatch.plan import Plan
from dispatch.planner import Planner
from dispatch.returns import ReturnRequest
from solvers import SolveParams
from solvers.budget import Budget


def plan_with_returns_effect(
    planner: Planner,
    orders: Sequence[Order],
    returns: Sequence[ReturnRequest],
    *,
    at_s: float,
    params: SolveParams | None = None,
) -> Plan:
    """The plan of ``orders`` and ``returns`` with ``kpis.returns.km_added`` filled in
    (the plan as :meth:`Planner.plan` makes it when there is no return).

    Raises:
        InvalidInputError: as :meth:`dispatch.Planner.plan`.
    """
    params = params or SolveParams()
    if not returns:
        return planner.plan(orders, at_s=at_s, params=params)
    halves = Budget.start(params.time_limit_s).shares([1.0, 1.0])
    with_returns = planner.plan(
        orders, at_s=at_s, params=next(halves).params(params), returns=returns
    )
    without = planner.plan(orders, at_s=at_s, params=next(halves).params(params))
    kpis = with_returns.kpis
    assert kpis.returns is not None  # a plan with returns has their figures
    added_km = kpis.distance_km - without.kpis.distance_km
    return dataclasses.replace(
        with_returns,
        kpis=dataclasses.replace(
            kpis, returns=dataclasses.replace(kpis.returns, km_added=added_km)
        ),
    )
