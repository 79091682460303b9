"""Scheduled slots end to end: the handover starts inside the chosen slot."""

from __future__ import annotations

import pytest

from dispatch import (
    FulfilmentMode,
    Member,
    Order,
    Planner,
    PlannerSettings,
    StopAction,
    TimeWindow,
    UnassignedOrderReason,
    World,
)
from tests.dispatch.helpers import FAST, H, building, check_plan, courier, line, warehouse

T0 = 10 * H
SCHEDULED = FulfilmentMode.SCHEDULED


def world() -> World:
    return World(
        buildings=(building("b1", 1000), building("b2", 3000), building("b30", 30000)),
        micro_warehouses=(warehouse("mw", 0),),
        couriers=(courier("c1", 0),),
        members=(Member("m1"),),
        detour_factor=1.0,
    )


def slot_order(oid: str, building_id: str, start_h: float, end_h: float) -> Order:
    return Order(
        oid,
        "m1",
        T0,
        (line("mw", "veg"),),
        SCHEDULED,
        building_id=building_id,
        promised=TimeWindow(start_h * H, end_h * H),
    )


def test_handovers_start_inside_their_slots() -> None:
    planner = Planner(world())
    orders = [slot_order("s1", "b1", 18, 18.5), slot_order("s2", "b2", 12, 12.5)]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    assert plan.served_order_ids() == {"s1", "s2"}
    slots = {o.id: o.promised for o in orders}
    for route in plan.routes:
        for stop in route.stops:
            if stop.action is StopAction.DELIVER:
                slot = slots[stop.order_ids[0]]
                assert slot is not None
                assert slot.start_s <= stop.start_s <= slot.end_s
                assert stop.lateness_s == 0.0
    assert plan.kpis.on_time_pct == 100.0


def test_unreachable_slot_is_unassigned_with_time_window() -> None:
    # 30 km at 5 m/s is 6000 s: ready 10:03 + 60 s + 6000 s > 11:30.
    planner = Planner(world())
    orders = [slot_order("s1", "b30", 11, 11.5)]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    (u,) = plan.unassigned
    assert u.reason is UnassignedOrderReason.TIME_WINDOW


def test_soft_slot_lateness_is_a_setting() -> None:
    # The same order, with up to 30 min of lateness allowed: 10:03 + 60 s + 6000 s = 11:44.
    planner = Planner(world(), PlannerSettings(scheduled_max_lateness_s=1800.0))
    orders = [slot_order("s1", "b30", 11, 11.5)]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    drop = plan.routes[0].stops[-1]
    assert drop.lateness_s == pytest.approx(180 + 60 + 6000 - 5400)
    assert plan.kpis.on_time_pct == 0.0
