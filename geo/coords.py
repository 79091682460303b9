"""Chinese map datums: WGS-84 <-> GCJ-02 <-> BD-09, for scalars and numpy arrays.

Amap and Tencent publish GCJ-02 ("Mars" coordinates), Baidu publishes BD-09; GPS and
OpenStreetMap use WGS-84.  PROJ knows neither Chinese datum, so this is our own code:
the standard published obfuscation formula on the Krasovsky-1940 ellipsoid.

Conventions:
- argument order is (lon, lat) in degrees, like shapely and GeoJSON;
- a Python scalar pair returns a tuple of floats; arrays (any one shape) return a tuple
  of float64 arrays of that shape;
- points outside China (the usual bounding rectangle lon 72.004-137.8347,
  lat 0.8293-55.8271) pass through every conversion unchanged: neither offset is
  defined there;
- GCJ-02 -> WGS-84 has no closed form; it iterates until the forward conversion of the
  result is within :data:`INVERSE_TOLERANCE_M` of the input; so does BD-09 -> GCJ-02,
  starting from Baidu's closed-form inverse (which alone is off by up to ~0.3 m).

Every function raises :class:`geo.errors.InvalidInputError` for NaN, infinite or
out-of-range coordinates, or lon/lat arrays of different shapes, naming the input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import overload

import numpy as np
import numpy.typing as npt

from geo.validation import FloatArray, lonlat_arrays

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0  # Baidu's constant

INVERSE_TOLERANCE_M = 0.01
_INVERSE_MAX_ITERATIONS = 30
_M_PER_DEG_LAT = 110_574.0  # a conservative metres-per-degree scale for the stop test
_M_PER_DEG_LON_EQ = 111_320.0

ArrayPair = tuple[FloatArray, FloatArray]
Step = Callable[[FloatArray, FloatArray], ArrayPair]


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether points fall inside the rectangle where the Chinese offsets apply."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    return (lon_a >= 72.004) & (lon_a <= 137.8347) & (lat_a >= 0.8293) & (lat_a <= 55.8271)


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    """GCJ-02 minus WGS-84 in degrees at WGS-84 (lon, lat), inside China."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    wave = (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + wave
    d_lat += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + wave
    d_lon += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    inside = in_china(lon, lat)
    d_lon, d_lat = _gcj_offset(lon, lat)
    return np.where(inside, lon + d_lon, lon), np.where(inside, lat + d_lat, lat)


def _invert(
    forward: Step, lon: FloatArray, lat: FloatArray, lon0: FloatArray, lat0: FloatArray
) -> ArrayPair:
    """Solve ``forward(w) == (lon, lat)`` from the guess (lon0, lat0) by fixed-point steps.

    Both offsets vary slowly (about 1e-5 degree per degree), so each step
    ``w <- w - (forward(w) - target)`` shrinks the error by about five orders of
    magnitude; iterate until it is below a tenth of the tolerance.
    """
    w_lon, w_lat = lon0.copy(), lat0.copy()
    cos_lat = np.cos(np.radians(lat))
    for _ in range(_INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = forward(w_lon, w_lat)
        e_lon, e_lat = f_lon - lon, f_lat - lat
        err_m = np.hypot(e_lon * _M_PER_DEG_LON_EQ * cos_lat, e_lat * _M_PER_DEG_LAT)
        if not (err_m > INVERSE_TOLERANCE_M / 10.0).any():
            break
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
    return w_lon, w_lat


def _gcj_to_wgs(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    inside = in_china(lon, lat)
    w_lon, w_lat = _invert(_wgs_to_gcj, lon, lat, lon, lat)
    return np.where(inside, w_lon, lon), np.where(inside, w_lat, lat)


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    inside = in_china(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return (
        np.where(inside, z * np.cos(theta) + 0.0065, lon),
        np.where(inside, z * np.sin(theta) + 0.006, lat),
    )


def _bd_to_gcj_closed_form(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    # Baidu's published inverse; off by up to about 0.3 m, so only a starting guess.
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _bd_to_gcj(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    inside = in_china(lon, lat)
    g_lon, g_lat = _invert(_gcj_to_bd, lon, lat, *_bd_to_gcj_closed_form(lon, lat))
    return np.where(inside, g_lon, lon), np.where(inside, g_lat, lat)


def _apply(
    steps: tuple[Step, ...], field: str, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[float, float] | ArrayPair:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon_a, lat_a = lonlat_arrays(field, lon, lat)
    for step in steps:
        lon_a, lat_a = step(lon_a, lat_a)
    if scalar:
        return float(lon_a), float(lat_a)
    return np.asarray(lon_a, dtype=np.float64), np.asarray(lat_a, dtype=np.float64)


# Each public function: a float pair in, a float pair out; arrays in, arrays out.


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair: ...
def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[float, float] | ArrayPair:
    """WGS-84 (GPS, OSM) to GCJ-02 (Amap, Tencent), degrees."""
    return _apply((_wgs_to_gcj,), "WGS-84 point", lon, lat)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair: ...
def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[float, float] | ArrayPair:
    """GCJ-02 to WGS-84, degrees; the round trip is within 0.01 m."""
    return _apply((_gcj_to_wgs,), "GCJ-02 point", lon, lat)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair: ...
def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[float, float] | ArrayPair:
    """GCJ-02 to BD-09 (Baidu), degrees."""
    return _apply((_gcj_to_bd,), "GCJ-02 point", lon, lat)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair: ...
def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[float, float] | ArrayPair:
    """BD-09 to GCJ-02, degrees; the round trip is within 0.01 m."""
    return _apply((_bd_to_gcj,), "BD-09 point", lon, lat)


@overload
def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair: ...
def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[float, float] | ArrayPair:
    """WGS-84 to BD-09, degrees (through GCJ-02)."""
    return _apply((_wgs_to_gcj, _gcj_to_bd), "WGS-84 point", lon, lat)


@overload
def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair: ...
def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[float, float] | ArrayPair:
    """BD-09 to WGS-84, degrees (through GCJ-02)."""
    return _apply((_bd_to_gcj, _gcj_to_wgs), "BD-09 point", lon, lat)
