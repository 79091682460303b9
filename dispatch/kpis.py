"""Key figures of a plan, from what each flow contributed, and the workload spread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dispatch.domain import FulfilmentMode, Order
from dispatch.flows.routing import FlowOutcome
from dispatch.plan import PlanKpis, PlannedRoute, StopAction, WorkloadSpread


def gini(values: Sequence[float]) -> float:
    """The Gini coefficient of non-negative values: the mean absolute difference over
    twice the mean (0 for no values or all zero)."""
    n = len(values)
    total = sum(values)
    if n == 0 or total <= 0:
        return 0.0
    ordered = sorted(values)
    # sum_i (2i - n - 1) x_(i) over n * sum x: the sorted form of the pair sum.
    weighted = sum((2 * (i + 1) - n - 1) * x for i, x in enumerate(ordered))
    return max(0.0, min(1.0, weighted / (n * total)))


def workload_spread(
    routes: Sequence[PlannedRoute], couriers_on_shift: Sequence[str]
) -> WorkloadSpread:
    """Orders delivered or visited and route hours per courier on shift (and per courier
    with a route), their minimum, maximum and Gini."""
    orders: dict[str, set[str]] = {c: set() for c in couriers_on_shift}
    hours: dict[str, float] = dict.fromkeys(couriers_on_shift, 0.0)
    for route in routes:
        done = orders.setdefault(route.courier_id, set())
        done.update(
            oid
            for stop in route.stops
            if stop.action is not StopAction.PICKUP
            for oid in stop.order_ids
        )
        hours[route.courier_id] = hours.get(route.courier_id, 0.0) + route.duration_s / 3600.0
    counts = [float(len(orders[c])) for c in sorted(orders)]
    spans = [hours[c] for c in sorted(hours)]
    return WorkloadSpread(
        couriers=len(counts),
        orders_min=min(counts, default=0.0),
        orders_max=max(counts, default=0.0),
        orders_gini=gini(counts),
        hours_min=min(spans, default=0.0),
        hours_max=max(spans, default=0.0),
        hours_gini=gini(spans),
    )


def plan_kpis(
    orders: Sequence[Order],
    outcomes: Mapping[FulfilmentMode, FlowOutcome],
    unplannable: Sequence[FulfilmentMode] = (),
    couriers_on_shift: Sequence[str] = (),
) -> PlanKpis:
    """Orders served and on time, distance, courier hours, cost per order, walking
    distance to pickup points and pickup-point utilisation (see :class:`PlanKpis`).

    ``unplannable``: the flow of each order of the batch that was not in ``orders``
    because it cannot be modelled (it counts in the totals, unassigned).
    ``couriers_on_shift``: ids of the couriers on shift at the plan time, for the
    workload spread (couriers with a route count too)."""
    served = sum(len(o.served) for o in outcomes.values())
    on_time = sum(len(o.on_time) for o in outcomes.values())
    routes = [r for o in outcomes.values() for r in o.routes]
    route_cost = sum(r.cost for r in routes)
    walks = [a.walk_m for o in outcomes.values() for a in o.assignments if a.walk_m is not None]
    utilisation = {
        point: share for o in outcomes.values() for point, share in o.utilisation.items()
    }
    total_by_flow = {f.value: 0 for f in FulfilmentMode}
    for order in orders:
        total_by_flow[order.mode.value] += 1
    for flow in unplannable:
        total_by_flow[flow.value] += 1
    total = len(orders) + len(unplannable)
    served_by_flow = {
        f.value: len(outcomes[f].served) if f in outcomes else 0 for f in FulfilmentMode
    }
    return PlanKpis(
        orders_total=total,
        orders_served=served,
        orders_unassigned=total - served,
        on_time_pct=100.0 * on_time / served if served else None,
        distance_km=sum(r.distance_m for r in routes) / 1000.0,
        courier_hours=sum(r.duration_s for r in routes) / 3600.0,
        route_cost=route_cost,
        cost_per_order=route_cost / served if served else None,
        mean_walk_m=sum(walks) / len(walks) if walks else None,
        pickup_utilisation=dict(sorted(utilisation.items())),
        served_by_flow=served_by_flow,
        total_by_flow=total_by_flow,
        workload=workload_spread(routes, couriers_on_shift),
    )
