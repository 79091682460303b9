"""Live re-planning: what couriers carry and ride to stays with them; promises are kept.

The instant world of ``test_planner_instant``: a micro-warehouse at 0 m, buildings at
1, 2, 9 and 14 km north, e-bikes at 5 m/s; orders created at 10:00.
"""

from __future__ import annotations

import pytest

from dispatch import FulfilmentMode, Order, Planner, StopAction, TimeWindow, World
from dispatch.flows.delivery import DeliveryPromise
from dispatch.live import CommittedStop, CourierState, LiveState, OnBoard, PartlyPicked, replan
from dispatch.plan import Plan
from dispatch.settings import DEFAULT_COURIER_COSTS, CourierCost, PlannerSettings
from geo.profiles import ProfileName
from solvers import check
from solvers.errors import InvalidInputError
from tests.dispatch.helpers import FAST, LON, H, check_plan, courier, line, north
from tests.dispatch.test_planner_instant import T0, instant, world
from tests.dispatch.test_planner_multi_store import MULTI
from tests.dispatch.test_planner_multi_store import world as shops_world


def route_of(plan_routes: object, courier_id: str) -> list[tuple[StopAction, str, str]]:
    for route in plan_routes:  # type: ignore[attr-defined]
        if route.courier_id == courier_id:
            return [(s.action, s.order_ids[0], s.place_id) for s in route.stops]
    return []


def check_live(plan: Plan, orders: list[Order], on_board: dict[str, str]) -> None:
    """The solver checker passes, every order is served or unassigned once, and every
    on-board order is delivered (with no pickup) by its courier."""
    for run in plan.routing_runs:
        report = check(run.problem, run.solution)
        assert report.ok, report.violations
    unassigned = [u.order_id for u in plan.unassigned]
    served = plan.served_order_ids()
    assert len(unassigned) == len(set(unassigned))
    assert not served & set(unassigned)
    assert served | set(unassigned) == {o.id for o in orders}
    for order_id, courier_id in on_board.items():
        stops = route_of(plan.routes, courier_id)
        assert [a for a, o, _ in stops if o == order_id] == [StopAction.DELIVER]


def test_on_board_order_stays_with_its_courier() -> None:
    w = world(courier("c1", 0), courier("c2", 0))
    orders = [instant("i1", "b2"), instant("i2", "b1")]
    # c1 picked i1 up at 10:03 and is 1.5 km north at 10:08; c2 waits at the warehouse.
    state = LiveState(couriers=(CourierState("c1", LON, north(1500), (OnBoard("i1", T0 + 180),)),))
    plan = replan(w, state, orders, at_s=T0 + 480, params=FAST)
    check_live(plan, orders, {"i1": "c1"})
    c1 = route_of(plan.routes, "c1")
    assert (StopAction.DELIVER, "i1", "b2") in c1
    assert all(not (a is StopAction.PICKUP and o == "i1") for a, o, _ in c1)
    assert plan.kpis.orders_served == 2
    (run,) = plan.routing_runs
    (lock,) = run.problem.locks
    assert (lock.vehicle_id, lock.on_board) == ("c1", ("i1",))
    assert lock.picked_up_at_s == {"i1": T0 + 180}


def test_committed_next_stop_is_first_and_kept() -> None:
    # c2 is nearer the warehouse than c1 but c1 already rides to it for i1.
    w = world(courier("c1", 800), courier("c2", 100))
    orders = [instant("i1", "b1")]
    state = LiveState(
        couriers=(CourierState("c1", LON, north(400), next_stop=CommittedStop("i1", 0)),)
    )
    plan = replan(w, state, orders, at_s=T0 + 60, params=FAST)
    check_plan(plan, orders, Planner(w))
    assert route_of(plan.routes, "c1")[:2] == [
        (StopAction.PICKUP, "i1", "mw"),
        (StopAction.DELIVER, "i1", "b1"),
    ]
    assert route_of(plan.routes, "c2") == []


def test_promises_from_before_are_kept() -> None:
    w = world(courier("c1", 0))
    orders = [instant("i1", "b1")]
    promise = DeliveryPromise((TimeWindow(T0, T0 + 900),), max_lateness_s=120.0)
    plan = replan(w, LiveState(promises={"i1": promise}), orders, at_s=T0, params=FAST)
    (run,) = plan.routing_runs
    task = run.problem.task("i1")
    assert task.delivery.windows == promise.windows
    assert task.delivery.max_lateness_s == pytest.approx(120.0)
    fresh = replan(w, LiveState(), orders, at_s=T0, params=FAST)
    assert fresh.routing_runs[0].problem.task("i1").delivery.windows != promise.windows


def test_late_locked_order_is_still_delivered() -> None:
    # i1 was promised by 10:30 but is on board at 11:00, 14 km away: delivered late.
    w = world(courier("c1", 0))
    orders = [instant("i1", "b14")]
    state = LiveState(couriers=(CourierState("c1", LON, north(0), (OnBoard("i1", T0 + 300),)),))
    plan = replan(w, state, orders, at_s=T0 + 3600, params=FAST)
    check_live(plan, orders, {"i1": "c1"})
    assert plan.kpis.orders_served == 1
    assert route_of(plan.routes, "c1") == [(StopAction.DELIVER, "i1", "b14")]


def test_bad_state_is_refused() -> None:
    w = world(courier("c1", 0), courier("c2", 0))
    orders = [instant("i1", "b1")]
    with pytest.raises(InvalidInputError, match="unknown courier"):
        replan(w, LiveState(couriers=(CourierState("c9", LON, north(0)),)), orders, at_s=T0)
    twice = LiveState(
        couriers=(
            CourierState("c1", LON, north(0), (OnBoard("i1", T0),)),
            CourierState("c2", LON, north(0), next_stop=CommittedStop("i1", 1)),
        )
    )
    with pytest.raises(InvalidInputError, match="also with courier"):
        replan(w, twice, orders, at_s=T0)
    missing = LiveState(couriers=(CourierState("c1", LON, north(0), (OnBoard("i7", T0),)),))
    with pytest.raises(InvalidInputError, match="not among the orders"):
        replan(w, missing, orders, at_s=T0)
    bad_index = LiveState(
        couriers=(CourierState("c1", LON, north(0), next_stop=CommittedStop("i1", 2)),)
    )
    with pytest.raises(InvalidInputError, match=r"stop_index must be 0\.\.1"):
        replan(w, bad_index, orders, at_s=T0)
    visit = Order(
        "h1",
        "reg",
        T0,
        (line("mw", "cleaning"),),
        FulfilmentMode.HOME_SERVICE,
        building_id="b1",
        promised=TimeWindow(T0, T0 + 3600),
    )
    with pytest.raises(InvalidInputError, match="courier deliveries only"):
        replan(w, LiveState(), [visit], at_s=T0)


def test_courier_under_way_keeps_its_arrival() -> None:
    # c1 left the warehouse at 10:04 with i1 for b2 (2 km, 400 s): re-planned at 10:06
    # from where and when it set off, it still arrives at 10:10:40.
    w = world(courier("c1", 0))
    orders = [instant("i1", "b2")]
    state = LiveState(
        couriers=(
            CourierState(
                "c1",
                LON,
                north(0),
                (OnBoard("i1", T0 + 180),),
                CommittedStop("i1", 1),
                left_at_s=T0 + 240,
            ),
        )
    )
    plan = replan(w, state, orders, at_s=T0 + 360, params=FAST)
    check_live(plan, orders, {"i1": "c1"})
    (route,) = plan.routes
    assert route.stops[0].start_s == pytest.approx(T0 + 240 + 400)


# --- multi-store orders collected from some stores only ---------------------------------


def basket() -> Order:
    """Fruit (0 m, 2 kg) and bread (bakery, 500 m, 0.5 kg) for b1 (1500 m)."""
    return Order(
        "o1",
        "m1",
        T0,
        (line("fruit", "apple", 4, weight_kg=0.5), line("bakery", "bread", 1, weight_kg=0.5)),
        MULTI,
        building_id="b1",
    )


def two_couriers() -> World:
    # c2 waits at the bakery: without the lock it would take the whole basket.
    w = shops_world()
    return World(
        buildings=w.buildings,
        stores=w.stores,
        couriers=(courier("c1", 0), courier("c2", 500)),
        members=w.members,
        detour_factor=1.0,
    )


def test_partly_picked_order_stays_with_its_courier_and_skips_collected_stores() -> None:
    w = two_couriers()
    orders = [basket()]
    # c1 collected the fruit at 10:05 and is still at the fruit shop at 10:06.
    state = LiveState(
        couriers=(
            CourierState(
                "c1", LON, north(0), partly_picked=(PartlyPicked("o1", ("fruit",), T0 + 300),)
            ),
        )
    )
    plan = replan(w, state, orders, at_s=T0 + 360, params=FAST)
    check_live(plan, orders, {})
    assert route_of(plan.routes, "c1") == [
        (StopAction.PICKUP, "o1", "bakery"),
        (StopAction.DELIVER, "o1", "b1"),
    ]
    assert route_of(plan.routes, "c2") == []
    # The fruit (2 kg) is on the bike when the bread (0.5 kg) is loaded.
    (route,) = plan.routes
    assert route.stops[0].load_kg == pytest.approx(2.5)
    (run,) = plan.routing_runs
    (lock,) = run.problem.locks
    assert lock.pickups_done == {"o1": (0,)}
    assert lock.picked_up_at_s == {"o1": T0 + 300}
    assert lock.on_board == ()


def test_partly_picked_order_with_its_next_store_committed() -> None:
    w = two_couriers()
    other = Order(
        "o2",
        "m1",
        T0,
        (line("deli", "ham", 1, weight_kg=0.2), line("fruit", "fig", 1, weight_kg=0.2)),
        MULTI,
        building_id="b1",
    )
    orders = [basket(), other]
    # Bread collected first this time; c1 rides from the bakery (left 10:06) to the fruit.
    state = LiveState(
        couriers=(
            CourierState(
                "c1",
                LON,
                north(500),
                next_stop=CommittedStop("o1", 0),
                left_at_s=T0 + 360,
                partly_picked=(PartlyPicked("o1", ("bakery",), T0 + 300),),
            ),
        )
    )
    plan = replan(w, state, orders, at_s=T0 + 400, params=FAST)
    check_live(plan, orders, {})
    c1 = route_of(plan.routes, "c1")
    assert c1[0] == (StopAction.PICKUP, "o1", "fruit")
    assert [(a, p) for a, o, p in c1 if o == "o1"] == [
        (StopAction.PICKUP, "fruit"),
        (StopAction.DELIVER, "b1"),
    ]
    # Riding 500 m from 10:06: at the fruit shop at 10:07:40.
    assert plan.routes[0].stops[0].start_s == pytest.approx(T0 + 360 + 100)
    assert all("o1" not in s.order_ids for r in plan.routes[1:] for s in r.stops)
    assert plan.routes[0].courier_id == "c1"


@pytest.mark.parametrize(
    ("part", "next_stop", "match"),
    [
        (
            PartlyPicked("o1", ("deli",), T0),
            None,
            r"stores_done: 'deli' is not a store of the order",
        ),
        (PartlyPicked("o1", (), T0), None, r"stores_done: must name at least one collected store"),
        (
            PartlyPicked("o1", ("fruit", "fruit"), T0),
            None,
            r"stores_done: must not repeat a store",
        ),
        (
            PartlyPicked("o1", ("bakery", "fruit"), T0),
            None,
            r"names every store of the order: it is on board \(use OnBoard\)",
        ),
        (
            PartlyPicked("o1", ("fruit",), float("nan")),
            None,
            r"picked_up_at_s: must be a finite number",
        ),
        (
            PartlyPicked("o1", ("fruit",), T0),
            CommittedStop("o1", 0),
            r"next_stop: store 'fruit' of order 'o1' is already collected",
        ),
        (PartlyPicked("o9", ("fruit",), T0), None, r"order 'o9' is not among the orders"),
    ],
)
def test_bad_partly_picked_state_is_refused(
    part: PartlyPicked, next_stop: CommittedStop | None, match: str
) -> None:
    state = LiveState(
        couriers=(CourierState("c1", LON, north(0), next_stop=next_stop, partly_picked=(part,)),)
    )
    with pytest.raises(InvalidInputError, match=match):
        replan(two_couriers(), state, [basket()], at_s=T0 + 360)


def test_partly_picked_order_locked_twice_is_refused() -> None:
    part = (PartlyPicked("o1", ("fruit",), T0),)
    both = LiveState(
        couriers=(CourierState("c1", LON, north(0), (OnBoard("o1", T0),), partly_picked=part),)
    )
    with pytest.raises(
        InvalidInputError, match=r"partly_picked 'o1': the order is already on board"
    ):
        replan(two_couriers(), both, [basket()], at_s=T0 + 360)
    elsewhere = LiveState(
        couriers=(
            CourierState("c1", LON, north(0), partly_picked=part),
            CourierState("c2", LON, north(500), next_stop=CommittedStop("o1", 1)),
        )
    )
    with pytest.raises(InvalidInputError, match=r"order 'o1' is also with courier 'c1'"):
        replan(two_couriers(), elsewhere, [basket()], at_s=T0 + 360)


def test_live_replan_leaves_the_fixed_cost_of_a_courier_out() -> None:
    # One courier for b2 then b9 is 4 min later at b9 (24 at 0.1 a second); a second is
    # worth it unless using one costs 100 (batch plans charge that, a re-plan during the
    # shift not).
    costs = dict(DEFAULT_COURIER_COSTS)
    costs[ProfileName.E_BIKE] = CourierCost(fixed_cost=100.0, cost_per_km=0.5, cost_per_hour=30.0)
    settings = PlannerSettings(courier_costs=costs, lateness_cost_per_s=0.1)
    w = world(courier("c1", 0), courier("c2", 0))
    orders = [instant("i1", "b2"), instant("i2", "b9")]
    batch = Planner(w, settings).plan(orders, at_s=T0, params=FAST)
    assert len(batch.routes) == 1
    assert {v.fixed_cost for v in batch.routing_runs[0].problem.vehicles} == {100.0}
    plan = replan(w, LiveState(), orders, at_s=T0, settings=settings, params=FAST)
    check_live(plan, orders, {})
    assert {v.fixed_cost for v in plan.routing_runs[0].problem.vehicles} == {0.0}
    assert len(plan.routes) == 2


def test_only_delivery_couriers_are_offered_the_orders() -> None:
    # A van (trunk routes), a technician, a courier off shift and one declaring the
    # scheduled flow are not offered instant orders; e1 is, and c9 (declaring scheduled
    # too) because it carries one.
    w = world(
        courier("van", 0, profile="van"),
        courier("tech", 0, skills=frozenset({"plumbing"})),
        courier("gone", 0, shift=TimeWindow(6 * H, 9 * H)),
        courier("slots", 0, skills=frozenset({"scheduled"})),
        courier("e1", 0),
        courier("c9", 500, skills=frozenset({"scheduled"})),
    )
    orders = [instant("i1", "b1"), instant("i2", "b2")]
    state = LiveState(couriers=(CourierState("c9", LON, north(500), (OnBoard("i2", T0 - 60),)),))
    plan = replan(w, state, orders, at_s=T0, params=FAST)
    check_live(plan, orders, {"i2": "c9"})
    (run,) = plan.routing_runs
    assert sorted(v.id for v in run.problem.vehicles) == ["c9", "e1"]
    assert route_of(plan.routes, "e1") == [
        (StopAction.PICKUP, "i1", "mw"),
        (StopAction.DELIVER, "i1", "b1"),
    ]
