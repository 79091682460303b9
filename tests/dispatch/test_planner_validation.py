"""Bad input is an exception naming the order and the rule; the planner's own rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispatch import (
    FulfilmentMode,
    Member,
    Order,
    OrderLine,
    PayloadError,
    Planner,
    PlannerSettings,
    TemperatureClass,
    TimeWindow,
    World,
)
from geo.places import OpeningInterval
from solvers.errors import InvalidInputError
from tests.dispatch.helpers import FAST, H, building, courier, line, point, store, warehouse

WORLD = World(
    buildings=(building("b1", 100), building("b2", 200)),
    stores=(store("st1", 0),),
    micro_warehouses=(warehouse("mw", 0),),
    pickup_points=(
        point("pp_open", 300),
        point("pp_shut", 400),
        point("pp_night", 500, opening_hours=(OpeningInterval(23 * 3600, 24 * 3600),)),
    ),
    couriers=(courier("c1", 0),),
    members=(Member("m1", home_building_id="b1"),),
    detour_factor=1.0,
    closed_pickup_point_ids=frozenset({"pp_shut"}),
)
INSTANT = FulfilmentMode.INSTANT
NEXT_DAY = FulfilmentMode.NEXT_DAY_PICKUP


def plan(*orders: Order) -> None:
    Planner(WORLD).plan(orders, at_s=10 * H, params=FAST)


@pytest.mark.parametrize(
    ("order", "match"),
    [
        (
            Order("o1", "m1", 0.0, (line("st1", "a"),), INSTANT, building_id="nowhere"),
            r"Order 'o1': building_id: unknown building 'nowhere'",
        ),
        (
            Order("o2", "m1", 0.0, (line("ghost", "a"),), INSTANT, building_id="b1"),
            r"Order 'o2': lines\[0\].store_id: unknown store or micro-warehouse 'ghost'",
        ),
        (
            Order("o3", "stranger", 0.0, (line("st1", "a"),), INSTANT, building_id="b1"),
            r"Order 'o3': member_id: unknown member 'stranger'",
        ),
        (
            Order("o4", "m1", 0.0, (line("st1", "a"),), NEXT_DAY, pickup_point_id="pp_x"),
            r"Order 'o4': pickup_point_id: unknown pickup point 'pp_x'",
        ),
        (
            Order("o5", "m1", 0.0, (line("st1", "a"),), NEXT_DAY, pickup_point_id="pp_shut"),
            r"Order 'o5': pickup_point_id: pickup point 'pp_shut' is closed on the collection day",
        ),
        (
            Order("o6", "m1", 0.0, (line("st1", "a"),), NEXT_DAY, pickup_point_id="pp_night"),
            r"Order 'o6': pickup_point_id: pickup point 'pp_night' is closed",
        ),
        (
            # A building id that names another kind of place is still not a building.
            Order("o7", "m1", 0.0, (line("st1", "a"),), INSTANT, building_id="mw"),
            r"Order 'o7': building_id: unknown building 'mw'",
        ),
    ],
)
def test_bad_references_name_the_order_and_the_rule(order: Order, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        plan(order)


def test_every_bad_reference_of_every_order_is_reported_at_once() -> None:
    ghost = Order("o1", "nobody", 0.0, (line("ghost", "a"),), INSTANT, building_id="nowhere")
    shut = Order("o2", "m1", 0.0, (line("st1", "a"),), NEXT_DAY, pickup_point_id="pp_shut")
    with pytest.raises(PayloadError) as caught:
        plan(ghost, shut, ghost)
    assert caught.value.problems == (
        ("Order 'o1': member_id", "unknown member 'nobody'"),
        ("Order 'o1': building_id", "unknown building 'nowhere'"),
        ("Order 'o1': lines[0].store_id", "unknown store or micro-warehouse 'ghost'"),
        ("Order 'o2': pickup_point_id", "pickup point 'pp_shut' is closed on the collection day"),
        ("Order 'o1': id", "appears twice in the batch"),
    )
    assert str(caught.value).startswith("orders: 5 invalid fields: Order 'o1': member_id")


def test_order_rules_are_checked_when_the_order_is_built() -> None:
    with pytest.raises(InvalidInputError, match=r"Order 'o1': lines: must have at least one line"):
        Order("o1", "m1", 0.0, (), INSTANT, building_id="b1")
    with pytest.raises(
        InvalidInputError, match=r"Order 'o2': line 'a' quantity: must be an integer > 0, got 0"
    ):
        Order("o2", "m1", 0.0, (OrderLine("st1", "a", 0),), INSTANT, building_id="b1")


def test_batch_and_call_rules() -> None:
    order = Order("o1", "m1", 0.0, (line("st1", "a"),), INSTANT, building_id="b1")
    with pytest.raises(InvalidInputError, match=r"Order 'o1': id: appears twice in the batch"):
        plan(order, order)
    with pytest.raises(
        InvalidInputError, match=r"at_s: must be a number of seconds in \[0, 604800\]"
    ):
        Planner(WORLD).plan([order], at_s=-1.0)


def test_home_service_lines_name_a_provider_not_a_store() -> None:
    visit = Order(
        "v1",
        "m1",
        0.0,
        (OrderLine("any-provider", "cleaning", 1, unit_price=Decimal("99")),),
        FulfilmentMode.HOME_SERVICE,
        building_id="b2",
        promised=TimeWindow(11 * H, 12 * H),
        required_skills=frozenset({"cleaning"}),
    )
    plan(visit)  # no error: the visit is unassigned (no technician), not refused


def test_settings_rules() -> None:
    with pytest.raises(InvalidInputError, match=r"paid_priority_factor: must be >= 1"):
        PlannerSettings(paid_priority_factor=0.5)
    with pytest.raises(InvalidInputError, match=r"max_ride_s_by_temperature: keys must be one"):
        PlannerSettings(max_ride_s_by_temperature={"lukewarm": 60.0})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError, match=r"courier_costs: keys must be one of"):
        PlannerSettings(courier_costs={"rocket": None})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError, match=r"walk_limit_m: must be a finite number >= 0"):
        PlannerSettings(walk_limit_m=-1.0)
    settings = PlannerSettings()
    assert settings.max_ride_s(frozenset({TemperatureClass.HOT, TemperatureClass.FROZEN})) == 1800
    assert settings.max_ride_s(frozenset({TemperatureClass.AMBIENT})) is None
    assert settings.collection_day_start_s == 86400.0


def test_partial_ride_limit_override_keeps_the_other_defaults() -> None:
    settings = PlannerSettings(max_ride_s_by_temperature={TemperatureClass.HOT: 1200.0})
    assert settings.max_ride_s(frozenset({TemperatureClass.HOT})) == 1200.0
    assert settings.max_ride_s(frozenset({TemperatureClass.CHILLED})) == 2700.0
    assert settings.max_ride_s(frozenset({TemperatureClass.AMBIENT})) is None
