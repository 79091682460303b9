"""Live re-planning: what couriers carry and ride to stays with them; promises are kept.

The instant world of ``test_planner_instant``: a micro-warehouse at 0 m, buildings at
1, 2, 9 and 14 km north, e-bikes at 5 m/s; orders created at 10:00.
"""

from __future__ import annotations

import pytest

from dispatch import FulfilmentMode, Order, Planner, StopAction, TimeWindow
from dispatch.flows.delivery import DeliveryPromise
from dispatch.live import CommittedStop, CourierState, LiveState, OnBoard, replan
from dispatch.plan import Plan
from solvers import TimeWindow as SolverWindow
from solvers import check
from solvers.errors import InvalidInputError
from tests.dispatch.helpers import FAST, LON, check_plan, courier, line, north
from tests.dispatch.test_planner_instant import T0, instant, world


def route_of(plan_routes: object, courier_id: str) -> list[tuple[StopAction, str, str]]:
    for route in plan_routes:  # type: ignore[attr-defined]
        if route.courier_id == courier_id:
            return [(s.action, s.order_ids[0], s.place_id) for s in route.stops]
    return []


def check_live(plan: Plan, orders: list[Order], on_board: dict[str, str]) -> None:
    """The solver checker passes, every order is served or unassigned once, and every
    on-board order is delivered (with no pickup) by its courier."""
    for run in plan.solver_runs:
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
    (run,) = plan.solver_runs
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
    promise = DeliveryPromise((SolverWindow(T0, T0 + 900),), max_lateness_s=120.0)
    plan = replan(w, LiveState(promises={"i1": promise}), orders, at_s=T0, params=FAST)
    (run,) = plan.solver_runs
    task = run.problem.task("i1")
    assert task.delivery.windows == promise.windows
    assert task.delivery.max_lateness_s == pytest.approx(120.0)
    fresh = replan(w, LiveState(), orders, at_s=T0, params=FAST)
    assert fresh.solver_runs[0].problem.task("i1").delivery.windows != promise.windows


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
