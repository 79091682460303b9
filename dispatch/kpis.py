"""Key figures of a plan, from what each flow contributed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dispatch.domain import FulfilmentMode, Order
from dispatch.flows.routing import FlowOutcome
from dispatch.plan import PlanKpis


def plan_kpis(
    orders: Sequence[Order],
    outcomes: Mapping[FulfilmentMode, FlowOutcome],
    unplannable: Sequence[FulfilmentMode] = (),
) -> PlanKpis:
    """Orders served and on time, distance, courier hours, cost per order, walking
    distance to pickup points and pickup-point utilisation (see :class:`PlanKpis`).

    ``unplannable``: the flow of each order of the batch that was not in ``orders``
    because it cannot be modelled (it counts in the totals, unassigned)."""
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
    )
