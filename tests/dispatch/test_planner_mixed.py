"""A batch of all five flows on a small generated city, on its road network."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import geo
from dispatch import (
    Courier,
    FulfilmentMode,
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
from geo.profiles import ProfileName
from tests.dispatch.helpers import FAST, H, check_plan

DAY = 24 * H
E_BIKE = ProfileName.E_BIKE


@pytest.fixture(scope="module")
def city() -> geo.City:
    return geo.generate_city(seed=3, blocks_x=4, blocks_y=4)


def mixed_batch(city: geo.City) -> tuple[World, list[Order]]:
    mw, dp = city.micro_warehouses[0], city.depots[0]
    st, b, pp = city.stores, city.buildings, city.pickup_points
    couriers = [
        Courier("c1", E_BIKE, mw.lon, mw.lat, TimeWindow(8 * H, 20 * H)),
        Courier("c2", E_BIKE, mw.lon, mw.lat, TimeWindow(8 * H, 20 * H)),
        Courier("c3", ProfileName.TRICYCLE, st[0].lon, st[0].lat, TimeWindow(8 * H, 20 * H)),
        Courier(
            "v1",
            ProfileName.VAN,
            dp.lon,
            dp.lat,
            TimeWindow(DAY + 4 * H, DAY + 10 * H),
            capacity_kg=800.0,
            capacity_l=3000.0,
            cold_boxes=40,
            returns_to_start=True,
        ),
        Courier(
            "t1", E_BIKE, dp.lon, dp.lat, TimeWindow(8 * H, 18 * H), skills=frozenset({"plumbing"})
        ),
    ]
    members = [
        Member("m1", MemberTier.PAID, home_building_id=b[0].id),
        Member("m2", home_building_id=b[10].id),
        Member("m3", home_building_id=b[50].id, flexible_pickup=False),
    ]
    world = World.from_city(city, couriers, members)

    def item(store_id: str, sku: str, quantity: int = 1, **kw: object) -> OrderLine:
        return OrderLine(store_id, sku, quantity, unit_price=Decimal("9.90"), **kw)  # type: ignore[arg-type]

    t = 10 * H
    chilled = TemperatureClass.CHILLED
    orders = [
        Order(
            "i1",
            "m1",
            t,
            (item(mw.id, "milk", 2, temperature=chilled),),
            FulfilmentMode.INSTANT,
            building_id=b[5].id,
        ),
        Order("i2", "m2", t, (item(mw.id, "bread"),), FulfilmentMode.INSTANT, building_id=b[30].id),
        Order(
            "ms1",
            "m2",
            t,
            (item(st[0].id, "apple", 3), item(st[1].id, "cake")),
            FulfilmentMode.MULTI_STORE,
            building_id=b[40].id,
        ),
        Order(
            "s1",
            "m3",
            t,
            (item(st[2].id, "fish", temperature=chilled),),
            FulfilmentMode.SCHEDULED,
            building_id=b[60].id,
            promised=TimeWindow(12 * H, 12.5 * H),
        ),
        Order(
            "n1",
            "m1",
            t,
            (item(mw.id, "rice", 2),),
            FulfilmentMode.NEXT_DAY_PICKUP,
            building_id=b[0].id,
        ),
        Order(
            "n2",
            "m2",
            t,
            (item(mw.id, "oil"), item(st[0].id, "jam")),
            FulfilmentMode.NEXT_DAY_PICKUP,
            pickup_point_id=pp[1].id,
        ),
        Order(
            "n3",
            "m3",
            23 * H,
            (item(mw.id, "oil"),),
            FulfilmentMode.NEXT_DAY_PICKUP,
            building_id=b[50].id,
        ),
        Order(
            "h1",
            "m3",
            t,
            (OrderLine("homeco", "tap-repair", 1, unit_price=Decimal("80")),),
            FulfilmentMode.HOME_SERVICE,
            building_id=b[70].id,
            promised=TimeWindow(14 * H, 15 * H),
            required_skills=frozenset({"plumbing"}),
            service_duration_s=3600.0,
        ),
    ]
    return world, orders


def test_all_five_flows_in_one_batch(city: geo.City) -> None:
    world, orders = mixed_batch(city)
    planner = Planner(world)
    # Its speed is a benchmark's job (benchmarks/test_bench_demo.py), not a unit test's.
    plan = planner.plan(orders, at_s=10 * H, params=FAST)
    check_plan(plan, orders, planner)
    assert {run.flow for run in plan.solver_runs} == set(FulfilmentMode)
    # Everything is servable except the order placed after the 22:00 cut-off.
    (late,) = plan.unassigned
    assert (late.order_id, late.reason) == ("n3", UnassignedOrderReason.AFTER_CUTOFF)
    assert plan.kpis.served_by_flow == {
        "instant": 2,
        "multi_store": 1,
        "scheduled": 1,
        "next_day_pickup": 2,
        "home_service": 1,
    }
    # One flow per courier per plan.
    flows_of: dict[str, set[FulfilmentMode]] = {}
    for route in plan.routes:
        flows_of.setdefault(route.courier_id, set()).add(route.flow)
    assert all(len(f) == 1 for f in flows_of.values())
    assert flows_of["v1"] == {FulfilmentMode.NEXT_DAY_PICKUP}
    assert flows_of["t1"] == {FulfilmentMode.HOME_SERVICE}
    # n1 is flexible: within 500 m walking on the walk network.
    n1 = next(a for a in plan.pickup_assignments if a.order_id == "n1")
    assert n1.walk_m is not None and n1.walk_m <= 500.0
    n2 = next(a for a in plan.pickup_assignments if a.order_id == "n2")
    assert (n2.pickup_point_id, n2.chosen) == (city.pickup_points[1].id, True)
    assert plan.kpis.on_time_pct == 100.0
    assert plan.kpis.orders_served == 7 and plan.kpis.distance_km > 0


def test_plan_exports_to_json(city: geo.City) -> None:
    world, orders = mixed_batch(city)
    plan = Planner(world).plan(orders, at_s=10 * H, params=FAST)
    data = json.loads(json.dumps(plan.to_json()))
    assert {
        "routes",
        "unassigned",
        "kpis",
        "pickup_assignments",
        "pick_lists",
        "commissions",
    } <= set(data)
    assert data["unassigned"] == [
        {
            "order_id": "n3",
            "flow": "next_day_pickup",
            "reason": "after_cutoff",
            "detail": "created at 23:00, after the cut-off at 22:00: it goes to the next plan",
        }
    ]
    for commission in data["commissions"]:
        assert isinstance(commission["commission"], str)
        assert Decimal(commission["commission"]) == Decimal(commission["commission"]).quantize(
            Decimal("0.01")
        )
    stops = [s for r in data["routes"] for s in r["stops"]]
    assert {s["action"] for s in stops} == {"pickup", "deliver", "visit"}
    assert data["kpis"]["orders_total"] == 8
