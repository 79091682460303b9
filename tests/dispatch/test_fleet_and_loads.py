"""Which flow each courier works, what order lines weigh in a vehicle, reason codes."""

from __future__ import annotations

from dispatch import FulfilmentMode, TemperatureClass, TimeWindow, UnassignedOrderReason
from dispatch.fleet import allocate_fleet
from dispatch.flows.routing import order_reason
from dispatch.loads import cold_boxes, containers, demand
from solvers import UnassignedReason
from tests.dispatch.helpers import H, courier, line


def test_one_flow_per_courier_by_declaration_profile_and_skills() -> None:
    couriers = [
        courier("bike", 0),
        courier("trike", 0, "tricycle"),
        courier("van", 0, "van"),
        courier("plumber", 0, skills={"plumbing"}),
        courier("sched", 0, skills={"scheduled"}),
        courier("both", 0, skills={"home_service", "instant", "plumbing"}),
        courier("van_bike", 0, "van", skills={"multi_store"}),
        courier("idle_tag", 0, skills={"next_day_pickup"}),
        courier("gone", 0, shift=TimeWindow(6 * H, 9 * H)),
    ]
    present = {
        FulfilmentMode.INSTANT,
        FulfilmentMode.MULTI_STORE,
        FulfilmentMode.SCHEDULED,
        FulfilmentMode.HOME_SERVICE,
    }
    fleet = allocate_fleet(couriers, present, at_s=10 * H)
    ids = {flow: [c.id for c in fleet.of(flow)] for flow in FulfilmentMode}
    assert ids == {
        FulfilmentMode.INSTANT: ["both"],  # the first declared flow with orders
        FulfilmentMode.MULTI_STORE: ["van_bike"],  # a declaration beats the profile
        FulfilmentMode.SCHEDULED: ["sched"],
        FulfilmentMode.NEXT_DAY_PICKUP: ["van"],
        FulfilmentMode.HOME_SERVICE: ["plumber"],
    }
    assert [c.id for c in fleet.pool] == ["bike", "trike"]
    assert [c.id for c in fleet.idle] == ["gone", "idle_tag"]


def test_demand_vector_cold_boxes_and_containers() -> None:
    lines = [
        line("s", "ice", 3, weight_kg=1.0, volume_l=12.0, temperature=TemperatureClass.FROZEN),
        line("s", "soup", 1, weight_kg=0.8, volume_l=1.0, temperature=TemperatureClass.HOT),
        line("s", "rice", 2, weight_kg=5.0, volume_l=6.0),
    ]
    # Frozen 36 l: two 30 l boxes; hot 1 l: one more (classes never share a box).
    assert cold_boxes(lines, 30.0) == 3
    assert demand(lines, 30.0) == (13.8, 49.0, 3.0)
    assert containers(0.0, 40.0) == 0
    assert containers(40.0, 40.0) == 1
    assert containers(40.5, 40.0) == 2


def test_every_solver_reason_is_a_plan_reason() -> None:
    for reason in UnassignedReason:
        mapped = order_reason(reason)
        if reason is UnassignedReason.NO_VEHICLE:
            assert mapped is UnassignedOrderReason.NO_COURIER
        else:
            assert mapped.value == reason.value
