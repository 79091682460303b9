"""A plan's figures as rows for people: per flow, overall, per route, and the unassigned
orders.

Pure functions returning strings (clock times as ``"HH:MM"``); ``cli.py`` renders them
as console tables and :mod:`dispatch.viewer` as HTML tables.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from dispatch.clock import format_hhmm
from dispatch.domain import FulfilmentMode
from dispatch.plan import HANDOVER_ACTIONS, Plan, PlannedRoute
from dispatch.world import World

#: Column headers of :func:`flow_rows`.
FLOW_HEADERS = ("flow", "orders", "served", "unassigned", "routes", "km", "on time")
_LATE_EPS_S = 1e-6


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "-"


def late_order_ids(plan: Plan) -> frozenset[str]:
    """Served orders handed over (or visited) after their promise."""
    late: set[str] = set()
    for route in plan.routes:
        if route.flow is FulfilmentMode.NEXT_DAY_PICKUP:
            continue  # trunk deliveries are due by the point's opening (hard)
        for stop in route.stops:
            if stop.action in HANDOVER_ACTIONS and stop.lateness_s > _LATE_EPS_S:
                late.update(stop.order_ids)
    return frozenset(late)


def flow_rows(plan: Plan) -> tuple[tuple[str, ...], ...]:
    """One row per fulfilment flow and a total row, columns :data:`FLOW_HEADERS`."""
    kpis = plan.kpis
    late = late_order_ids(plan)
    late_by_flow: Counter[str] = Counter()
    for route in plan.routes:
        for stop in route.stops:
            if stop.action in HANDOVER_ACTIONS:
                late_by_flow[route.flow.value] += sum(1 for oid in stop.order_ids if oid in late)
    rows: list[tuple[str, ...]] = []
    distance_total_m = 0.0
    for flow in FulfilmentMode:
        name = flow.value
        total = kpis.total_by_flow.get(name, 0)
        served = kpis.served_by_flow.get(name, 0)
        routes = [r for r in plan.routes if r.flow is flow]
        distance_m = sum(r.distance_m for r in routes)
        rows.append(
            (
                name,
                str(total),
                str(served),
                str(total - served),
                str(len(routes)),
                f"{distance_m / 1000.0:.1f}",
                _pct(served - late_by_flow[name], served),
            )
        )
        distance_total_m += distance_m
    rows.append(
        (
            "all flows",
            str(kpis.orders_total),
            str(kpis.orders_served),
            str(kpis.orders_unassigned),
            str(len(plan.routes)),
            f"{distance_total_m / 1000.0:.1f}",
            f"{kpis.on_time_pct:.0f}%" if kpis.on_time_pct is not None else "-",
        )
    )
    return tuple(rows)


def kpi_rows(plan: Plan) -> tuple[tuple[str, str], ...]:
    """Overall key figures as (label, value) rows."""
    k = plan.kpis
    utilisation = list(k.pickup_utilisation.values())
    gmv = sum((c.fulfilled_gmv for c in plan.commissions), Decimal("0"))
    commission = sum((c.commission for c in plan.commissions), Decimal("0"))
    reasons = Counter(u.reason.value for u in plan.unassigned)
    rows: list[tuple[str, str]] = [
        (
            "orders served",
            f"{k.orders_served} / {k.orders_total} ({_pct(k.orders_served, k.orders_total)})",
        ),
        ("on time", f"{k.on_time_pct:.1f}%" if k.on_time_pct is not None else "-"),
        ("routes", str(len(plan.routes))),
        ("distance", f"{k.distance_km:.1f} km"),
        ("courier hours", f"{k.courier_hours:.1f} h"),
        ("route cost", f"¥{k.route_cost:,.2f}"),
        ("cost per order", f"¥{k.cost_per_order:,.2f}" if k.cost_per_order is not None else "-"),
        (
            "mean walk to pickup point",
            f"{k.mean_walk_m:.0f} m" if k.mean_walk_m is not None else "-",
        ),
        (
            "pickup points used",
            f"{len(utilisation)}, utilisation mean {_mean_pct(utilisation)}, "
            f"max {max(utilisation) * 100:.1f}%"
            if utilisation
            else "0",
        ),
        ("leader commissions", f"¥{commission:,.2f} on GMV ¥{gmv:,.2f}"),
        (
            "unassigned by reason",
            ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())) or "none",
        ),
        *return_rows(plan),
    ]
    return tuple(rows)


def return_rows(plan: Plan) -> tuple[tuple[str, str], ...]:
    """The returns' figures as (label, value) rows (none without returns)."""
    r = plan.kpis.returns
    if r is None:
        return ()
    reasons = Counter(p.reason for p in plan.returns if p.reason is not None)
    return (
        (
            "returns collected",
            f"{r.returns_collected} / {r.returns_total}, on time {r.returns_on_time} "
            f"({_pct(r.returns_on_time, r.returns_total)})",
        ),
        ("km added by returns", f"{r.km_added:.1f} km" if r.km_added is not None else "-"),
        (
            "returns not collected",
            ", ".join(f"{k} {n}" for k, n in sorted(reasons.items())) or "none",
        ),
    )


def _mean_pct(values: list[float]) -> str:
    return f"{100.0 * sum(values) / len(values):.1f}%"


def unassigned_rows(plan: Plan, limit: int = 10) -> tuple[tuple[str, str, str, str], ...]:
    """The first ``limit`` unassigned orders as (order, flow, reason, detail)."""
    return tuple(
        (u.order_id, u.flow.value, u.reason.value, u.detail) for u in plan.unassigned[:limit]
    )


#: Column headers of :func:`route_rows`.
#: ``late``: stops served after their promise.
ROUTE_HEADERS = ("courier", "flow", "stops", "start", "end", "km", "load kg", "late")


def late_stops(route: PlannedRoute) -> int:
    """Stops of the route whose service starts after their promise."""
    return sum(
        1
        for stop in route.stops
        if stop.action in HANDOVER_ACTIONS and stop.lateness_s > _LATE_EPS_S
    )


def _load(route: PlannedRoute, capacity_kg: float | None) -> str:
    """The most the courier carries at once, kg, over their capacity when it is known."""
    peak_kg = max((stop.load_kg for stop in route.stops), default=0.0)
    if capacity_kg is None:
        return f"{peak_kg:.1f}"
    return f"{peak_kg:.1f}/{capacity_kg:g}"


def route_rows(plan: Plan, world: World | None = None) -> tuple[tuple[str, ...], ...]:
    """One row per route in plan order, columns :data:`ROUTE_HEADERS`.

    ``start`` is the departure from the courier's start position and ``end`` the end of
    the route, as ``"HH:MM"``; ``load kg`` is the peak load on board, over the courier's
    capacity (``"12.3/30"``) when ``world`` (the world the plan was made in) is given.
    """
    capacity_kg = {c.id: c.capacity_kg for c in world.couriers} if world is not None else {}
    return tuple(
        (
            route.courier_id,
            route.flow.value,
            str(len(route.stops)),
            format_hhmm(route.start_s),
            format_hhmm(route.end_s),
            f"{route.distance_m / 1000.0:.1f}",
            _load(route, capacity_kg.get(route.courier_id)),
            str(late_stops(route)),
        )
        for route in plan.routes
    )
