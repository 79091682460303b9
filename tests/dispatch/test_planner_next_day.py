"""Next-day pickup end to end: pickup points, capacities, trunk routes, pick lists, pay.

The warehouse ``wh`` and the van are at 0 m; homes and pickup points are further north.
Orders come in at 20:00, the plan runs at the 22:00 cut-off, and the collection day
starts at the next midnight (86400 s on the plan clock).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from dispatch import (
    CommissionTier,
    FulfilmentMode,
    Leader,
    Member,
    MemberTier,
    Order,
    OrderLine,
    Planner,
    TemperatureClass,
    TimeWindow,
    UnassignedOrderReason,
    World,
)
from dispatch.domain import Courier
from geo.places import OpeningInterval, PickupPointKind
from tests.dispatch.helpers import (
    FAST,
    H,
    building,
    check_plan,
    courier,
    line,
    point,
    store,
    warehouse,
)

NEXT_DAY = FulfilmentMode.NEXT_DAY_PICKUP
CREATED = 20 * H
AT = 22 * H
DAY = 24 * H
LEADER_HOURS = (OpeningInterval(9 * 3600, 21 * 3600),)


def van(start_h: float = 4.0) -> Courier:
    return courier(
        "van",
        0,
        "van",
        shift=TimeWindow(DAY + start_h * H, DAY + 12 * H),
        capacity_kg=500.0,
        capacity_l=2000.0,
        cold_boxes=40,
        returns_to_start=True,
    )


def assignment_world(*couriers: Courier) -> World:
    """Home h0 at 5000 m; points 50 m (closed by hours), 100 m (marked closed), 200 m
    (2 parcels), 400 m and 1000 m away; the lonely home is 15 km from any point."""
    return World(
        buildings=(building("h0", 5000), building("lonely", 20000)),
        micro_warehouses=(warehouse("wh", 0),),
        pickup_points=(
            point("evening", 5050, opening_hours=(OpeningInterval(22 * 3600 + 1800, 23 * 3600),)),
            point("shut", 5100),
            point("near", 5200, capacity_parcels=2),
            point("mid", 5400, capacity_parcels=10),
            point("far", 6000, kind=PickupPointKind.LEADER_HOME, opening_hours=LEADER_HOURS),
        ),
        couriers=couriers,
        members=(
            Member("flex", home_building_id="h0"),
            Member("loyal", home_building_id="h0", flexible_pickup=False),
            Member("vip", MemberTier.PAID, home_building_id="h0"),
            Member("hermit", home_building_id="lonely"),
        ),
        detour_factor=1.0,
        closed_pickup_point_ids=frozenset({"shut"}),
    )


def next_day(oid: str, member: str, *, chosen: str | None = None, home: str | None = None) -> Order:
    return Order(
        oid,
        member,
        CREATED,
        (line("wh", "rice"),),
        NEXT_DAY,
        building_id=home,
        pickup_point_id=chosen,
    )


def test_assignment_by_choice_walking_distance_and_capacity() -> None:
    planner = Planner(assignment_world(van()))
    orders = [
        next_day("f1", "flex", home="h0"),
        next_day("f2", "flex", home="h0"),
        next_day("f3", "flex", home="h0"),
        # A chosen point: walking distances from the member's home (h0).
        next_day("stays", "flex", chosen="mid"),  # flexible, and its choice has room
        next_day("chosen_far", "loyal", chosen="far"),  # 1000 m away, but chosen
        next_day("alone", "hermit", home="lonely"),
    ]
    plan = planner.plan(orders, at_s=AT, params=FAST)
    check_plan(plan, orders, planner)
    at = {a.order_id: (a.pickup_point_id, a.chosen) for a in plan.pickup_assignments}
    assert at.pop("stays") == ("mid", True)
    assert at.pop("chosen_far") == ("far", True)
    # Two fit the nearest point (200 m), the third walks 400 m; closed points take none.
    assert sorted(at.values()) == [("mid", False), ("near", False), ("near", False)]
    (u,) = plan.unassigned
    assert u.order_id == "alone"
    assert u.reason is UnassignedOrderReason.NO_PICKUP_POINT_IN_WALKING_DISTANCE
    walks = {a.order_id: a.walk_m for a in plan.pickup_assignments}
    assert walks["chosen_far"] == pytest.approx(1000.0, abs=1e-3)
    assert plan.kpis.mean_walk_m == pytest.approx((200 + 200 + 400 + 400 + 1000) / 5, abs=1e-3)
    assert plan.kpis.pickup_utilisation == pytest.approx(
        {"far": 1 / 100, "mid": 2 / 10, "near": 2 / 2}
    )


def test_paid_member_keeps_the_last_parcel_space() -> None:
    world = assignment_world(van())
    points = tuple(
        replace(p, capacity_parcels=1) if p.id == "near" else p
        for p in world.pickup_points
        if p.id in {"near", "evening", "shut"}
    )
    planner = Planner(replace(world, pickup_points=points))
    orders = [next_day("regular", "flex", home="h0"), next_day("paid", "vip", home="h0")]
    plan = planner.plan(orders, at_s=AT, params=FAST)
    check_plan(plan, orders, planner)
    assert [(a.order_id, a.pickup_point_id) for a in plan.pickup_assignments] == [("paid", "near")]
    (u,) = plan.unassigned
    assert (u.order_id, u.reason) == ("regular", UnassignedOrderReason.PICKUP_CAPACITY)
    assert "'near' (1 parcels)" in u.detail


def test_trunk_arrives_before_each_point_opens() -> None:
    # The van leaves at 08:40: the leader's home (opens 09:00, 1000 m further) is
    # reachable, the 200 m point's convenience store (opens 07:00 on the default
    # collection start) is not.
    planner = Planner(assignment_world(van(start_h=8 + 40 / 60)))
    orders = [next_day("to_far", "loyal", chosen="far"), next_day("to_near", "flex", chosen="near")]
    plan = planner.plan(orders, at_s=AT, params=FAST)
    check_plan(plan, orders, planner)
    (route,) = plan.routes
    (stop,) = route.stops
    assert stop.place_id == "far" and stop.order_ids == ("to_far",)
    # 6000 m at 25 km/h from 08:40, 300 s unloading, before 09:00.
    assert stop.eta_s == pytest.approx(DAY + 8 * H + 2400 + 6000 / (25 / 3.6))
    assert stop.departure_s <= DAY + 9 * H
    (u,) = plan.unassigned
    assert (u.order_id, u.reason) == ("to_near", UnassignedOrderReason.TIME_WINDOW)
    assert "pickup point 'near'" in u.detail
    assert [p.pickup_point_id for p in plan.pick_lists] == ["far"]


def test_no_van_leaves_assigned_orders_unassigned() -> None:
    planner = Planner(assignment_world())
    orders = [next_day("o1", "flex", home="h0")]
    plan = planner.plan(orders, at_s=AT, params=FAST)
    check_plan(plan, orders, planner)
    (u,) = plan.unassigned
    assert u.reason is UnassignedOrderReason.NO_COURIER
    assert plan.pickup_assignments == () and plan.pick_lists == () and plan.commissions == ()


def test_orders_after_the_cutoff_wait_for_the_next_plan() -> None:
    planner = Planner(assignment_world(van()))
    late = Order("late", "flex", 22 * H + 60, (line("wh", "rice"),), NEXT_DAY, building_id="h0")
    plan = planner.plan([late], at_s=AT, params=FAST)
    check_plan(plan, [late], planner)
    (u,) = plan.unassigned
    assert u.reason is UnassignedOrderReason.AFTER_CUTOFF


STEP = (
    CommissionTier(Decimal("0"), Decimal("0.08")),
    CommissionTier(Decimal("100"), Decimal("0.10")),
)


def test_pick_lists_and_commissions_exact_to_the_cent() -> None:
    world = World(
        buildings=(building("h", 1000),),
        stores=(store("farm", 100),),
        micro_warehouses=(warehouse("wh", 0),),
        pickup_points=(
            point("pa", 1100, leader_id="la"),
            point("pb", 1200, leader_id="lb"),
            point("pc", 1300),
        ),
        couriers=(van(),),
        members=(Member("m", home_building_id="h"),),
        leaders=(Leader("la", "pa", STEP), Leader("lb", "pb")),
        detour_factor=1.0,
    )
    planner = Planner(world)

    def order(oid: str, at: str, *lines: OrderLine, created: float = CREATED) -> Order:
        return Order(oid, "m", created, lines, NEXT_DAY, pickup_point_id=at)

    chilled = TemperatureClass.CHILLED
    orders = [
        order(
            "o1",
            "pa",
            line("wh", "apple", 3, "12.80", volume_l=5.0),
            line("wh", "milk", 2, "4.45", volume_l=1.0, temperature=chilled),
        ),
        order(
            "o2",
            "pa",
            line("wh", "apple", 4, "12.80", volume_l=5.0),
            line("farm", "egg", 1, "1.54", volume_l=0.5),
        ),
        order("o3", "pb", line("wh", "tea", 7, "3.35")),
        order("o4", "pc", line("wh", "tea", 1, "3.35")),
        order("o5", "pb", line("wh", "tea", 100, "3.35"), created=23 * H),  # after cut-off
    ]
    plan = planner.plan(orders, at_s=AT, params=FAST)
    check_plan(plan, orders, planner)
    # pa: 38.40 + 8.90 + 51.20 + 1.54 = 100.04 reaches the 10 % tier: 10.004 -> 10.00.
    # pb: 7 x 3.35 = 23.45 at the default 10 %: 2.345 -> 2.35 (half up); o5 is not fulfilled.
    assert [(c.leader_id, c.fulfilled_gmv, c.commission) for c in plan.commissions] == [
        ("la", Decimal("100.04"), Decimal("10.00")),
        ("lb", Decimal("23.45"), Decimal("2.35")),
    ]
    lists = {p.pickup_point_id: p for p in plan.pick_lists}
    pa = lists["pa"]
    assert pa.order_ids == ("o1", "o2")
    assert [(i.store_id, i.sku, i.temperature, i.quantity) for i in pa.items] == [
        ("farm", "egg", TemperatureClass.AMBIENT, 1),
        ("wh", "apple", TemperatureClass.AMBIENT, 7),
        ("wh", "milk", TemperatureClass.CHILLED, 2),
    ]
    assert pa.parcels == 3  # o1 from one store, o2 from two
    assert pa.totes == 2  # 35.5 l ambient in one 40 l tote, 2 l chilled in another
    assert pa.weight_kg == pytest.approx(5.0)
    assert pa.volume_l == pytest.approx(37.5)
    assert lists["pc"].order_ids == ("o4",)
    js = plan.to_json()
    assert js["commissions"][0] == {
        "leader_id": "la",
        "pickup_point_id": "pa",
        "fulfilled_gmv": "100.04",
        "commission": "10.00",
    }
