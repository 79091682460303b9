"""Issue 13 in live re-planning: a courier shared by several delivery flows plans them in
one routing model, with its locks (carried goods, partly picked, committed stop) kept
(with `live.instant = "routing"`: the instant dispatcher would take instant orders first).

A micro-warehouse and a fruit shop at 0 m, a bakery at 500 m, buildings at 1 and 2 km
north; e-bikes at 5 m/s; orders created at 10:00.
"""

from __future__ import annotations

from dispatch import FulfilmentMode, Order, StopAction
from dispatch.live import CommittedStop, CourierState, LiveState, OnBoard, PartlyPicked, replan
from dispatch.plan import Plan
from solvers import check
from tests.dispatch.helpers import FAST, LON, courier, line, north
from tests.dispatch.test_live import check_live, route_of
from tests.dispatch.test_live_instant import ROUTING, mixed_world
from tests.dispatch.test_planner_instant import T0, instant

INSTANT = FulfilmentMode.INSTANT
MULTI = FulfilmentMode.MULTI_STORE
BOTH = (INSTANT, MULTI)


def basket(oid: str = "m1", building_id: str = "b2") -> Order:
    return Order(
        oid,
        "reg",
        T0,
        (line("fruit", "apple", weight_kg=0.5), line("bakery", "bread", weight_kg=0.5)),
        MULTI,
        building_id=building_id,
    )


def combined_run(plan: Plan) -> object:
    (run,) = plan.routing_runs
    for task in run.problem.tasks:
        assert any(s.startswith("flow:") for s in task.skills)
    assert check(run.problem, run.solution).ok
    return run


def test_a_shared_courier_serves_two_flows_on_one_route() -> None:
    # c1 may work instant and multi-store: one model, both orders on c1's route.  Planned
    # in turn, the instant flow would take c1 and leave the basket without a courier.
    w = mixed_world(courier("c1", 0, flows=BOTH))
    orders = [instant("i1", "b1"), basket()]
    plan = replan(w, LiveState(), orders, at_s=T0, settings=ROUTING, params=FAST)
    check_live(plan, orders, {})
    combined_run(plan)
    assert plan.served_order_ids() == {"i1", "m1"}
    (route,) = plan.routes
    assert route.flow is INSTANT  # filed under the most urgent flow among its orders
    assert plan.kpis.orders_served == 2


def test_carried_goods_stay_on_the_shared_courier_with_the_other_flow() -> None:
    w = mixed_world(courier("c1", 0, flows=BOTH), courier("c2", 0, flows=(INSTANT,)))
    orders = [instant("i1", "b1"), basket(), instant("i2", "b2")]
    state = LiveState(couriers=(CourierState("c1", LON, north(0), (OnBoard("i1", T0 + 180),)),))
    plan = replan(w, state, orders, at_s=T0 + 240, settings=ROUTING, params=FAST)
    check_live(plan, orders, {"i1": "c1"})
    run = combined_run(plan)
    assert {"i1", "m1"} <= plan.served_order_ids()
    # c2 (instant only) cannot take the basket: the model's skills keep the fleet rule.
    assert all(o != "m1" for _, o, _ in route_of(plan.routes, "c2"))
    assert "flow:multi_store" not in run.problem.vehicle("c2").skills  # type: ignore[attr-defined]


def test_partly_picked_basket_and_committed_stop_are_kept() -> None:
    # c1 collected the fruit of m1 and rides to the bakery; an instant order arrives.
    w = mixed_world(courier("c1", 0, flows=BOTH))
    orders = [basket(), instant("i1", "b1")]
    state = LiveState(
        couriers=(
            CourierState(
                "c1",
                LON,
                north(0),
                next_stop=CommittedStop("m1", 1),
                left_at_s=T0 + 400,
                partly_picked=(PartlyPicked("m1", ("fruit",), T0 + 300),),
            ),
        )
    )
    plan = replan(w, state, orders, at_s=T0 + 420, settings=ROUTING, params=FAST)
    check_live(plan, orders, {})
    combined_run(plan)
    c1 = route_of(plan.routes, "c1")
    assert c1[0] == (StopAction.PICKUP, "m1", "bakery")
    assert (StopAction.PICKUP, "m1", "fruit") not in c1
    assert plan.served_order_ids() == {"m1", "i1"}
