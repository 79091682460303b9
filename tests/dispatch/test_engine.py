"""dispatch.Engine on an in-memory store: quotes, fees after benefits, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from dispatch import Engine, FulfilmentMode, OrderLine, PayloadError, QuoteSettings
from solvers.errors import EngineError, InvalidInputError
from tests.dispatch.engine_helpers import instant_payload, next_day_payload, small_world
from tests.dispatch.helpers import H

NOW = 10 * H


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine.open("sqlite://", small_world(), clock=lambda: NOW) as e:
        yield e


def milk(store_id: str = "mw1", price: str = "12.00", quantity: int = 1) -> OrderLine:
    return OrderLine(store_id, "milk-1l", quantity, unit_price=Decimal(price))


def test_quote_offers_instant_slots_and_pickup_points(engine: Engine) -> None:
    quote = engine.quote("b1", [milk()], "m1")
    assert quote.at_s == NOW
    (instant,) = quote.of(FulfilmentMode.INSTANT)
    # mw1 -> b1 is 400 m at 5 m/s: 80 s, plus picking (180 s), the pickup stop (60 s)
    # and the quote's margin (no courier has committed work yet).
    margin = engine.quoter.quote_settings.eta_margin_s
    assert instant.eta_s == pytest.approx(NOW + 180 + 60 + 80 + margin, abs=1.0)
    assert instant.fee == Decimal("5.00") and instant.benefit is None
    slots = quote.of(FulfilmentMode.SCHEDULED)
    assert [s.window.start_s for s in slots if s.window] == [11 * H + k * 1800 for k in range(8)]
    assert all(s.available and s.remaining == 20 for s in slots)
    points = quote.of(FulfilmentMode.NEXT_DAY_PICKUP)
    # pp9 is closed; pp2 (700 m) is beyond the 500 m walk.
    assert [p.pickup_point_id for p in points] == ["pp1"]
    assert points[0].walk_m == pytest.approx(100.0, abs=1.0)
    assert points[0].next_pickup_s == 24 * H + 7 * H  # tomorrow, from collection start
    assert points[0].fee == Decimal("0.00")
    assert not quote.of(FulfilmentMode.HOME_SERVICE)


def test_quote_paid_member_delivers_free(engine: Engine) -> None:
    quote = engine.quote("b2", [milk()], "m2", at_s=NOW)
    for option in (*quote.of(FulfilmentMode.INSTANT), *quote.of(FulfilmentMode.SCHEDULED)):
        assert option.fee == Decimal("0.00")
        assert option.base_fee > 0
        assert option.benefit == "paid member: free delivery"
    engine.update_member({"id": "m2", "tier": "regular", "home_building_id": "b2"})
    (instant,) = engine.quote("b2", [milk()], "m2", at_s=NOW).of(FulfilmentMode.INSTANT)
    assert instant.fee == Decimal("5.00")


def test_quote_free_delivery_from_basket_value(engine: Engine) -> None:
    (instant,) = engine.quote("b1", [milk(price="50.00", quantity=2)], "m1").of(
        FulfilmentMode.INSTANT
    )
    assert instant.fee == Decimal("0.00")
    assert instant.benefit == "free delivery from 99.00 yuan"


def test_quote_multi_store_basket(engine: Engine) -> None:
    quote = engine.quote("b1", [milk("st1"), milk("st2")], "m1", at_s=NOW)
    (option,) = quote.of(FulfilmentMode.MULTI_STORE)
    assert option.fee == Decimal("8.00")
    assert option.source_ids == ("st1", "st2")
    # st2 (600) -> st1 (300) -> b1 (400): 400 m at 5 m/s; prep 300 s; two pickups.
    assert option.eta_s == pytest.approx(NOW + 300 + 2 * 60 + 80, abs=1.0)
    assert not quote.of(FulfilmentMode.INSTANT)


def test_quote_home_service_slots_with_paid_discount(engine: Engine) -> None:
    basket = [OrderLine("homeco", "tap-repair", 1, unit_price=Decimal("80.00"))]
    regular = engine.quote("b1", basket, "m1", at_s=NOW).of(FulfilmentMode.HOME_SERVICE)
    paid = engine.quote("b2", basket, "m2", at_s=NOW).of(FulfilmentMode.HOME_SERVICE)
    # Today from 13:00 (two hours' lead, 2-hour slots from 09:00 to 19:00), then tomorrow.
    assert [o.window.start_s for o in regular if o.window][:3] == [13 * H, 15 * H, 17 * H]
    assert len(regular) == 3 + 5
    assert all(o.remaining == 1 for o in regular)  # one technician has the skill
    assert regular[0].fee == Decimal("20.00")
    assert paid[0].fee == Decimal("10.00") and paid[0].benefit is not None


def test_quote_availability_follows_submitted_orders(engine: Engine) -> None:
    for k in range(2):
        engine.submit(next_day_payload(f"n{k}", point_id="pp2"))
    quote = engine.quote("b2", [milk()], "m2", at_s=NOW)
    (pp2,) = [p for p in quote.of(FulfilmentMode.NEXT_DAY_PICKUP) if p.pickup_point_id == "pp2"]
    assert pp2.remaining == 0 and not pp2.available
    slot = {
        "id": "s1",
        "member_id": "m1",
        "created_at_s": NOW,
        "mode": "scheduled",
        "building_id": "b1",
        "promised": {"start_s": 11 * H, "end_s": 11.5 * H},
        "lines": [{"store_id": "mw1", "sku": "milk-1l", "quantity": 1}],
    }
    engine.submit(slot)
    first = engine.quote("b1", [milk()], "m1").of(FulfilmentMode.SCHEDULED)[0]
    assert first.remaining == 19


def test_quote_after_cutoff_offers_no_pickup(engine: Engine) -> None:
    quote = engine.quote("b1", [milk()], "m1", at_s=23 * H)
    assert not quote.of(FulfilmentMode.NEXT_DAY_PICKUP)
    assert not quote.of(FulfilmentMode.SCHEDULED)  # no slot starts before 21:00


def test_quote_bad_input_names_the_field(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="member: unknown member 'nobody'"):
        engine.quote("b1", [milk()], "nobody")
    with pytest.raises(InvalidInputError, match="destination: unknown building 'b404'"):
        engine.quote("b404", [milk()], "m1")
    with pytest.raises(InvalidInputError, match=r"basket\[1\].store_id: unknown store"):
        engine.quote("b1", [milk(), milk("st404")], "m1")
    with pytest.raises(PayloadError) as caught:
        engine.quote("b1", [{"store_id": "mw1", "sku": "x", "quantity": 0}, {"sku": 3}], "m1")
    assert caught.value.fields == (
        "basket[0].quantity",
        "basket[1].store_id",
        "basket[1].sku",
        "basket[1].quantity",
    )
    with pytest.raises(InvalidInputError, match="must not mix home services"):
        engine.quote("b1", [milk(), OrderLine("homeco", "tap-repair", 1)], "m1")


def test_quote_settings_are_validated() -> None:
    with pytest.raises(InvalidInputError, match=r"QuoteSettings.instant_fee"):
        QuoteSettings(instant_fee=Decimal("-1"))
    with pytest.raises(InvalidInputError, match=r"paid_home_service_discount"):
        QuoteSettings(paid_home_service_discount=Decimal("1.5"))


def test_submit_bad_payload_names_every_field_and_writes_nothing(engine: Engine) -> None:
    payload = instant_payload("o1", lines=2)
    payload["mode"] = "teleport"
    payload["lines"][0]["quantity"] = 0
    payload["lines"][1]["unit_price"] = 9.9
    del payload["member_id"]
    payload["colour"] = "red"
    with pytest.raises(PayloadError) as caught:
        engine.submit(payload)
    assert caught.value.fields == (
        "member_id",
        "mode",
        "lines[0].quantity",
        "lines[1].unit_price",
        "colour",
    )
    assert "lines[0].quantity: must be greater than 0, got 0" in str(caught.value)
    assert engine.store.table_counts()["orders"] == 0


def test_submit_domain_rule_is_a_payload_error(engine: Engine) -> None:
    payload = instant_payload("o1")
    payload["mode"] = "scheduled"
    with pytest.raises(PayloadError, match="promised"):
        engine.submit(payload)


def test_submit_unknown_references_are_named_together(engine: Engine) -> None:
    payload = instant_payload("o1", member="m404", lines=2)
    payload["building_id"] = "b404"
    payload["lines"][1]["store_id"] = "st404"
    with pytest.raises(PayloadError) as caught:
        engine.submit(payload)
    assert caught.value.fields == ("member_id", "building_id", "lines[1].store_id")
    with pytest.raises(PayloadError, match="unknown pickup point 'pp404'"):
        engine.submit(next_day_payload("o2", point_id="pp404"))
    with pytest.raises(PayloadError, match="'pp9' is closed"):
        engine.submit(next_day_payload("o3", point_id="pp9"))
    assert engine.store.table_counts()["orders"] == 0


def test_submit_reports_schema_and_reference_problems_together(engine: Engine) -> None:
    payload = instant_payload("o1", lines=2)
    payload["lines"][0]["quantity"] = 0  # a schema problem
    payload["building_id"] = "b404"  # a reference problem
    payload["lines"][1]["store_id"] = "st404"  # another, in a line the schema accepts
    with pytest.raises(PayloadError) as caught:
        engine.submit(payload)
    assert caught.value.problems == (
        ("lines[0].quantity", "must be greater than 0, got 0"),
        ("building_id", "unknown building 'b404'"),
        ("lines[1].store_id", "unknown store or micro-warehouse 'st404'"),
    )
    assert str(caught.value).startswith("order 'o1': 3 invalid fields: lines[0].quantity")
    assert engine.store.table_counts()["orders"] == 0


def test_submit_takes_the_scenario_files_clock_spelling(engine: Engine) -> None:
    payload = instant_payload("o1")
    del payload["created_at_s"]
    payload["created_at"] = "09:30"
    engine.submit(payload)
    assert engine.order("o1").order.created_at_s == 9.5 * H
    both = {**instant_payload("o2"), "created_at": "09:30"}
    with pytest.raises(PayloadError) as caught:
        engine.submit(both)
    assert caught.value.problems == (
        ("created_at_s", "is another spelling of 'created_at': give one of them"),
    )


def test_members_and_leaders_validate_references(engine: Engine) -> None:
    with pytest.raises(PayloadError) as caught:
        engine.create_member({"id": "", "tier": "gold", "flexible_pickup": "yes"})
    assert caught.value.fields == ("id", "tier", "flexible_pickup")
    with pytest.raises(PayloadError, match="home_building_id: unknown building"):
        engine.create_member({"id": "m9", "home_building_id": "b404"})
    with pytest.raises(PayloadError, match="pickup_point_id: unknown pickup point"):
        engine.create_leader({"id": "ld9", "pickup_point_id": "pp404"})
    with pytest.raises(PayloadError, match="tiers"):
        engine.create_leader(
            {"id": "ld9", "pickup_point_id": "pp2", "tiers": [{"threshold": "5", "rate": "0.1"}]}
        )
    with pytest.raises(InvalidInputError, match="unknown leader 'ld404'"):
        engine.leader("ld404")
    assert engine.store.table_counts()["members"] == 2


def test_open_rejects_bad_urls() -> None:
    with pytest.raises(InvalidInputError, match="store url"):
        Engine.open("mysql://x/y", small_world())
    with pytest.raises(InvalidInputError, match="store url"):
        Engine.open("not a url", small_world())
    with pytest.raises(EngineError, match="cannot open"):
        Engine.open("sqlite:////nonexistent-dir/x/orders.db", small_world())
