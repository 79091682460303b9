"""Local metric frames and haversine distance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from geo.errors import InvalidInputError
from geo.frame import EARTH_RADIUS_M, LocalFrame, haversine_m


def test_frame_is_centred_on_the_bounding_box() -> None:
    frame = LocalFrame.around([116.30, 116.40], [39.90, 40.00])
    assert (frame.lon0, frame.lat0) == pytest.approx((116.35, 39.95))
    x, y = frame.forward(116.35, 39.95)
    assert float(x) == pytest.approx(0.0, abs=1e-9)
    assert float(y) == pytest.approx(0.0, abs=1e-9)


def test_forward_inverse_round_trip() -> None:
    frame = LocalFrame(116.35, 39.99)
    rng = np.random.default_rng(0)
    lon = rng.uniform(116.25, 116.45, 1000)
    lat = rng.uniform(39.90, 40.08, 1000)
    x, y = frame.forward(lon, lat)
    back_lon, back_lat = frame.inverse(x, y)
    assert float(haversine_m(lon, lat, back_lon, back_lat).max()) < 1e-6


def test_frame_distance_agrees_with_haversine() -> None:
    frame = LocalFrame(116.35, 39.99)
    lat_north = 39.99 + 1000.0 / 111_000.0
    x, y = frame.forward([116.35, 116.35], [39.99, lat_north])
    planar = math.hypot(float(x[1] - x[0]), float(y[1] - y[0]))
    sphere = float(haversine_m(116.35, 39.99, 116.35, lat_north))
    # The frame is on the WGS-84 ellipsoid: it matches the geodesic to a micrometre per km...
    _, _, geodesic = Geod(ellps="WGS84").inv(116.35, 39.99, 116.35, lat_north)
    assert planar == pytest.approx(geodesic, abs=1e-6)
    # ...and the sphere of haversine differs by the meridian's flattening (~0.15 % here).
    assert planar == pytest.approx(sphere, rel=2e-3)


def test_haversine_exact_values() -> None:
    assert float(haversine_m(116.0, 39.0, 116.0, 40.0)) == pytest.approx(
        EARTH_RADIUS_M * math.pi / 180.0, abs=1e-6
    )
    assert float(haversine_m(116.0, 39.0, 116.0, 39.0)) == 0.0
    # Broadcasting: one origin against three destinations.
    d = haversine_m(0.0, 0.0, np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]))
    assert d == pytest.approx([EARTH_RADIUS_M * math.pi / 180.0] * 2 + [0.0], abs=1e-6)


def test_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="need at least one point"):
        LocalFrame.around([], [])
    with pytest.raises(InvalidInputError, match=r"points\.lat"):
        LocalFrame(116.0, 39.0).forward([116.0], [math.nan])
    with pytest.raises(InvalidInputError, match="must be finite"):
        LocalFrame(116.0, 39.0).inverse([math.inf], [0.0])
    with pytest.raises(InvalidInputError, match=r"to\.lon"):
        haversine_m(116.0, 39.0, 200.0, 39.0)
