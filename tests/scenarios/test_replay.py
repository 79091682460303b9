"""Day replay: waves of live re-planning, couriers following their routes, conservation."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pytest

from dispatch import FulfilmentMode, Order, Plan, StopAction, TimeWindow, World
from dispatch.live import LiveState, replan
from dispatch.plan import UnassignedOrderReason
from scenarios.demo import demo_scenario
from scenarios.replay import (
    OrderOutcome,
    OutcomeStatus,
    ReplayPolicy,
    ReplayReason,
    check_conservation,
    day_kpis,
    replay_day,
    replay_policy_from_json,
    replay_scenario,
)
from scenarios.scenario_build import build_scenario
from solvers import check
from solvers.errors import EngineError, InvalidInputError
from tests.dispatch.helpers import H, courier, line
from tests.dispatch.test_planner_instant import world
from tests.dispatch.test_planner_multi_store import world as shops_world

T0 = 10 * H
FAST = ReplayPolicy(wave_s=120.0, time_limit_s=0.2)


def instant(oid: str, building_id: str, created_s: float) -> Order:
    return Order(
        oid,
        "reg",
        created_s,
        (line("mw", "milk", weight_kg=0.5),),
        FulfilmentMode.INSTANT,
        building_id=building_id,
    )


def test_orders_arriving_over_time_are_all_delivered() -> None:
    w: World = world(courier("c1", 0))
    orders = [instant("i1", "b1", T0), instant("i2", "b2", T0 + 600), instant("i3", "b1", T0 + 660)]
    day = replay_day(w, orders, policy=FAST)
    assert day.complete
    by_id = {o.order_id: o for o in day.outcomes}
    assert [by_id[o].status for o in ("i1", "i2", "i3")] == ["delivered"] * 3
    assert {o.courier_id for o in day.outcomes} == {"c1"}
    # i1 alone: picked at 10:03 after picking 180 s, 60 s pickup, 200 s ride: 10:07:20.
    assert by_id["i1"].delivered_s == pytest.approx(T0 + 440)
    for o in day.outcomes:
        assert o.delivered_s is not None and o.delivered_s >= o.created_s
    kpis = day.kpis
    assert (kpis["orders_total"], kpis["delivered"], kpis["collected"]) == (3, 3, 0)
    assert (kpis["unassigned"], kpis["late"]) == (0, 0)
    # Statuses and modes are StrEnums: the JSON holds their plain values.
    written = json.loads(json.dumps(day.to_json()))["orders"][0]
    assert (written["mode"], written["status"]) == ("instant", "delivered")
    assert kpis["click_to_door_mean_min"] > 0
    assert day.waves >= 2
    first = day.timeline[0]
    assert (first.at_s, first.open_orders, first.done_orders) == (T0, 1, 0)
    assert first.replan_wall_s > 0


def test_no_courier_means_unassigned_with_reason() -> None:
    w: World = world(courier("c1", 0, shift=TimeWindow(6 * H, 7 * H)))
    orders = [instant("i1", "b1", T0)]
    day = replay_day(
        w, orders, policy=ReplayPolicy(wave_s=600.0, give_up_s=1200.0, time_limit_s=0.2)
    )
    (outcome,) = day.outcomes
    assert outcome.status == "unassigned"
    assert outcome.reason
    assert day.kpis["unassigned_by_reason"] == {outcome.reason: 1}


def test_an_order_past_its_latest_handover_is_dropped_then() -> None:
    # b14 is 14 km away: 47 min at 5 m/s, past the 30 min promise and 15 min cap.  The
    # order is dropped with time_window once 45 min have passed, not after give_up_s.
    w: World = world(courier("c1", 0))
    orders = [instant("far", "b14", T0)]
    policy = ReplayPolicy(wave_s=300.0, give_up_s=4 * H, time_limit_s=0.2)
    day = replay_day(w, orders, policy=policy)
    (outcome,) = day.outcomes
    assert (outcome.status, outcome.reason) == ("unassigned", "time_window")
    assert day.timeline[-1].at_s <= T0 + 45 * 60 + 2 * 300


def test_interrupted_replay_is_partial_but_conserved() -> None:
    w: World = world(courier("c1", 0))
    orders = [instant("i1", "b1", T0), instant("i2", "b14", T0 + 3000)]

    def stop(elapsed_s: float, total_s: float) -> None:
        if elapsed_s >= 600:
            raise KeyboardInterrupt

    day = replay_day(w, orders, policy=FAST, progress=stop)
    assert not day.complete
    by_id = {o.order_id: o for o in day.outcomes}
    assert by_id["i1"].status == "delivered"
    assert (by_id["i2"].status, by_id["i2"].reason) == ("unassigned", "interrupted")
    assert by_id["i2"].reason is ReplayReason.INTERRUPTED


def test_conservation_check_catches_lost_and_double_orders() -> None:
    orders = [instant("i1", "b1", T0), instant("i2", "b1", T0)]
    ok = [
        OrderOutcome("i1", FulfilmentMode.INSTANT, OutcomeStatus.DELIVERED, T0, "c1", T0 + 100),
        OrderOutcome(
            "i2",
            FulfilmentMode.INSTANT,
            OutcomeStatus.UNASSIGNED,
            T0,
            reason=ReplayReason.NOT_FINISHED,
        ),
    ]
    check_conservation(orders, ok)
    with pytest.raises(EngineError, match="missing"):
        check_conservation(orders, ok[:1])
    with pytest.raises(EngineError, match="two outcomes"):
        check_conservation(orders, [*ok, ok[0]])
    with pytest.raises(EngineError, match="without a reason"):
        check_conservation(
            orders,
            [ok[0], OrderOutcome("i2", FulfilmentMode.INSTANT, OutcomeStatus.UNASSIGNED, T0)],
        )


def test_outcome_reasons_serialise_as_their_plain_strings() -> None:
    outcomes = [
        OrderOutcome("i1", FulfilmentMode.INSTANT, OutcomeStatus.UNASSIGNED, T0, reason=why)
        for why in (ReplayReason.INTERRUPTED, UnassignedOrderReason.NO_COURIER)
    ]
    assert json.dumps([o.__dict__ for o in outcomes]) == (
        '[{"order_id": "i1", "mode": "instant", "status": "unassigned", "created_s": 36000.0, '
        '"courier_id": null, "delivered_s": null, "late": false, "reason": "interrupted"}, '
        '{"order_id": "i1", "mode": "instant", "status": "unassigned", "created_s": 36000.0, '
        '"courier_id": null, "delivered_s": null, "late": false, "reason": "no_courier"}]'
    )
    kpis = day_kpis(outcomes, world_courier_hours=0.0, busy_s={})
    assert json.dumps(kpis["unassigned_by_reason"]) == '{"interrupted": 1, "no_courier": 1}'
    assert all(type(k) is str for k in kpis["unassigned_by_reason"])


def test_policy_validation() -> None:
    with pytest.raises(InvalidInputError, match="wave_s"):
        ReplayPolicy(wave_s=0)
    with pytest.raises(InvalidInputError, match="zones_from_couriers"):
        ReplayPolicy(zones_from_couriers=0)
    assert replay_policy_from_json({"zones_from_couriers": None}).zones_from_couriers is None
    with pytest.raises(InvalidInputError, match="zones_from_couriers"):
        replay_policy_from_json({"zones_from_couriers": 1.5})


def test_demo_day_replays_every_flow() -> None:
    scenario = build_scenario(demo_scenario(seed=7, blocks=6))
    day = replay_scenario(scenario, ReplayPolicy(wave_s=300.0, time_limit_s=0.2))
    kpis = day.kpis
    assert kpis["orders_total"] == len(scenario.orders)
    assert kpis["delivered"] + kpis["collected"] + kpis["unassigned"] == kpis["orders_total"]
    assert kpis["collected"] > 0
    assert kpis["delivered"] > 0


def test_long_ride_over_many_waves_keeps_its_time() -> None:
    # 9 km at 5 m/s is 1800 s, many 2-minute waves: the courier under way is re-planned
    # from where and when it set off, so the delivery happens (it used to slip forever).
    w: World = world(courier("c1", 0))
    orders = [instant("i1", "b9", T0)]
    day = replay_day(w, orders, policy=FAST)
    (outcome,) = day.outcomes
    assert outcome.status == "delivered"
    # Picking 180 s, pickup 60 s, 1800 s ride.
    assert outcome.delivered_s == pytest.approx(T0 + 180 + 60 + 1800)


def test_policy_from_json() -> None:
    policy = replay_policy_from_json({"wave_s": 60, "iterations": 50, "workers": 1})
    assert (policy.wave_s, policy.iterations, policy.params.iterations) == (60.0, 50, 50)
    with pytest.raises(InvalidInputError) as caught:
        replay_policy_from_json({"wave_s": "x", "speed": 1, "workers": 1.5})
    message = str(caught.value)
    assert "wave_s: must be a number" in message
    assert "speed: unknown field" in message
    assert "workers: must be a whole number" in message


def test_repeatable_with_an_iteration_limit() -> None:
    w: World = world(courier("c1", 0), courier("c2", 1000))
    orders = [instant(f"i{k}", f"b{1 + k % 2}", T0 + 60 * k) for k in range(6)]
    policy = ReplayPolicy(wave_s=120.0, time_limit_s=5.0, iterations=20)
    assert replay_day(w, orders, policy=policy) == replay_day(w, orders, policy=policy)


def test_a_basket_partly_picked_at_a_wave_is_finished_by_its_courier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # c1 waits at the fruit shop (0 m) for basket o1: fruit (ready 10:05), then the deli
    # 6 km away (1200 s), then b1 (1.5 km).  o2 arrives at 10:10 while c1 rides to the
    # deli, so the 10:10 wave re-plans with the fruit on the bike and the deli to go.
    w = shops_world()
    multi = FulfilmentMode.MULTI_STORE
    o1 = Order(
        "o1",
        "m1",
        T0,
        (line("fruit", "apple", 2, weight_kg=0.5), line("deli", "ham", 1, weight_kg=0.3)),
        multi,
        building_id="b1",
    )
    o2 = Order(
        "o2",
        "m1",
        T0 + 600,
        (line("bakery", "bread", 1, weight_kg=0.5), line("fruit", "fig", 1, weight_kg=0.2)),
        multi,
        building_id="b1",
    )
    waves: list[tuple[float, LiveState, Plan]] = []

    def spy(world: World, state: LiveState, orders: Sequence[Order], **kw: Any) -> Plan:
        plan = replan(world, state, orders, **kw)
        for run in plan.routing_runs:
            report = check(run.problem, run.solution)
            assert report.ok, report.violations
        waves.append((kw["at_s"], state, plan))
        return plan

    monkeypatch.setattr("scenarios.replay.replan", spy)
    day = replay_day(w, [o1, o2], policy=FAST)
    assert day.complete
    assert [(o.order_id, o.status, o.courier_id) for o in day.outcomes] == [
        ("o1", "delivered", "c1"),
        ("o2", "delivered", "c1"),
    ]
    # The 10:10 wave saw o1 partly picked (fruit, since 10:05) and routed only the rest.
    (_, state, plan) = next(wave for wave in waves if wave[0] == T0 + 600)
    (c1,) = state.couriers
    assert [(p.order_id, p.stores_done, p.picked_up_at_s) for p in c1.partly_picked] == [
        ("o1", ("fruit",), T0 + 300)
    ]
    assert c1.on_board == ()
    (route,) = plan.routes
    assert [(s.action, s.place_id) for s in route.stops if "o1" in s.order_ids] == [
        (StopAction.PICKUP, "deli"),
        (StopAction.DELIVER, "b1"),
    ]
    # Across the day (each plan followed until the next one), every store of an order
    # is visited once and its door once, all by one courier.
    done: dict[str, list[tuple[str, StopAction, str]]] = {}
    for k, (_, _, followed) in enumerate(waves):
        until = waves[k + 1][0] if k + 1 < len(waves) else math.inf
        for r in followed.routes:
            for s in r.stops:
                if s.departure_s > until:
                    break
                done.setdefault(s.order_ids[0], []).append((r.courier_id, s.action, s.place_id))
    for order in (o1, o2):
        stops = done[order.id]
        assert {c for c, _, _ in stops} == {"c1"}
        assert sorted(p for _, a, p in stops if a is StopAction.PICKUP) == sorted(order.store_ids)
        assert [p for _, a, p in stops if a is StopAction.DELIVER] == ["b1"]
