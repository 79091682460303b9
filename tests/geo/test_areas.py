"""Isochrones, pickup-point coverage and the nearest-place index.

Hand networks are laid out in metres in a local frame around (116.35, 40.0) and
converted to WGS-84; the profiles here travel 10 m/s on the network and 1 m/s on the
access leg, so expected reaches and times are exact to far below a millimetre.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.areas import DEFAULT_BUFFER_M, NearestIndex, buildings_covered, isochrone
from geo.citygen import City, CitySpec, generate_city
from geo.errors import InvalidInputError, UnreachablePointError
from geo.frame import LocalFrame, haversine_m
from geo.matrix import road_matrix
from geo.network import RoadNetwork, RoutableGraph
from geo.places import Building, PickupPoint
from geo.profiles import E_BIKE, WALK, ProfileName, TravelProfile

FRAME = LocalFrame(116.35, 40.0)
CAR = TravelProfile(
    ProfileName.VAN,
    speed_kph=36.0,
    allowed_highways=frozenset({"residential"}),
    respects_oneway=True,
    access_speed_kph=3.6,
)
FOOT = TravelProfile(
    ProfileName.WALK,
    speed_kph=36.0,
    allowed_highways=frozenset({"residential", "footway"}),
    respects_oneway=False,
    access_speed_kph=3.6,
)
Edge = tuple[str, str, float, bool]  # from, to, length_m, oneway


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = FRAME.inverse(x, y)
    return float(lon), float(lat)


def make_network(nodes: dict[str, tuple[float, float]], edges: list[Edge]) -> RoadNetwork:
    names = list(nodes)
    pos = {n: i for i, n in enumerate(names)}
    coords = [lonlat(*nodes[n]) for n in names]
    return RoadNetwork(
        name="hand",
        node_id=np.arange(len(names)),
        node_lon=np.array([c[0] for c in coords]),
        node_lat=np.array([c[1] for c in coords]),
        edge_u=np.array([pos[e[0]] for e in edges]),
        edge_v=np.array([pos[e[1]] for e in edges]),
        edge_length_m=np.array([e[2] for e in edges]),
        edge_highway=np.array(["residential"] * len(edges)),
        edge_oneway=np.array([e[3] for e in edges]),
    )


def two_way(a: str, b: str, length_m: float) -> list[Edge]:
    return [(a, b, length_m, False), (b, a, length_m, False)]


def street(profile: TravelProfile = FOOT) -> RoutableGraph:
    """A straight two-way street A-B-C-D along the x axis, three 100 m segments."""
    nodes = {"A": (0.0, 0.0), "B": (100.0, 0.0), "C": (200.0, 0.0), "D": (300.0, 0.0)}
    edges = [*two_way("A", "B", 100.0), *two_way("B", "C", 100.0), *two_way("C", "D", 100.0)]
    return make_network(nodes, edges).routable(profile)


def one_way_square(profile: TravelProfile) -> RoutableGraph:
    """A 100 m square driven anticlockwise only: A(0,0) -> B(100,0) -> C -> D(0,100) -> A."""
    nodes = {"A": (0.0, 0.0), "B": (100.0, 0.0), "C": (100.0, 100.0), "D": (0.0, 100.0)}
    edges = [(a, b, 100.0, True) for a, b in ("AB", "BC", "CD", "DA")]
    return make_network(nodes, edges).routable(profile)


def inside(geom: shapely.Geometry, x: float, y: float) -> bool:
    return bool(shapely.contains_xy(geom, *lonlat(x, y)))


def metric_area_m2(graph: RoutableGraph, geom: shapely.Geometry) -> float:
    frame = graph.network.frame
    projected = shapely.transform(
        geom, lambda xy: np.column_stack(frame.forward(xy[:, 0], xy[:, 1]))
    )
    return float(shapely.area(projected))


@cache
def city() -> City:
    return generate_city(CitySpec(seed=21, blocks_x=8, blocks_y=8))


# --- isochrone --------------------------------------------------------------------------


@pytest.mark.parametrize("reach_m", [40.0, 150.0, 250.0])
def test_isochrone_reaches_exactly_along_a_street(reach_m: float) -> None:
    graph = street()
    poly = isochrone(graph, *lonlat(0.0, 0.0), reach_m / 10.0, buffer_m=5.0)
    assert poly.geom_type == "Polygon" and poly.is_valid
    assert inside(poly, reach_m + 4.9, 0.0)
    assert not inside(poly, reach_m + 5.1, 0.0)
    assert inside(poly, reach_m - 1.0, 4.9)
    assert not inside(poly, reach_m - 1.0, 5.1)
    assert inside(poly, -4.9, 0.0) and not inside(poly, -5.1, 0.0)


@pytest.mark.parametrize("buffer_m", [5.0, DEFAULT_BUFFER_M])
def test_isochrone_area_is_the_buffered_line(buffer_m: float) -> None:
    graph = street()
    reach_m = 150.0
    poly = isochrone(graph, *lonlat(0.0, 0.0), reach_m / 10.0, buffer_m=buffer_m)
    expected = reach_m * 2.0 * buffer_m + math.pi * buffer_m**2
    assert metric_area_m2(graph, poly) == pytest.approx(expected, rel=0.01)


def test_isochrone_charges_the_access_leg_and_goes_both_ways() -> None:
    graph = street()
    # 20 m off the street at x = 120: 20 s of access leaves 10 s = 100 m each way.
    poly = isochrone(graph, *lonlat(120.0, 20.0), 30.0, buffer_m=5.0)
    for x in (20.0 - 4.9, 220.0 + 4.9):
        assert inside(poly, x, 0.0)
    for x in (20.0 - 5.1, 220.0 + 5.1):
        assert not inside(poly, x, 0.0)
    assert inside(poly, 120.0, 24.9)  # the access leg and the point itself
    assert not inside(poly, 120.0, 25.1)
    assert not inside(poly, 200.0, 10.0)  # band around the street is 5 m
    # Area: the street's band with round ends, plus the access leg's band above the
    # street's (15 m x 10 m) and its outer half disc.
    expected = 200.0 * 10.0 + math.pi * 25.0 + 15.0 * 10.0 + 0.5 * math.pi * 25.0
    assert metric_area_m2(graph, poly) == pytest.approx(expected, rel=0.02)


def test_isochrone_empty_when_budget_below_access_leg() -> None:
    graph = street()
    poly = isochrone(graph, *lonlat(120.0, 20.0), 19.9)
    assert poly.is_empty and poly.geom_type == "Polygon"
    point = isochrone(graph, *lonlat(120.0, 20.0), 20.0 + 1e-6, buffer_m=5.0)
    assert not point.is_empty
    assert inside(point, 120.0, 0.0) and inside(point, 120.0, 24.0)
    assert not inside(point, 126.0, 0.0)


def test_isochrone_zero_budget_on_the_street_is_the_point() -> None:
    poly = isochrone(street(), *lonlat(50.0, 0.0), 1e-6, buffer_m=5.0)
    assert inside(poly, 54.9, 0.0) and not inside(poly, 55.1, 0.0)


def test_isochrone_follows_one_way_streets() -> None:
    graph = one_way_square(CAR)
    # From the middle of A -> B with 150 m: B at 50 m, then 100 m of B -> C to C.
    poly = isochrone(graph, *lonlat(50.0, 0.0), 15.0, buffer_m=5.0)
    assert inside(poly, 100.0, 99.0) and inside(poly, 100.0, 104.9)
    assert not inside(poly, 94.9, 100.0)  # not along C -> D
    assert not inside(poly, 40.0, 0.0)  # not backwards against A -> B
    assert inside(poly, 45.1, 0.0)  # the start point's own band
    # Walkers ignore the direction.
    walk = isochrone(one_way_square(FOOT), *lonlat(50.0, 0.0), 15.0, buffer_m=5.0)
    assert inside(walk, 0.0, 100.0) and inside(walk, 40.0, 0.0)
    assert not inside(walk, 50.0, 100.0)  # C -> D is 50 m too far either way


def test_isochrone_partial_edge_cut_at_remaining_budget() -> None:
    graph = one_way_square(CAR)
    poly = isochrone(graph, *lonlat(50.0, 0.0), 8.0, buffer_m=2.0)  # 80 m: 50 + 30 up B -> C
    assert inside(poly, 100.0, 31.9) and not inside(poly, 100.0, 32.1)


def test_isochrone_on_a_city_grows_with_the_budget() -> None:
    c = city()
    graph = c.network.routable(E_BIKE)
    start = c.micro_warehouses[0]
    small = isochrone(graph, start.lon, start.lat, 60.0)
    large = isochrone(graph, start.lon, start.lat, 150.0)
    assert small.is_valid and large.is_valid
    assert shapely.contains_xy(small, start.lon, start.lat)
    assert large.buffer(1e-7).contains(small)
    assert metric_area_m2(graph, large) > 2.0 * metric_area_m2(graph, small)
    # Every street point reached in time is inside: the snap of each building whose
    # road travel time (access legs included) fits the budget, and the building itself
    # when it stands within the band.
    lon = np.array([b.lon for b in c.buildings])
    lat = np.array([b.lat for b in c.buildings])
    duration_s = road_matrix(graph, [start.lon], [start.lat], lon, lat).duration_s[0]
    snap = graph.snap(lon, lat)
    s_lon, s_lat = graph.network.frame.inverse(snap.x, snap.y)
    timely = duration_s <= 150.0
    assert 0 < timely.sum() < len(c.buildings)
    assert shapely.contains_xy(large, s_lon[timely], s_lat[timely]).all()
    banded = timely & (snap.access_m < DEFAULT_BUFFER_M - 0.01)
    assert banded.any()
    assert shapely.contains_xy(large, lon[banded], lat[banded]).all()
    # And it is not everything: nearly all snaps a minute or more too far are outside (a
    # few may lie within the band of a reached street, e.g. across a one-way detour).
    far = duration_s > 210.0
    assert far.sum() > 20
    assert shapely.contains_xy(large, s_lon[far], s_lat[far]).mean() < 0.1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"duration_s": -1.0}, "duration_s"),
        ({"duration_s": float("nan")}, "duration_s"),
        ({"buffer_m": 0.0}, "buffer_m"),
        ({"max_snap_m": -5.0}, "max_snap_m"),
        ({"lon": float("nan")}, "point"),
        ({"lat": 91.0}, "point"),
    ],
)
def test_isochrone_rejects_bad_input(kwargs: dict[str, float], field: str) -> None:
    lon, lat = lonlat(0.0, 0.0)
    args: dict[str, float] = {"lon": lon, "lat": lat, "duration_s": 10.0, **kwargs}
    with pytest.raises(InvalidInputError, match=field):
        isochrone(street(), **args)


def test_isochrone_point_far_from_streets() -> None:
    with pytest.raises(UnreachablePointError):
        isochrone(street(), *lonlat(0.0, 900.0), 60.0)


# --- coverage ---------------------------------------------------------------------------


def pickup(pid: str, x: float, y: float) -> PickupPoint:
    return PickupPoint(pid, *lonlat(x, y))


def building(bid: str, x: float, y: float) -> Building:
    return Building(bid, *lonlat(x, y))


STREET_BUILDINGS = [
    building("b1", 0.0, 5.0),  # 5 s access + 100 m (10 s) + 10 s access = 25 s
    building("b2", 200.0, 20.0),  # 20 s + 10 s + 10 s = 40 s
    building("b3", 150.0, 0.0),  # 0 s + 5 s + 10 s = 15 s
    building("b4", 100.0, 10.0),  # the pickup point's own position: 0 s
]


@pytest.mark.parametrize(
    ("duration_s", "expected"),
    [
        (0.0, ("b4",)),
        (15.0 - 1e-6, ("b4",)),
        (15.0 + 1e-6, ("b3", "b4")),
        (25.0 - 1e-6, ("b3", "b4")),
        (25.0 + 1e-6, ("b1", "b3", "b4")),
        (40.0 + 1e-6, ("b1", "b2", "b3", "b4")),
    ],
)
def test_coverage_walking_times_on_a_street(duration_s: float, expected: tuple[str, ...]) -> None:
    covered = buildings_covered(
        street(), [pickup("pp1", 100.0, 10.0)], STREET_BUILDINGS, duration_s
    )
    assert covered == {"pp1": expected}


def test_coverage_goes_from_building_to_pickup_point() -> None:
    # Pickup point on A -> B; one building downstream-of-the-loop, one upstream.
    pp = [pickup("pp1", 50.0, 0.0)]
    west = building("west", 0.0, 50.0)  # on D -> A: 50 + 50 m = 10 s to the pickup point
    east = building("east", 100.0, 50.0)  # on B -> C: 50 + 100 + 100 + 50 m = 30 s
    both = [west, east]
    assert buildings_covered(one_way_square(CAR), pp, both, 10.0 + 1e-6) == {"pp1": ("west",)}
    assert buildings_covered(one_way_square(CAR), pp, both, 30.0 + 1e-6) == {
        "pp1": ("west", "east")
    }
    assert buildings_covered(one_way_square(FOOT), pp, both, 10.0 + 1e-6) == {
        "pp1": ("west", "east")
    }


def test_coverage_same_segment_respects_direction() -> None:
    pp = [pickup("pp1", 80.0, 0.0)]
    before = building("before", 20.0, 0.0)  # 60 m ahead along A -> B: 6 s
    after = building("after", 95.0, 0.0)  # must drive round: 5 + 300 + 80 m = 38.5 s
    covered = buildings_covered(one_way_square(CAR), pp, [after, before], 6.0 + 1e-6)
    assert covered == {"pp1": ("before",)}
    covered = buildings_covered(one_way_square(CAR), pp, [after, before], 38.5 + 1e-6)
    assert covered == {"pp1": ("after", "before")}
    walk = buildings_covered(one_way_square(FOOT), pp, [after, before], 1.5 + 1e-6)
    assert walk == {"pp1": ("after",)}


@pytest.mark.parametrize("profile", [WALK, E_BIKE], ids=["walk", "e_bike"])
@pytest.mark.parametrize("duration_s", [120.0, 300.0])
def test_coverage_matches_road_matrix_on_a_city(profile: TravelProfile, duration_s: float) -> None:
    c = city()
    graph = c.network.routable(profile)
    covered = buildings_covered(graph, c.pickup_points, c.buildings, duration_s)
    assert list(covered) == [p.id for p in c.pickup_points]
    matrix = road_matrix(
        graph,
        [b.lon for b in c.buildings],
        [b.lat for b in c.buildings],
        [p.lon for p in c.pickup_points],
        [p.lat for p in c.pickup_points],
    )
    ids = [b.id for b in c.buildings]
    total = 0
    for j, p in enumerate(c.pickup_points):
        expected = tuple(ids[i] for i in np.flatnonzero(matrix.duration_s[:, j] <= duration_s))
        assert covered[p.id] == expected
        total += len(expected)
    assert total > 0


def test_coverage_chunks_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    c = city()
    graph = c.network.routable(WALK)
    whole = buildings_covered(graph, c.pickup_points, c.buildings, 240.0)
    monkeypatch.setattr("geo.areas._CHUNK_ELEMENTS", 1)
    assert buildings_covered(graph, c.pickup_points, c.buildings, 240.0) == whole


def test_coverage_empty_inputs() -> None:
    graph = street()
    assert buildings_covered(graph, [], STREET_BUILDINGS, 60.0) == {}
    assert buildings_covered(graph, [pickup("p", 0.0, 0.0)], [], 60.0) == {"p": ()}


def test_coverage_rejects_bad_input() -> None:
    graph = street()
    pp = [pickup("p", 0.0, 0.0)]
    with pytest.raises(InvalidInputError, match="duration_s"):
        buildings_covered(graph, pp, STREET_BUILDINGS, -1.0)
    with pytest.raises(InvalidInputError, match="pickup_points"):
        buildings_covered(graph, pp + pp, STREET_BUILDINGS, 60.0)
    with pytest.raises(InvalidInputError, match="buildings"):
        buildings_covered(graph, pp, STREET_BUILDINGS * 2, 60.0)
    with pytest.raises(UnreachablePointError, match="far"):
        buildings_covered(graph, pp, [building("far", 0.0, 900.0)], 60.0)


# --- NearestIndex -----------------------------------------------------------------------

CITY_BOX = st.tuples(st.floats(-10_000.0, 10_000.0), st.floats(-10_000.0, 10_000.0))


def brute_nearest(index: NearestIndex, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    return np.hypot(qx[:, None] - index.x[None, :], qy[:, None] - index.y[None, :])


@settings(max_examples=60, deadline=None)
@given(
    places=st.lists(CITY_BOX, min_size=1, max_size=40),
    queries=st.lists(CITY_BOX, min_size=0, max_size=40),
)
def test_nearest_matches_brute_force(
    places: list[tuple[float, float]], queries: list[tuple[float, float]]
) -> None:
    p_lon, p_lat = FRAME.inverse([p[0] for p in places], [p[1] for p in places])
    q_lon, q_lat = FRAME.inverse([q[0] for q in queries], [q[1] for q in queries])
    index = NearestIndex.from_lonlat(p_lon, p_lat)
    pos, dist = index.nearest(q_lon, q_lat)
    assert pos.dtype == np.int64 and dist.dtype == np.float64
    assert pos.shape == dist.shape == (len(queries),)
    if not queries:
        return
    qx, qy = index.frame.forward(q_lon, q_lat)
    planar = brute_nearest(index, qx, qy)
    best = planar.min(axis=1)
    np.testing.assert_allclose(dist, best, rtol=0, atol=1e-9)
    rows = np.arange(len(queries))
    np.testing.assert_allclose(planar[rows, pos], best, rtol=0, atol=1e-9)
    # Of places at the very same position, the lowest position wins.
    for p in pos:
        same = (index.x == index.x[p]) & (index.y == index.y[p])
        assert int(np.argmax(same)) == p
    # Against the spherical great-circle distance: at 40° N the sphere is 0.25 % short
    # east-west and 0.15 % long north-south of the ellipsoid.
    hav = haversine_m(q_lon[:, None], q_lat[:, None], p_lon[None, :], p_lat[None, :])
    chosen = hav[rows, pos]
    assert (chosen <= hav.min(axis=1) * 1.0045 + 1e-6).all()
    np.testing.assert_allclose(dist, chosen, rtol=0.003, atol=1e-6)


def test_nearest_ties_go_to_the_lowest_position() -> None:
    pts = [(0.0, 0.0), (300.0, 0.0), (100.0, 100.0), (300.0, 0.0), (100.0, 100.0)]
    lon, lat = FRAME.inverse([p[0] for p in pts], [p[1] for p in pts])
    index = NearestIndex.from_lonlat(lon, lat, ["a", "b", "c", "d", "e"])
    q_lon, q_lat = FRAME.inverse([310.0, 90.0, 100.0, 0.0], [0.0, 100.0, 100.0, 1.0])
    pos, dist = index.nearest(q_lon, q_lat)
    assert pos.tolist() == [1, 2, 2, 0]
    assert [index.ids[p] for p in pos] == ["b", "c", "c", "a"]
    np.testing.assert_allclose(dist, [10.0, 10.0, 0.0, 1.0], atol=1e-6)


def test_nearest_of_places_and_scalars() -> None:
    c = city()
    index = NearestIndex.from_places(c.pickup_points)
    assert len(index) == len(c.pickup_points)
    assert index.ids == tuple(p.id for p in c.pickup_points)
    p = c.pickup_points[3]
    pos, dist = index.nearest(p.lon, p.lat)
    assert pos.tolist() == [3] and dist.tolist() == [0.0]
    frame = LocalFrame(116.0, 40.0)
    assert NearestIndex.from_places(c.pickup_points, frame=frame).frame is frame


@settings(max_examples=40, deadline=None)
@given(
    places=st.lists(CITY_BOX, min_size=1, max_size=30),
    queries=st.lists(CITY_BOX, min_size=0, max_size=30),
    radius_m=st.floats(0.0, 8_000.0),
)
def test_within_matches_brute_force(
    places: list[tuple[float, float]], queries: list[tuple[float, float]], radius_m: float
) -> None:
    p_lon, p_lat = FRAME.inverse([p[0] for p in places], [p[1] for p in places])
    q_lon, q_lat = FRAME.inverse([q[0] for q in queries], [q[1] for q in queries])
    index = NearestIndex.from_lonlat(p_lon, p_lat)
    q, pos, dist = index.within(q_lon, q_lat, radius_m)
    qx, qy = index.frame.forward(q_lon, q_lat)
    planar = brute_nearest(index, qx, qy)
    # Pairs whose distance is within 1 µm of the radius may fall either way.
    sure_in = {(int(i), int(j)) for i, j in np.argwhere(planar <= radius_m - 1e-6)}
    maybe = {(int(i), int(j)) for i, j in np.argwhere(planar <= radius_m + 1e-6)}
    got = set(zip(q.tolist(), pos.tolist(), strict=True))
    assert sure_in <= got <= maybe
    assert len(got) == q.size
    np.testing.assert_allclose(dist, planar[q, pos], atol=1e-9)
    assert (dist <= radius_m).all()
    order = np.lexsort((pos, dist, q))
    assert (order == np.arange(q.size)).all()


def test_within_walking_radius() -> None:
    lon, lat = FRAME.inverse([0.0, 100.0, 500.0], [0.0, 0.0, 0.0])
    index = NearestIndex.from_lonlat(lon, lat, ["p0", "p1", "p2"])
    q_lon, q_lat = FRAME.inverse([90.0, 1000.0, 260.0], [0.0, 0.0, 0.0])
    q, pos, dist = index.within(q_lon, q_lat, 300.0)
    assert q.tolist() == [0, 0, 2, 2, 2]
    assert pos.tolist() == [1, 0, 1, 2, 0]
    np.testing.assert_allclose(dist, [10.0, 90.0, 160.0, 240.0, 260.0], atol=1e-6)


def test_nearest_index_rejects_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="places"):
        NearestIndex.from_places([])
    with pytest.raises(InvalidInputError, match="places"):
        NearestIndex.from_lonlat([], [])
    with pytest.raises(InvalidInputError, match="ids"):
        NearestIndex.from_lonlat([116.3, 116.4], [40.0, 40.0], ["a", "a"])
    with pytest.raises(InvalidInputError, match="ids"):
        NearestIndex.from_lonlat([116.3, 116.4], [40.0, 40.0], ["a"])
    with pytest.raises(InvalidInputError, match="ids"):
        NearestIndex.from_lonlat([116.3], [40.0], [""])
    with pytest.raises(InvalidInputError, match="lat"):
        NearestIndex.from_lonlat([116.3], [95.0])
    index = NearestIndex.from_lonlat([116.3, 116.4], [40.0, 40.0])
    assert index.ids == ("0", "1")
    with pytest.raises(InvalidInputError, match="lon"):
        index.nearest([float("nan")], [40.0])
    with pytest.raises(InvalidInputError, match="one shape"):
        index.nearest([116.3, 116.4], [40.0])
    with pytest.raises(InvalidInputError, match="one-dimensional"):
        index.nearest([[116.3]], [[40.0]])
    with pytest.raises(InvalidInputError, match="radius_m"):
        index.within([116.3], [40.0], -1.0)
    with pytest.raises(InvalidInputError, match="radius_m"):
        index.within([116.3], [40.0], float("inf"))
    pos, dist = index.nearest([], [])
    assert pos.size == dist.size == 0
    q, p, d = index.within([], [], 100.0)
    assert q.size == p.size == d.size == 0


def test_nearest_index_is_read_only() -> None:
    index = NearestIndex.from_lonlat([116.3, 116.4], [40.0, 40.0])
    with pytest.raises(ValueError, match="read-only"):
        index.lon[0] = 0.0
