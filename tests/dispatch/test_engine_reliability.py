"""Issue 16 on the Engine and its store: bounded order payloads, one bad order never sinks
a wave, idempotency on meaning, and scheduled slots that hold across engines.

The store-dependent tests run on a SQLite file and on a throw-away PostgreSQL
(``store_url`` in :mod:`tests.dispatch.engine_helpers`).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import dispatch.flows.delivery as delivery_module
from dispatch import Engine, FulfilmentMode, Order, Planner
from dispatch.payloads import PayloadError, canonical_json, content_hash, order_payload
from dispatch.plan import UnassignedOrderReason
from dispatch.store import CapacityFullError, OrderStatus, UnreadableOrder
from dispatch.store.schema import capacity_usage, orders
from solvers import SolveParams
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import instant_payload, small_world
from tests.dispatch.helpers import FAST, H, check_plan, line

# A search that stops on its iteration count (the time limit is only a cap), so the
# plans do not depend on how loaded the machine is.
PLAN_FAST = SolveParams(time_limit_s=20.0, workers=1, iterations=30)


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    with Engine.open(
        f"sqlite:///{tmp_path / 'orders.db'}", small_world(), clock=lambda: 10 * H
    ) as e:
        yield e


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as e:
        yield e


def scheduled_payload(order_id: str, start_s: float = 11 * H) -> dict[str, Any]:
    """A scheduled order from ``mw1`` to ``b1`` in the slot starting at ``start_s``."""
    return {
        "id": order_id,
        "member_id": "m1",
        "created_at_s": 10 * H,
        "mode": "scheduled",
        "building_id": "b1",
        "promised": {"start_s": start_s, "end_s": start_s + 1800},
        "lines": [{"store_id": "mw1", "sku": "milk-1l", "quantity": 1, "unit_price": "12.90"}],
    }


# --- bounded payloads ---------------------------------------------------------------------


def _set(path: tuple[Any, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        target: Any = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


OUT_OF_RANGE = [
    (("lines", 0, "quantity"), 10**30, "lines[0].quantity", "less than or equal to 100000"),
    (("created_at_s",), 1e300, "created_at_s", "less than or equal to 604800"),
    (("created_at_s",), 1e15, "created_at_s", "less than or equal to 604800"),
    (("created_at_s",), "999:00", "created_at_s", "less than or equal to 604800"),
    (("lines", 0, "weight_kg"), 1e308, "lines[0].weight_kg", "less than or equal to 1000"),
    (("lines", 0, "volume_l"), 1e20, "lines[0].volume_l", "less than or equal to 10000"),
    (("lines", 0, "unit_price"), "99999999.00", "lines[0].unit_price", "at most 1000000"),
    (("lines", 0, "unit_price"), "1" * 400, "lines[0].unit_price", "decimal string"),
    (("service_duration_s",), 2**63, "service_duration_s", "less than or equal to 604800"),
    (("id",), "o" * 101, "id", "at most 100 characters"),
]


@pytest.mark.parametrize(("path", "value", "field", "rule"), OUT_OF_RANGE)
def test_submit_refuses_numbers_outside_their_range(
    file_engine: Engine, path: tuple[Any, ...], value: object, field: str, rule: str
) -> None:
    payload = instant_payload("o1")
    _set(path, value)(payload)
    with pytest.raises(PayloadError) as caught:
        file_engine.submit(payload)
    assert field in caught.value.fields
    assert rule in str(caught.value)
    assert file_engine.store.table_counts()["orders"] == 0


def test_a_promised_window_past_the_horizon_is_refused(file_engine: Engine) -> None:
    payload = scheduled_payload("s1")
    payload["promised"]["end_s"] = 1e300
    with pytest.raises(PayloadError) as caught:
        file_engine.submit(payload)
    assert caught.value.fields == ("promised.end_s",)
    assert file_engine.store.count_orders() == 0


def test_plan_batch_takes_mode_names_and_names_a_bad_one(file_engine: Engine) -> None:
    file_engine.submit(instant_payload("i1"))
    record = file_engine.plan_batch(at_s=10 * H, modes=["instant"], params=PLAN_FAST)
    assert record.plan.served_order_ids() == {"i1"}
    with pytest.raises(InvalidInputError, match=r"modes\[1\]: must be one of instant, .*'bogus'"):
        file_engine.plan_batch(at_s=10 * H, modes=["instant", "bogus"], params=PLAN_FAST)
    with pytest.raises(InvalidInputError, match="modes: must be a list"):
        file_engine.plan_batch(at_s=10 * H, modes="instant", params=PLAN_FAST)
    with pytest.raises(InvalidInputError, match="order_ids: must be a list"):
        file_engine.plan_batch(at_s=10 * H, order_ids="i1", params=PLAN_FAST)


# --- idempotency on meaning -----------------------------------------------------------------


def test_equal_amounts_written_differently_are_the_same_order(engine: Engine) -> None:
    first = scheduled_payload("s1")
    assert engine.submit(first).stored
    same = copy.deepcopy(first)
    same["lines"][0]["unit_price"] = "12.9"
    same["created_at"] = "10:00"  # the scenario file's spelling, the same instant
    del same["created_at_s"]
    same["promised"] = {"start": "11:00", "end": "11:30"}
    assert not engine.submit(same).stored
    zeros = copy.deepcopy(first)
    zeros["lines"][0]["unit_price"] = "0012.900"
    zeros["lines"][0]["weight_kg"] = 0.50
    assert not engine.submit(zeros).stored
    other = copy.deepcopy(first)
    other["lines"][0]["unit_price"] = "12.91"
    with pytest.raises(InvalidInputError, match="already submitted with different content"):
        engine.submit(other)
    assert engine.store.count_orders() == 1
    # The stored payload keeps the amount as first written.
    assert engine.order("s1").order.lines[0].unit_price.as_tuple().exponent == -2


def test_an_order_hashed_by_older_code_is_recognised_by_meaning(engine: Engine) -> None:
    payload = instant_payload("o1")
    engine.submit(payload)
    legacy = content_hash(order_payload(engine.order("o1").order))  # the old hash rule
    with engine.store._tx() as conn:
        conn.execute(orders.update().where(orders.c.id == "o1").values(content_hash=legacy))
    again = copy.deepcopy(payload)
    again["lines"][0]["unit_price"] = "12.5"
    assert not engine.submit(again).stored
    again["lines"][0]["unit_price"] = "12.6"
    with pytest.raises(InvalidInputError, match="different content"):
        engine.submit(again)


# --- one bad order never sinks a wave -----------------------------------------------------


def _poison(engine: Engine, order_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Write an order straight into the store (as a store from before the ranges, or
    another writer, could hold it): a valid one first, then its payload changed."""
    engine.submit(instant_payload(order_id))
    with engine.store._tx() as conn:
        text = conn.execute(sa.select(orders.c.payload).where(orders.c.id == order_id)).scalar()
        payload = json.loads(str(text))
        change(payload)
        conn.execute(
            orders.update()
            .where(orders.c.id == order_id)
            .values(payload=canonical_json(payload), member_id=payload["member_id"])
        )


def test_plan_batch_isolates_orders_that_cannot_be_modelled(engine: Engine) -> None:
    for k in range(3):
        engine.submit(instant_payload(f"i{k}"))
    _poison(engine, "p-time", _set(("created_at_s",), 1e300))
    _poison(engine, "p-weight", _set(("lines", 0, "weight_kg"), 1e308))
    _poison(engine, "p-member", _set(("member_id",), "ghost"))
    record = engine.plan_batch(at_s=10 * H, modes=["instant"], params=PLAN_FAST)
    plan = record.plan
    assert plan.served_order_ids() == {"i0", "i1", "i2"}
    invalid = {u.order_id: u for u in plan.unassigned}
    assert set(invalid) == {"p-time", "p-weight", "p-member"}
    assert all(u.reason is UnassignedOrderReason.INVALID_INPUT for u in invalid.values())
    assert "created_at_s" in invalid["p-time"].detail
    assert "lines[0].weight_kg" in invalid["p-weight"].detail
    assert "member_id: unknown member 'ghost'" in invalid["p-member"].detail
    assert plan.kpis.orders_total == 6 and plan.kpis.orders_unassigned == 3
    # The store stays consistent: the plan and the served orders, nothing else.
    for k in range(3):
        assert engine.order(f"i{k}").status is OrderStatus.PLANNED
    bad: list[UnreadableOrder] = []
    pending = engine.store.orders(status=OrderStatus.PENDING, unreadable=bad)
    assert [s.order.id for s in pending] == ["p-member"]
    assert sorted(u.order_id for u in bad) == ["p-time", "p-weight"]
    assert engine.store.incomplete_orders() == []
    assert engine.store.plan_ids() == [record.plan_id]
    assert engine.replay(record.plan_id).to_json()["unassigned"] == plan.to_json()["unassigned"]
    # The next wave reports them again, and plans what came since.
    engine.submit(instant_payload("i9"))
    again = engine.plan_batch(at_s=10.2 * H, modes=[FulfilmentMode.INSTANT], params=PLAN_FAST)
    assert again.plan.served_order_ids() == {"i9"}
    assert {u.order_id for u in again.plan.unassigned} == set(invalid)
    # Asking for a poison order by id reports it too.
    only = engine.plan_batch(at_s=10.3 * H, order_ids=["p-time"], params=PLAN_FAST)
    assert [u.order_id for u in only.plan.unassigned] == ["p-time"]


def test_planner_isolates_an_order_outside_the_ranges() -> None:
    world = small_world()
    good = Order(
        "g1", "m1", 9.5 * H, (line("mw1", "milk"),), FulfilmentMode.INSTANT, building_id="b1"
    )
    late = Order(
        "x1", "m1", 1e300, (line("mw1", "milk"),), FulfilmentMode.INSTANT, building_id="b1"
    )
    heavy = Order(
        "x2", "m1", 9.5 * H, (line("mw1", "milk", weight_kg=1e308),), FulfilmentMode.INSTANT,
        building_id="b1",
    )  # fmt: skip
    planner = Planner(world)
    plan = planner.plan([good, late, heavy], at_s=10 * H, params=FAST)
    check_plan(plan, [good, late, heavy], planner)
    assert plan.served_order_ids() == {"g1"}
    reasons = {u.order_id: (u.reason, u.detail) for u in plan.unassigned}
    assert reasons["x1"][0] is UnassignedOrderReason.INVALID_INPUT
    assert "created_at_s" in reasons["x1"][1]
    assert "lines[0].weight_kg" in reasons["x2"][1]
    assert plan.kpis.total_by_flow["instant"] == 3


def test_an_order_whose_task_cannot_be_built_is_set_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = small_world()
    orders_ = [
        Order(
            f"g{k}", "m1", 9.5 * H, (line("mw1", "milk"),), FulfilmentMode.INSTANT, building_id="b1"
        )
        for k in range(3)
    ]
    real = delivery_module.delivery_task

    def fragile(order: Order, *args: Any) -> Any:
        if order.id == "g1":
            raise InvalidInputError(f"Task {order.id!r}: delivery.windows", "cannot be modelled")
        return real(order, *args)

    monkeypatch.setattr(delivery_module, "delivery_task", fragile)
    planner = Planner(world)
    plan = planner.plan(orders_, at_s=10 * H, params=FAST)
    check_plan(plan, orders_, planner)
    assert plan.served_order_ids() == {"g0", "g2"}
    (bad,) = plan.unassigned
    assert bad.reason is UnassignedOrderReason.INVALID_INPUT
    assert "delivery.windows: cannot be modelled" in bad.detail


# --- scheduled slots hold across engines ------------------------------------------------------


def test_two_engines_never_overbook_a_slot(store_url: str) -> None:
    """Two engines on one database, 8 threads submitting 40 orders into one 20-order
    slot: exactly 20 are stored, the others refused as slot full; both engines' quotes
    see the slot full; the counter equals the stored orders."""
    world = small_world()
    with (
        Engine.open(store_url, world, clock=lambda: 10 * H) as first,
        Engine.open(store_url, world, clock=lambda: 10 * H) as second,
    ):
        engines = (first, second)
        accepted: Counter[str] = Counter()
        refused: list[str] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        start = threading.Barrier(8)

        def work(t: int) -> None:
            start.wait()
            for k in range(5):
                order_id = f"s{t}-{k}"
                try:
                    result = engines[t % 2].submit(scheduled_payload(order_id))
                except CapacityFullError as error:
                    with lock:
                        refused.append(str(error))
                    continue
                except BaseException as error:
                    with lock:
                        errors.append(error)
                    continue
                with lock:
                    accepted[order_id] += int(result.stored)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sum(accepted.values()) == 20 and len(refused) == 20
        assert all("slot full" in why and "promised" in why for why in refused)
        assert first.store.count_orders() == 20
        for engine in engines:
            (slot,) = [
                s
                for s in engine.quote("b1", [line("mw1", "milk")], "m1").of(
                    FulfilmentMode.SCHEDULED
                )
                if s.window is not None and s.window.start_s == 11 * H
            ]
            assert not slot.available and slot.remaining == 0
        with first.store._tx() as conn:
            used = conn.execute(sa.select(capacity_usage.c.used)).scalars().all()
        assert used == [20]
        # A repeat of an accepted order is still idempotent; the next slot is free.
        stored_id = next(iter(accepted))
        assert not second.submit(scheduled_payload(stored_id)).stored
        assert second.submit(scheduled_payload("later", start_s=11.5 * H)).stored


def test_fulfilment_and_plans_keep_the_counters_in_step(file_engine: Engine) -> None:
    engine = file_engine
    engine.submit(scheduled_payload("s1"))
    engine.submit(scheduled_payload("s2"))
    usage = engine.store.usage()
    assert usage.slots[("mw1", 11 * H)] == 2
    engine.mark_fulfilled("s1", date(2026, 12, 7))
    assert engine.store.usage().slots[("mw1", 11 * H)] == 1
    # A next-day order without a chosen point holds the point the plan assigns.
    engine.submit(
        {
            "id": "n1",
            "member_id": "m1",
            "created_at_s": 9 * H,
            "mode": "next_day_pickup",
            "building_id": "b1",
            "lines": [{"store_id": "mw1", "sku": "eggs", "quantity": 1}],
        }
    )
    assert engine.store.usage().parcels == Counter()
    # (CP-SAT assigns the pickup point within its share of the time limit: keep it short)
    engine.plan_batch(
        at_s=22 * H,
        modes=["next_day_pickup"],
        params=SolveParams(time_limit_s=2.0, workers=1, iterations=30),
    )
    assert engine.order("n1").pickup_point_id == "pp1"
    assert engine.store.usage().parcels == Counter({"pp1": 1})


def test_an_order_built_in_code_is_held_to_the_same_ranges(file_engine: Engine) -> None:
    order = Order(
        "x1", "m1", 9.5 * H, (line("mw1", "milk", quantity=10**30),), FulfilmentMode.INSTANT,
        building_id="b1",
    )  # fmt: skip
    with pytest.raises(PayloadError) as caught:
        file_engine.submit(order)
    assert caught.value.fields == ("lines[0].quantity",)
    assert file_engine.store.count_orders() == 0


@pytest.mark.parametrize("at_s", [1e300, -1.0, float("nan"), "10:00", 8 * 24 * 3600.0])
def test_plan_batch_refuses_a_plan_time_outside_the_horizon(
    file_engine: Engine, at_s: object
) -> None:
    file_engine.submit(instant_payload("i1"))
    with pytest.raises(InvalidInputError, match=r"at_s: must be a number of seconds in \[0, "):
        file_engine.plan_batch(at_s=at_s, params=PLAN_FAST)  # type: ignore[arg-type]
    assert file_engine.store.plan_ids() == []


def test_a_long_value_is_shortened_in_every_rule(file_engine: Engine) -> None:
    payload = instant_payload("o1")
    payload["member_id"] = "9" * 5000
    payload["lines"][0]["sku"] = "s" * 5000
    with pytest.raises(PayloadError) as caught:
        file_engine.submit(payload)
    assert set(caught.value.fields) == {"member_id", "lines[0].sku"}
    assert all(len(rule) <= 300 for _, rule in caught.value.problems)
    assert len(str(caught.value)) < 1000


def test_a_quote_reads_the_slots_of_its_own_source(file_engine: Engine) -> None:
    file_engine.submit(scheduled_payload("s1"))
    other = scheduled_payload("s2")
    other["lines"][0]["store_id"] = "st1"
    other["building_id"] = "b2"
    file_engine.submit(other)

    def remaining(source: str) -> int:
        (slot,) = [
            s
            for s in file_engine.quote("b1", [line(source, "milk")], "m1").of(
                FulfilmentMode.SCHEDULED
            )
            if s.window is not None and s.window.start_s == 11 * H
        ]
        assert slot.remaining is not None
        return slot.remaining

    assert remaining("mw1") == 19 and remaining("st1") == 19 and remaining("st2") == 20
    # A two-shop basket is offered no slot, and reads none.
    assert not file_engine.quote("b1", [line("st1", "a"), line("st2", "b")], "m1").of(
        FulfilmentMode.SCHEDULED
    )
