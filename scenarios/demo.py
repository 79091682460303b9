"""The demo on a generated city: what the engine sees and computes, and a full plan.

* :func:`city_demo` summarises a generated city (the geospatial core) as report
  sections and a map;
* :func:`demo_scenario` builds a scenario file on a generated city covering all five
  fulfilment flows, deterministic by seed;
* :func:`plan_demo` plans it and returns the plan, its map and timings.

No printing or file writing here: ``cli.py`` renders and saves the results.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import shapely
from matplotlib.figure import Figure

from dispatch.domain import FulfilmentMode
from dispatch.mapping import plot_plan
from dispatch.plan import Plan
from dispatch.planner import Planner
from dispatch.stock import STOCKED_FLOWS
from geo.areas import NearestIndex, buildings_covered, isochrone
from geo.citygen import City, CitySpec, generate_city
from geo.frame import haversine_m
from geo.mapplot import plot_city
from geo.matrix import road_matrix
from geo.profiles import E_BIKE, PROFILES, WALK, ProfileName
from scenarios.city_scenario import GROUP_BUY_ITEMS, WAREHOUSE_ITEMS, ScenarioBuilder, shop_line
from scenarios.scenario_build import Scenario, build_scenario
from scenarios.scenario_schema import (
    CommissionTierSpec,
    CourierSpec,
    GeneratedNetwork,
    LeaderSpec,
    OrderLineSpec,
    OrderSpec,
    ReturnLineSpec,
    ReturnSpec,
    ScenarioFile,
    SettingsSpec,
    WindowSpec,
)
from solvers import SolveParams

Row = tuple[str, str]


@dataclass(frozen=True)
class DemoSection:
    """A titled list of (label, value) rows."""

    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CityDemoReport:
    """What :func:`city_demo` found: report sections, the map (None when not drawn) and
    step timings in seconds."""

    city: City
    sections: tuple[DemoSection, ...]
    figure: Figure | None = field(repr=False)
    timings_s: dict[str, float]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60.0:.1f} min"


def city_demo(
    seed: int = 7,
    blocks: int = 14,
    walk_minutes: float = 5.0,
    ride_minutes: float = 5.0,
    *,
    with_map: bool = True,
) -> CityDemoReport:
    """Generate a city and run the geospatial core on it.

    Args:
        seed: the city's seed (the same seed gives the same city and report).
        blocks: blocks per side of the square city.
        walk_minutes: walking time that counts as "covered" by a pickup point, minutes.
        ride_minutes: e-bike budget of the micro-warehouse isochrone, minutes.
        with_map: whether to draw the map (``figure`` is None without it).

    Raises:
        InvalidInputError: a parameter breaks the city generator's rules.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    city = generate_city(CitySpec(seed=seed, blocks_x=blocks, blocks_y=blocks))
    net = city.network
    timings["generate city"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    graphs = {name: net.routable(p) for name, p in PROFILES.items()}
    timings["routable graphs"] = time.perf_counter() - t0
    x, y = net.frame.forward(net.node_lon, net.node_lat)
    oneway_share = float(net.edge_oneway.mean())
    city_rows: list[Row] = [
        ("seed", str(seed)),
        ("extent", f"{(x.max() - x.min()) / 1000:.2f} km x {(y.max() - y.min()) / 1000:.2f} km"),
        ("street nodes / directed segments", f"{net.node_count:,} / {net.edge_count:,}"),
        ("one-way segments", f"{oneway_share:.1%}"),
    ]
    for name, g in graphs.items():
        city_rows.append(
            (
                f"routable for {name} (largest SCC)",
                f"{g.node_count:,} nodes / {g.edge_count:,} segments",
            )
        )

    households = sum(b.households for b in city.buildings)
    store_kinds = Counter(s.category for s in city.stores)
    pp_kinds = Counter(str(p.kind) for p in city.pickup_points)
    place_rows: list[Row] = [
        ("buildings / households", f"{len(city.buildings):,} / {households:,}"),
        ("stores", ", ".join(f"{k} {n}" for k, n in sorted(store_kinds.items()))),
        ("micro-warehouses", str(len(city.micro_warehouses))),
        ("pickup points", ", ".join(f"{k} {n}" for k, n in sorted(pp_kinds.items()))),
        ("pickup capacity", f"{sum(p.capacity_parcels for p in city.pickup_points):,} parcels"),
        ("depots", str(len(city.depots))),
    ]

    # E-bike travel from every micro-warehouse to every building on the road network.
    t0 = time.perf_counter()
    ebike = graphs[E_BIKE.name]
    mw = city.micro_warehouses
    blon = np.array([b.lon for b in city.buildings])
    blat = np.array([b.lat for b in city.buildings])
    matrix = road_matrix(
        ebike,
        [w.lon for w in mw],
        [w.lat for w in mw],
        blon,
        blat,
        origin_ids=[w.id for w in mw],
        destination_ids=[b.id for b in city.buildings],
    )
    timings["e-bike matrix"] = time.perf_counter() - t0
    nearest_s = matrix.duration_s.min(axis=0)
    straight_m = haversine_m(
        np.array([w.lon for w in mw])[:, None],
        np.array([w.lat for w in mw])[:, None],
        blon[None, :],
        blat[None, :],
    )
    detour = matrix.distance_m / np.maximum(straight_m, 1.0)
    weights = np.array([b.households for b in city.buildings], dtype=float)
    within_15 = float(weights[nearest_s <= 15 * 60].sum() / max(weights.sum(), 1.0))
    p90_s = float(np.percentile(nearest_s, 90))
    travel_rows: list[Row] = [
        ("matrix", f"{len(mw)} warehouses x {len(city.buildings):,} buildings, e-bike"),
        (
            "ride to nearest warehouse, mean / p90",
            f"{_minutes(float(nearest_s.mean()))} / {_minutes(p90_s)}",
        ),
        ("households within a 15-min ride", f"{within_15:.1%}"),
        (
            "road / straight-line distance, median",
            f"{float(np.median(detour[straight_m > 200])):.2f}",
        ),
    ]

    # Walking coverage of pickup points and straight-line nearest point.
    t0 = time.perf_counter()
    walk = graphs[WALK.name]
    covered = buildings_covered(walk, city.pickup_points, city.buildings, walk_minutes * 60.0)
    covered_ids = {b for ids in covered.values() for b in ids}
    covered_hh = sum(b.households for b in city.buildings if b.id in covered_ids)
    index = NearestIndex.from_places(city.pickup_points)
    _, nearest_m = index.nearest(blon, blat)
    timings["pickup coverage"] = time.perf_counter() - t0
    pickup_rows: list[Row] = [
        (
            f"households within a {walk_minutes:g}-min walk",
            f"{covered_hh / max(households, 1):.1%}",
        ),
        (
            "straight line to nearest pickup point, mean / max",
            f"{float(nearest_m.mean()):.0f} m / {float(nearest_m.max()):.0f} m",
        ),
        ("buildings per pickup point, mean", f"{np.mean([len(v) for v in covered.values()]):.1f}"),
    ]

    t0 = time.perf_counter()
    iso = isochrone(ebike, mw[0].lon, mw[0].lat, ride_minutes * 60.0)
    area_km2 = _area_km2(city, iso)
    timings["isochrone"] = time.perf_counter() - t0
    pickup_rows.append(
        (f"{mw[0].id}: {ride_minutes:g}-min e-bike isochrone", f"{area_km2:.2f} km²")
    )

    figure = None
    if with_map:
        t0 = time.perf_counter()
        figure = plot_city(
            net,
            buildings=city.buildings,
            stores=city.stores,
            micro_warehouses=mw,
            pickup_points=city.pickup_points,
            depots=city.depots,
            areas=[(f"{mw[0].id} {ride_minutes:g}-min e-bike", iso)],
            title=f"Generated city, seed {seed}",
        )
        timings["map"] = time.perf_counter() - t0
    sections = (
        DemoSection("City", tuple(city_rows)),
        DemoSection("Places", tuple(place_rows)),
        DemoSection("Travel (road network, e-bike)", tuple(travel_rows)),
        DemoSection("Pickup points and service area", tuple(pickup_rows)),
    )
    return CityDemoReport(city=city, sections=sections, figure=figure, timings_s=timings)


def _area_km2(city: City, geom: shapely.Geometry) -> float:
    """Area of a lon/lat polygon in km², measured in the city's metric frame."""
    frame = city.network.frame
    projected = shapely.transform(
        geom, lambda xy: np.column_stack(frame.forward(xy[:, 0], xy[:, 1]))
    )
    return float(shapely.area(projected)) / 1e6


# --- the demo plan: a scenario covering all five flows ------------------------------------

#: When the demo plans (plan clock).
DEMO_AT = "10:00"
_H = 3600.0
# Home services: (service, skills, duration s, yuan).
_SERVICES: tuple[tuple[str, tuple[str, ...], float, str], ...] = (
    ("deep-cleaning-3h", ("cleaning",), 3 * _H, "198.00"),
    ("tap-repair", ("plumbing",), 1 * _H, "80.00"),
    ("socket-repair", ("electrical",), 1 * _H, "90.00"),
    ("ac-cleaning", ("appliance_repair",), 1.5 * _H, "150.00"),
)
_TECHNICIAN_SKILLS: tuple[tuple[str, ...], ...] = (
    ("cleaning",),
    ("plumbing", "electrical"),
    ("cleaning", "appliance_repair"),
)
_SLOTS_S = (11.0 * _H, 11.5 * _H, 12.0 * _H, 17.5 * _H, 18.0 * _H, 18.5 * _H)
_VISIT_STARTS_S = (13.0 * _H, 14.0 * _H, 15.0 * _H, 16.0 * _H)


def demo_scenario(seed: int = 7, blocks: int = 14) -> ScenarioFile:
    """A scenario on a generated city covering all five flows, deterministic by seed.

    The city is ``generate_city(seed=seed, blocks_x=blocks, blocks_y=blocks)``; the plan
    time is 10:00.  Couriers: two e-bikes at every micro-warehouse (instant), e-bikes at
    shops (multi-store), tricycles at the warehouses (scheduled slots), one e-bike of the
    shared pool, a van at every depot driving the next morning's trunk routes, and three
    technicians with skills.  Members (a quarter paid, most flexible about their pickup
    point) live where they order.  Orders: five instant orders per micro-warehouse from
    nearby homes, two-shop baskets, slots later today, next-day group-buy orders (some
    at a chosen pickup point, the others near home) and home-service bookings.  Leaders
    have tiered commissions; one pickup point is closed.  The first micro-warehouse
    counts stock: one unit short for its last order, which is ``out_of_stock``.

    Raises:
        InvalidInputError: ``blocks`` or ``seed`` break the city generator's rules.
    """
    city = generate_city(CitySpec(seed=seed, blocks_x=blocks, blocks_y=blocks))
    b = ScenarioBuilder(city.buildings, seed)
    rng = b.rng
    mws, stores, depots, points = (
        city.micro_warehouses,
        city.stores,
        city.depots,
        city.pickup_points,
    )
    day_shift = WindowSpec(start=8 * _H, end=20 * _H)
    couriers: list[CourierSpec] = []
    for mw in mws:
        couriers.extend(
            CourierSpec(
                id=f"eb-{mw.id}-{k}",
                profile=ProfileName.E_BIKE,
                at=mw.id,
                shift=day_shift,
                cold_boxes=3,
                skills=("instant",),
            )
            for k in (1, 2)
        )
    n_multi = max(2, blocks // 3)
    couriers.extend(
        CourierSpec(
            id=f"eb-shop-{k + 1}",
            profile=ProfileName.E_BIKE,
            at=stores[(k * len(stores)) // n_multi].id,
            shift=day_shift,
            skills=("multi_store",),
        )
        for k in range(max(1, n_multi // 2))
    )
    couriers.extend(
        CourierSpec(
            id=f"tc-{k + 1}",
            profile=ProfileName.TRICYCLE,
            at=mws[k % len(mws)].id,
            shift=WindowSpec(start=10 * _H, end=20 * _H),
            capacity_kg=120.0,
            capacity_l=300.0,
            cold_boxes=6,
            skills=("scheduled",),
        )
        for k in range(2)
    )
    couriers.append(
        CourierSpec(id="eb-pool-1", profile=ProfileName.E_BIKE, at=mws[0].id, shift=day_shift)
    )
    couriers.extend(
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
        for depot in depots
    )
    couriers.extend(
        CourierSpec(
            id=f"tech-{k + 1}",
            profile=ProfileName.E_BIKE,
            at=depots[k % len(depots)].id,
            shift=WindowSpec(start=8 * _H, end=19 * _H),
            capacity_kg=15.0,
            cold_boxes=0,
            skills=skills,
        )
        for k, skills in enumerate(_TECHNICIAN_SKILLS)
    )

    per_area = max(8, len(city.buildings) // (4 * len(mws)))
    for mw in mws:  # instant: from the warehouse to homes nearby, in the last 15 minutes
        for _ in range(5):
            home = b.near(mw.lon, mw.lat, per_area).id
            b.add(
                member_id=b.member(home),
                created_at=b.created(9.75 * _H, 10 * _H),
                mode=FulfilmentMode.INSTANT,
                building_id=home,
                lines=b.lines(mw.id, WAREHOUSE_ITEMS, int(rng.integers(1, 4))),
            )
    slon = np.array([s.lon for s in stores])
    slat = np.array([s.lat for s in stores])
    for _ in range(n_multi):  # two-shop baskets: a shop and the nearest of another kind
        first = stores[int(rng.integers(len(stores)))]
        d = haversine_m(first.lon, first.lat, slon, slat)
        other = min(
            (i for i, s in enumerate(stores) if s.category != first.category),
            key=lambda i: (float(d[i]), i),
            default=None,
        )
        if other is None:
            continue
        second = stores[other]
        home = b.near((first.lon + second.lon) / 2, (first.lat + second.lat) / 2, 30).id
        b.add(
            member_id=b.member(home),
            created_at=b.created(9.5 * _H, 10 * _H),
            mode=FulfilmentMode.MULTI_STORE,
            building_id=home,
            lines=[shop_line(first, rng), shop_line(second, rng)],
        )
    for k in range(max(3, blocks // 2)):  # slots later today, from a warehouse
        mw = mws[k % len(mws)]
        home = b.near(mw.lon, mw.lat, 2 * per_area).id
        start = _SLOTS_S[int(rng.integers(len(_SLOTS_S)))]
        b.add(
            member_id=b.member(home),
            created_at=b.created(8 * _H, 10 * _H),
            mode=FulfilmentMode.SCHEDULED,
            building_id=home,
            promised=WindowSpec(start=start, end=start + 0.5 * _H),
            lines=b.lines(mw.id, WAREHOUSE_ITEMS, int(rng.integers(2, 5))),
        )
    # Next-day group buying: homes near pickup points; one point is closed.
    closed = points[int(rng.integers(len(points)))].id
    open_points = [p for p in points if p.id != closed]
    plon = np.array([p.lon for p in open_points])
    plat = np.array([p.lat for p in open_points])
    for k in range(max(6, (3 * len(points)) // 4)):
        point = open_points[int(rng.integers(len(open_points)))]
        building = b.near(point.lon, point.lat, 6)
        home = building.id
        member_id = b.member(home)
        d = haversine_m(building.lon, building.lat, plon, plat)
        nearest = open_points[int(np.argmin(d))]
        chosen = nearest.id if k % 3 != 0 else None
        b.add(
            member_id=member_id,
            created_at=b.created(8 * _H, 10 * _H),
            mode=FulfilmentMode.NEXT_DAY_PICKUP,
            building_id=None if chosen is not None else home,
            pickup_point_id=chosen,
            lines=b.lines(mws[k % len(mws)].id, GROUP_BUY_ITEMS, int(rng.integers(1, 3))),
        )
    for k in range(max(3, blocks // 4)):  # home services this afternoon
        service, skills, duration_s, price = _SERVICES[k % len(_SERVICES)]
        home = city.buildings[int(rng.integers(len(city.buildings)))].id
        start = _VISIT_STARTS_S[int(rng.integers(len(_VISIT_STARTS_S)))]
        b.add(
            member_id=b.member(home),
            created_at=b.created(8 * _H, 10 * _H),
            mode=FulfilmentMode.HOME_SERVICE,
            building_id=home,
            promised=WindowSpec(start=start, end=start + 2 * _H),
            required_skills=skills,
            service_duration_s=duration_s,
            lines=[
                OrderLineSpec(
                    store_id="homeco",
                    sku=service,
                    quantity=1,
                    weight_kg=0.0,
                    volume_l=0.0,
                    unit_price=Decimal(price),
                )
            ],
        )
    tiers = (
        CommissionTierSpec(threshold=Decimal("0"), rate=Decimal("0.08")),
        CommissionTierSpec(threshold=Decimal("300"), rate=Decimal("0.10")),
        CommissionTierSpec(threshold=Decimal("1000"), rate=Decimal("0.12")),
    )
    leaders = tuple(
        LeaderSpec(
            id=p.leader_id,
            pickup_point_id=p.id,
            tiers=tiers,
            rating=round(float(rng.uniform(4.0, 5.0)), 1),
        )
        for p in points
        if p.leader_id is not None
    )
    return ScenarioFile(
        version=1,
        name=f"demo-{seed}",
        description=(
            f"Generated {blocks}x{blocks}-block city (seed {seed}): instant, multi-store, "
            "scheduled-slot, next-day pickup-point and home-service orders at 10:00."
        ),
        at=10 * _H,
        network=GeneratedNetwork(kind="generated", seed=seed, blocks_x=blocks, blocks_y=blocks),
        closed_pickup_point_ids=(closed,),
        couriers=tuple(couriers),
        members=tuple(b.members.values()),
        leaders=leaders,
        settings=SettingsSpec(next_day_cutoff=22 * _H),
        orders=tuple(b.orders),
        stock=_demo_stock(b.orders, mws[0].id),
        returns=_demo_returns(b.orders),
    )


def _demo_stock(orders: Sequence[OrderSpec], place_id: str) -> dict[str, dict[str, int]]:
    """Stock at one micro-warehouse (issue 17): what its same-day orders want, but one
    unit short of the SKU of the last of them, so that order is ``out_of_stock``."""
    ordered = sorted(
        (
            o
            for o in orders
            if o.mode in STOCKED_FLOWS and place_id in {x.store_id for x in o.lines}
        ),
        key=lambda o: (float(o.created_at_s), o.id),
    )
    stock: dict[str, int] = {}
    for order in ordered:
        for item in order.lines:
            if item.store_id == place_id:
                stock[item.sku] = stock.get(item.sku, 0) + item.quantity
    if ordered:
        short = next(x for x in ordered[-1].lines if x.store_id == place_id)
        stock[short.sku] -= 1
    return {place_id: stock}


def _demo_returns(orders: Sequence[OrderSpec]) -> tuple[ReturnSpec, ...]:
    """Three returns (a damaged item each) from homes near the micro-warehouses, to be
    collected 10:00-11:00 by the instant couriers riding past, back to the warehouse."""
    instant = [o for o in orders if o.mode is FulfilmentMode.INSTANT]
    out = []
    for k, order in enumerate(instant[:: max(1, len(instant) // 3)][:3]):
        line = order.lines[0]
        out.append(
            ReturnSpec(
                id=f"ret-{k + 1}",
                order_id=f"yesterday-{order.id}",
                building_id=order.building_id,
                to=line.store_id,
                lines=(
                    ReturnLineSpec(
                        sku=line.sku,
                        quantity=1,
                        weight_kg=line.weight_kg,
                        volume_l=line.volume_l,
                        temperature=line.temperature,
                    ),
                ),
                window=WindowSpec(start=10 * _H, end=11 * _H),
                created_at=9.5 * _H,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class PlanDemoReport:
    """What :func:`plan_demo` made: the scenario, the plan, its map and step timings (s)."""

    spec: ScenarioFile
    scenario: Scenario
    plan: Plan
    figure: Figure = field(repr=False)
    timings_s: dict[str, float]


def plan_demo(seed: int = 7, blocks: int = 14, params: SolveParams | None = None) -> PlanDemoReport:
    """Generate the demo scenario, plan it at 10:00 and draw the plan.

    ``params.time_limit_s`` is the budget of the whole plan (every flow and the
    pickup-point assignment).

    Raises:
        InvalidInputError: ``blocks`` or ``seed`` break the city generator's rules.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    spec = demo_scenario(seed=seed, blocks=blocks)
    scenario = build_scenario(spec, source=f"demo scenario (seed {seed})")
    timings["scenario"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    planner = Planner(scenario.world, scenario.settings)
    assert scenario.at_s is not None
    plan = planner.plan(
        scenario.orders, at_s=scenario.at_s, params=params, returns=scenario.returns
    )
    timings["plan"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    figure = plot_plan(
        plan,
        scenario.world,
        orders=scenario.orders,
        title=(
            f"Demo plan, seed {seed}, {DEMO_AT}: {plan.kpis.orders_served}/"
            f"{plan.kpis.orders_total} orders served on {len(plan.routes)} routes"
        ),
    )
    timings["map"] = time.perf_counter() - t0
    return PlanDemoReport(spec, scenario, plan, figure, timings)
