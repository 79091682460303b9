"""Matrices at scale (issue 11): a subset's matrix from the network equals the full
matrix's rows and columns, float32 storage is within half a second / metre, and the
memory of a request is bounded by a computed figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.memory import TracedPeak
from geo import CitySpec, MatrixCache, generate_city, road_matrix, road_matrix_cached
from geo.errors import InvalidInputError
from geo.network import RoutableGraph
from geo.profiles import E_BIKE, WALK
from geo.submatrix import BLOCK_ROWS, RoadPoints, matrix_bytes, peak_bytes_bound


@pytest.fixture(scope="module")
def city_points() -> tuple[RoutableGraph, np.ndarray, np.ndarray]:
    city = generate_city(CitySpec(seed=11, blocks_x=12, blocks_y=12))
    graph = city.network.routable(E_BIKE)
    places = [*city.buildings[:500], *city.micro_warehouses, *city.stores[:20]]
    lon = np.array([p.lon for p in places])
    lat = np.array([p.lat for p in places])
    lon[7], lat[7] = lon[3], lat[3]  # two identical points: 0 m, 0 s between them
    return graph, lon, lat


def test_submatrix_equals_the_full_matrix(
    city_points: tuple[RoutableGraph, np.ndarray, np.ndarray],
) -> None:
    graph, lon, lat = city_points
    full = road_matrix(graph, lon, lat)
    points = RoadPoints.snap(graph, lon, lat)
    assert np.array_equal(points.matrix().distance_m, full.distance_m)
    rng = np.random.default_rng(1)
    sub = rng.choice(len(points), size=60, replace=False)
    sub[0], sub[1] = 3, 7
    m = points.matrix(sub)
    ix = np.ix_(sub, sub)
    np.testing.assert_allclose(m.distance_m, full.distance_m[ix], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(m.duration_s, full.duration_s[ix], rtol=1e-12, atol=1e-9)
    assert m.distance_m[0, 1] == 0.0 and m.duration_s[1, 0] == 0.0
    # Rectangular, more rows than a block, repeats allowed.
    rows = np.concatenate([np.arange(len(points)), [5, 5]])
    cols = np.array([2, 9, 400])
    r = points.matrix(rows, cols)
    assert r.shape == (rows.size, 3) and rows.size > BLOCK_ROWS
    np.testing.assert_allclose(r.distance_m, full.distance_m[np.ix_(rows, cols)], rtol=1e-12)


def test_float32_within_half_a_second_and_metre(
    city_points: tuple[RoutableGraph, np.ndarray, np.ndarray],
) -> None:
    graph, lon, lat = city_points
    full = road_matrix(graph, lon, lat)
    m = RoadPoints.snap(graph, lon, lat).matrix(dtype=np.float32)
    assert m.distance_m.dtype == np.float32 and m.duration_s.dtype == np.float32
    assert np.abs(m.distance_m - full.distance_m).max() <= 0.5
    assert np.abs(m.duration_s - full.duration_s).max() <= 0.5
    assert np.array_equal(m.duration_s, np.rint(m.duration_s))  # whole seconds
    assert m.distance_m.nbytes == full.distance_m.nbytes // 2


def test_memory_of_a_request_is_bounded(
    city_points: tuple[RoutableGraph, np.ndarray, np.ndarray],
) -> None:
    graph, lon, lat = city_points
    points = RoadPoints.snap(graph, lon, lat)
    n = len(points)
    for dtype in (np.float32, np.float64):
        with TracedPeak() as traced:
            points.matrix(dtype=dtype)
        assert (
            matrix_bytes(n, n, dtype) <= traced.peak_bytes <= peak_bytes_bound(n, n, graph, dtype)
        )
    # A 10,000-point request on this graph: float32 storage (800 MB) plus one block of
    # temporaries and the validation's masks stays below what the float64 result
    # alone would need (1.6 GB; road_matrix peaks at about three times that).
    ten_k = peak_bytes_bound(10_000, 10_000, graph, np.float32)
    assert matrix_bytes(10_000, 10_000, np.float32) == 800_000_000
    assert ten_k < 1.5 * 800_000_000 < matrix_bytes(10_000, 10_000, np.float64)


def test_shares_the_cache_with_road_matrix_cached(
    city_points: tuple[RoutableGraph, np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    graph, lon, lat = city_points
    cache = MatrixCache(tmp_path)
    sub = np.array([4, 8, 15, 16, 23, 42])
    m = RoadPoints.snap(graph, lon, lat).matrix(sub, cache=cache)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    hit = road_matrix_cached(graph, lon[sub], lat[sub], cache=cache)
    assert np.array_equal(hit.distance_m, m.distance_m)
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_bad_requests_are_clear_errors(
    city_points: tuple[RoutableGraph, np.ndarray, np.ndarray],
) -> None:
    graph, lon, lat = city_points
    points = RoadPoints.snap(graph, lon, lat)
    with pytest.raises(InvalidInputError, match="origins"):
        points.matrix([0, len(points)])
    with pytest.raises(InvalidInputError, match="destinations"):
        points.matrix([0], [-1])
    with pytest.raises(InvalidInputError, match="dtype"):
        points.matrix([0], dtype=np.float16)
    with pytest.raises(InvalidInputError, match="ids"):
        RoadPoints.snap(graph, lon, lat, ids=["a"])
    walk = generate_city(CitySpec(seed=11, blocks_x=12, blocks_y=12)).network.routable(WALK)
    assert RoadPoints.snap(walk, lon[:3], lat[:3]).matrix().shape == (3, 3)
