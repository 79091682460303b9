"""Instant delivery (即时配送): from a micro-warehouse (or a store) to a building, on a promise.

The promise runs from the order's creation: the micro-warehouse's ``promise_s`` (30
minutes by default) when the order comes from one, else
``PlannerSettings.instant_promise_s``; an order carrying its own ``promised`` window
uses that.  Lateness is soft, at ``lateness_cost_per_s``, up to the hard cap
``max_lateness_s``.  E-bike couriers ride open routes (they end at their last drop).
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.flows.delivery import DeliveryPromise, route_deliveries, single_micro_warehouse
from dispatch.flows.routing import FlowOutcome, PlanContext
from dispatch.settings import PlannerSettings
from dispatch.world import World
from solvers.problem import TimeWindow


def instant_promise(order: Order, world: World, settings: PlannerSettings) -> DeliveryPromise:
    """Due by creation + promise (or the order's own windows), soft up to the cap."""
    if order.promised is not None:
        return DeliveryPromise(order.promised_windows, settings.max_lateness_s)
    warehouse = single_micro_warehouse(order, world)
    promise_s = warehouse.promise_s if warehouse is not None else settings.instant_promise_s
    window = TimeWindow(
        order.created_at_s, order.created_at_s + promise_s, f"order {order.id!r}: promise"
    )
    return DeliveryPromise((window,), settings.max_lateness_s)


def plan_instant(
    orders: Sequence[Order], couriers: Sequence[Courier], ctx: PlanContext
) -> FlowOutcome:
    """Route instant orders with these couriers."""
    return route_deliveries(FulfilmentMode.INSTANT, orders, couriers, instant_promise, ctx)
