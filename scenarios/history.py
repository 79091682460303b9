"""Order histories: weeks of orders with known seasonality, for forecasting.

:func:`generate_history` draws ``weeks`` weeks of hourly order counts for a world's
homes and micro-warehouses:

    rate(hour) = orders_per_day x daily(hour of day) x weekly(day of week)
                 x growth^(weeks since the start) x weather(day)

* ``daily``: the day generators' three peaks (:data:`scenarios.generate.DAILY_PEAKS`),
  normalised to sum to one over the hours of the day;
* ``weekly``: :data:`WEEKLY_FACTORS` (Monday first; busier at the weekend);
* ``growth``: ``weekly_growth`` per week, compounded;
* ``weather``: a log-normal day factor following an AR(1) (a rainy spell lasts days).

Each hour's count is Poisson; each order's home is drawn in proportion to households,
its mode (instant 80 %, multi-store 10 %, next-day 10 %) at random, its micro-warehouse
the nearest to the home, its minute uniform within the hour.  :func:`history_of_orders`
turns a day's orders (a scenario) into history rows too.  Times are local, the first day
a Monday (``start``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dispatch.domain import FulfilmentMode, Order
from dispatch.planning.demand import HistoryOrder
from dispatch.world import World
from geo.frame import haversine_m
from scenarios.generate import DAILY_PEAKS
from solvers.errors import InvalidInputError

#: Day-of-week factors, Monday first.
WEEKLY_FACTORS: tuple[float, ...] = (0.9, 0.9, 0.95, 1.0, 1.1, 1.3, 1.2)
#: Mode shares of generated history (instant, multi-store, next-day pickup).
MODE_SHARES: tuple[tuple[FulfilmentMode, float], ...] = (
    (FulfilmentMode.INSTANT, 0.8),
    (FulfilmentMode.MULTI_STORE, 0.1),
    (FulfilmentMode.NEXT_DAY_PICKUP, 0.1),
)
#: The Monday the generated histories start on.
DEFAULT_START = dt.date(2026, 1, 5)


def daily_profile() -> npt.NDArray[np.float64]:
    """Share of a day's orders in each hour 0..23 (sums to 1): the three peaks, with a
    small floor so night hours are not empty."""
    hours = np.arange(24) + 0.5
    rate = np.full(24, 0.01)
    for peak, spread, weight in DAILY_PEAKS:
        rate += (
            weight
            * np.exp(-0.5 * ((hours - peak) / spread) ** 2)
            / (spread * math.sqrt(2 * math.pi))
        )
    profile: npt.NDArray[np.float64] = rate / rate.sum()
    return profile


def expected_hourly(
    weeks: int, orders_per_day: float, weekly_growth: float
) -> npt.NDArray[np.float64]:
    """The noise-free rate of every hour of ``weeks`` weeks (the known seasonality)."""
    days = np.arange(7 * weeks)
    day_factor = np.array([WEEKLY_FACTORS[d % 7] for d in days]) * weekly_growth ** (days / 7.0)
    rate: npt.NDArray[np.float64] = (
        orders_per_day * day_factor[:, None] * daily_profile()[None, :]
    ).ravel()
    return rate


def generate_history(
    world: World,
    *,
    weeks: int,
    seed: int = 7,
    orders_per_day: float = 300.0,
    weekly_growth: float = 1.02,
    weather_sd: float = 0.15,
    start: dt.date = DEFAULT_START,
) -> list[HistoryOrder]:
    """``weeks`` weeks of orders in ``world`` (see the module doc), sorted by time.

    Raises:
        InvalidInputError: ``weeks`` below 1, a negative rate, growth or noise, no
            household building or no micro-warehouse.
    """
    if not isinstance(weeks, int) or weeks < 1:
        raise InvalidInputError("weeks", f"must be an integer >= 1, got {weeks!r}")
    for name, value in (
        ("orders_per_day", orders_per_day),
        ("weekly_growth", weekly_growth),
        ("weather_sd", weather_sd),
    ):
        if not (math.isfinite(value) and value >= 0):
            raise InvalidInputError(name, f"must be a finite number >= 0, got {value!r}")
    homes = [b for b in world.buildings if b.households > 0]
    if not homes:
        raise InvalidInputError("world.buildings", "must contain a building with households")
    if not world.micro_warehouses:
        raise InvalidInputError("world.micro_warehouses", "must not be empty")
    rng = np.random.default_rng([seed, 2026])
    w = np.array([b.households for b in homes], dtype=np.float64)
    p_home = w / w.sum()
    mlon = np.array([m.lon for m in world.micro_warehouses])
    mlat = np.array([m.lat for m in world.micro_warehouses])
    nearest = [
        world.micro_warehouses[int(np.argmin(haversine_m(b.lon, b.lat, mlon, mlat)))].id
        for b in homes
    ]
    days = 7 * weeks
    weather = np.empty(days)
    level = 0.0
    for d in range(days):
        level = 0.6 * level + float(rng.normal(0.0, weather_sd))
        weather[d] = math.exp(level - 0.5 * weather_sd**2)
    rate = expected_hourly(weeks, orders_per_day, weekly_growth) * np.repeat(weather, 24)
    counts = rng.poisson(rate)
    modes = [m for m, _ in MODE_SHARES]
    shares = np.array([s for _, s in MODE_SHARES])
    origin = dt.datetime.combine(start, dt.time())
    rows: list[HistoryOrder] = []
    for hour, n in enumerate(counts.tolist()):
        if not n:
            continue
        who = rng.choice(len(homes), size=n, p=p_home)
        how = rng.choice(len(modes), size=n, p=shares)
        minutes = np.sort(rng.integers(0, 60, size=n))
        for i in range(n):
            rows.append(
                HistoryOrder(
                    f"h{len(rows) + 1:07d}",
                    origin + dt.timedelta(hours=hour, minutes=int(minutes[i])),
                    homes[int(who[i])].id,
                    nearest[int(who[i])],
                    modes[int(how[i])],
                )
            )
    return rows


def history_of_orders(
    world: World, orders: Sequence[Order], *, day: dt.date = DEFAULT_START
) -> list[HistoryOrder]:
    """A day's orders as history rows on ``day`` (plan-clock seconds as the time of day;
    the warehouse is the order's first micro-warehouse line, else the nearest one to
    its building).  Orders without a building are left out.

    Raises:
        InvalidInputError: the world has no micro-warehouse.
    """
    if not world.micro_warehouses:
        raise InvalidInputError("world.micro_warehouses", "must not be empty")
    mws = {m.id for m in world.micro_warehouses}
    mlon = np.array([m.lon for m in world.micro_warehouses])
    mlat = np.array([m.lat for m in world.micro_warehouses])
    origin = dt.datetime.combine(day, dt.time())
    rows = []
    for o in sorted(orders, key=lambda o: (o.created_at_s, o.id)):
        if o.building_id is None:
            continue
        mw = next((s for s in o.store_ids if s in mws), None)
        if mw is None:
            b = world.building(o.building_id)
            mw = world.micro_warehouses[int(np.argmin(haversine_m(b.lon, b.lat, mlon, mlat)))].id
        rows.append(
            HistoryOrder(
                o.id, origin + dt.timedelta(seconds=o.created_at_s), o.building_id, mw, o.mode
            )
        )
    return rows
