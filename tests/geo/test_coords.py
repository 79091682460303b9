"""Chinese datum conversions against published vectors and an independent formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.errors import InvalidInputError
from geo.frame import haversine_m

# Published vectors, given as (lat, lon) in their source: WGS-84 -> GCJ-02.
VECTORS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
]


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


@pytest.mark.parametrize(("wgs", "gcj"), VECTORS)
def test_published_wgs84_to_gcj02_vectors(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    lon, lat = wgs84_to_gcj02(wgs[1], wgs[0])
    assert lon == pytest.approx(gcj[1], abs=1e-9)
    assert lat == pytest.approx(gcj[0], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), VECTORS)
def test_gcj02_to_wgs84_round_trip_within_a_centimetre(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    back = gcj02_to_wgs84(gcj[1], gcj[0])
    assert _distance_m(back, (wgs[1], wgs[0])) < 0.01


def _bd09_by_hand(lon: float, lat: float) -> tuple[float, float]:
    """Baidu's published GCJ-02 -> BD-09 formula, written out independently with math only."""
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def test_gcj02_to_bd09_matches_the_published_formula() -> None:
    gcj = (116.38404722455657, 39.91334545536069)
    expected = _bd09_by_hand(*gcj)
    # The formula's value, for the record: about (116.390455, 39.919576).
    assert expected == pytest.approx((116.39045471310828, 39.919575550965874), abs=1e-12)
    assert gcj02_to_bd09(*gcj) == pytest.approx(expected, abs=1e-12)
    assert wgs84_to_bd09(116.377817, 39.911954) == pytest.approx(expected, abs=1e-12)


def test_scalars_and_arrays_agree_and_keep_shape() -> None:
    lon = np.array([[121.5272106, 113.912316], [116.377817, 2.35]])
    lat = np.array([[31.1774276, 22.543847], [39.911954, 48.85]])
    out_lon, out_lat = wgs84_to_gcj02(lon, lat)
    assert out_lon.shape == (2, 2)
    assert out_lat.shape == (2, 2)
    for i in range(2):
        for j in range(2):
            s_lon, s_lat = wgs84_to_gcj02(float(lon[i, j]), float(lat[i, j]))
            assert out_lon[i, j] == s_lon
            assert out_lat[i, j] == s_lat
    assert isinstance(wgs84_to_gcj02(116.0, 39.0)[0], float)
    list_lon, _ = wgs84_to_gcj02([116.0, 117.0], [39.0, 40.0])
    assert isinstance(list_lon, np.ndarray)


@pytest.mark.parametrize(
    "convert",
    [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84],
)
@pytest.mark.parametrize(
    "point", [(2.35, 48.85), (139.69, 35.69), (-74.0, 40.7), (116.4, 60.0), (116.4, 0.5)]
)
def test_outside_china_passes_through_unchanged(
    convert: object, point: tuple[float, float]
) -> None:
    assert convert(*point) == point  # type: ignore[operator]


chinese_points = st.tuples(
    st.floats(min_value=73.0, max_value=135.0), st.floats(min_value=18.0, max_value=53.0)
)


@settings(max_examples=200, deadline=None)
@given(chinese_points)
def test_every_round_trip_is_within_a_centimetre(point: tuple[float, float]) -> None:
    lon, lat = point
    assert _distance_m(gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), point) < 0.01
    assert _distance_m(wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat)), point) < 0.01
    assert _distance_m(bd09_to_gcj02(*gcj02_to_bd09(lon, lat)), point) < 0.01
    assert _distance_m(bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), point) < 0.01


def test_vectorised_inverse_converges_for_every_point() -> None:
    rng = np.random.default_rng(1)
    lon = rng.uniform(73.0, 135.0, 5000)
    lat = rng.uniform(18.0, 53.0, 5000)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert float(haversine_m(back_lon, back_lat, lon, lat).max()) < 0.01
    # The offset is real: hundreds of metres in Beijing.
    assert 300.0 < _distance_m(wgs84_to_gcj02(116.35, 40.0), (116.35, 40.0)) < 700.0


@pytest.mark.parametrize(
    ("lon", "lat", "match"),
    [
        (math.nan, 39.0, r"WGS-84 point\.lon.*must be a finite number in \[-180, 180\]"),
        (116.0, 91.0, r"WGS-84 point\.lat.*must be a finite number in \[-90, 90\]"),
        (-181.0, 39.0, r"WGS-84 point\.lon"),
        (116.0, math.inf, r"WGS-84 point\.lat"),
    ],
)
def test_bad_coordinates_are_named(lon: float, lat: float, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        wgs84_to_gcj02(lon, lat)


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="GCJ-02 point: lon and lat must have one shape"):
        gcj02_to_wgs84([116.0, 117.0], [39.0])
