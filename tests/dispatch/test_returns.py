"""Returns as a flow: collected at the door on the delivery routes, brought to the store.

A micro-warehouse at 0 m, buildings north of it, e-bike couriers at 5 m/s; the plan is
made at 10:00.  Every solve goes through the independent checker (``check_plan``).
"""

from __future__ import annotations

import pytest

from dispatch import (
    FulfilmentMode,
    Member,
    Order,
    Planner,
    ReturnRequest,
    StopAction,
    TimeWindow,
    UnassignedOrderReason,
    World,
)
from dispatch.domain import Courier, TemperatureClass
from dispatch.payloads import PayloadError
from dispatch.plan_schema import plan_from_json
from dispatch.returns import ReturnStatus, parse_return
from dispatch.returns_effect import plan_with_returns_effect, without_return_stops_km
from solvers import SolveParams
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

T0 = 10 * H
INSTANT = FulfilmentMode.INSTANT
ITERATIONS = SolveParams(time_limit_s=5.0, workers=1, iterations=200)


def world(*couriers: Courier) -> World:
    return World(
        buildings=(building("b1", 1000), building("b2", 2000), building("b9", 9000)),
        micro_warehouses=(warehouse("mw", 0),),
        stores=(store("shop", 500),),
        pickup_points=(point("pp", 1500),),
        couriers=couriers,
        members=(Member("reg"),),
        detour_factor=1.0,
    )


def instant(oid: str, building_id: str, **kw: object) -> Order:
    milk = line("mw", "milk", **kw)  # type: ignore[arg-type]
    return Order(oid, "reg", T0, (milk,), INSTANT, building_id=building_id)


def a_return(
    rid: str,
    building_id: str | None = "b1",
    *,
    to: str = "mw",
    window: tuple[float, float] = (T0, T0 + H),
    **kw: object,
) -> ReturnRequest:
    return ReturnRequest(
        rid,
        (line(to, "kettle", weight_kg=kw.pop("weight_kg", 1.5), **kw),),  # type: ignore[arg-type]
        to,
        TimeWindow(*window),
        order_id="o-old",
        building_id=building_id,
        pickup_point_id=None if building_id else "pp",
    )


def returns_checked(plan: object, returns: list[ReturnRequest]) -> None:
    """Each return exactly once; a collected one is collected then returned on one route,
    at its door and its ``to``, with its weight on board between the two."""
    assert sorted(r.return_id for r in plan.returns) == sorted(r.id for r in returns)  # type: ignore[attr-defined]
    by_id = {r.id: r for r in returns}
    for planned in plan.returns:  # type: ignore[attr-defined]
        request = by_id[planned.return_id]
        if planned.status is not ReturnStatus.COLLECTED:
            assert planned.reason and planned.detail
            continue
        (route,) = [r for r in plan.routes if r.courier_id == planned.courier_id]  # type: ignore[attr-defined]
        stops = [s for s in route.stops if s.order_ids == (request.id,)]
        assert [s.action for s in stops] == [StopAction.COLLECT, StopAction.RETURN]
        collect, drop = stops
        assert collect.place_id == request.door_place_id and drop.place_id == request.to_place_id
        assert planned.collected_s == collect.start_s and planned.reached_s == drop.start_s
        k = route.stops.index(collect)
        before = route.stops[k - 1].load_kg if k else 0.0
        assert collect.load_kg == pytest.approx(
            before + sum(x.weight_total_kg for x in request.lines)
        )


def test_return_collected_by_the_courier_delivering_on_that_route() -> None:
    planner = Planner(world(courier("c1", 0)))
    orders = [instant("i1", "b2")]
    returns = [a_return("r1", "b1")]
    plan = planner.plan(orders, at_s=T0, params=FAST, returns=returns)
    check_plan(plan, orders, planner)
    returns_checked(plan, returns)
    (route,) = plan.routes
    actions = {(s.action, s.order_ids[0]) for s in route.stops}
    assert (StopAction.DELIVER, "i1") in actions
    assert (StopAction.COLLECT, "r1") in actions and (StopAction.RETURN, "r1") in actions
    (planned,) = plan.returns
    assert planned.status is ReturnStatus.COLLECTED and planned.courier_id == "c1"
    assert planned.on_time and planned.reached_s is not None
    assert planned.reached_s > planned.collected_s  # type: ignore[operator]
    # The return is one task of the very routing problem the delivery is in.
    (run,) = plan.routing_runs
    assert {t.id for t in run.problem.tasks} == {"i1", "return:r1"}
    assert plan.served_order_ids() == {"i1"} and not plan.unassigned
    kpis = plan.kpis
    assert kpis.orders_served == 1 and kpis.on_time_pct == 100.0
    assert kpis.returns is not None
    assert (kpis.returns.returns_total, kpis.returns.returns_collected) == (1, 1)
    assert kpis.returns.returns_on_time == 1 and kpis.returns.on_time_pct == 100.0


def test_returns_alone_and_from_a_pickup_point() -> None:
    planner = Planner(world(courier("c1", 0)))
    returns = [a_return("r1", None, to="shop"), a_return("r2", "b2", to="mw")]
    plan = planner.plan([], at_s=T0, params=FAST, returns=returns)
    check_plan(plan, [], planner)
    returns_checked(plan, returns)
    assert all(p.status is ReturnStatus.COLLECTED for p in plan.returns)
    assert plan.kpis.orders_total == 0 and plan.kpis.distance_km > 0


def test_returns_that_cannot_be_collected_say_why() -> None:
    planner = Planner(world(courier("c1", 0, capacity_kg=10.0, cold_boxes=0)))
    orders = [instant("i1", "b2")]
    returns = [
        a_return("heavy", "b1", weight_kg=50.0),
        a_return("cold", "b1", temperature=TemperatureClass.FROZEN),
        a_return("gone", "b1", window=(8 * H, 8.5 * H)),
        a_return("fine", "b2"),
    ]
    plan = planner.plan(orders, at_s=T0, params=FAST, returns=returns)
    check_plan(plan, orders, planner)
    returns_checked(plan, returns)
    status = {p.return_id: (p.status, p.reason) for p in plan.returns}
    assert status["heavy"] == (ReturnStatus.UNASSIGNED, UnassignedOrderReason.CAPACITY.value)
    assert status["cold"] == (ReturnStatus.UNASSIGNED, UnassignedOrderReason.CAPACITY.value)
    assert status["gone"] == (ReturnStatus.UNASSIGNED, UnassignedOrderReason.TIME_WINDOW.value)
    assert status["fine"] == (ReturnStatus.COLLECTED, None)
    assert plan.kpis.returns is not None and plan.kpis.returns.returns_collected == 1
    assert plan.served_order_ids() == {"i1"}


def test_load_and_cold_boxes_rise_after_the_collection() -> None:
    # One cold box: the chilled delivery and a chilled return may not ride together,
    # so the courier drops the milk before collecting the return.
    planner = Planner(world(courier("c1", 0, cold_boxes=1)))
    orders = [instant("i1", "b1", temperature=TemperatureClass.CHILLED)]
    returns = [a_return("r1", "b2", temperature=TemperatureClass.CHILLED)]
    plan = planner.plan(orders, at_s=T0, params=FAST, returns=returns)
    check_plan(plan, orders, planner)
    returns_checked(plan, returns)
    (route,) = plan.routes
    assert max(s.load_cold_boxes for s in route.stops) == 1.0
    kinds = [s.action for s in route.stops]
    assert kinds.index(StopAction.DELIVER) < kinds.index(StopAction.COLLECT)
    collect = route.stops[kinds.index(StopAction.COLLECT)]
    assert collect.load_cold_boxes == 1.0


def test_no_courier_and_bad_references() -> None:
    planner = Planner(world())
    plan = planner.plan([], at_s=T0, params=FAST, returns=[a_return("r1")])
    (planned,) = plan.returns
    assert planned.reason == UnassignedOrderReason.NO_COURIER.value
    with pytest.raises(PayloadError) as error:
        planner.plan([], at_s=T0, returns=[a_return("r1", to="nowhere"), a_return("r1", "b77")])
    fields = error.value.fields
    assert "return 'r1': to" in fields and "return 'r1': building_id" in fields
    assert "return 'r1': id" in fields


def test_payload_round_trip_and_field_paths() -> None:
    data = {
        "id": "r1",
        "order_id": "o9",
        "pickup_point_id": "pp",
        "to": "mw",
        "lines": [{"sku": "kettle", "quantity": 1, "weight_kg": 1.5}],
        "window": {"start": "10:00", "end": "11:00"},
    }
    request = parse_return(data)
    assert request.door_place_id == "pp" and request.lines[0].store_id == "mw"
    assert request.window == TimeWindow(T0, T0 + H) and request.created_at_s == T0
    with pytest.raises(PayloadError) as error:
        parse_return({**data, "lines": [{"sku": "x", "quantity": 0}], "window": {"start": 5}})
    assert set(error.value.fields) >= {"lines[0].quantity", "window.end"}
    with pytest.raises(PayloadError) as error:
        parse_return({**data, "building_id": "b1"})
    assert error.value.fields == ("return 'r1': building_id",)


def test_plan_json_round_trip_with_returns() -> None:
    planner = Planner(world(courier("c1", 0)))
    orders = [instant("i1", "b2")]
    returns = [a_return("r1"), a_return("gone", window=(8 * H, 8.5 * H))]
    plan = planner.plan(orders, at_s=T0, params=FAST, returns=returns)
    data = plan.to_json()
    assert [r["status"] for r in data["returns"]] == ["unassigned", "collected"]
    assert data["kpis"]["returns"]["returns_collected"] == 1
    again = plan_from_json(data)
    assert again.returns == plan.returns and again.kpis == plan.kpis
    assert again.warehouse_pick_lists == plan.warehouse_pick_lists
    no_returns = planner.plan(orders, at_s=T0, params=FAST).to_json()
    assert "returns" not in no_returns and "returns" not in no_returns["kpis"]


def test_km_added_compares_the_plan_without_the_returns() -> None:
    planner = Planner(world(courier("c1", 0)))
    orders = [instant("i1", "b2")]
    far = a_return("far", "b9")
    plan = plan_with_returns_effect(planner, orders, [far], at_s=T0, params=ITERATIONS)
    returns_checked(plan, [far])
    alone = planner.plan(orders, at_s=T0, params=ITERATIONS)
    assert plan.kpis.returns is not None and plan.kpis.returns.km_added is not None
    # Out to b9 and back to the warehouse: at least 2 * 7 km beyond the delivery.
    assert plan.kpis.returns.km_added == pytest.approx(
        plan.kpis.distance_km - alone.kpis.distance_km
    )
    assert plan.kpis.returns.km_added >= 14.0 - 1e-6
    # The baseline's other half: the same routes skipping the return stops.
    assert without_return_stops_km(alone) == pytest.approx(alone.kpis.distance_km)
    assert without_return_stops_km(plan) == pytest.approx(alone.kpis.distance_km)
