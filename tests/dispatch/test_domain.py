"""Order, member, leader and courier rules, and exact commissions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispatch.domain import (
    CommissionTier,
    Courier,
    FulfilmentMode,
    Leader,
    Member,
    MemberTier,
    Order,
    OrderLine,
    TemperatureClass,
    to_cents,
)
from geo.profiles import ProfileName
from solvers.errors import InvalidInputError
from solvers.problem import TimeWindow

FRUIT = OrderLine("st001", "apple", 3, weight_kg=0.25, volume_l=0.4, unit_price=Decimal("4.50"))
BREAD = OrderLine(
    "st002",
    "baguette",
    2,
    weight_kg=0.3,
    volume_l=1.5,
    unit_price=Decimal("12.80"),
    temperature=TemperatureClass.AMBIENT,
)
ICE = OrderLine("st002", "ice", 1, weight_kg=1.0, volume_l=1.0, temperature=TemperatureClass.FROZEN)


def test_order_totals_are_exact() -> None:
    order = Order(
        "o1", "m1", 36000.0, (FRUIT, BREAD, ICE), FulfilmentMode.MULTI_STORE, building_id="b1"
    )
    assert order.store_ids == ("st001", "st002")
    assert order.weight_kg == pytest.approx(3 * 0.25 + 2 * 0.3 + 1.0)
    assert order.volume_l == pytest.approx(3 * 0.4 + 2 * 1.5 + 1.0)
    assert order.gmv == Decimal("39.10")
    assert order.parcels == 2
    assert order.temperatures == {TemperatureClass.AMBIENT, TemperatureClass.FROZEN}


def test_strings_are_coerced_to_enums() -> None:
    order = Order("o1", "m1", 0.0, (FRUIT,), "instant", building_id="b1")  # type: ignore[arg-type]
    assert order.mode is FulfilmentMode.INSTANT
    assert Member("m1", tier="paid").is_paid  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lines": ()}, r"Order 'o1': lines: must have at least one line"),
        (
            {"lines": (OrderLine("st001", "apple", 0),)},
            r"Order 'o1': line 'apple' quantity: must be an integer > 0, got 0",
        ),
        (
            {"lines": (OrderLine("st001", "apple", -2),)},
            r"line 'apple' quantity: must be an integer > 0",
        ),
        (
            {"lines": (OrderLine("st001", "apple", 1, weight_kg=-1.0),)},
            r"line 'apple' weight_kg: must be a finite number >= 0",
        ),
        (
            {"lines": (OrderLine("st001", "apple", 1, temperature="warm"),)},  # type: ignore[arg-type]
            r"line 'apple' temperature: must be one of ambient, chilled, frozen, hot",
        ),
        (
            {"lines": (OrderLine("st001", "apple", 1, unit_price=Decimal("-1")),)},
            r"line 'apple' unit_price: must be >= 0",
        ),
        (
            {"building_id": None},
            r"Order 'o1': building_id: an order of mode instant needs a destination building",
        ),
        ({"mode": "teleport"}, r"Order 'o1': mode: must be one of instant, multi_store"),
        ({"created_at_s": -5.0}, r"Order 'o1': created_at_s: must be a finite number >= 0"),
        ({"mode": FulfilmentMode.MULTI_STORE}, r"multi-store order needs lines from two or more"),
        (
            {"mode": FulfilmentMode.SCHEDULED},
            r"Order 'o1': promised: an order of mode scheduled needs a promised window",
        ),
    ],
)
def test_bad_orders_name_the_order_and_rule(kwargs: dict[str, object], match: str) -> None:
    fields: dict[str, object] = {
        "id": "o1",
        "member_id": "m1",
        "created_at_s": 0.0,
        "lines": (FRUIT,),
        "mode": FulfilmentMode.INSTANT,
        "building_id": "b1",
    }
    fields.update(kwargs)
    with pytest.raises(InvalidInputError, match=match):
        Order(**fields)  # type: ignore[arg-type]


def test_next_day_pickup_needs_a_point_or_a_home() -> None:
    with pytest.raises(InvalidInputError, match=r"pickup_point_id: a next-day pickup order needs"):
        Order("o1", "m1", 0.0, (FRUIT,), FulfilmentMode.NEXT_DAY_PICKUP)
    chosen = Order("o2", "m1", 0.0, (FRUIT,), FulfilmentMode.NEXT_DAY_PICKUP, pickup_point_id="pp1")
    assert chosen.building_id is None


def test_time_window_rules() -> None:
    with pytest.raises(InvalidInputError, match=r"start_s must be <= end_s, got 10 > 5"):
        TimeWindow(10, 5)
    with pytest.raises(InvalidInputError, match=r"TimeWindow: end_s: must be a number"):
        TimeWindow(0, float("nan"))


def test_promises_and_shifts_are_the_solver_window_with_a_finite_end() -> None:
    # One window type: the solver's allows an open end, a promise or a shift does not.
    open_end = TimeWindow(0, float("inf"))
    with pytest.raises(InvalidInputError, match=r"Order 'o1': promised\.end_s: must be a finite"):
        Order(
            "o1", "m1", 0.0, (FRUIT,), FulfilmentMode.INSTANT, building_id="b1", promised=open_end
        )
    with pytest.raises(InvalidInputError, match=r"Courier 'c1': shift\.end_s: must be a finite"):
        Courier("c1", ProfileName.VAN, 116.35, 39.99, open_end)
    window = TimeWindow(10, 20)
    slot = Order("o2", "m1", 0.0, (FRUIT,), FulfilmentMode.SCHEDULED, "b1", promised=window)
    assert slot.promised is window


def test_member_rules() -> None:
    assert Member("m1").tier is MemberTier.REGULAR
    with pytest.raises(InvalidInputError, match=r"Member 'm1': tier: must be one of regular, paid"):
        Member("m1", tier="gold")  # type: ignore[arg-type]


STEP_TIERS = (
    CommissionTier(Decimal("0"), Decimal("0.08")),
    CommissionTier(Decimal("1000"), Decimal("0.10")),
    CommissionTier(Decimal("5000"), Decimal("0.12")),
)


@pytest.mark.parametrize(
    ("gmv", "expected"),
    [
        (Decimal("0"), Decimal("0.00")),
        (Decimal("999.99"), Decimal("80.00")),  # 79.9992 -> 80.00
        (Decimal("1000"), Decimal("100.00")),
        (Decimal("1234.56"), Decimal("123.46")),  # 123.456 -> 123.46 (half up)
        (Decimal("4999.95"), Decimal("500.00")),  # 499.995 -> 500.00 (half up)
        (Decimal("5000.01"), Decimal("600.00")),  # 600.0012 -> 600.00
        (Decimal("12345.67"), Decimal("1481.48")),  # 1481.4804
    ],
)
def test_commission_is_exact_to_the_cent(gmv: Decimal, expected: Decimal) -> None:
    leader = Leader("ld1", "pp1", tiers=STEP_TIERS)
    assert leader.commission(gmv) == expected


def test_leader_rules() -> None:
    with pytest.raises(InvalidInputError, match="must start with a tier at threshold 0"):
        Leader("ld1", "pp1", tiers=(CommissionTier(Decimal("10"), Decimal("0.1")),))
    with pytest.raises(InvalidInputError, match="thresholds must be strictly increasing"):
        Leader("ld1", "pp1", tiers=(STEP_TIERS[0], STEP_TIERS[0]))
    with pytest.raises(InvalidInputError, match=r"rates must be in \[0, 1\]"):
        Leader("ld1", "pp1", tiers=(CommissionTier(Decimal("0"), Decimal("1.5")),))
    with pytest.raises(InvalidInputError, match=r"rating: must be in \[0, 5\]"):
        Leader("ld1", "pp1", rating=6.0)
    with pytest.raises(InvalidInputError, match="fulfilled_gmv: must be >= 0"):
        Leader("ld1", "pp1").commission(Decimal("-1"))


def test_to_cents_rounds_half_up() -> None:
    assert to_cents(Decimal("0.005")) == Decimal("0.01")
    assert to_cents(Decimal("0.0049")) == Decimal("0.00")
    assert to_cents(Decimal("-0.005")) == Decimal("-0.01")


def test_courier_rules() -> None:
    shift = TimeWindow(8 * 3600, 20 * 3600)
    c = Courier("c1", "e_bike", 116.35, 39.99, shift, skills={"repair"})  # type: ignore[arg-type]
    assert c.profile is ProfileName.E_BIKE
    assert c.skills == frozenset({"repair"})
    with pytest.raises(
        InvalidInputError, match=r"Courier 'c1': capacity_kg: must be a finite number > 0"
    ):
        Courier("c1", ProfileName.VAN, 116.35, 39.99, shift, capacity_kg=0.0)
    with pytest.raises(InvalidInputError, match=r"Courier 'c1'\.lat"):
        Courier("c1", ProfileName.VAN, 116.35, 99.0, shift)
    with pytest.raises(InvalidInputError, match=r"Courier 'c1': profile: must be one of walk"):
        Courier("c1", "rocket", 116.35, 39.99, shift)  # type: ignore[arg-type]
