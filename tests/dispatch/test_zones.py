"""Micro-warehouse zones: how a large re-plan is split, and that a split re-plan still
serves every order once with the couriers' commitments kept.

Two micro-warehouses on a line, ``mwA`` at 0 m and ``mwB`` at 6 km north, a building
1 km beyond each; e-bikes at 5 m/s; orders created at 10:00.
"""

from __future__ import annotations

import dataclasses

from dispatch import FulfilmentMode, Member, Order, World
from dispatch.domain import Courier
from dispatch.live import CourierState, LiveState, OnBoard, replan
from dispatch.settings import LiveInstant, LiveSettings, PlannerSettings
from dispatch.zones import Zone, split_into_zones
from tests.dispatch.helpers import FAST, LON, H, building, courier, line, north, warehouse
from tests.dispatch.test_live import check_live, route_of

ROUTING = PlannerSettings(live=LiveSettings(LiveInstant.ROUTING))

T0 = 10 * H


def world(*couriers: Courier, warehouses: int = 2) -> World:
    return World(
        buildings=(building("bA", 1000), building("bB", 7000)),
        micro_warehouses=(warehouse("mwA", 0), warehouse("mwB", 6000))[:warehouses],
        couriers=couriers,
        members=(Member("m"),),
        detour_factor=1.0,
    )


def order(oid: str, warehouse_id: str, building_id: str) -> Order:
    return Order(
        oid,
        "m",
        T0,
        (line(warehouse_id, "milk"),),
        FulfilmentMode.INSTANT,
        building_id=building_id,
    )


def test_orders_go_to_their_warehouse_and_couriers_in_proportion() -> None:
    couriers = [courier("c1", 0), courier("c2", 100), courier("c3", 5900), courier("c4", 6000)]
    w = world(*couriers)
    orders = [order(f"a{k}", "mwA", "bA") for k in range(3)] + [order("b0", "mwB", "bB")]
    zones = split_into_zones(w, orders, couriers, {})
    # 4 couriers for 3 + 1 orders: three to A (the two there, then the nearest of the
    # others), one to B.
    assert zones == (
        Zone("mwA", ("a0", "a1", "a2"), ("c1", "c2", "c3")),
        Zone("mwB", ("b0",), ("c4",)),
    )


def test_a_locked_courier_keeps_its_orders_in_its_zone() -> None:
    couriers = [courier("c1", 0), courier("c2", 6000)]
    w = world(*couriers)
    # c1 (at A) carries b0 (a B order) and rides on to it: b0 goes with c1 to zone B.
    orders = [order("a0", "mwA", "bA"), order("b0", "mwB", "bB")]
    zones = split_into_zones(w, orders, couriers, {"c1": ["b0"]})
    by_anchor = {z.micro_warehouse_id: z for z in zones}
    assert by_anchor["mwB"].order_ids == ("b0",)
    assert "c1" in by_anchor["mwB"].courier_ids
    assert by_anchor["mwA"].courier_ids == ("c2",)


def test_no_split_with_one_warehouse_and_no_zone_without_orders() -> None:
    couriers = [courier("c1", 0), courier("c2", 6000)]
    orders = [order("a0", "mwA", "bA")]
    (zone,) = split_into_zones(world(*couriers, warehouses=1), orders, couriers, {})
    assert zone == Zone("mwA", ("a0",), ("c1", "c2"))
    (zone,) = split_into_zones(world(*couriers), orders, couriers, {})
    assert zone.micro_warehouse_id == "mwA"
    assert zone.courier_ids == ("c1", "c2")  # both go where the orders are


def test_split_replan_serves_each_zone_from_its_couriers() -> None:
    couriers = [courier("c1", 0), courier("c2", 6000)]
    w = world(*couriers)
    orders = [order("a0", "mwA", "bA"), order("b0", "mwB", "bB")]
    # The zones of the routing re-plan (the instant dispatcher decides city-wide).
    plan = replan(
        w, LiveState(), orders, at_s=T0, settings=ROUTING, params=FAST, zones_from_couriers=2
    )
    check_live(plan, orders, {})
    assert len(plan.solver_runs) == 2  # one solve per zone
    assert [o for _, o, _ in route_of(plan.routes, "c1")] == ["a0", "a0"]
    assert [o for _, o, _ in route_of(plan.routes, "c2")] == ["b0", "b0"]
    assert plan.kpis.orders_served == 2
    # Below the threshold the same re-plan is one solve.
    whole = replan(
        w, LiveState(), orders, at_s=T0, settings=ROUTING, params=FAST, zones_from_couriers=3
    )
    assert len(whole.solver_runs) == 1


def test_orders_a_zone_leaves_out_get_the_idle_couriers() -> None:
    # c1 carries b0..b3 (zone B); c2, free at B, is shared to B by the proportions
    # (five B orders to one A order), where it has nothing it may take.  A's order then
    # has no courier in its zone and goes to c2 in the second pass.
    couriers = [courier("c1", 6000), courier("c2", 6000)]
    w = world(*couriers)
    carried = [order(f"b{k}", "mwB", "bB") for k in range(5)]
    orders = [*carried, order("a0", "mwA", "bA")]
    state = LiveState(
        couriers=(CourierState("c1", LON, north(6000), tuple(OnBoard(o.id, T0) for o in carried)),)
    )
    zones = split_into_zones(w, orders, couriers, {"c1": [o.id for o in carried]})
    assert [(z.micro_warehouse_id, z.courier_ids) for z in zones] == [
        ("mwA", ()),
        ("mwB", ("c1", "c2")),
    ]
    plan = replan(w, state, orders, at_s=T0, params=FAST, zones_from_couriers=2)
    check_live(plan, orders, {o.id: "c1" for o in carried})
    assert not plan.unassigned
    assert [o for _, o, _ in route_of(plan.routes, "c2")] == ["a0", "a0"]


def test_split_replan_is_deterministic_with_a_iterations() -> None:
    couriers = [courier(f"c{k}", 1500 * k) for k in range(5)]
    w = world(*couriers)
    orders = [order(f"a{k}", "mwA", "bA") for k in range(4)] + [
        order(f"b{k}", "mwB", "bB") for k in range(3)
    ]
    params = dataclasses.replace(FAST, time_limit_s=5.0, iterations=10)
    first = replan(w, LiveState(), orders, at_s=T0, params=params, zones_from_couriers=1)
    again = replan(w, LiveState(), orders, at_s=T0, params=params, zones_from_couriers=1)
    check_live(first, orders, {})
    assert first.routes == again.routes
    assert first.kpis.orders_served == 7
