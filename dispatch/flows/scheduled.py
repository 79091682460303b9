"""Scheduled slots (预约时段, 定时达): the handover starts inside the slot the member chose.

The slot is the order's ``promised`` window (required by :class:`dispatch.domain.Order`
for this mode); ``PlannerSettings.scheduled_max_lateness_s`` (0 by default: inside the
slot) allows soft lateness past its end.  Arriving early means waiting for the slot.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.flows.delivery import DeliveryPromise, route_deliveries
from dispatch.flows.routing import FlowOutcome, PlanContext
from dispatch.settings import PlannerSettings
from dispatch.world import World


def slot_promise(
    order: Order,
    world: World,  # noqa: ARG001 - one signature for every delivery flow
    settings: PlannerSettings,
) -> DeliveryPromise:
    """Inside the chosen slot."""
    assert order.promised is not None  # Order requires a slot for this mode
    return DeliveryPromise(order.promised_windows, settings.scheduled_max_lateness_s)


def plan_scheduled(
    orders: Sequence[Order], couriers: Sequence[Courier], ctx: PlanContext
) -> FlowOutcome:
    """Route scheduled orders with these couriers."""
    return route_deliveries(FulfilmentMode.SCHEDULED, orders, couriers, slot_promise, ctx)
