"""Instant delivery end to end on a line: promises, soft lateness with a cap, paid priority.

A micro-warehouse at 0 m (picking 180 s, promise 30 min), buildings north of it, e-bike
couriers at 5 m/s; the plan is made at 10:00 when the orders are created.
"""

from __future__ import annotations

import pytest

from dispatch import (
    FulfilmentMode,
    Member,
    MemberTier,
    Order,
    Planner,
    StopAction,
    TimeWindow,
    UnassignedOrderReason,
    World,
)
from dispatch.domain import Courier
from tests.dispatch.helpers import FAST, H, building, check_plan, courier, line, warehouse

T0 = 10 * H
INSTANT = FulfilmentMode.INSTANT


def world(*couriers: Courier) -> World:
    return World(
        buildings=(
            building("b1", 1000),
            building("b2", 2000),
            building("b9", 9000),
            building("b14", 14000),
        ),
        micro_warehouses=(warehouse("mw", 0),),
        couriers=couriers,
        members=(Member("reg"), Member("vip", MemberTier.PAID)),
        detour_factor=1.0,
    )


def instant(oid: str, building_id: str, member: str = "reg", kg: float = 0.5) -> Order:
    return Order(
        oid, member, T0, (line("mw", "milk", weight_kg=kg),), INSTANT, building_id=building_id
    )


def test_two_orders_one_courier_exact_schedule() -> None:
    planner = Planner(world(courier("c1", 0)))
    orders = [instant("i1", "b1"), instant("i2", "b2")]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    (route,) = plan.routes
    assert route.courier_id == "c1" and route.flow is INSTANT
    actions = [(s.action, s.place_id) for s in route.stops]
    assert actions == [
        (StopAction.PICKUP, "mw"),
        (StopAction.PICKUP, "mw"),
        (StopAction.DELIVER, "b1"),
        (StopAction.DELIVER, "b2"),
    ]
    # Ready at 10:00 + 180 s picking; 60 s per pickup; 1000 m at 5 m/s = 200 s.
    assert [s.start_s for s in route.stops] == pytest.approx(
        [T0 + 180, T0 + 240, T0 + 500, T0 + 760]
    )
    assert route.stops[2].order_ids == ("i1",) and route.stops[3].order_ids == ("i2",)
    assert route.stops[1].load_kg == pytest.approx(1.0)
    assert route.stops[3].load_kg == pytest.approx(0.0)
    assert route.end_s == pytest.approx(T0 + 820)  # open route: ends after the last drop
    assert route.distance_m == pytest.approx(2000.0, abs=1e-3)
    kpis = plan.kpis
    assert (kpis.orders_total, kpis.orders_served, kpis.orders_unassigned) == (2, 2, 0)
    assert kpis.on_time_pct == 100.0
    assert kpis.distance_km == pytest.approx(2.0, abs=1e-6)
    # Fixed 5 + 0.5/km * 2 km + 30/h over the route's duration.
    expected = 5.0 + 1.0 + 30.0 * route.duration_s / 3600.0
    assert route.cost == pytest.approx(expected)
    assert kpis.cost_per_order == pytest.approx(expected / 2)


def test_lateness_is_soft_up_to_the_cap_then_unassigned() -> None:
    planner = Planner(world(courier("c1", 0)))
    orders = [instant("late", "b9"), instant("too_late", "b14")]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    (route,) = plan.routes
    drop = route.stops[-1]
    # Leaves at 10:04 (180 s picking + 60 s), 9000 m = 1800 s: 240 s past 10:30.
    assert drop.order_ids == ("late",)
    assert drop.lateness_s == pytest.approx(240.0)
    (missed,) = plan.unassigned
    # 14000 m = 2800 s: 1240 s late, past the 900 s cap.
    assert missed.order_id == "too_late"
    assert missed.reason is UnassignedOrderReason.TIME_WINDOW
    assert plan.kpis.on_time_pct == 0.0


def test_paid_member_is_kept_when_capacity_allows_one_of_two() -> None:
    # One 4 kg order fits the 5 kg box, and the shift (to 10:10) leaves time for one trip.
    one_trip = courier("c1", 0, capacity_kg=5.0, shift=TimeWindow(8 * H, T0 + 600))
    planner = Planner(world(one_trip))
    orders = [instant("regular", "b1", "reg", kg=4.0), instant("paid", "b1", "vip", kg=4.0)]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    assert plan.served_order_ids() == {"paid"}
    (dropped,) = plan.unassigned
    assert dropped.order_id == "regular"
    assert dropped.reason is UnassignedOrderReason.CAPACITY
    problem = plan.routing_runs[0].problem
    paid, regular = problem.task("paid"), problem.task("regular")
    assert (paid.drop_penalty, regular.drop_penalty) == (2000.0, 200.0)
    assert paid.delivery.lateness_cost_per_s == pytest.approx(0.2)


def test_no_courier_on_shift() -> None:
    gone = courier("c1", 0, shift=TimeWindow(6 * H, 9 * H))
    planner = Planner(world(gone))
    orders = [instant("i1", "b1")]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    assert plan.routes == ()
    (u,) = plan.unassigned
    assert u.reason is UnassignedOrderReason.NO_COURIER
    assert plan.solver_runs == ()
    assert plan.kpis.on_time_pct is None and plan.kpis.cost_per_order is None


def test_order_with_its_own_promise_window() -> None:
    planner = Planner(world(courier("c1", 0)))
    order = Order(
        "i1",
        "reg",
        T0,
        (line("mw", "milk"),),
        INSTANT,
        building_id="b1",
        promised=TimeWindow(T0 + 1200, T0 + 1500),
    )
    plan = planner.plan([order], at_s=T0, params=FAST)
    check_plan(plan, [order], planner)
    drop = plan.routes[0].stops[-1]
    assert T0 + 1200 <= drop.start_s <= T0 + 1500
