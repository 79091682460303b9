"""The demo on a generated city: what the engine sees and computes, as a report.

No printing or file writing here: :func:`city_demo` returns sections of label/value
rows and a map figure; ``cli.py`` renders and saves them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely
from matplotlib.figure import Figure

from geo.areas import NearestIndex, buildings_covered, isochrone
from geo.citygen import City, CitySpec, generate_city
from geo.frame import haversine_m
from geo.mapplot import plot_city
from geo.matrix import road_matrix
from geo.profiles import E_BIKE, PROFILES, WALK

Row = tuple[str, str]


@dataclass(frozen=True)
class DemoSection:
    """A titled list of (label, value) rows."""

    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CityDemoReport:
    """What :func:`city_demo` found: report sections, the map and step timings in seconds."""

    city: City
    sections: tuple[DemoSection, ...]
    figure: Figure = field(repr=False)
    timings_s: dict[str, float]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60.0:.1f} min"


def city_demo(
    seed: int = 7,
    blocks: int = 14,
    walk_minutes: float = 5.0,
    ride_minutes: float = 5.0,
) -> CityDemoReport:
    """Generate a city and run the geospatial core on it.

    Args:
        seed: the city's seed (the same seed gives the same city and report).
        blocks: blocks per side of the square city.
        walk_minutes: walking time that counts as "covered" by a pickup point, minutes.
        ride_minutes: e-bike budget of the micro-warehouse isochrone, minutes.

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
