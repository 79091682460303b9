"""Day generators: a whole day of orders on a procedural city (seeded) or on a real
OpenStreetMap file.

Both draw the same order stream (:func:`draw_day_orders`) over the day with three peaks
(breakfast around 08:00, lunch around 12:00, evening around 18:30) and a mix of flows:
instant orders from the nearest micro-warehouse, a share of multi-store baskets (two
shops of different kinds) and a share of next-day group-buy orders (pickup point chosen
by the planner near home).  Couriers are e-bikes spread over the micro-warehouses, on
shift from ``start_h`` to an hour after ``end_h``, and a van at every depot drives the
next morning's trunk routes to the pickup points.  The same arguments give the same
scenario.  Both write the default speed profiles of Chinese cities into the scenario's
``travel`` section (:func:`scenarios.scenario_schema.default_travel`, the shared entry
point for every generator): morning and evening peaks slower for vans and e-bikes.

* :func:`city_day_scenario` builds a generated city (:func:`geo.generate_city`) and
  uses its places.
* :func:`osm_day_scenario` reads the streets, buildings and shops of an OSM XML file
  (:func:`geo.osm.read_osm`, :func:`geo.osm_places.read_osm_places`): household
  buildings are the homes, shops of a kind the domain sells from are the stores,
  convenience shops and supermarkets are the pickup points (run by a community leader);
  OSM maps no micro-warehouses or depots, so those are placed (see the function).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.limits import MAX_COURIERS, MAX_ORDERS, MAX_WAVE_WAREHOUSES
from dispatch.domain import FulfilmentMode
from geo.citygen import (
    PICKUP_CAPACITIES,
    PICKUP_HOURS,
    STORE_CATEGORIES,
    CitySpec,
    generate_city,
)
from geo.frame import haversine_m
from geo.network import DEFAULT_MAX_SNAP_M, RoadNetwork
from geo.osm import read_osm
from geo.osm_places import OsmBuilding, OsmShop, read_osm_places
from geo.places import Building, Depot, MicroWarehouse, PickupPointKind, Place, Store
from geo.profiles import E_BIKE, VAN, WALK, ProfileName
from scenarios.city_scenario import (
    GROUP_BUY_ITEMS,
    WAREHOUSE_ITEMS,
    ScenarioBuilder,
    shop_line,
)
from scenarios.returns_gen import draw_returns
from scenarios.scenario_schema import (
    BuildingSpec,
    CourierSpec,
    DepotSpec,
    GeneratedNetwork,
    MicroWarehouseSpec,
    OpeningSpec,
    OsmNetwork,
    PickupPointSpec,
    PlacesSpec,
    ScenarioFile,
    SettingsSpec,
    StoreSpec,
    WindowSpec,
    default_travel,
)
from scenarios.stock_gen import draw_stock
from scenarios.wave import wave_blocks
from solvers.errors import InvalidInputError

_H = 3600.0
# The daily profile: (peak hour, spread in hours, weight).
DAILY_PEAKS: tuple[tuple[float, float, float], ...] = (
    (8.0, 0.75, 0.2),
    (12.0, 1.0, 0.4),
    (18.5, 1.25, 0.4),
)
#: OSM shop tags (key, value) -> the store category (:data:`geo.citygen.STORE_CATEGORIES`,
#: which decides what the shop sells in generated orders).  Shops of other kinds
#: (clothes, hairdresser, bicycles...) are not stores of the scenario.
OSM_STORE_CATEGORIES: dict[tuple[str, str], str] = {
    ("shop", "fruit"): "fruit",
    ("shop", "bakery"): "bakery",
    ("shop", "confectionery"): "bakery",
    ("shop", "pastry"): "bakery",
    ("shop", "chemist"): "pharmacy",
    ("amenity", "pharmacy"): "pharmacy",
    ("shop", "convenience"): "grocery",
    ("shop", "supermarket"): "grocery",
    ("shop", "grocery"): "grocery",
    ("shop", "general"): "grocery",
    ("shop", "kiosk"): "grocery",
    ("shop", "deli"): "grocery",
    ("shop", "butcher"): "butcher",
    ("shop", "seafood"): "butcher",
    ("shop", "greengrocer"): "vegetable",
    ("amenity", "marketplace"): "vegetable",
    ("shop", "florist"): "flower",
}
#: ``shop`` values whose shops serve as pickup points (a leader's convenience store).
PICKUP_SHOP_TYPES = frozenset({"convenience", "supermarket", "general", "grocery"})
#: Building types preferred for the van depot (the largest one wins).
DEPOT_BUILDING_TYPES = frozenset(
    {"warehouse", "industrial", "transportation", "commercial", "retail"}
)
_KMEANS_MAX_ROUNDS = 100
_PREP_S = dict(STORE_CATEGORIES)


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


def _check_day(
    *,
    orders: int,
    couriers: int,
    multi_store_share: float,
    next_day_share: float,
    start_h: float,
    end_h: float,
) -> None:
    """The rules both generators share (see :func:`city_day_scenario`)."""
    if orders < 1 or couriers < 1:
        raise InvalidInputError("orders, couriers", f"must be >= 1, got {orders}, {couriers}")
    # Checked before any order is drawn: a day of 10**8 orders is refused, not generated.
    if orders > MAX_ORDERS or couriers > MAX_COURIERS:
        raise InvalidInputError(
            "orders, couriers",
            f"must be at most {MAX_ORDERS:,} and {MAX_COURIERS:,}, got {orders:,}, {couriers:,}",
        )
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


# Next-day orders one 800 kg van carries to the pickup points: about 3.5 kg of group-buy
# goods an order, so 150 orders fill two thirds of it and leave room for an uneven route.
NEXT_DAY_ORDERS_PER_VAN = 150


def _next_day_count(b: ScenarioBuilder) -> int:
    return sum(1 for o in b.orders if o.mode is FulfilmentMode.NEXT_DAY_PICKUP)


E_BIKE_FLOWS = (FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED)
"""What a generated e-bike courier works: the three courier delivery flows, combined on
one route (issue 13)."""


def day_couriers(
    couriers: int,
    micro_warehouses: Sequence[MicroWarehouse],
    depots: Sequence[Depot],
    start_h: float,
    end_h: float,
    *,
    next_day_orders: int = 0,
) -> tuple[CourierSpec, ...]:
    """E-bikes ``eb001``... spread over the micro-warehouses, on shift from ``start_h``
    to an hour after ``end_h``, and vans at every depot for tomorrow 04:00-10:00 (the
    trunk routes to the pickup points): ``van-{depot}``, then ``van-{depot}-2``... , one
    per :data:`NEXT_DAY_ORDERS_PER_VAN` of the ``next_day_orders`` (at least one)."""
    shift = WindowSpec(start=start_h * _H, end=min(24.0, end_h + 1.0) * _H)
    per_depot = max(1, math.ceil(next_day_orders / (NEXT_DAY_ORDERS_PER_VAN * max(1, len(depots)))))
    return tuple(
        CourierSpec(
            id=f"eb{k + 1:03d}",
            profile=ProfileName.E_BIKE,
            at=micro_warehouses[k % len(micro_warehouses)].id,
            shift=shift,
            cold_boxes=3,
            flows=E_BIKE_FLOWS,
        )
        for k in range(couriers)
    ) + tuple(
        CourierSpec(
            id=f"van-{depot.id}" if k == 0 else f"van-{depot.id}-{k + 1}",
            profile=ProfileName.VAN,
            at=depot.id,
            shift=WindowSpec(start=28 * _H, end=34 * _H),  # 04:00-10:00 tomorrow
            capacity_kg=800.0,
            capacity_l=4000.0,
            cold_boxes=60,
            returns_to_start=True,
        )
        for depot in depots
        for k in range(per_depot)
    )


def draw_day_orders(
    b: ScenarioBuilder,
    homes: Sequence[Building],
    stores: Sequence[Store],
    micro_warehouses: Sequence[MicroWarehouse],
    *,
    orders: int,
    multi_store_share: float,
    next_day_share: float,
    start_h: float,
    end_h: float,
    home_weights: npt.ArrayLike | None = None,
) -> None:
    """Draw a day's order stream into ``b`` (its orders and members), from ``b.rng``.

    Creation times follow :data:`DAILY_PEAKS`.  Each order comes from a home drawn
    uniformly, or in proportion to ``home_weights`` (e.g. households) when given.  With
    probability ``multi_store_share`` it is a basket from one of the six stores nearest
    home and the nearest of those of another category (an instant order when there is
    none); with probability ``next_day_share`` a next-day group-buy order from a random
    micro-warehouse, collected at a pickup point the planner chooses; otherwise an
    instant order from the micro-warehouse nearest home.
    """
    rng = b.rng
    mws = micro_warehouses
    mlon = np.array([m.lon for m in mws])
    mlat = np.array([m.lat for m in mws])
    slon = np.array([s.lon for s in stores])
    slat = np.array([s.lat for s in stores])
    nearest_mw: dict[str, MicroWarehouse] = {}
    p_home = None
    if home_weights is not None:
        w = np.asarray(home_weights, dtype=np.float64)
        p_home = w / w.sum()
    for created in order_times_s(rng, orders, start_h, end_h):
        if p_home is None:
            home = homes[int(rng.integers(len(homes)))]
        else:
            home = homes[int(rng.choice(len(homes), p=p_home))]
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
        mw = nearest_mw.get(home.id)
        if mw is None:  # once per home: a 100,000-order day has far fewer homes
            mw = mws[int(np.argmin(haversine_m(home.lon, home.lat, mlon, mlat)))]
            nearest_mw[home.id] = mw
        b.add(
            member_id=b.member(home.id),
            created_at=created,
            mode=FulfilmentMode.INSTANT,
            building_id=home.id,
            lines=b.lines(mw.id, WAREHOUSE_ITEMS, int(rng.integers(1, 4))),
        )


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
    warehouses: int | None = None,
    returns_share: float = 0.0,
    stock_cover: float | None = None,
) -> ScenarioFile:
    """A generated city and a day of orders (see the module doc), and returns of about
    ``returns_share`` of the delivered orders (:func:`scenarios.returns_gen.draw_returns`).
    ``stock_cover`` (None: no stock counted) gives every micro-warehouse that share of
    its day's demand per SKU (:func:`scenarios.stock_gen.draw_stock`).

    ``warehouses`` (None: the city's default density, one per 50 blocks) sets the
    number of micro-warehouses and grows the city to hold them
    (:func:`scenarios.wave.wave_blocks`: at least ``blocks`` a side), for days at city
    scale.

    Raises:
        InvalidInputError: a count below 1, a share outside [0, 1] or shares adding up to
            more than 1, hours not within 0..24 with ``start_h < end_h``, ``warehouses``
            outside 1..``core.limits.MAX_WAVE_WAREHOUSES``, or city settings the
            generator refuses.
    """
    if warehouses is not None:
        if (
            not isinstance(warehouses, int)
            or isinstance(warehouses, bool)
            or not 1 <= warehouses <= MAX_WAVE_WAREHOUSES
        ):
            raise InvalidInputError(
                "warehouses",
                f"must be a whole number in 1..{MAX_WAVE_WAREHOUSES:,}, got {warehouses!r}",
            )
        blocks = max(blocks, wave_blocks(warehouses))
    _check_day(
        orders=orders,
        couriers=couriers,
        multi_store_share=multi_store_share,
        next_day_share=next_day_share,
        start_h=start_h,
        end_h=end_h,
    )
    city = generate_city(
        CitySpec(seed=seed, blocks_x=blocks, blocks_y=blocks, n_micro_warehouses=warehouses)
    )
    b = ScenarioBuilder(city.buildings, seed)
    draw_day_orders(
        b,
        city.buildings,
        city.stores,
        city.micro_warehouses,
        orders=orders,
        multi_store_share=multi_store_share,
        next_day_share=next_day_share,
        start_h=start_h,
        end_h=end_h,
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
        network=GeneratedNetwork(
            kind="generated",
            seed=seed,
            blocks_x=blocks,
            blocks_y=blocks,
            n_micro_warehouses=warehouses,
        ),
        couriers=day_couriers(
            couriers,
            city.micro_warehouses,
            city.depots,
            start_h,
            end_h,
            next_day_orders=_next_day_count(b),
        ),
        members=tuple(b.members.values()),
        settings=SettingsSpec(next_day_cutoff=22 * _H),
        orders=tuple(b.orders),
        returns=draw_returns(b.orders, returns_share, seed=seed),
        travel=default_travel(),
        stock=(
            None
            if stock_cover is None
            else draw_stock(b.orders, [m.id for m in city.micro_warehouses], stock_cover)
        ),
    )


# --- a day on an OpenStreetMap file ---------------------------------------------------------


def store_category(shop: OsmShop) -> str | None:
    """The store category of an OSM shop (:data:`OSM_STORE_CATEGORIES`; the first of
    several ``;``-separated values that has one), None when it sells nothing the
    scenarios order."""
    for value in shop.values:
        category = OSM_STORE_CATEGORIES.get((shop.key, value))
        if category is not None:
            return category
    return None


def is_pickup_candidate(shop: OsmShop) -> bool:
    """Whether a shop can be a pickup point (:data:`PICKUP_SHOP_TYPES`)."""
    return shop.key == "shop" and any(v in PICKUP_SHOP_TYPES for v in shop.values)


def _reachable(network: RoadNetwork, lon: Sequence[float], lat: Sequence[float]) -> list[bool]:
    """Whether each point lies within the snapping distance of streets for every
    profile the scenario uses (the planner refuses points beyond it)."""
    ok = np.ones(len(lon), dtype=bool)
    if not ok.size:
        return []
    for profile in (E_BIKE, WALK, VAN):
        snap = network.routable(profile).snap(lon, lat, max_snap_m=math.inf)
        ok &= snap.access_m <= DEFAULT_MAX_SNAP_M
    return [bool(v) for v in ok]


def _kmeans_sites(
    network: RoadNetwork, homes: Sequence[OsmBuilding], sites: Sequence[Place], k: int
) -> list[int]:
    """Indices of ``k`` distinct sites: the centres of a household-weighted k-means of
    the homes, each moved to the nearest site not taken yet.

    Deterministic without a seed: the first centre is the home with most households,
    each next one the home with the largest households x squared distance to the
    centres so far (a greedy k-means++), then Lloyd rounds until the assignment holds.
    """
    hx, hy = network.frame.forward([h.lon for h in homes], [h.lat for h in homes])
    pts = np.column_stack([hx, hy])
    w = np.array([h.households for h in homes], dtype=np.float64)
    first = int(np.argmax(w))
    centres = [pts[first]]
    d2 = ((pts - pts[first]) ** 2).sum(axis=1)
    for _ in range(1, k):
        nxt = int(np.argmax(w * d2))
        centres.append(pts[nxt])
        d2 = np.minimum(d2, ((pts - pts[nxt]) ** 2).sum(axis=1))
    c = np.array(centres)
    assign = np.full(len(pts), -1)
    for _ in range(_KMEANS_MAX_ROUNDS):
        new = np.argmin(((pts[:, None, :] - c[None, :, :]) ** 2).sum(axis=2), axis=1)
        if np.array_equal(new, assign):
            break
        assign = new
        for j in range(k):
            mine = assign == j
            if w[mine].sum() > 0:
                c[j] = (pts[mine] * w[mine, None]).sum(axis=0) / w[mine].sum()
    sx, sy = network.frame.forward([s.lon for s in sites], [s.lat for s in sites])
    chosen: list[int] = []
    for j in range(k):
        d = (sx - c[j, 0]) ** 2 + (sy - c[j, 1]) ** 2
        d[chosen] = np.inf
        chosen.append(int(np.argmin(d)))
    return chosen


def _depot_site(buildings: Sequence[OsmBuilding], homes: Sequence[OsmBuilding]) -> OsmBuilding:
    """Where the next-day vans start: the largest building of a logistics or trade type
    (:data:`DEPOT_BUILDING_TYPES`), else the largest building without households, else
    the home farthest from the households' centre (the edge of the area)."""
    for pool in (
        [x for x in buildings if x.building.lower() in DEPOT_BUILDING_TYPES],
        [x for x in buildings if x.households == 0],
    ):
        if pool:
            return max(pool, key=lambda x: x.footprint_m2 or 0.0)  # ties: the first
    w = np.array([h.households for h in homes], dtype=np.float64)
    lon0 = float(np.average([h.lon for h in homes], weights=w))
    lat0 = float(np.average([h.lat for h in homes], weights=w))
    d = haversine_m(lon0, lat0, np.array([h.lon for h in homes]), np.array([h.lat for h in homes]))
    return homes[int(np.argmax(d))]


def _scenario_path(osm_path: Path, scenario_dir: str | PathLike[str] | None) -> str:
    """The OSM file's path as the scenario stores it: relative to ``scenario_dir`` when
    given (and possible), else absolute."""
    absolute = osm_path.resolve()
    if scenario_dir is None:
        return str(absolute)
    base = Path(scenario_dir).resolve()
    try:
        common = Path(os.path.commonpath([absolute, base]))
    except ValueError:  # another drive (Windows): no relative path exists
        return str(absolute)
    if common == Path(common.anchor):  # nothing shared but the root: absolute reads better
        return str(absolute)
    return os.path.relpath(absolute, base)


def osm_day_scenario(
    osm_path: str | PathLike[str],
    seed: int = 7,
    *,
    orders: int = 300,
    couriers: int = 10,
    multi_store_share: float = 0.1,
    next_day_share: float = 0.1,
    micro_warehouses: int = 2,
    start_h: float = 7.0,
    end_h: float = 21.0,
    scenario_dir: str | PathLike[str] | None = None,
    returns_share: float = 0.0,
) -> ScenarioFile:
    """A day of orders on the streets, buildings and shops of an OpenStreetMap XML file.

    The world (its places are listed in the file, ids from the OSM elements):

    * buildings: every ``building=*`` within reach of the streets (see below), with the
      households :mod:`geo.osm_places` estimates; homes are those with households, and
      orders come from them in proportion to their households;
    * stores ``s-{element}-{id}``: shops whose kind maps to a store category
      (:data:`OSM_STORE_CATEGORIES`; a convenience shop is a ``grocery``);
    * pickup points ``pp-{element}-{id}``: convenience shops and supermarkets
      (:data:`PICKUP_SHOP_TYPES`), each run by a leader ``ld-{element}-{id}``, open
      07:00-23:00 with a parcel capacity drawn from the seed;
    * ``micro_warehouses`` micro-warehouses ``mw01``...: OSM maps no front warehouses, so
      they go where the demand is: a household-weighted k-means of the homes, each
      centre moved to the nearest building or shop (a warehouse rents a unit in
      something already built, and the place is then on the map and near a street);
    * one depot ``dp1`` for the next-day vans, at the largest logistics or trade building
      (see ``_depot_site``).

    A place farther than the planner's snapping distance (500 m) from the streets usable
    on foot, by e-bike or by van is left out, so the scenario always loads.  Couriers
    and orders are as in :func:`city_day_scenario` (:func:`draw_day_orders`).  The
    network is ``{"kind": "osm", "path": ...}`` with the path relative to
    ``scenario_dir`` (where the scenario will be saved) when given, else absolute.

    Raises:
        OsmReadError: the file is missing, unreadable, not OSM XML, or has no street or
            no building.
        InvalidInputError: the day's arguments break :func:`city_day_scenario`'s rules,
            ``micro_warehouses`` is below 1 or above the number of homes, the file has
            no household building within reach of its streets, or no convenience shop
            for pickup points while ``next_day_share`` > 0.
    """
    _check_day(
        orders=orders,
        couriers=couriers,
        multi_store_share=multi_store_share,
        next_day_share=next_day_share,
        start_h=start_h,
        end_h=end_h,
    )
    if micro_warehouses < 1:
        raise InvalidInputError("micro_warehouses", f"must be >= 1, got {micro_warehouses}")
    path = Path(osm_path)
    field = f"OSM file {str(path)!r}"
    network = read_osm(path)
    osm = read_osm_places(path)

    everything: list[OsmBuilding | OsmShop] = [*osm.buildings, *osm.shops]
    reach = _reachable(network, [x.lon for x in everything], [x.lat for x in everything])
    buildings = [x for x, ok in zip(osm.buildings, reach, strict=False) if ok]
    shops = [x for x, ok in zip(osm.shops, reach[len(osm.buildings) :], strict=True) if ok]
    homes = [x for x in buildings if x.households > 0]
    if not homes:
        raise InvalidInputError(
            field, "must contain a household building (residential, apartments, house, yes...)"
        )
    if micro_warehouses > len(homes):
        raise InvalidInputError(
            "micro_warehouses", f"must be at most the {len(homes)} homes, got {micro_warehouses}"
        )

    stores = [
        Store(s.id, s.lon, s.lat, category, _PREP_S[category])
        for s in shops
        if (category := store_category(s)) is not None
    ]
    rng = np.random.default_rng([seed, 2025])
    capacities = PICKUP_CAPACITIES[PickupPointKind.CONVENIENCE_STORE]
    hours = tuple(
        OpeningSpec(open=float(iv.open_s), close=float(iv.close_s))
        for iv in PICKUP_HOURS[PickupPointKind.CONVENIENCE_STORE]
    )
    points = [
        PickupPointSpec(
            id=f"pp-{s.element}-{s.osm_id}",
            lon=s.lon,
            lat=s.lat,
            kind=PickupPointKind.CONVENIENCE_STORE,
            capacity_parcels=int(capacities[int(rng.integers(len(capacities)))]),
            opening_hours=hours,
            leader_id=f"ld-{s.element}-{s.osm_id}",
        )
        for s in shops
        if is_pickup_candidate(s)
    ]
    if next_day_share > 0 and not points:
        raise InvalidInputError(
            field,
            "must contain a convenience shop or supermarket (shop=convenience) to serve as "
            "a pickup point when next_day_share > 0",
        )

    sites: list[Place] = [
        *(Building(x.id, x.lon, x.lat, x.households) for x in buildings),
        *(Store(s.id, s.lon, s.lat) for s in shops),
    ]
    mws = [
        MicroWarehouse(f"mw{j + 1:02d}", sites[i].lon, sites[i].lat)
        for j, i in enumerate(_kmeans_sites(network, homes, sites, micro_warehouses))
    ]
    site = _depot_site(buildings, homes)
    depots = [Depot("dp1", site.lon, site.lat)]

    home_places = [Building(x.id, x.lon, x.lat, x.households) for x in homes]
    b = ScenarioBuilder(home_places, seed)
    draw_day_orders(
        b,
        home_places,
        stores,
        mws,
        orders=orders,
        multi_store_share=multi_store_share,
        next_day_share=next_day_share,
        start_h=start_h,
        end_h=end_h,
        home_weights=[x.households for x in homes],
    )
    households = sum(x.households for x in homes)
    return ScenarioFile(
        version=1,
        name=f"osm-day-{path.stem}-{seed}",
        description=(
            f"OpenStreetMap file {path.name} (seed {seed}): {len(homes)} homes "
            f"({households} households estimated), {len(stores)} stores, {len(points)} "
            f"pickup points, {len(mws)} micro-warehouses; {orders} orders from "
            f"{start_h:g}:00 to {end_h:g}:00 with breakfast, lunch and evening peaks, "
            f"{couriers} e-bike couriers.  Map data (c) OpenStreetMap contributors, ODbL."
        ),
        at=start_h * _H,
        network=OsmNetwork(kind="osm", path=_scenario_path(path, scenario_dir)),
        places=PlacesSpec(
            buildings=tuple(
                BuildingSpec(id=x.id, lon=x.lon, lat=x.lat, households=x.households)
                for x in buildings
            ),
            stores=tuple(
                StoreSpec(
                    id=s.id,
                    lon=s.lon,
                    lat=s.lat,
                    category=s.category,
                    prep_duration_s=s.prep_duration_s,
                )
                for s in stores
            ),
            micro_warehouses=tuple(MicroWarehouseSpec(id=m.id, lon=m.lon, lat=m.lat) for m in mws),
            pickup_points=tuple(points),
            depots=tuple(DepotSpec(id=d.id, lon=d.lon, lat=d.lat) for d in depots),
        ),
        couriers=day_couriers(
            couriers, mws, depots, start_h, end_h, next_day_orders=_next_day_count(b)
        ),
        members=tuple(b.members.values()),
        settings=SettingsSpec(next_day_cutoff=22 * _H),
        orders=tuple(b.orders),
        returns=draw_returns(b.orders, returns_share, seed=seed),
        travel=default_travel(),
    )
