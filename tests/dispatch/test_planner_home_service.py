"""Home services end to end: skills, shifts, visit durations and windows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispatch import (
    FulfilmentMode,
    Member,
    MemberTier,
    Order,
    OrderLine,
    Planner,
    StopAction,
    TimeWindow,
    UnassignedOrderReason,
    World,
)
from tests.dispatch.helpers import FAST, H, building, check_plan, courier

T0 = 8 * H
HOME = FulfilmentMode.HOME_SERVICE


def world() -> World:
    return World(
        buildings=(building("b1", 1000), building("b2", 2000)),
        couriers=(
            courier("plumber", 0, skills={"plumbing"}, shift=TimeWindow(8 * H, 18 * H)),
            courier("cleaner", 0, skills={"cleaning"}, shift=TimeWindow(8 * H, 18 * H)),
        ),
        members=(Member("m1"), Member("vip", MemberTier.PAID)),
        detour_factor=1.0,
    )


def booking(
    oid: str,
    skill: str,
    window_h: tuple[float, float],
    building_id: str = "b1",
    *,
    duration_s: float = 3600.0,
    member: str = "m1",
) -> Order:
    return Order(
        oid,
        member,
        0.0,
        (OrderLine("homeco", skill, 1, unit_price=Decimal("120")),),
        HOME,
        building_id=building_id,
        promised=TimeWindow(window_h[0] * H, window_h[1] * H),
        required_skills=frozenset({skill}),
        service_duration_s=duration_s,
    )


def test_each_visit_goes_to_a_skilled_technician_inside_its_window() -> None:
    planner = Planner(world())
    orders = [
        booking("fix", "plumbing", (14, 15)),
        booking("clean", "cleaning", (9, 10), "b2"),
        booking("fix2", "plumbing", (10, 11), "b2"),
    ]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    assert plan.served_order_ids() == {"fix", "clean", "fix2"}
    by_courier = {r.courier_id: r for r in plan.routes}
    assert [s.order_ids[0] for s in by_courier["plumber"].stops] == ["fix2", "fix"]
    assert [s.order_ids[0] for s in by_courier["cleaner"].stops] == ["clean"]
    for route in plan.routes:
        assert route.flow is HOME
        for stop in route.stops:
            assert stop.action is StopAction.VISIT
            order = next(o for o in orders if o.id == stop.order_ids[0])
            assert order.promised is not None
            assert order.promised.start_s <= stop.start_s <= order.promised.end_s
            assert stop.departure_s - stop.start_s == pytest.approx(3600.0)
            assert stop.load_kg == 0.0


def test_missing_skill_and_shift_end_are_reasons() -> None:
    planner = Planner(world())
    orders = [
        booking("wiring", "electrics", (10, 11)),
        # Starts by 17:30 at the latest, lasts 2 h: past the 18:00 shift end.
        booking("late", "plumbing", (17, 17.5), duration_s=2 * H),
    ]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    reasons = {u.order_id: u.reason for u in plan.unassigned}
    assert reasons == {
        "wiring": UnassignedOrderReason.SKILL,
        "late": UnassignedOrderReason.SHIFT,
    }


def test_paid_member_keeps_the_only_slot() -> None:
    # Two 2-hour plumbing jobs that must both start 10:00-10:30: one plumber, one job.
    planner = Planner(world())
    orders = [
        booking("regular", "plumbing", (10, 10.5), duration_s=2 * H),
        booking("paid", "plumbing", (10, 10.5), "b2", duration_s=2 * H, member="vip"),
    ]
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    assert plan.served_order_ids() == {"paid"}
    (u,) = plan.unassigned
    assert u.order_id == "regular"
    assert u.reason is UnassignedOrderReason.TIME_WINDOW


@pytest.mark.parametrize(("at_h", "clock"), [(19.0, "19:00"), (26.5, "26:30")])
def test_no_technician_on_shift_names_the_plan_time_as_a_clock(at_h: float, clock: str) -> None:
    orders = [booking("s1", "plumbing", (at_h + 1, at_h + 3))]
    plan = Planner(world()).plan(orders, at_s=at_h * H, params=FAST)
    (unassigned,) = plan.unassigned
    assert unassigned.reason is UnassignedOrderReason.NO_COURIER
    assert unassigned.detail == f"no technician is on shift at {clock}"
