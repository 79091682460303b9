"""Multi-store orders end to end: every shop, then the door, all-or-nothing, freshness.

Stores north of a courier at 0 m (prep 300 s), e-bikes at 5 m/s; orders created at 10:00.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from dispatch import (
    FulfilmentMode,
    Member,
    Order,
    Planner,
    PlannerSettings,
    StopAction,
    TemperatureClass,
    UnassignedOrderReason,
    World,
)
from tests.dispatch.helpers import FAST, H, building, check_plan, courier, line, store

T0 = 10 * H
MULTI = FulfilmentMode.MULTI_STORE


def world() -> World:
    return World(
        buildings=(building("b1", 1500), building("far", 12000)),
        stores=(store("fruit", 0), store("bakery", 500), store("deli", 6000)),
        couriers=(courier("c1", 0),),
        members=(Member("m1"),),
        detour_factor=1.0,
    )


def test_picks_up_at_every_store_then_delivers_once() -> None:
    planner = Planner(world())
    order = Order(
        "o1",
        "m1",
        T0,
        (
            line("fruit", "apple", 4, weight_kg=0.25),
            line("bakery", "bread", 1, weight_kg=0.5),
            line("fruit", "pear", 2, weight_kg=0.5),
        ),
        MULTI,
        building_id="b1",
    )
    plan = planner.plan([order], at_s=T0, params=FAST)
    check_plan(plan, [order], planner)
    (route,) = plan.routes
    assert [(s.action, s.place_id) for s in route.stops] == [
        (StopAction.PICKUP, "fruit"),
        (StopAction.PICKUP, "bakery"),
        (StopAction.DELIVER, "b1"),
    ]
    # Each shop's lines are loaded there: fruit 4 x 0.25 + 2 x 0.5 = 2 kg, bread 0.5 kg.
    assert [s.load_kg for s in route.stops] == pytest.approx([2.0, 2.5, 0.0])
    # Ready at 10:05; 60 s at each shop; 500 m (100 s) and 1000 m (200 s) between.
    assert [s.start_s for s in route.stops] == pytest.approx([T0 + 300, T0 + 460, T0 + 720])
    task = plan.routing_runs[0].problem.task("o1")
    assert len(task.pickups) == 2 and task.max_ride_s is None  # ambient only


@pytest.mark.parametrize(
    ("temperature", "served"),
    [(TemperatureClass.HOT, False), (TemperatureClass.CHILLED, True)],
)
def test_ride_time_by_temperature_class_all_or_nothing(
    temperature: TemperatureClass, served: bool
) -> None:
    # fruit (0 m) -> deli (6000 m) -> far (12000 m): from the first pickup's start to the
    # door 60 + 1200 + 60 + 1200 = 2520 s: over 30 min for hot food, within 45 min chilled.
    planner = Planner(world())
    order = Order(
        "o1",
        "m1",
        T0,
        (line("fruit", "apple"), line("deli", "dish", temperature=temperature)),
        MULTI,
        building_id="far",
    )
    plan = planner.plan([order], at_s=T0, params=FAST)
    check_plan(plan, [order], planner)
    if served:
        (route,) = plan.routes
        assert route.stops[-1].start_s - route.stops[0].start_s == pytest.approx(2520.0)
        assert plan.unassigned == ()
    else:
        assert plan.routes == ()  # no shop visited for an order that cannot be delivered
        (u,) = plan.unassigned
        assert u.reason is UnassignedOrderReason.RIDE_TIME


def test_ride_limits_are_settings() -> None:
    settings = PlannerSettings(max_ride_s_by_temperature={TemperatureClass.HOT: 3000.0})
    planner = Planner(world(), settings)
    order = Order(
        "o1",
        "m1",
        T0,
        (line("fruit", "apple"), line("deli", "dish", temperature=TemperatureClass.HOT)),
        MULTI,
        building_id="far",
    )
    plan = planner.plan([order], at_s=T0, params=FAST)
    check_plan(plan, [order], planner)
    assert plan.served_order_ids() == {"o1"}
    assert plan.routing_runs[0].problem.task("o1").max_ride_s == 3000.0


def test_cold_boxes_bind() -> None:
    # 40 l of frozen food needs two 30 l boxes; the courier has one.
    planner = Planner(replace(world(), couriers=(courier("c1", 0, cold_boxes=1),)))
    frozen = line("bakery", "ice", 4, volume_l=10.0, temperature=TemperatureClass.FROZEN)
    order = Order("o1", "m1", T0, (line("fruit", "apple"), frozen), MULTI, building_id="b1")
    plan = planner.plan([order], at_s=T0, params=FAST)
    check_plan(plan, [order], planner)
    (u,) = plan.unassigned
    assert u.reason is UnassignedOrderReason.CAPACITY
    assert plan.routing_runs[0].problem.task("o1").demand == (2.5, 41.0, 2.0)  # kg, l, boxes
