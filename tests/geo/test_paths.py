"""Road paths: the polyline behind each travel-matrix entry."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import geo
from geo.errors import UnreachablePointError
from geo.matrix import road_matrix
from geo.paths import road_path
from geo.profiles import PROFILES, ProfileName


@pytest.fixture(scope="module")
def city() -> geo.City:
    return geo.generate_city(seed=11, blocks_x=5, blocks_y=5)


@pytest.mark.parametrize("name", list(PROFILES))
def test_each_leg_is_as_long_as_the_matrix_says(city: geo.City, name: ProfileName) -> None:
    graph = city.network.routable(PROFILES[name])
    places = [*city.buildings, *city.stores, *city.pickup_points]
    rng = np.random.default_rng(5)
    picked = [places[int(i)] for i in rng.choice(len(places), 30)]
    picked.insert(3, picked[2])  # a leg between identical points
    lon = [p.lon for p in picked]
    lat = [p.lat for p in picked]
    path = road_path(graph, lon, lat)
    matrix = road_matrix(graph, lon, lat)
    legs = [matrix.distance_m[i, i + 1] for i in range(len(picked) - 1)]
    np.testing.assert_allclose(path.leg_distance_m, legs, rtol=1e-9, atol=1e-6)
    assert path.leg_distance_m[2] == 0.0
    assert path.distance_m == pytest.approx(sum(legs))
    # The drawn line is as long as the legs (frame metres against edge lengths).
    x, y = city.network.frame.forward(path.lon, path.lat)
    assert float(np.hypot(np.diff(x), np.diff(y)).sum()) == pytest.approx(sum(legs), rel=1e-3)
    # It passes every point in order, and never repeats a vertex twice in a row.
    k = 0
    vertices = list(zip(path.lon.tolist(), path.lat.tolist(), strict=True))
    for point in zip(lon, lat, strict=True):
        k = vertices.index(point, k)
    assert all(a != b for a, b in itertools.pairwise(vertices))


def test_vertices_between_snaps_are_network_nodes_joined_by_edges(city: geo.City) -> None:
    graph = city.network.routable(PROFILES[ProfileName.VAN])
    a, b = city.buildings[0], city.buildings[-1]
    path = road_path(graph, [a.lon, b.lon], [a.lat, b.lat])
    node_lon = city.network.node_lon[graph.nodes]
    node_lat = city.network.node_lat[graph.nodes]
    index = {(x, y): i for i, (x, y) in enumerate(zip(node_lon, node_lat, strict=True))}
    inner = list(zip(path.lon[2:-2].tolist(), path.lat[2:-2].tolist(), strict=True))
    assert len(inner) >= 2
    nodes = [index[v] for v in inner]
    edges = set(zip(graph.edge_u.tolist(), graph.edge_v.tolist(), strict=True))
    assert all(pair in edges for pair in itertools.pairwise(nodes))  # one-way streets obeyed


def test_a_point_off_the_network_is_named(city: geo.City) -> None:
    graph = city.network.routable(PROFILES[ProfileName.E_BIKE])
    b = city.buildings[0]
    with pytest.raises(UnreachablePointError, match="'far'"):
        road_path(graph, [b.lon, b.lon + 0.1], [b.lat, b.lat], ids=["home", "far"])
    single = road_path(graph, [b.lon], [b.lat])
    assert single.lon.tolist() == [b.lon] and single.leg_distance_m.size == 0
