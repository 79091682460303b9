"""Generated days with stock: a micro-warehouse holds a share of its day's demand."""

from __future__ import annotations

import pytest

from dispatch.plan import UnassignedOrderReason
from dispatch.stock import out_of_stock
from scenarios.generate import city_day_scenario
from scenarios.scenario_build import build_scenario
from scenarios.stock_gen import draw_stock
from solvers.errors import InvalidInputError


def _allocated(cover: float | None) -> tuple[int, int]:
    spec = city_day_scenario(5, blocks=6, orders=120, couriers=6, stock_cover=cover)
    scenario = build_scenario(spec)
    kept, short = out_of_stock(scenario.orders, scenario.world.stock)
    assert len(kept) + len(short) == len(scenario.orders)
    assert all(u.reason is UnassignedOrderReason.OUT_OF_STOCK for u in short)
    return len(kept), len(short)


def test_a_full_cover_runs_out_of_nothing_and_a_short_one_runs_out() -> None:
    assert _allocated(None)[1] == 0
    assert _allocated(1.0)[1] == 0  # exactly the day's demand
    kept, short = _allocated(0.5)
    assert short > 0 and kept > 0


def test_stock_is_per_micro_warehouse_and_sku_and_cover_is_checked() -> None:
    spec = city_day_scenario(5, blocks=6, orders=120, couriers=6, stock_cover=0.5)
    assert spec.stock is not None
    full = city_day_scenario(5, blocks=6, orders=120, couriers=6, stock_cover=1.0).stock
    assert full is not None and set(full) == set(spec.stock)
    for place, row in spec.stock.items():
        assert all(units == full[place][sku] // 2 for sku, units in row.items())
    with pytest.raises(InvalidInputError, match="stock_cover"):
        draw_stock(spec.orders, list(spec.stock), -0.1)
