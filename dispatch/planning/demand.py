"""Order histories as hourly series: rows, keys (building, cell, warehouse), counts.

* :class:`HistoryOrder`: one row of an order history (``order_id, created_at,
  building_id, warehouse_id, mode``; ``created_at`` local time);
* :func:`history_key`: the series an order counts in (its building, its 500 m grid cell
  on the world's map, or its micro-warehouse);
* :func:`hourly_series`: counts per key and hour over whole days, from midnight of the
  first order's day to the end of the last order's day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from dispatch.domain import FulfilmentMode
from dispatch.world import World
from geo.frame import LocalFrame
from solvers.errors import InvalidInputError

#: Side of the grid cells of ``--by cell``, metres.
CELL_M = 500.0


class ForecastKey(StrEnum):
    """What a forecast's series are."""

    BUILDING = "building"
    CELL = "cell"
    WAREHOUSE = "warehouse"


@dataclass(frozen=True, slots=True)
class HistoryOrder:
    """One row of an order history (``created_at`` local time, no zone)."""

    order_id: str
    created_at: dt.datetime
    building_id: str
    warehouse_id: str
    mode: FulfilmentMode


def history_key(
    by: ForecastKey, world: World | None = None, *, cell_m: float = CELL_M
) -> Callable[[HistoryOrder], str]:
    """The function giving an order's series key: ``building_id``, ``warehouse_id``, or
    ``cell-{column}-{row}`` of a ``cell_m`` grid in a frame centred on the world's
    buildings (needs ``world``).

    Raises:
        InvalidInputError: ``cell`` without a world or a world without buildings; (when
            called) a building the world does not know.
    """
    if by is ForecastKey.BUILDING:
        return lambda o: o.building_id
    if by is ForecastKey.WAREHOUSE:
        return lambda o: o.warehouse_id
    if world is None or not world.buildings:
        raise InvalidInputError("--by cell", "needs the scenario whose buildings the history names")
    lon = np.array([b.lon for b in world.buildings])
    lat = np.array([b.lat for b in world.buildings])
    x, y = LocalFrame.around(lon, lat).forward(lon, lat)
    cells = {
        b.id: f"cell-{int(cx // cell_m)}-{int(cy // cell_m)}"
        for b, cx, cy in zip(world.buildings, x.tolist(), y.tolist(), strict=True)
    }

    def key(o: HistoryOrder) -> str:
        cell = cells.get(o.building_id)
        if cell is None:
            raise InvalidInputError(
                f"order {o.order_id!r}: building_id", f"unknown building {o.building_id!r}"
            )
        return cell

    return key


def hourly_series(
    orders: Sequence[HistoryOrder], key: Callable[[HistoryOrder], str]
) -> tuple[dt.datetime, dict[str, npt.NDArray[np.float64]]]:
    """The first hour (midnight of the first order's day) and every key's hourly counts
    up to the end of the last order's day, keys sorted.

    Raises:
        InvalidInputError: no orders.
    """
    if not orders:
        raise InvalidInputError("history", "must contain at least one order")
    first = min(o.created_at for o in orders)
    last = max(o.created_at for o in orders)
    start = dt.datetime.combine(first.date(), dt.time())
    hours = ((last.date() - first.date()).days + 1) * 24
    counts: dict[str, npt.NDArray[np.float64]] = {}
    for o in orders:
        k = key(o)
        row = counts.get(k)
        if row is None:
            row = counts[k] = np.zeros(hours)
        row[int((o.created_at - start).total_seconds() // 3600)] += 1.0
    return start, dict(sorted(counts.items()))


def forecast_rows(
    start: dt.datetime, forecast: Mapping[str, npt.NDArray[np.float64]]
) -> list[tuple[str, dt.datetime, float]]:
    """``(key, period_start, forecast)`` rows, key by key, hour by hour from ``start``."""
    return [
        (k, start + dt.timedelta(hours=h), float(v))
        for k, values in sorted(forecast.items())
        for h, v in enumerate(values.tolist())
    ]
