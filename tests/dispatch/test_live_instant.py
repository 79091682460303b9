"""Live re-planning with the instant dispatcher (``settings.live.instant = "dispatcher"``).

The instant world of ``test_planner_instant``: a micro-warehouse at 0 m, buildings at
1, 2, 9 and 14 km north, e-bikes at 5 m/s, 180 s picking; orders created at 10:00.
"""

from __future__ import annotations

import dataclasses

import pytest

from dispatch import FulfilmentMode, Member, Order, StopAction, World
from dispatch.domain import Courier
from dispatch.live import CommittedStop, CourierState, LiveState, OnBoard, replan
from dispatch.live_instant import MEMBER
from dispatch.plan import Plan, UnassignedOrderReason
from dispatch.settings import LiveInstant, LiveSettings, PlannerSettings
from scenarios import replay as replay_module
from scenarios.generate import city_day_scenario
from scenarios.replay import OutcomeStatus, ReplayPolicy, check_conservation, replay_day
from scenarios.scenario_build import build_scenario
from solvers import check
from solvers.errors import InvalidInputError
from tests.dispatch.helpers import FAST, LON, building, courier, line, north, store, warehouse
from tests.dispatch.test_live import check_live, route_of
from tests.dispatch.test_planner_instant import T0, instant, world

MULTI = FulfilmentMode.MULTI_STORE

DISPATCHER = PlannerSettings(live=LiveSettings(LiveInstant.DISPATCHER))
ROUTING = PlannerSettings(live=LiveSettings(LiveInstant.ROUTING))


def dispatcher_runs(plan: Plan) -> list[object]:
    return [r for r in plan.routing_runs if r.solution.stats.member == MEMBER]


def test_dispatcher_bundles_orders_of_one_warehouse_through_the_checker() -> None:
    w = world(courier("c1", 0))
    orders = [instant("i1", "b1"), instant("i2", "b2")]
    plan = replan(w, LiveState(), orders, at_s=T0, settings=DISPATCHER, params=FAST)
    check_live(plan, orders, {})
    assert len(dispatcher_runs(plan)) == 1
    assert route_of(plan.routes, "c1") == [
        (StopAction.PICKUP, "i1", "mw"),
        (StopAction.PICKUP, "i2", "mw"),
        (StopAction.DELIVER, "i1", "b1"),
        (StopAction.DELIVER, "i2", "b2"),
    ]
    (route,) = plan.routes
    # Ready at 10:03 (180 s picking), 60 s per pickup, 1,000 m at 5 m/s = 200 s; the
    # courier stands at the warehouse: its route starts at the dispatcher's commit-by
    # time (ready less half a pickup service), so a re-plan before can still change it.
    assert [s.start_s for s in route.stops] == pytest.approx(
        [T0 + 180, T0 + 240, T0 + 500, T0 + 760]
    )
    assert route.start_s == pytest.approx(T0 + 150)
    assert route.cost > 0 and route.distance_m == pytest.approx(2000.0)


def test_carried_goods_and_the_committed_stop_come_first() -> None:
    # c1 carries i1 (for b2) and rides back to the warehouse for i2: both stay first;
    # a new order i3 may follow them or go to c2.
    w = world(courier("c1", 0), courier("c2", 9000))
    orders = [instant("i1", "b2"), instant("i2", "b1"), instant("i3", "b1")]
    state = LiveState(
        couriers=(
            CourierState(
                "c1",
                LON,
                north(500),
                (OnBoard("i1", T0 + 180),),
                next_stop=CommittedStop("i2", 0),
                left_at_s=T0 + 300,
            ),
        )
    )
    plan = replan(w, state, orders, at_s=T0 + 360, settings=DISPATCHER, params=FAST)
    check_live(plan, orders, {"i1": "c1"})
    (run,) = dispatcher_runs(plan)
    (lock,) = run.problem.locks  # type: ignore[attr-defined]
    assert lock.fixed_prefix == (("i2", 0),)
    c1 = route_of(plan.routes, "c1")
    assert c1[0] == (StopAction.PICKUP, "i2", "mw")
    assert {(StopAction.DELIVER, "i1", "b2"), (StopAction.DELIVER, "i2", "b1")} <= set(c1)
    # c1 is free after its locked work within the 15-minute look-ahead and reaches the
    # warehouse for i3 before c2 could from 9 km: i3 follows on c1.
    assert route_of(plan.routes, "c2") == []
    assert (StopAction.DELIVER, "i3", "b1") in set(c1)
    assert plan.kpis.orders_served == 3


def test_order_from_the_future_is_not_seen_by_the_dispatcher() -> None:
    w = world(courier("c1", 0), courier("c2", 0))
    early = instant("i1", "b1")
    late = dataclasses.replace(instant("i2", "b2"), created_at_s=T0 + 3600)
    plan = replan(w, LiveState(), [early, late], at_s=T0, settings=DISPATCHER, params=FAST)
    check_live(plan, [early, late], {})
    (run,) = dispatcher_runs(plan)
    assert [t.id for t in run.problem.tasks] == ["i1"]  # type: ignore[attr-defined]


def test_unserved_orders_are_unassigned_with_a_reason_not_dropped() -> None:
    # One courier, five orders for far buildings: it takes one bundle; the rest stay open.
    w = world(courier("c1", 0))
    orders = [instant(f"i{k}", "b9") for k in range(5)]
    settings = PlannerSettings(live=LiveSettings(LiveInstant.DISPATCHER, max_bundle=2))
    plan = replan(w, LiveState(), orders, at_s=T0, settings=settings, params=FAST)
    check_live(plan, orders, {})
    assert len(plan.served_order_ids()) == 2
    assert len(plan.unassigned) == 3
    for u in plan.unassigned:
        assert u.reason is UnassignedOrderReason.NO_COURIER
        assert "not dispatched in this wave" in u.detail


def test_a_replayed_day_with_the_dispatcher_delivers_every_order() -> None:
    w = world(courier("c1", 0), courier("c2", 0))
    orders = [
        dataclasses.replace(instant(f"i{k}", b), created_at_s=T0 + 300 * k)
        for k, b in enumerate(["b1", "b2", "b1", "b9", "b2", "b1"])
    ]
    policy = ReplayPolicy(wave_s=120.0, time_limit_s=0.2)
    day = replay_day(w, orders, settings=DISPATCHER, policy=policy)
    assert day.complete
    assert [o.status for o in day.outcomes] == [OutcomeStatus.DELIVERED] * len(orders)
    for o in day.outcomes:
        assert o.delivered_s is not None and o.delivered_s >= o.created_s
    assert day.kpis["distance_km"] > 0 and day.kpis["cost_per_delivered"] > 0


def test_the_setting_is_validated() -> None:
    with pytest.raises(InvalidInputError, match=r"PlannerSettings\.live\.instant"):
        LiveSettings("teleport")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"PlannerSettings\.live\.max_bundle"):
        LiveSettings(max_bundle=0)
    assert LiveSettings("routing").instant is LiveInstant.ROUTING  # type: ignore[arg-type]


def mixed_world(*couriers: Courier) -> World:
    return World(
        buildings=(building("b1", 1000), building("b2", 2000)),
        micro_warehouses=(warehouse("mw", 0),),
        stores=(store("fruit", 0), store("bakery", 500)),
        couriers=couriers,
        members=(Member("reg"),),
        detour_factor=1.0,
    )


def test_multi_store_orders_keep_the_routing_replan_with_the_couriers_left() -> None:
    # c1 (the pool) is the dispatcher's for i1; c2 declares multi-store and is not; the
    # multi-store basket is planned by the routing re-plan with the couriers left.
    w = mixed_world(courier("c1", 0), courier("c2", 0, flows=(MULTI,)))
    basket = Order(
        "m1",
        "reg",
        T0,
        (line("fruit", "apple", weight_kg=0.5), line("bakery", "bread", weight_kg=0.5)),
        MULTI,
        building_id="b2",
    )
    orders = [instant("i1", "b1"), basket]
    plan = replan(w, LiveState(), orders, at_s=T0, settings=DISPATCHER, params=FAST)
    check_live(plan, orders, {})
    (run,) = dispatcher_runs(plan)
    assert [t.id for t in run.problem.tasks] == ["i1"]  # type: ignore[attr-defined]
    assert plan.served_order_ids() == {"i1", "m1"}
    assert route_of(plan.routes, "c1")[-1] == (StopAction.DELIVER, "i1", "b1")
    assert route_of(plan.routes, "c2")[-1] == (StopAction.DELIVER, "m1", "b2")
    routed = [r for r in plan.routing_runs if r.solution.stats.member != MEMBER]
    assert [t.id for r in routed for t in r.problem.tasks] == ["m1"]


def test_routing_setting_keeps_the_routing_replan() -> None:
    w = world(courier("c1", 0))
    orders = [instant("i1", "b1")]
    plan = replan(w, LiveState(), orders, at_s=T0, settings=ROUTING, params=FAST)
    check_live(plan, orders, {})
    assert not dispatcher_runs(plan) and plan.served_order_ids() == {"i1"}


def test_routes_the_checker_rejects_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # As a portfolio member's answer: rejected by the checker, the routing search serves.
    class Rejected:
        ok = False

    monkeypatch.setattr("dispatch.live_instant.check", lambda *_: Rejected())
    w = world(courier("c1", 0))
    orders = [instant("i1", "b1")]
    plan = replan(w, LiveState(), orders, at_s=T0, settings=DISPATCHER, params=FAST)
    check_live(plan, orders, {})
    assert not dispatcher_runs(plan) and plan.served_order_ids() == {"i1"}


def test_generated_day_replay_every_wave_checked_and_orders_conserved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A small generated city day with the dispatcher: every wave's routes pass the
    # checker, locked orders stay with their courier, and every order ends once.
    waves: list[Plan] = []

    def checked(*args: object, **kwargs: object) -> Plan:
        plan = replan(*args, **kwargs)  # type: ignore[arg-type]
        for run in plan.routing_runs:
            assert check(run.problem, run.solution).ok
        state = args[1]
        assert isinstance(state, LiveState)
        for cs in state.couriers:
            stops = route_of(plan.routes, cs.courier_id)
            for carried in cs.on_board:
                assert (StopAction.DELIVER, carried.order_id) in {(a, o) for a, o, _ in stops}
            if cs.next_stop is not None:
                assert stops[0][1] == cs.next_stop.order_id
        waves.append(plan)
        return plan

    monkeypatch.setattr(replay_module, "replan", checked)
    scenario = build_scenario(city_day_scenario(5, blocks=6, orders=40, couriers=4))
    assert scenario.settings.live.instant is LiveInstant.DISPATCHER
    day = replay_module.replay_scenario(
        scenario, ReplayPolicy(wave_s=120.0, time_limit_s=0.3, iterations=30)
    )
    check_conservation(scenario.orders, day.outcomes)
    assert day.complete and waves
    assert any(dispatcher_runs(p) for p in waves)
    assert day.kpis["delivered"] + day.kpis["collected"] + day.kpis["unassigned"] == 40
