"""Leaders' ratings in the pickup-point choice (issue 13): where a resident chose no point,
each star below 5 counts as ``rating_walk_m`` walking metres; a rating update through
the Engine changes the next plan's assignment; a resident's own choice still wins."""

from __future__ import annotations

import dataclasses

from dispatch import Engine, Leader, Planner, PlannerSettings, World
from dispatch.flows.next_day import rating_cost_m
from dispatch.payloads import parse_order
from tests.dispatch.engine_helpers import next_day_payload, small_world
from tests.dispatch.helpers import FAST, H, check_plan, point


def _world(rating_near: float, rating_far: float) -> World:
    """``b1`` at 400 m; ``pp1`` at 500 m (100 m walk, leader ``ld1``) and ``pp3`` at 280 m
    (120 m walk, leader ``ld3``)."""
    world = small_world()
    near, far = world.leaders[0], Leader("ld3", "pp3", rating=rating_far)
    return dataclasses.replace(
        world,
        pickup_points=(*world.pickup_points, point("pp3", 280, leader_id="ld3")),
        leaders=(dataclasses.replace(near, rating=rating_near), far),
    )


def _assigned(world: World, settings: PlannerSettings | None = None) -> str:
    order = parse_order(next_day_payload("n1", point_id=None))
    planner = Planner(world, settings)
    plan = planner.plan([order], at_s=10 * H, params=FAST)
    check_plan(plan, [order], planner)
    (assignment,) = plan.pickup_assignments
    return assignment.pickup_point_id


def test_a_low_rating_moves_a_resident_without_a_choice_to_the_next_point() -> None:
    assert _assigned(_world(5.0, 5.0)) == "pp1"  # the nearer point
    assert _assigned(_world(4.0, 5.0)) == "pp3"  # 100 m + 1 star (100 m) > 120 m
    # The rule's weight is a setting: with 0 the rating does not count.
    assert _assigned(_world(4.0, 5.0), PlannerSettings(rating_walk_m=0.0)) == "pp1"
    world = _world(3.0, 5.0)
    assert rating_cost_m("pp1", world, PlannerSettings()) == 200.0
    assert rating_cost_m("pp2", world, PlannerSettings()) == 0.0


def test_a_residents_own_choice_is_kept_whatever_the_rating() -> None:
    world = _world(1.0, 5.0)
    order = parse_order(next_day_payload("n1", point_id="pp1"))
    plan = Planner(world).plan([order], at_s=10 * H, params=FAST)
    (assignment,) = plan.pickup_assignments
    assert assignment.pickup_point_id == "pp1"


def test_a_rating_update_in_the_engine_changes_later_assignments() -> None:
    world = _world(5.0, 5.0)
    with Engine.open("sqlite://", world, clock=lambda: 10 * H) as engine:
        engine.submit(next_day_payload("n1", point_id=None))
        first = engine.plan_batch(at_s=10 * H, params=FAST)
        assert [a.pickup_point_id for a in first.plan.pickup_assignments] == ["pp1"]
        leader = engine.leader("ld1")
        engine.update_leader(dataclasses.replace(leader, rating=3.5))
        engine.submit(next_day_payload("n2", point_id=None))
        second = engine.plan_batch(at_s=10.5 * H, params=FAST)
        assert [a.pickup_point_id for a in second.plan.pickup_assignments] == ["pp3"]
