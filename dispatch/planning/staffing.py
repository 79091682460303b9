"""From a forecast to the next day's plan: courier shifts and stock per micro-warehouse.

* :func:`warehouse_throughput`: orders a courier delivers per hour from a
  micro-warehouse, ``3600 / (2 x ride + handover)`` with ``ride`` the household-weighted
  mean e-bike ride to the homes nearest to it (one order a trip: the promise leaves
  little room to batch);
* :func:`plan_shifts`: the shift model (:mod:`solvers.staffing`) per micro-warehouse, the
  naive flat staffing beside it;
* :func:`stock_plan`: expected units per SKU and SKU category (temperature class) per
  micro-warehouse: forecast orders x units per order of the assortment mix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dispatch.world import World
from geo.frame import haversine_m
from solvers.errors import InvalidInputError
from solvers.params import DEFAULT_TIME_LIMIT_S
from solvers.staffing import Staffing, StaffingProblem, naive_staffing, solve_staffing

#: Seconds at the door per order (hand-over, stairs, payment).
HANDOVER_S = 120.0
#: Throughput when the world is not known, orders per courier-hour.
DEFAULT_ORDERS_PER_COURIER_HOUR = 3.0


def warehouse_throughput(world: World) -> dict[str, float]:
    """Orders per courier-hour of each micro-warehouse (see the module doc); a warehouse
    nearest to no home gets :data:`DEFAULT_ORDERS_PER_COURIER_HOUR`.

    Raises:
        InvalidInputError: the world has no micro-warehouse.
    """
    mws = world.micro_warehouses
    if not mws:
        raise InvalidInputError("world.micro_warehouses", "must not be empty")
    homes = [b for b in world.buildings if b.households > 0]
    mlon = np.array([m.lon for m in mws])
    mlat = np.array([m.lat for m in mws])
    nearest: dict[str, list[Any]] = {m.id: [] for m in mws}
    for b in homes:
        nearest[mws[int(np.argmin(haversine_m(b.lon, b.lat, mlon, mlat)))].id].append(b)
    out: dict[str, float] = {}
    for m in mws:
        mine = nearest[m.id]
        if not mine:
            out[m.id] = DEFAULT_ORDERS_PER_COURIER_HOUR
            continue
        ride = world.travel("e_bike", [m], mine).duration_s[0]
        w = np.array([b.households for b in mine], dtype=np.float64)
        mean_ride_s = float(np.average(ride, weights=w)) if w.sum() > 0 else float(ride.mean())
        out[m.id] = 3600.0 / (2.0 * mean_ride_s + HANDOVER_S)
    return out


@dataclass(frozen=True)
class WarehouseShifts:
    """One micro-warehouse's staffing problem, the model's shifts and the naive ones."""

    warehouse_id: str
    problem: StaffingProblem
    staffing: Staffing
    naive: Staffing

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (shifts as start hour, length and couriers)."""
        run = self.staffing.run
        return {
            "orders_per_courier_hour": round(self.problem.orders_per_courier_hour, 3),
            "forecast_orders": round(sum(self.problem.forecast), 2),
            "target_share": self.problem.target_share,
            "served_orders": round(self.staffing.served, 2),
            "courier_hours": self.staffing.courier_hours,
            "naive_courier_hours": self.naive.courier_hours,
            "naive_served_orders": round(self.naive.served, 2),
            "shifts": [
                {"start_h": s.start_h, "length_h": s.length_h, "couriers": s.couriers}
                for s in self.staffing.shifts
            ],
            "couriers_by_hour": list(self.staffing.couriers_by_hour),
            "forecast_by_hour": [round(v, 3) for v in self.problem.forecast],
            "status": run.status.value,
            "objective": run.objective,
            "bound": run.bound,
        }


def plan_shifts(
    day_forecast: Mapping[str, Sequence[float]],
    throughput: Mapping[str, float],
    *,
    target_share: float = 0.95,
    min_shift_h: int = 4,
    max_shift_h: int = 8,
    open_h: int = 7,
    close_h: int = 23,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
) -> dict[str, WarehouseShifts]:
    """Shifts for every micro-warehouse of the forecast (24 hourly values each); the
    time limit is shared evenly.

    Raises:
        InvalidInputError: a warehouse without a throughput, a day that is not 24
            hours, or the model's rules (:class:`solvers.staffing.StaffingProblem`).
    """
    out: dict[str, WarehouseShifts] = {}
    keys = sorted(day_forecast)
    for i, wid in enumerate(keys):
        values = list(day_forecast[wid])
        if len(values) != 24:
            raise InvalidInputError(f"forecast[{wid!r}]", f"must have 24 hours, got {len(values)}")
        if wid not in throughput:
            raise InvalidInputError(f"forecast[{wid!r}]", "is not a micro-warehouse of the world")
        problem = StaffingProblem(
            tuple(values), throughput[wid], target_share, min_shift_h, max_shift_h, open_h, close_h
        )
        share = time_limit_s / (len(keys) - i) if i < len(keys) else time_limit_s
        staffing = solve_staffing(problem, time_limit_s=share, seed=seed)
        out[wid] = WarehouseShifts(wid, problem, staffing, naive_staffing(problem))
    return out


def stock_plan(
    day_orders: Mapping[str, float],
    units_per_order: Mapping[str, tuple[str, float]],
) -> dict[str, dict[str, Any]]:
    """Expected units per SKU and per category for each micro-warehouse's day.

    Args:
        day_orders: warehouse -> forecast orders of the day.
        units_per_order: SKU -> (category, expected units per order).

    Returns:
        warehouse -> ``{"orders", "by_category": {category: units}, "by_sku": {sku:
        units}, "by_sku_p95": {sku: units}}`` (p95: the Poisson 95th percentile by the
        normal approximation, rounded up: the stock that runs out one day in twenty).
    """
    out: dict[str, dict[str, Any]] = {}
    for wid, orders in sorted(day_orders.items()):
        by_sku = {sku: orders * u for sku, (_, u) in sorted(units_per_order.items())}
        by_cat: dict[str, float] = {}
        for sku, (cat, _) in units_per_order.items():
            by_cat[cat] = by_cat.get(cat, 0.0) + by_sku[sku]
        out[wid] = {
            "orders": round(orders, 2),
            "by_category": {k: round(v, 2) for k, v in sorted(by_cat.items())},
            "by_sku": {k: round(v, 2) for k, v in by_sku.items()},
            "by_sku_p95": {k: math.ceil(v + 1.645 * math.sqrt(v)) for k, v in by_sku.items()},
        }
    return out
