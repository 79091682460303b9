"""Stock at micro-warehouses and shops (issue 17): the planner's allocation, the Engine's
reservations (no oversell across engines and threads, SQLite and PostgreSQL), releases
on cancel, idempotent resubmits, and quotes that change when stock runs out."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from typing import Any

import pytest

from dispatch import Engine, FulfilmentMode, Order, Planner
from dispatch.plan import UnassignedOrderReason
from dispatch.stock import MissingLine, StockTable, allocate_stock
from dispatch.store import OutOfStockError
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import small_world
from tests.dispatch.helpers import FAST, H, check_plan, line, warehouse


def _milk_order(oid: str, *, quantity: int = 1, created_h: float = 9.5, mw: str = "mw1") -> Order:
    return Order(
        oid,
        "m1",
        created_h * H,
        (line(mw, "milk-1l", quantity),),
        FulfilmentMode.INSTANT,
        building_id="b1",
    )


def _payload(oid: str, *, quantity: int = 1, sku: str = "milk-1l", **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": oid,
        "member_id": "m1",
        "created_at_s": 10 * H,
        "mode": "instant",
        "building_id": "b1",
        "lines": [{"store_id": "mw1", "sku": sku, "quantity": quantity, "unit_price": "9.90"}],
    }
    out.update(kw)
    return out


# --- the planner's rule ---------------------------------------------------------------------


def test_allocation_goes_by_creation_time_and_takes_whole_orders() -> None:
    stock = StockTable({"mw1": {"milk-1l": 3}})
    late = _milk_order("a-late", quantity=2, created_h=9.9)
    early = _milk_order("z-early", quantity=2, created_h=9.0)
    small = _milk_order("m-small", quantity=1, created_h=9.95)
    result = allocate_stock([late, early, small], stock)
    # The earliest takes 2 of 3; the next (2) cannot be served whole; the last (1) fits.
    assert [o.id for o in result.kept] == ["z-early", "m-small"]
    assert result.short == {"a-late": (MissingLine("mw1", "milk-1l", 2, 1),)}
    assert result.left.units("mw1", "milk-1l") == 0
    # A place without an entry does not count stock; a SKU missing from an entry has none.
    other = _milk_order("o", quantity=99, mw="st1")
    eggs = Order("e", "m1", 9 * H, (line("mw1", "eggs", 1),), FulfilmentMode.INSTANT, "b1")
    result = allocate_stock([other, eggs], stock)
    assert [o.id for o in result.kept] == ["o"]
    assert result.short["e"] == (MissingLine("mw1", "eggs", 1, 0),)


def test_planner_reports_out_of_stock_lines_and_routes_the_rest() -> None:
    world = dataclasses.replace(small_world(), stock=StockTable({"mw1": {"milk-1l": 2}}))
    orders = [_milk_order(f"o{k}", created_h=9.9 + k / 100) for k in range(4)]
    planner = Planner(world)
    plan = planner.plan(orders, at_s=10 * H, params=FAST)
    check_plan(plan, orders, planner)
    assert plan.served_order_ids() == {"o0", "o1"}
    short = {u.order_id: u for u in plan.unassigned}
    assert set(short) == {"o2", "o3"}
    for u in short.values():
        assert u.reason is UnassignedOrderReason.OUT_OF_STOCK
        assert "'milk-1l' at 'mw1' (1 wanted, 0 in stock)" in u.detail
    assert plan.to_json()["unassigned"][0]["reason"] == "out_of_stock"
    # Without the stock table the same batch is served whole.
    free = Planner(small_world()).plan(orders, at_s=10 * H, params=FAST)
    assert free.served_order_ids() == {"o0", "o1", "o2", "o3"}


def test_world_refuses_stock_at_a_place_that_is_not_a_source() -> None:
    with pytest.raises(InvalidInputError, match=r"World\.stock\.b1"):
        dataclasses.replace(small_world(), stock=StockTable({"b1": {"milk-1l": 2}}))
    with pytest.raises(InvalidInputError, match=r"stock\.mw1\.milk"):
        StockTable({"mw1": {"milk": -1}})


# --- the Engine's reservations ------------------------------------------------------------------


def test_submit_reserves_cancel_releases_and_resubmits_do_not_double(store_url: str) -> None:
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as engine:
        engine.set_stock("mw1", "milk-1l", 3)
        assert engine.submit(_payload("o1", quantity=2)).stored
        assert not engine.submit(_payload("o1", quantity=2)).stored  # idempotent repeat
        (lot,) = engine.stock("mw1")
        assert (lot.sku, lot.quantity, lot.reserved) == ("milk-1l", 3, 2)
        with pytest.raises(OutOfStockError) as refused:
            engine.submit(_payload("o2", quantity=2))
        assert refused.value.missing == (MissingLine("mw1", "milk-1l", 2, 1),)
        assert "order 'o2': lines" in str(refused.value)
        assert engine.store.order("o2") is None  # nothing of it was stored
        engine.cancel("o1")
        engine.cancel("o1")  # twice: no change
        assert engine.stock("mw1")[0].reserved == 0
        assert engine.submit(_payload("o2", quantity=2)).stored
        # A SKU the place was never given has none; another place does not count stock.
        with pytest.raises(OutOfStockError, match="'eggs' at 'mw1'"):
            engine.submit(_payload("o3", sku="eggs"))
        other = _payload("o4", quantity=50)
        other["lines"][0]["store_id"] = "st1"
        assert engine.submit(other).stored


def test_replenishment_serves_a_later_slot_not_an_earlier_order(store_url: str) -> None:
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as engine:
        engine.set_stock("mw1", "milk-1l", 0)
        engine.replenish("mw1", "milk-1l", 5, 14 * H)
        with pytest.raises(OutOfStockError):
            engine.submit(_payload("now"))
        slot = _payload("later", mode="scheduled", quantity=5)
        slot["promised"] = {"start_s": 15 * H, "end_s": 15.5 * H}
        assert engine.submit(slot).stored
        lots = engine.stock("mw1")
        assert [(x.at_s, x.quantity, x.reserved) for x in lots] == [(0.0, 0, 0), (14 * H, 5, 5)]
        with pytest.raises(InvalidInputError, match="place_id"):
            engine.set_stock("b1", "milk-1l", 1)
        with pytest.raises(InvalidInputError, match="quantity"):
            engine.set_stock("mw1", "milk-1l", -1)


def test_two_engines_and_eight_threads_never_oversell(store_url: str) -> None:
    """40 one-unit orders from 8 threads over two engines on one database for 15 units:
    exactly 15 are stored, the rest refused naming the line, the reservations add up."""
    world = small_world()
    with (
        Engine.open(store_url, world, clock=lambda: 10 * H) as first,
        Engine.open(store_url, world, clock=lambda: 10 * H) as second,
    ):
        first.set_stock("mw1", "milk-1l", 15)
        engines = (first, second)
        accepted: Counter[str] = Counter()
        refused: list[str] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        start = threading.Barrier(8)

        def work(t: int) -> None:
            start.wait()
            for k in range(5):
                try:
                    result = engines[t % 2].submit(_payload(f"s{t}-{k}"))
                except OutOfStockError as error:
                    with lock:
                        refused.append(str(error))
                    continue
                except BaseException as error:
                    with lock:
                        errors.append(error)
                    continue
                with lock:
                    accepted[f"s{t}-{k}"] += int(result.stored)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sum(accepted.values()) == 15 and len(refused) == 25
        assert all("'milk-1l' at 'mw1'" in why for why in refused)
        assert first.store.count_orders() == 15
        assert second.stock("mw1")[0].reserved == 15
        for engine in engines:
            (instant,) = engine.quote("b1", [line("mw1", "milk-1l")], "m1").of(
                FulfilmentMode.INSTANT
            )
            assert not instant.available


# --- quotes ---------------------------------------------------------------------------------


def test_quotes_change_when_stock_runs_out(store_url: str) -> None:
    world = dataclasses.replace(
        small_world(), micro_warehouses=(warehouse("mw1", 0), warehouse("mw2", 800))
    )
    world = dataclasses.replace(world, stock=StockTable({"mw1": {"milk-1l": 2}}))
    with Engine.open(store_url, world, clock=lambda: 10 * H) as engine:
        basket = [line("mw1", "milk-1l", 2)]
        quote = engine.quote("b1", basket, "m1")
        (instant,) = quote.of(FulfilmentMode.INSTANT)
        assert instant.available and not instant.missing and not quote.missing
        assert all(s.available for s in quote.of(FulfilmentMode.SCHEDULED))
        engine.submit(_payload("o1", quantity=1))
        quote = engine.quote("b1", basket, "m1")
        (instant,) = quote.of(FulfilmentMode.INSTANT)  # mw2 counts no stock: not offered
        assert not instant.available
        assert instant.missing == quote.missing == (MissingLine("mw1", "milk-1l", 2, 1),)
        assert not any(s.available for s in quote.of(FulfilmentMode.SCHEDULED))
        assert any(p.available for p in quote.of(FulfilmentMode.NEXT_DAY_PICKUP))
        # Another micro-warehouse with the basket, and a later slot after a replenishment.
        engine.set_stock("mw2", "milk-1l", 10)
        engine.replenish("mw1", "milk-1l", 6, 13 * H)
        quote = engine.quote("b1", basket, "m1")
        own, other = quote.of(FulfilmentMode.INSTANT)
        assert not own.available and own.source_ids == ("mw1",)
        assert other.available and other.source_ids == ("mw2",) and other.instead_of == "mw1"
        slots = quote.of(FulfilmentMode.SCHEDULED)
        assert [s.available for s in slots] == [
            s.window is not None and s.window.start_s >= 13 * H for s in slots
        ]
        assert any(s.available for s in slots)


def test_engine_seeds_the_worlds_stock_once(store_url: str) -> None:
    world = dataclasses.replace(small_world(), stock=StockTable({"mw1": {"milk-1l": 4}}))
    with Engine.open(store_url, world, clock=lambda: 10 * H) as engine:
        engine.submit(_payload("o1", quantity=3))
        engine.set_stock("mw1", "milk-1l", 7)
    with Engine.open(store_url, world, clock=lambda: 10 * H) as again:
        (lot,) = again.stock("mw1")
        assert (lot.quantity, lot.reserved) == (7, 3)  # the store's figures stay
        # Stored orders hold their stock: a batch plan does not allocate it again.
        record = again.plan_batch(at_s=10 * H, params=FAST)
        assert record.plan.served_order_ids() == {"o1"}
