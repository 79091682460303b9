"""Property-based tests of order payloads (hypothesis, marker ``property``): any JSON-like
payload is accepted or refused with one clear error, never another exception, and the
store never holds an order that breaks the payload rules.

Payloads are drawn three ways: any JSON value; a valid order of each flow with one to
three fields replaced by any JSON value, an extreme number (1e300, 2**63, 10**30,
1.8e308, NaN...), a clock or decimal string, or removed; and dicts of the known keys
with any values.  Example counts come from the hypothesis profile (``ci`` in the
default run, ``fuzz`` under ``./run fuzz``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from core.limits import MAX_QUOTED_CHARS
from dispatch import Engine
from dispatch.payloads import (
    PayloadError,
    order_bound_problems,
    order_meaning_hash,
    order_payload,
    parse_order,
)
from dispatch.store import OrderStatus, UnreadableOrder
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import small_world
from tests.dispatch.helpers import H

EXTREMES = st.sampled_from(
    [0, -1, -0.0, 0.5, 1e-300, 5e-324, 1e15, 1e300, 1.8e308, 2**31, 2**53 + 1, 2**63, 10**30,
     float("nan"), float("inf"), float("-inf"), True, False]
)  # fmt: skip
STRINGS = st.sampled_from(
    ["", " ", "12.9", "12.90", "0012.900", "1e3", "-1", "99999999.00", "10:00", "23:59:59",
     "999:00", "24:00", "mw1", "b1", "pp1", "pp9", "m1", "ghost", "instant", "scheduled",
     "next_day_pickup", "home_service", "multi_store", "frozen"]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | EXTREMES
    | STRINGS
    | st.text(alphabet="x9", min_size=300, max_size=600)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)

# A rule is cut to MAX_QUOTED_CHARS characters plus the marker saying how much went.
MAX_RULE_CHARS = MAX_QUOTED_CHARS + 40


def _base(mode: str, order_id: str) -> dict[str, Any]:
    line = {"store_id": "mw1", "sku": "milk", "quantity": 2, "unit_price": "12.90"}
    order: dict[str, Any] = {
        "id": order_id,
        "member_id": "m1",
        "created_at_s": 9.5 * H,
        "mode": mode,
        "building_id": "b1",
        "lines": [line],
    }
    if mode == "scheduled":
        order["promised"] = {"start_s": 11 * H, "end_s": 11.5 * H}
    elif mode == "home_service":
        order["promised"] = {"start": "13:00", "end": "15:00"}
        order["required_skills"] = ["cleaning"]
        order["lines"] = [{"store_id": "svc", "sku": "cleaning-2h", "quantity": 1}]
    elif mode == "multi_store":
        order["lines"] = [line, {**line, "store_id": "st1", "weight_kg": 1.5}]
    elif mode == "next_day_pickup":
        order["pickup_point_id"] = "pp1"
        del order["building_id"]
    return order


_DELETE = object()
PATHS = [
    ("id",), ("member_id",), ("created_at_s",), ("created_at",), ("mode",), ("building_id",),
    ("pickup_point_id",), ("promised",), ("promised", "start_s"), ("promised", "end_s"),
    ("required_skills",), ("service_duration_s",), ("lines",), ("lines", 0),
    ("lines", 0, "store_id"), ("lines", 0, "sku"), ("lines", 0, "quantity"),
    ("lines", 0, "weight_kg"), ("lines", 0, "volume_l"), ("lines", 0, "temperature"),
    ("lines", 0, "unit_price"), ("unknown_field",),
]  # fmt: skip
# Values near the valid ones: orders that often pass, at and around the range limits.
GENTLE = (
    st.integers(0, 200_000)
    | st.floats(0, 2e6, allow_nan=False)
    | st.decimals(min_value=0, max_value=2_000_000, places=2).map(str)
    | st.sampled_from([604_800, 604_801, 86_400, 100_000, 100_001, 1_000, 1_000.5, 10_000])
    | STRINGS
)
WILD = st.just(_DELETE) | EXTREMES | STRINGS | JSON


@st.composite
def mutated(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> dict[str, Any]:
    mode = draw(
        st.sampled_from(["instant", "scheduled", "next_day_pickup", "home_service", "multi_store"])
    )
    order = _base(mode, draw(st.sampled_from(["o", "same-id"]) | st.text(max_size=12)))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(PATHS))
        value = draw(values)
        target: Any = order
        for key in path[:-1]:
            in_dict = isinstance(target, dict) and key in target
            if in_dict or (isinstance(target, list) and isinstance(key, int) and key < len(target)):
                target = target[key]
            else:
                target = None
                break
        if isinstance(target, dict):
            if value is _DELETE:
                target.pop(path[-1], None)
            else:
                target[path[-1]] = value
        elif isinstance(target, list) and isinstance(path[-1], int) and path[-1] < len(target):
            target[path[-1]] = None if value is _DELETE else value
    return order


KEYS = [p[0] for p in PATHS]
PAYLOADS = (
    mutated(GENTLE)
    | mutated(WILD)
    | JSON
    | st.dictionaries(st.sampled_from(KEYS), JSON, max_size=8)
)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine.open("sqlite://", small_world(), clock=lambda: 10 * H) as opened:
        yield opened


_counter = itertools.count()


def _assert_clear(error: InvalidInputError) -> None:
    assert error.field and error.rule
    if isinstance(error, PayloadError):
        assert error.problems
        for path, rule in error.problems:
            assert path and rule and len(rule) <= MAX_RULE_CHARS, (path, rule)


@pytest.mark.property
@given(payload=PAYLOADS)
def test_any_payload_is_parsed_or_refused_clearly(payload: Any) -> None:
    try:
        order = parse_order(payload)
    except PayloadError as error:
        _assert_clear(error)
        event("refused")
        return
    event("parsed")
    # An order that parses is inside every range, and reads back to itself.
    assert order_bound_problems(order) == []
    again = parse_order(order_payload(order))
    assert again == order
    assert order_meaning_hash(again) == order_meaning_hash(order)


@pytest.mark.property
@given(payload=PAYLOADS)
def test_any_payload_is_stored_or_refused_clearly(engine: Engine, payload: Any) -> None:
    if isinstance(payload, dict) and payload.get("id") == "same-id":
        payload = copy.deepcopy(payload)  # keep some repeats of one id: the conflict rule
    elif isinstance(payload, dict) and isinstance(payload.get("id"), str):
        payload = {**payload, "id": f"{payload['id']}#{next(_counter)}"}
    before = engine.store.count_orders()
    try:
        result = engine.submit(payload)
    except InvalidInputError as error:  # PayloadError, slot full, id conflict
        _assert_clear(error)
        event(f"refused: {type(error).__name__}")
        assert engine.store.count_orders() == before
        return
    event("stored" if result.stored else "repeat")
    assert engine.store.count_orders() == before + int(result.stored)
    stored = engine.order(result.order_id).order
    assert order_bound_problems(stored) == []
    assert order_meaning_hash(stored) == order_meaning_hash(parse_order(payload))
    assert engine.store.incomplete_orders() == []


def test_the_store_never_holds_an_invalid_order(engine: Engine) -> None:
    """After the property runs above (module-scoped engine), every stored order reads
    back as a valid order, whole, and nothing is unreadable."""
    unreadable: list[UnreadableOrder] = []
    stored = engine.store.orders(unreadable=unreadable)
    assert unreadable == []
    assert all(order_bound_problems(s.order) == [] for s in stored)
    assert all(s.status is OrderStatus.PENDING for s in stored)
    assert engine.store.incomplete_orders() == []
