"""Stock for generated days: each micro-warehouse holds a share of its own day's demand.

:func:`draw_stock` gives every micro-warehouse, per SKU, ``cover`` times the units the
day's stocked orders (instant, multi-store, scheduled: :data:`dispatch.stock.STOCKED_FLOWS`)
want from it, rounded down; ``cover`` 1.0 holds exactly the day's demand, below 1 some
orders run out (``out_of_stock`` in plans and replays: the stock-outs the planner
prevents from being promised and routed).  Shops (stores) do not count stock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from core.limits import MAX_STOCK_UNITS
from dispatch.stock import STOCKED_FLOWS
from scenarios.scenario_schema import OrderSpec
from solvers.errors import InvalidInputError


def draw_stock(
    orders: Sequence[OrderSpec], micro_warehouse_ids: Iterable[str], cover: float
) -> dict[str, dict[str, int]]:
    """Units per micro-warehouse and SKU: ``floor(cover x demand)``, within the limits.

    Raises:
        InvalidInputError: ``cover`` not a number in [0, 10].
    """
    if not (
        isinstance(cover, int | float)
        and not isinstance(cover, bool)
        and math.isfinite(cover)
        and 0 <= cover <= 10
    ):
        raise InvalidInputError("stock_cover", f"must be a number in [0, 10], got {cover!r}")
    places = set(micro_warehouse_ids)
    demand: dict[str, dict[str, int]] = {p: {} for p in sorted(places)}
    for order in orders:
        if order.mode not in STOCKED_FLOWS:
            continue
        for line in order.lines:
            if line.store_id in places:
                row = demand[line.store_id]
                row[line.sku] = row.get(line.sku, 0) + int(line.quantity)
    return {
        place: {
            sku: min(MAX_STOCK_UNITS, math.floor(cover * units))
            for sku, units in sorted(row.items())
        }
        for place, row in demand.items()
    }
