"""What returns cost the routes: the plan with returns against the plan without them.

``plan_with_returns_effect(planner, orders, returns, at_s=..., params=...) -> Plan``
plans the batch twice, with the returns and without, and writes the kilometres the
returns add into ``plan.kpis.returns.km_added``: the plan's route distance less the
shorter of the plan without returns and the plan itself with its return stops taken
out (the same routes skipping them: a plan of the orders alone, which a time-bounded
search on the smaller batch does not always beat), so search noise cannot make
returns look free or negative.  The call's
``params.time_limit_s`` is its whole budget, half for each plan (:mod:`solvers.budget`);
with ``params.iterations`` both plans stop on a count and the figure is reproducible.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from dispatch.domain import Order
from dispatch.plan import Plan
from dispatch.planner import Planner
from dispatch.returns import TASK_PREFIX, ReturnRequest
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
    baseline_km = min(without.kpis.distance_km, without_return_stops_km(with_returns))
    added_km = kpis.distance_km - baseline_km
    return dataclasses.replace(
        with_returns,
        kpis=dataclasses.replace(
            kpis, returns=dataclasses.replace(kpis.returns, km_added=added_km)
        ),
    )


def without_return_stops_km(plan: Plan) -> float:
    """The plan's route distance (km) with every return stop skipped, each route
    otherwise as planned (from its start, back to its end if it has one)."""
    returns = {TASK_PREFIX + r.return_id for r in plan.returns}
    total_m = 0.0
    for run in plan.routing_runs:
        problem = run.problem
        vehicles = {v.id: v for v in problem.vehicles}
        for route in run.solution.routes:
            vehicle = vehicles[route.vehicle_id]
            distance = problem.matrices[vehicle.profile].distance_m
            here = vehicle.start
            for stop in route.stops:
                if stop.task_id in returns:
                    continue
                task = problem.task(stop.task_id)
                place = (
                    task.pickups[stop.stop_index]
                    if stop.stop_index < len(task.pickups)
                    else task.delivery
                ).location
                total_m += float(distance[here, place])
                here = place
            if vehicle.end is not None and (route.stops or here != vehicle.start):
                total_m += float(distance[here, vehicle.end])
    return total_m / 1000.0
