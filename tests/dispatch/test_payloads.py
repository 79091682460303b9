"""One order schema for the scenario file and the order service, with one converter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dispatch.domain import FulfilmentMode, MemberTier
from dispatch.payloads import (
    LeaderPayload,
    MemberPayload,
    OrderPayload,
    PayloadError,
    order_payload,
    parse_order,
)
from dispatch.validation import OrderReferences
from solvers.problem import TimeWindow


def scheduled(**clock: object) -> dict[str, Any]:
    return {
        "id": "s1",
        "member_id": "m1",
        "mode": "scheduled",
        "building_id": "b1",
        "lines": [{"store_id": "st1", "sku": "tea", "quantity": 2, "unit_price": "9.90"}],
        **clock,
    }


def test_both_spellings_of_clock_fields_give_the_same_order() -> None:
    file_style = scheduled(created_at="09:52", promised={"start": "14:00", "end": "15:00:30"})
    service_style = scheduled(
        created_at_s=35520.0, promised={"start_s": 14 * 3600, "end_s": 15 * 3600 + 30}
    )
    order = parse_order(file_style)
    assert parse_order(service_style) == order
    assert order.created_at_s == 35520.0
    assert order.promised == TimeWindow(14 * 3600, 15 * 3600 + 30)
    assert order.lines[0].unit_price == Decimal("9.90")
    # The canonical store form is in seconds and reads back to the same order.
    stored = order_payload(order)
    assert (stored["created_at_s"], stored["promised"]) == (
        35520.0,
        {"start_s": 50400.0, "end_s": 54030.0},
    )
    assert parse_order(stored) == order


def test_the_schema_writes_and_publishes_the_scenario_files_spelling() -> None:
    payload = OrderPayload.model_validate(scheduled(created_at_s=35520, promised=None))
    written = payload.model_dump(mode="json", exclude_defaults=True)
    assert written["created_at"] == "09:52" and "created_at_s" not in written
    assert OrderPayload.model_validate(written) == payload
    schema = OrderPayload.model_json_schema()
    assert "created_at" in schema["properties"] and "created_at" in schema["required"]
    assert "created_at_s" not in schema["properties"]


@pytest.mark.parametrize(
    ("clock", "problem"),
    [
        ({}, ("created_at", "is required (or 'created_at_s', in seconds)")),
        (
            {"created_at": "09:00", "created_at_s": 3600},
            ("created_at_s", "is another spelling of 'created_at': give one of them"),
        ),
        ({"created_at": "9h"}, ("created_at", 'must be a clock time "HH:MM" or "HH:MM:SS"')),
        ({"created_at_s": -1}, ("created_at_s", "must be greater than or equal to 0, got -1")),
    ],
)
def test_clock_field_problems_name_the_spelling_given(
    clock: dict[str, object], problem: tuple[str, str]
) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_order(scheduled(promised={"start": "14:00", "end": "15:00"}, **clock))
    ((path, rule),) = caught.value.problems
    assert path == problem[0]
    assert rule.startswith(problem[1])


def test_members_and_leaders_convert_in_one_place() -> None:
    member = MemberPayload.model_validate({"id": "m1", "tier": "paid"}).to_member()
    assert member.tier is MemberTier.PAID and member.flexible_pickup
    leader = LeaderPayload.model_validate(
        {"id": "ld1", "pickup_point_id": "pp1", "tiers": [{"threshold": "0", "rate": "0.08"}]}
    ).to_leader()
    assert leader.tiers[0].rate == Decimal("0.08")


def test_references_are_read_from_a_payload_the_schema_refuses() -> None:
    data = scheduled(created_at="25:99")
    data["lines"].append({"store_id": 7, "sku": "x", "quantity": 0})
    data["member_id"] = ""
    refs = OrderReferences.of_payload(data)
    assert refs == OrderReferences(FulfilmentMode.SCHEDULED, None, "b1", None, ("st1", None))
    assert OrderReferences.of_payload([1, 2]) == OrderReferences(None, None, None, None, ())
    assert OrderReferences.of_payload({"mode": "teleport"}).mode is None


def test_a_customer_note_round_trips_and_an_order_without_one_keeps_its_hash() -> None:
    plain = parse_order(scheduled(created_at="09:52", promised={"start": "14:00", "end": "15:00"}))
    assert plain.note is None and "note" not in order_payload(plain)
    noted = parse_order(
        scheduled(created_at="09:52", promised={"start": "14:00", "end": "15:00"}, note="放门口")
    )
    assert noted.note == "放门口"
    assert order_payload(noted)["note"] == "放门口"
    assert parse_order(order_payload(noted)) == noted
    with pytest.raises(PayloadError, match=r"note: must have at most 500 characters"):
        parse_order(
            scheduled(
                created_at="09:52", promised={"start": "14:00", "end": "15:00"}, note="x" * 501
            )
        )
    with pytest.raises(PayloadError, match=r"note: must be a valid string"):
        parse_order(
            scheduled(created_at="09:52", promised={"start": "14:00", "end": "15:00"}, note=7)
        )
