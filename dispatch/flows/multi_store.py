"""Multi-store orders (B2C+O2O): a pickup at every store of the basket, then the resident.

All-or-nothing on one courier, the shops back to back (see
:mod:`solvers.tours`), every pickup before the delivery, and at most the ride
time of the order's most delicate temperature class from the first pickup to the door
(``PlannerSettings.max_ride_s_by_temperature``).  Due by creation +
``multi_store_promise_s`` (or the order's own windows), soft up to ``max_lateness_s``.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.flows.delivery import DeliveryPromise, route_deliveries
from dispatch.flows.routing import FlowOutcome, PlanContext
from dispatch.settings import PlannerSettings
from dispatch.world import World
from solvers.problem import TimeWindow


def multi_store_promise(
    order: Order,
    world: World,  # noqa: ARG001 - one signature for every delivery flow
    settings: PlannerSettings,
) -> DeliveryPromise:
    """Due by creation + the multi-store promise (or the order's own windows)."""
    if order.promised is not None:
        return DeliveryPromise(order.promised_windows, settings.max_lateness_s)
    window = TimeWindow(
        order.created_at_s,
        order.created_at_s + settings.multi_store_promise_s,
        f"order {order.id!r}: promise",
    )
    return DeliveryPromise((window,), settings.max_lateness_s)


def plan_multi_store(
    orders: Sequence[Order], couriers: Sequence[Courier], ctx: PlanContext
) -> FlowOutcome:
    """Route multi-store orders with these couriers."""
    return route_deliveries(FulfilmentMode.MULTI_STORE, orders, couriers, multi_store_promise, ctx)
