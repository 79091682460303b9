"""Issue 13 (realism): one courier across delivery flows, workload balance, several
promised windows per order, courier breaks; every plan through the checker.

A line world (``tests.dispatch.helpers``): e-bikes at 5 m/s; orders created at 10:00.
"""

from __future__ import annotations

import json
from dataclasses import replace

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
from dispatch.fleet import allocate_fleet
from dispatch.kpis import gini
from dispatch.manifests import manifest_rows
from dispatch.payloads import PayloadError, order_payload, parse_order
from dispatch.plan_schema import plan_from_json
from dispatch.settings import CourierCost, WorkloadBalance
from geo.profiles import ProfileName
from scenarios.generate import E_BIKE_FLOWS, city_day_scenario
from scenarios.scenario_build import build_scenario
from scenarios.scenario_schema import parse_scenario
from solvers import SolveParams
from solvers.problem import Break
from tests.dispatch.helpers import FAST, H, building, check_plan, courier, line, store, warehouse
from tests.scenarios.scenario_data import straight_line_scenario

T0 = 10 * H
DELIVERY = (FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED)


def _world(*couriers: object) -> World:
    return World(
        buildings=(building("b1", 1500), building("b2", 1000), building("b3", 800)),
        stores=(store("fruit", 0), store("bakery", 500)),
        micro_warehouses=(warehouse("mw", 0),),
        couriers=couriers,  # type: ignore[arg-type]
        members=(Member("m1"),),
        detour_factor=1.0,
    )


def _batch() -> list[Order]:
    return [
        Order("i1", "m1", T0, (line("mw", "milk"),), FulfilmentMode.INSTANT, building_id="b1"),
        Order(
            "ms1",
            "m1",
            T0,
            (line("fruit", "apple"), line("bakery", "bread")),
            FulfilmentMode.MULTI_STORE,
            building_id="b2",
        ),
        Order(
            "sc1",
            "m1",
            T0,
            (line("mw", "rice"),),
            FulfilmentMode.SCHEDULED,
            building_id="b3",
            promised=TimeWindow(T0 + 0.5 * H, T0 + 1.5 * H),
        ),
    ]


# --- one courier, several flows ---------------------------------------------------------


def test_a_pool_courier_serves_one_flow_per_plan() -> None:
    """Today's rule without declared flows: instant takes the only courier."""
    planner = Planner(_world(courier("c1", 0)))
    orders = _batch()
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    reasons = {u.order_id: u.reason for u in plan.unassigned}
    assert reasons == {
        "ms1": UnassignedOrderReason.NO_COURIER,
        "sc1": UnassignedOrderReason.NO_COURIER,
    }


def test_a_courier_with_several_flows_combines_them_on_one_route() -> None:
    planner = Planner(_world(courier("c1", 0, flows=DELIVERY)))
    orders = _batch()
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    assert not plan.unassigned
    (route,) = plan.routes
    assert {oid for s in route.stops for oid in s.order_ids} == {"i1", "ms1", "sc1"}
    assert route.flow is FulfilmentMode.INSTANT  # filed under its most urgent flow
    (run,) = plan.routing_runs  # one routing model for the three flows
    assert len(run.problem.tasks) == 3
    assert plan.kpis.served_by_flow == {
        "instant": 1,
        "multi_store": 1,
        "scheduled": 1,
        "next_day_pickup": 0,
        "home_service": 0,
    }


def test_the_legacy_skill_spelling_still_declares_flows() -> None:
    old = courier("c1", 0, skills={"instant", "multi_store", "scheduled"})
    planner = Planner(_world(old))
    orders = _batch()
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    assert not plan.unassigned


def test_fleet_rules_stay_a_dedicated_courier_serves_only_its_flow() -> None:
    fleet = allocate_fleet(
        [
            courier("only_instant", 0, flows=(FulfilmentMode.INSTANT,)),
            courier("shared", 0, flows=DELIVERY),
            courier("van", 0, "van"),
        ],
        set(DELIVERY),
        at_s=T0,
    )
    assert [c.id for c, _ in fleet.shared] == ["shared"]
    assert [c.id for c in fleet.of(FulfilmentMode.INSTANT)] == ["only_instant"]
    assert [c.id for c in fleet.of(FulfilmentMode.NEXT_DAY_PICKUP)] == ["van"]
    planner = Planner(
        _world(
            courier("only_instant", 0, flows=(FulfilmentMode.INSTANT,)),
            courier("shared", 3000, flows=(FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED)),
        )
    )
    orders = _batch()
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    by_courier = {r.courier_id: {oid for s in r.stops for oid in s.order_ids} for r in plan.routes}
    assert by_courier["only_instant"] <= {"i1"}
    assert "i1" not in by_courier.get("shared", set())


def test_unknown_or_repeated_flows_are_named() -> None:
    with pytest.raises(Exception, match="flows"):
        courier("c1", 0, flows=("instant", "instant"))
    with pytest.raises(Exception, match="flows"):
        courier("c1", 0, flows=("teleport",))


# --- several windows --------------------------------------------------------------------


def _instant(windows: tuple[TimeWindow, ...]) -> Order:
    return Order(
        "i1",
        "m1",
        T0,
        (line("mw", "milk"),),
        FulfilmentMode.INSTANT,
        building_id="b1",
        promised=windows[0],
        promised_more=windows[1:],
    )


def test_an_order_with_a_later_window_is_served_in_it_on_time() -> None:
    planner = Planner(_world(courier("c1", 0)))
    first = TimeWindow(T0, T0 + 60)  # cannot be met: 1500 m take 300 s
    second = TimeWindow(T0 + 2 * H, T0 + 3 * H)
    only_first = planner.plan([_instant((first,))], at_s=T0, params=FAST)
    handover = [s for r in only_first.routes for s in r.stops if s.action is StopAction.DELIVER]
    assert not handover or handover[0].lateness_s > 0
    plan = planner.plan([_instant((first, second))], at_s=T0, params=FAST)
    check_plan(plan, [_instant((first, second))], planner)
    (route,) = plan.routes
    door = route.stops[-1]
    assert door.action is StopAction.DELIVER
    assert second.start_s <= door.start_s <= second.end_s and door.lateness_s == 0
    assert plan.kpis.on_time_pct == 100.0
    task = plan.routing_runs[0].problem.task("i1")
    assert task.delivery.windows == (first, second)


def test_promised_takes_one_window_or_a_list_in_payloads() -> None:
    base = {
        "id": "o1",
        "member_id": "m1",
        "created_at": "10:00",
        "mode": "scheduled",
        "building_id": "b1",
        "lines": [{"store_id": "mw", "sku": "milk", "quantity": 1}],
    }
    one = parse_order({**base, "promised": {"start": "11:00", "end": "12:00"}})
    assert one.promised_windows == (TimeWindow(11 * H, 12 * H),)
    assert isinstance(order_payload(one)["promised"], dict)  # stored shape kept
    two = parse_order(
        {
            **base,
            "promised": [{"start": "11:00", "end": "12:00"}, {"start": "17:00", "end": "18:00"}],
        }
    )
    assert two.promised_windows == (TimeWindow(11 * H, 12 * H), TimeWindow(17 * H, 18 * H))
    assert parse_order(order_payload(two)) == two
    with pytest.raises(PayloadError, match=r"promised\[1\]"):
        parse_order(
            {
                **base,
                "promised": [
                    {"start": "17:00", "end": "18:00"},
                    {"start": "11:00", "end": "12:00"},
                ],
            }
        )
    with pytest.raises(PayloadError, match="promised"):
        parse_order({**base, "promised": []})


# --- workload balance -------------------------------------------------------------------


def _balance_plan(balance: WorkloadBalance | None) -> tuple[object, list[Order]]:
    world = replace(
        _world(courier("c1", 0), courier("c2", 0)),
        buildings=tuple(building(f"h{k}", 300 + 50 * k) for k in range(4)),
    )
    settings = PlannerSettings(
        courier_costs={ProfileName.E_BIKE: CourierCost(fixed_cost=20.0)}, balance=balance
    )
    planner = Planner(world, settings)
    orders = [
        Order(f"o{k}", "m1", T0, (line("mw", "milk"),), FulfilmentMode.INSTANT, building_id=f"h{k}")
        for k in range(4)
    ]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    return plan, orders


def test_balance_spreads_orders_over_the_couriers_on_shift() -> None:
    cheap, _ = _balance_plan(None)
    assert cheap.kpis.workload is not None  # type: ignore[attr-defined]
    spread = cheap.kpis.workload  # type: ignore[attr-defined]
    assert (spread.couriers, spread.orders_min, spread.orders_max) == (2, 0, 4)
    assert spread.orders_gini == pytest.approx(0.5)
    fair, _ = _balance_plan(WorkloadBalance("orders", 100.0))
    spread = fair.kpis.workload  # type: ignore[attr-defined]
    assert (spread.orders_min, spread.orders_max, spread.orders_gini) == (2, 2, 0.0)
    (run,) = fair.routing_runs  # type: ignore[attr-defined]
    assert run.problem.balance is not None
    assert run.solution.cost.balance == pytest.approx(100.0 * 2)
    data = fair.to_json()  # type: ignore[attr-defined]
    assert data["kpis"]["workload"]["orders_max"] == 2
    assert plan_from_json(json.loads(json.dumps(data))).kpis.workload == spread


def test_gini() -> None:
    assert gini([]) == 0.0
    assert gini([0, 0]) == 0.0
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)


def test_bad_balance_setting_is_named() -> None:
    with pytest.raises(Exception, match=r"balance\.by"):
        WorkloadBalance("minutes", 1.0)


# --- breaks -----------------------------------------------------------------------------


def test_a_courier_break_is_on_the_route_the_manifest_and_the_plan_file() -> None:
    # Two scheduled orders an hour apart, the break (20 min) must lie in 10:20-11:00.
    pause = Break(TimeWindow(T0 + 1200, T0 + 3600, "courier 'c1': breaks[0]"), 1200.0)
    c1 = courier("c1", 0, breaks=(pause,))
    planner = Planner(_world(c1))
    orders = [
        Order(
            f"s{k}",
            "m1",
            T0,
            (line("mw", "rice"),),
            FulfilmentMode.SCHEDULED,
            building_id=b,
            promised=TimeWindow(T0 + k * 3000, T0 + k * 3000 + 600),
        )
        for k, b in ((0, "b3"), (1, "b1"))
    ]
    plan = planner.plan(orders, at_s=T0, params=SolveParams(time_limit_s=5.0, workers=1))
    check_plan(plan, orders, planner)
    assert not plan.unassigned
    (route,) = plan.routes
    (taken,) = route.breaks
    assert taken.start_s >= T0 + 1200 - 1e-6
    assert taken.end_s <= T0 + 3600 + 1e-6
    assert taken.end_s - taken.start_s == pytest.approx(1200.0)
    rows = manifest_rows(route, planner.world, orders)
    assert [r[2] for r in rows].count("break") == 1
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    data = json.loads(json.dumps(plan.to_json()))
    assert plan_from_json(data).routes[0].breaks == route.breaks


# --- the scenario file ------------------------------------------------------------------


def test_scenario_file_carries_flows_breaks_balance_and_several_windows() -> None:
    data = straight_line_scenario()
    data["couriers"][0]["flows"] = ["instant", "multi_store", "scheduled"]
    data["couriers"][0]["breaks"] = [{"start": "12:00", "end": "14:00", "duration_s": 1800}]
    data["settings"]["balance"] = {"by": "hours", "weight": 30}
    sc1 = next(o for o in data["orders"] if o["id"] == "sc1")
    sc1["promised"] = [{"start": "12:00", "end": "12:30"}, {"start": "18:00", "end": "18:30"}]
    scenario = build_scenario(parse_scenario(data))
    c1 = next(c for c in scenario.world.couriers if c.id == "c1")
    assert c1.flows == DELIVERY
    assert c1.breaks == (Break(TimeWindow(12 * H, 14 * H), 1800.0),)
    assert scenario.settings.balance == WorkloadBalance("hours", 30.0)
    order = next(o for o in scenario.orders if o.id == "sc1")
    assert len(order.promised_windows) == 2
    data["couriers"][0]["breaks"] = [{"start": "12:00", "end": "12:10", "duration_s": 1800}]
    with pytest.raises(Exception, match=r"couriers\[0 'c1'\]: .*breaks\[0\]: duration_s"):
        build_scenario(parse_scenario(data))


def test_generated_e_bikes_declare_the_three_delivery_flows() -> None:
    spec = city_day_scenario(3, blocks=4, orders=10, couriers=2)
    bikes = [c for c in spec.couriers if c.profile is ProfileName.E_BIKE]
    assert bikes and all(c.flows == E_BIKE_FLOWS for c in bikes)
    assert all(not c.flows for c in spec.couriers if c.profile is ProfileName.VAN)
