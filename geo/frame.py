"""Local metric frames and great-circle distance.

Metric work (snapping, buffers, nearest-neighbour search) happens in a transverse
Mercator frame centred on the service area, where one unit is one metre and distortion
stays below 1e-6 of the distance within tens of kilometres of the centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

from geo.errors import InvalidInputError
from geo.validation import FloatArray, lonlat_arrays, require_lonlat

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius


@dataclass(frozen=True)
class LocalFrame:
    """A transverse Mercator frame centred on (``lon0``, ``lat0``), units metres.

    Build one with :meth:`around` for a set of points.  ``forward`` maps WGS-84
    lon/lat degrees to (x, y) metres east/north of the centre; ``inverse`` maps back.
    """

    lon0: float
    lat0: float
    _to_xy: Transformer = field(init=False, repr=False, compare=False)
    _to_lonlat: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_lonlat("LocalFrame centre", self.lon0, self.lat0)
        crs = CRS.from_proj4(
            f"+proj=tmerc +lat_0={self.lat0!r} +lon_0={self.lon0!r} +k=1 +x_0=0 +y_0=0 "
            "+ellps=WGS84 +units=m +no_defs"
        )
        object.__setattr__(self, "_to_xy", Transformer.from_crs("EPSG:4326", crs, always_xy=True))
        object.__setattr__(
            self, "_to_lonlat", Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        )

    @classmethod
    def around(cls, lon: npt.ArrayLike, lat: npt.ArrayLike) -> LocalFrame:
        """The frame centred on the middle of the points' bounding box.

        Raises:
            InvalidInputError: no points, or a coordinate is NaN or out of range.
        """
        lon_a, lat_a = lonlat_arrays("points", lon, lat)
        if lon_a.size == 0:
            raise InvalidInputError("points", "need at least one point to choose a frame")
        return cls(
            float((lon_a.min() + lon_a.max()) / 2.0), float((lat_a.min() + lat_a.max()) / 2.0)
        )

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """WGS-84 degrees to frame metres; arrays of any one shape.

        Raises:
            InvalidInputError: a coordinate is NaN or out of range.
        """
        lon_a, lat_a = lonlat_arrays("points", lon, lat)
        x, y = self._to_xy.transform(lon_a, lat_a)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Frame metres back to WGS-84 (lon, lat) degrees.

        Raises:
            InvalidInputError: shapes differ or a value is not finite.
        """
        x_a = np.asarray(x, dtype=np.float64)
        y_a = np.asarray(y, dtype=np.float64)
        if x_a.shape != y_a.shape:
            raise InvalidInputError("x, y", f"must have one shape, got {x_a.shape} and {y_a.shape}")
        if not (np.isfinite(x_a).all() and np.isfinite(y_a).all()):
            raise InvalidInputError("x, y", "must be finite numbers")
        lon, lat = self._to_lonlat.transform(x_a, y_a)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def haversine_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in metres on a sphere of the mean Earth radius.

    Arguments broadcast like numpy; degrees in, metres out (a 0-d array for scalars).

    Raises:
        InvalidInputError: a coordinate is NaN or out of range.
    """
    lon1_a, lat1_a = lonlat_arrays("from", lon1, lat1)
    lon2_a, lat2_a = lonlat_arrays("to", lon2, lat2)
    p1, p2 = np.radians(lat1_a), np.radians(lat2_a)
    dphi = p2 - p1
    dlmb = np.radians(lon2_a - lon1_a)
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    result: FloatArray = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result
