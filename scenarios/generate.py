"""Day generators: a scenario of a whole day of orders on a procedural city (seeded).

``city_day_scenario(seed, ...) -> ScenarioFile`` builds a generated city
(:func:`geo.generate_city`) and a stream of orders over the day with three peaks
(breakfast around 08:00, lunch around 12:00, evening around 18:30) and a mix of flows:
instant orders from the nearest micro-warehouse, a share of multi-store baskets (two
shops of different kinds) and a share of next-day group-buy orders (pickup point chosen
by the planner near home).  Couriers are e-bikes spread over the micro-warehouses, on
shift from ``start_h`` to an hour after ``end_h``, and a van at every depot drives the
next morning's trunk routes to the pickup points.  The same arguments give the same scenario.
"""

from __future__ import annotations

import numpy as np

from dispatch.domain import FulfilmentMode
from geo.citygen import CitySpec, generate_city
from geo.frame import haversine_m
from geo.profiles import ProfileName
from scenarios.demo import (
    GROUP_BUY_ITEMS,
    WAREHOUSE_ITEMS,
    DemoBuilder,
    shop_line,
)
from scenarios.scenario_file import (
    CourierSpec,
    GeneratedNetwork,
    ScenarioFile,
    SettingsSpec,
    WindowSpec,
)
from solvers.errors import InvalidInputError

_H = 3600.0
# The daily profile: (peak hour, spread in hours, weight).
DAILY_PEAKS: tuple[tuple[float, float, float], ...] = (
    (8.0, 0.75, 0.2),
    (12.0, 1.0, 0.4),
    (18.5, 1.25, 0.4),
)


def order_times_s(
    rng: np.random.Generator, count: int, start_h: float, end_h: float
) -> list[float]:
    """``count`` creation times (whole minutes, sorted) drawn from the daily profile."""
    weights = np.array([w for _, _, w in DAILY_PEAKS])
    peaks = rng.choice(len(DAILY_PEAKS), size=count, p=weights / weights.sum())
    times: list[float] = []
    for k in peaks:
        hour, spread, _ = DAILY_PEAKS[int(k)]
        while True:
            h = float(rng.normal(hour, spread))
            if start_h <= h < end_h:
                break
        times.append(60.0 * int(h * 60.0))
    return sorted(times)


def city_day_scenario(
    seed: int = 7,
    *,
    blocks: int = 10,
    orders: int = 300,
    couriers: int = 20,
    multi_store_share: float = 0.1,
    next_day_share: float = 0.1,
    start_h: float = 7.0,
    end_h: float = 21.0,
) -> ScenarioFile:
    """A generated city and a day of orders (see the module doc).

    Raises:
        InvalidInputError: a count below 1, a share outside [0, 1] or shares adding up to
            more than 1, hours not within 0..24 with ``start_h < end_h``, or city
            settings the generator refuses.
    """
    if orders < 1 or couriers < 1:
        raise InvalidInputError("orders, couriers", f"must be >= 1, got {orders}, {couriers}")
    if not (0 <= multi_store_share <= 1 and 0 <= next_day_share <= 1) or (
        multi_store_share + next_day_share > 1
    ):
        raise InvalidInputError(
            "multi_store_share, next_day_share", "must be within 0..1 and add up to at most 1"
        )
    if not 0 <= start_h < end_h <= 24:
        raise InvalidInputError(
            "start_h, end_h", f"need 0 <= start < end <= 24, got {start_h}, {end_h}"
        )
    city = generate_city(CitySpec(seed=seed, blocks_x=blocks, blocks_y=blocks))
    b = DemoBuilder(city, seed)
    rng = b.rng
    mws, stores = city.micro_warehouses, city.stores
    mlon = np.array([m.lon for m in mws])
    mlat = np.array([m.lat for m in mws])
    slon = np.array([s.lon for s in stores])
    slat = np.array([s.lat for s in stores])
    shift = WindowSpec(start=start_h * _H, end=min(24.0, end_h + 1.0) * _H)
    courier_specs = tuple(
        CourierSpec(
            id=f"eb{k + 1:03d}",
            profile=ProfileName.E_BIKE,
            at=mws[k % len(mws)].id,
            shift=shift,
            cold_boxes=3,
        )
        for k in range(couriers)
    ) + tuple(
        CourierSpec(
            id=f"van-{depot.id}",
            profile=ProfileName.VAN,
            at=depot.id,
            shift=WindowSpec(start=28 * _H, end=34 * _H),  # 04:00-10:00 tomorrow
            capacity_kg=800.0,
            capacity_l=4000.0,
            cold_boxes=60,
            returns_to_start=True,
        )
        for depot in city.depots
    )
    for created in order_times_s(rng, orders, start_h, end_h):
        home = city.buildings[int(rng.integers(len(city.buildings)))]
        draw = rng.random()
        if draw < multi_store_share and len(stores) >= 2:
            d = haversine_m(home.lon, home.lat, slon, slat)
            near = np.argsort(d, kind="stable")[:6]
            first = stores[int(rng.choice(near))]
            other = min(
                (i for i in near.tolist() if stores[i].category != first.category),
                key=lambda i: (float(d[i]), i),
                default=None,
            )
            if other is not None:
                b.add(
                    member_id=b.member(home.id),
                    created_at=created,
                    mode=FulfilmentMode.MULTI_STORE,
                    building_id=home.id,
                    lines=[shop_line(first, rng), shop_line(stores[other], rng)],
                )
                continue
        if draw >= 1.0 - next_day_share:
            b.add(
                member_id=b.member(home.id),
                created_at=created,
                mode=FulfilmentMode.NEXT_DAY_PICKUP,
                building_id=home.id,
                lines=b.lines(
                    mws[int(rng.integers(len(mws)))].id,
                    GROUP_BUY_ITEMS,
                    int(rng.integers(1, 3)),
                ),
            )
            continue
        mw = mws[int(np.argmin(haversine_m(home.lon, home.lat, mlon, mlat)))]
        b.add(
            member_id=b.member(home.id),
            created_at=created,
            mode=FulfilmentMode.INSTANT,
            building_id=home.id,
            lines=b.lines(mw.id, WAREHOUSE_ITEMS, int(rng.integers(1, 4))),
        )
    return ScenarioFile(
        version=1,
        name=f"city-day-{seed}",
        description=(
            f"Generated {blocks}x{blocks}-block city (seed {seed}): {orders} orders from "
            f"{start_h:g}:00 to {end_h:g}:00 with breakfast, lunch and evening peaks, "
            f"{couriers} e-bike couriers."
        ),
        at=start_h * _H,
        network=GeneratedNetwork(kind="generated", seed=seed, blocks_x=blocks, blocks_y=blocks),
        couriers=courier_specs,
        members=tuple(b.members.values()),
        settings=SettingsSpec(next_day_cutoff=22 * _H),
        orders=tuple(b.orders),
    )
