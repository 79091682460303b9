"""The forecast day replayed with planned shifts: is the promise kept, at what hours?

* :func:`units_per_order`: the assortment mix, SKU -> (temperature class, units per
  order), from a scenario's micro-warehouse orders or, without any, the expectation of
  the day generators' draw (1-3 distinct items of :data:`WAREHOUSE_ITEMS`, 1-2 of each);
* :func:`forecast_day_scenario`: the scenario's world with a day of instant orders drawn
  from a warehouse forecast (Poisson counts per hour, homes nearest to the warehouse by
  households, minutes uniform, only while the warehouses are open) and e-bike couriers
  on the given shifts;
* :func:`replay_staffing`: that day replayed (:func:`scenarios.replay.replay_scenario`);
  the promise kept is the share of the day's orders delivered on time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.domain import FulfilmentMode
from dispatch.world import World
from geo.frame import haversine_m
from geo.profiles import ProfileName
from scenarios.city_scenario import WAREHOUSE_ITEMS, ScenarioBuilder
from scenarios.replay import DayReplay, ReplayPolicy, replay_scenario
from scenarios.scenario_build import build_scenario
from scenarios.scenario_schema import CourierSpec, ScenarioFile, WindowSpec
from solvers.errors import InvalidInputError
from solvers.staffing import Shift

_H = 3600.0


def units_per_order(spec: ScenarioFile | None, world: World | None) -> dict[str, tuple[str, float]]:
    """SKU -> (temperature class, expected units per micro-warehouse order)."""
    mws = {m.id for m in world.micro_warehouses} if world is not None else set()
    units: dict[str, float] = {}
    temp: dict[str, str] = {}
    n = 0
    if spec is not None:
        for o in spec.orders:
            lines = [line for line in o.lines if line.store_id in mws]
            if not lines or o.mode is not FulfilmentMode.INSTANT:
                continue
            n += 1
            for line in lines:
                units[line.sku] = units.get(line.sku, 0.0) + line.quantity
                temp[line.sku] = str(line.temperature)
    if n:
        return {sku: (temp[sku], u / n) for sku, u in sorted(units.items())}
    # 2 distinct items of the assortment on average, 1.5 of each.
    share = 2.0 / len(WAREHOUSE_ITEMS) * 1.5
    return {sku: (str(t), share) for sku, t, *_ in WAREHOUSE_ITEMS}


def forecast_day_scenario(
    spec: ScenarioFile,
    world: World,
    day_forecast: Mapping[str, Sequence[float]],
    shifts: Mapping[str, Sequence[Shift]],
    *,
    seed: int = 7,
    open_h: int = 0,
    close_h: int = 24,
    name: str = "forecast-day",
) -> ScenarioFile:
    """The scenario's world with a forecast day of instant orders and these shifts.

    Orders are drawn only for the hours ``open_h <= h < close_h`` (the warehouses take
    no orders while closed).

    Raises:
        InvalidInputError: a forecast or shift key that is not a micro-warehouse.
    """
    mws = {m.id: m for m in world.micro_warehouses}
    for wid in (*day_forecast, *shifts):
        if wid not in mws:
            raise InvalidInputError("forecast", f"unknown micro-warehouse {wid!r}")
    homes = [b for b in world.buildings if b.households > 0]
    mlist = list(mws.values())
    mlon = np.array([m.lon for m in mlist])
    mlat = np.array([m.lat for m in mlist])
    mine: dict[str, list[int]] = {m.id: [] for m in mlist}
    for i, b in enumerate(homes):
        mine[mlist[int(np.argmin(haversine_m(b.lon, b.lat, mlon, mlat)))].id].append(i)
    builder = ScenarioBuilder(homes, seed)
    rng = builder.rng
    drawn: list[tuple[float, str, str]] = []
    for wid in sorted(day_forecast):
        pool = mine[wid] or list(range(len(homes)))
        w = np.array([homes[i].households for i in pool], dtype=np.float64)
        for h, rate in enumerate(day_forecast[wid]):
            if not open_h <= h < close_h:
                continue
            for _ in range(int(rng.poisson(max(0.0, rate)))):
                home = homes[pool[int(rng.choice(len(pool), p=w / w.sum()))]]
                created = h * _H + 60.0 * int(rng.integers(0, 60))
                drawn.append((created, home.id, wid))
    for created, home_id, wid in sorted(drawn):
        builder.add(
            member_id=builder.member(home_id),
            created_at=created,
            mode=FulfilmentMode.INSTANT,
            building_id=home_id,
            lines=builder.lines(wid, WAREHOUSE_ITEMS, int(rng.integers(1, 4))),
        )
    couriers = tuple(
        CourierSpec(
            id=f"eb-{wid}-{k + 1:03d}",
            profile=ProfileName.E_BIKE,
            at=wid,
            shift=WindowSpec(start=shift.start_h * _H, end=shift.end_h * _H),
            cold_boxes=3,
        )
        for wid in sorted(shifts)
        for k, shift in enumerate(s for s in shifts[wid] for _ in range(s.couriers))
    )
    first = builder.orders[0].created_at_s if builder.orders else 0.0
    return spec.model_copy(
        update={
            "name": name,
            "at": first,
            "couriers": couriers,
            "members": tuple(builder.members.values()),
            "leaders": None if spec.leaders is None else spec.leaders,
            "orders": tuple(builder.orders),
        }
    )


@dataclass(frozen=True)
class StaffingReplay:
    """A forecast day replayed with one staffing."""

    label: str
    courier_hours: float
    replay: DayReplay

    @property
    def promise_kept_pct(self) -> float:
        """Orders delivered on time, percent of the day's orders."""
        k = self.replay.kpis
        total = k["orders_total"]
        return 100.0 * (k["delivered"] - k["late"]) / total if total else 100.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        k = self.replay.kpis
        return {
            "courier_hours": self.courier_hours,
            "orders": k["orders_total"],
            "delivered": k["delivered"],
            "late": k["late"],
            "unassigned": k["unassigned"],
            "promise_kept_pct": round(self.promise_kept_pct, 2),
            "click_to_door_mean_min": k["click_to_door_mean_min"],
            "courier_utilisation_pct": k["courier_utilisation_pct"],
        }


def replay_staffing(
    label: str,
    spec: ScenarioFile,
    *,
    base_dir: str | Path | None,
    policy: ReplayPolicy,
) -> StaffingReplay:
    """Replay a forecast day (:func:`forecast_day_scenario`) and report the promise kept."""
    scenario = build_scenario(spec, base_dir=base_dir, source=label)
    day = replay_scenario(scenario, policy)
    hours = sum(c.shift.end_s - c.shift.start_s for c in spec.couriers) / _H
    return StaffingReplay(label, hours, day)
