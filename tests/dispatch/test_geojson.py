"""GeoJSON of a plan: routes along the road network, stops, pickup points, unassigned."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

import numpy as np
import pytest

import geo
from dispatch import FulfilmentMode, Member, Order, Plan, Planner, World
from dispatch.clock import format_clock
from dispatch.geojson import plan_geojson, route_lines
from dispatch.mapping import plot_plan
from geo.profiles import profile
from tests.dispatch.helpers import FAST, H, building, courier, line, warehouse
from tests.dispatch.test_planner_mixed import mixed_batch

DIGITS = 7


def key(lon: float, lat: float) -> tuple[float, float]:
    """A coordinate as written in the GeoJSON."""
    return (round(lon, DIGITS), round(lat, DIGITS))


@pytest.fixture(scope="module")
def planned() -> tuple[World, list[Order], Plan]:
    city = geo.generate_city(seed=3, blocks_x=4, blocks_y=4)
    world, orders = mixed_batch(city)
    plan = Planner(world).plan(orders, at_s=10 * H, params=FAST)
    return world, orders, plan


def features(collection: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f["properties"]["kind"] == kind]


def exact_points(world: World, plan: Plan, courier_id: str) -> list[tuple[float, float]]:
    """Courier start, then every stop's place, in order (lon, lat)."""
    route = next(r for r in plan.routes if r.courier_id == courier_id)
    start = next(c for c in world.couriers if c.id == courier_id)
    places = [world.place(s.place_id) for s in route.stops]
    return [(start.lon, start.lat)] + [(p.lon, p.lat) for p in places]


def route_points(world: World, plan: Plan, courier_id: str) -> list[tuple[float, float]]:
    """The same, as written in the GeoJSON."""
    return [key(x, y) for x, y in exact_points(world, plan, courier_id)]


def test_a_line_per_route_from_the_courier_through_every_stop_in_order(
    planned: tuple[World, list[Order], Plan],
) -> None:
    world, orders, plan = planned
    collection = plan_geojson(plan, world, orders)
    assert collection["type"] == "FeatureCollection"
    json.dumps(collection)  # serialisable as it is
    routes = features(collection, "route")
    assert [f["properties"]["courier_id"] for f in routes] == [r.courier_id for r in plan.routes]
    for feature in routes:
        assert feature["geometry"]["type"] == "LineString"
        assert feature["properties"]["along_network"] is True
        vertices = [tuple(c) for c in feature["geometry"]["coordinates"]]
        expected = route_points(world, plan, feature["properties"]["courier_id"])
        assert vertices[0] == expected[0]
        k = 0
        for point in expected[1:]:  # each stop at or after the previous one
            k = vertices.index(point, k)
        start = next(c for c in world.couriers if c.id == feature["properties"]["courier_id"])
        if start.returns_to_start:  # vans end at the depot
            assert vertices[-1] == expected[0]
        else:
            assert vertices[-1] == expected[-1]


def test_on_a_road_network_every_segment_is_a_street_or_an_access_leg(
    planned: tuple[World, list[Order], Plan],
) -> None:
    world, _, plan = planned
    assert world.network is not None
    collection = plan_geojson(plan, world)
    couriers = {c.id: c for c in world.couriers}
    for feature in features(collection, "route"):
        courier_id = feature["properties"]["courier_id"]
        graph = world.network.routable(profile(couriers[courier_id].profile))
        lon = world.network.node_lon[graph.nodes]
        lat = world.network.node_lat[graph.nodes]
        node = [key(x, y) for x, y in zip(lon, lat, strict=True)]
        streets = {(node[u], node[v]) for u, v in zip(graph.edge_u, graph.edge_v, strict=True)}
        # Access legs: each route point to its snap, and the snap to the ends of its edge.
        exact = exact_points(world, plan, courier_id)
        points = [key(x, y) for x, y in exact]
        snap = graph.snap([p[0] for p in exact], [p[1] for p in exact])
        snap_lon, snap_lat = world.network.frame.inverse(snap.x, snap.y)
        access: set[frozenset[tuple[float, float]]] = set()
        snaps = []
        for i, point in enumerate(points):
            s = key(float(snap_lon[i]), float(snap_lat[i]))
            snaps.append(s)
            e = int(snap.edge[i])
            access |= {
                frozenset({point, s}),
                frozenset({s, node[int(graph.edge_u[e])]}),
                frozenset({s, node[int(graph.edge_v[e])]}),
            }
        same_street = {frozenset({a, b}) for a in snaps for b in snaps}
        vertices = [tuple(c) for c in feature["geometry"]["coordinates"]]
        assert len(vertices) >= 2
        for a, b in itertools.pairwise(vertices):
            assert (a, b) in streets or frozenset({a, b}) in access | same_street, (
                courier_id,
                a,
                b,
            )
        # Mostly streets, not a straight line between stops.
        assert len(vertices) > len(points)


def test_without_a_network_legs_are_straight() -> None:
    wh = warehouse("w1", 0.0)
    homes = [building("b1", 800.0), building("b2", 1500.0)]
    world = World(
        buildings=tuple(homes),
        micro_warehouses=(wh,),
        couriers=(courier("c1", 100.0),),
        members=(Member("m1"),),
        detour_factor=1.0,
    )
    orders = [
        Order(f"o{i}", "m1", 10 * H, (line("w1", "milk"),), FulfilmentMode.INSTANT, b.id)
        for i, b in enumerate(homes)
    ]
    plan = Planner(world).plan(orders, at_s=10 * H, params=FAST)
    (feature,) = features(plan_geojson(plan, world), "route")
    assert feature["properties"]["along_network"] is False
    vertices = [tuple(c) for c in feature["geometry"]["coordinates"]]
    assert vertices == route_points(world, plan, "c1")


def test_points_for_stops_starts_pickup_points_and_unassigned_orders(
    planned: tuple[World, list[Order], Plan],
) -> None:
    world, orders, plan = planned
    collection = plan_geojson(plan, world, orders)
    kinds = Counter(f["properties"]["kind"] for f in collection["features"])
    assert kinds["route"] == kinds["courier_start"] == len(plan.routes)
    assert kinds["stop"] == sum(len(r.stops) for r in plan.routes)
    assert kinds["pickup_point"] == len(world.pickup_points)
    ids = [f["id"] for f in collection["features"]]
    assert len(ids) == len(set(ids))
    stop = next(
        f
        for f in features(collection, "stop")
        if f["properties"]["order_ids"] == ["s1"] and f["properties"]["action"] == "deliver"
    )
    props = stop["properties"]
    assert props["flow"] == "scheduled"
    assert props["eta"] == format_clock(props["eta_s"])
    assert 12 * H <= props["start_s"] <= 12.5 * H  # inside the slot
    assigned = {
        f["properties"]["pickup_point_id"]: f["properties"]["order_ids"]
        for f in features(collection, "pickup_point")
        if f["properties"]["order_ids"]
    }
    expected: dict[str, list[str]] = {}
    for a in plan.pickup_assignments:
        expected.setdefault(a.pickup_point_id, []).append(a.order_id)
    assert assigned == {k: sorted(v) for k, v in expected.items()}
    (late,) = features(collection, "unassigned")
    assert late["properties"]["order_id"] == "n3"
    assert late["properties"]["reason"] == "after_cutoff"
    n3 = next(o for o in orders if o.id == "n3")
    target = world.building(n3.building_id or "")
    assert tuple(late["geometry"]["coordinates"]) == key(target.lon, target.lat)
    assert plan_geojson(plan, world, orders) == collection  # deterministic


def test_route_lines_match_the_planner_distances(
    planned: tuple[World, list[Order], Plan],
) -> None:
    world, _, plan = planned
    assert world.network is not None
    for route, route_line in zip(plan.routes, route_lines(plan, world), strict=True):
        x, y = world.network.frame.forward(np.array(route_line.lon), np.array(route_line.lat))
        drawn_m = float(np.hypot(np.diff(x), np.diff(y)).sum())
        # The solver's distance is the road model's (same legs), up to rounding and the
        # difference between frame and great-circle metres.
        assert drawn_m == pytest.approx(route.distance_m, rel=0.02, abs=5.0)


def test_the_map_of_a_plan_draws_every_route(planned: tuple[World, list[Order], Plan]) -> None:
    world, orders, plan = planned
    figure = plot_plan(plan, world, orders=orders)
    (ax,) = figure.axes
    labels = ax.get_legend_handles_labels()[1]
    for route in plan.routes:
        assert any(label.startswith(f"{route.courier_id}: {route.flow.value}") for label in labels)
    assert "unassigned order (1)" in labels
