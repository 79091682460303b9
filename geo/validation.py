"""Small validation helpers shared by geo's frozen dataclasses and functions.

Each raises :class:`geo.errors.InvalidInputError` naming the field and the rule.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from geo.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]


def require_id(field: str, value: str) -> None:
    """Ids are non-empty strings without surrounding white space."""
    if not isinstance(value, str) or not value or value.strip() != value:
        raise InvalidInputError(
            field, f"must be a non-empty string without surrounding spaces, got {value!r}"
        )


def require_lonlat(field: str, lon: float, lat: float) -> None:
    """Longitude in [-180, 180] and latitude in [-90, 90] degrees, both finite."""
    if not (isinstance(lon, int | float) and math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise InvalidInputError(
            f"{field}.lon", f"must be a finite number in [-180, 180], got {lon!r}"
        )
    if not (isinstance(lat, int | float) and math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InvalidInputError(
            f"{field}.lat", f"must be a finite number in [-90, 90], got {lat!r}"
        )


def require_non_negative(field: str, value: float) -> None:
    """A finite number >= 0."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise InvalidInputError(field, f"must be a finite number >= 0, got {value!r}")


def require_positive(field: str, value: float) -> None:
    """A finite number > 0."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InvalidInputError(field, f"must be a finite number > 0, got {value!r}")


def lonlat_arrays(
    field: str, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Convert to float64 arrays of one shape and check every value is a valid lon/lat.

    Raises:
        InvalidInputError: shapes differ, or a value is NaN, infinite or out of range;
            the message gives the first bad position.
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    if lon_a.shape != lat_a.shape:
        raise InvalidInputError(
            field, f"lon and lat must have one shape, got {lon_a.shape} and {lat_a.shape}"
        )
    bad_lon = ~(np.isfinite(lon_a) & (lon_a >= -180.0) & (lon_a <= 180.0))
    if bad_lon.any():
        pos = tuple(int(i) for i in np.argwhere(bad_lon)[0])
        raise InvalidInputError(
            f"{field}.lon{list(pos)}", f"must be a finite number in [-180, 180], got {lon_a[pos]!r}"
        )
    bad_lat = ~(np.isfinite(lat_a) & (lat_a >= -90.0) & (lat_a <= 90.0))
    if bad_lat.any():
        pos = tuple(int(i) for i in np.argwhere(bad_lat)[0])
        raise InvalidInputError(
            f"{field}.lat{list(pos)}", f"must be a finite number in [-90, 90], got {lat_a[pos]!r}"
        )
    return lon_a, lat_a


def point_arrays(
    field: str, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """1-D float64 lon/lat arrays (degrees) of one length; a scalar counts as one point.

    Raises:
        InvalidInputError: the arrays are not 1-D, their shapes differ, or a value is
            NaN, infinite or out of range (the message names ``field``).
    """
    lon_a, lat_a = lonlat_arrays(field, np.atleast_1d(lon), np.atleast_1d(lat))
    if lon_a.ndim != 1:
        raise InvalidInputError(field, f"must be one-dimensional, got shape {lon_a.shape}")
    return lon_a, lat_a


def destination_arrays(
    o_lon: FloatArray,
    o_lat: FloatArray,
    dest_lon: npt.ArrayLike | None,
    dest_lat: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray]:
    """A matrix's destinations as :func:`point_arrays`; both None means the origins.

    Raises:
        InvalidInputError: only one of ``dest_lon``/``dest_lat`` is given, or as
            :func:`point_arrays` for the field ``destinations``.
    """
    if dest_lon is None and dest_lat is None:
        return o_lon, o_lat
    if dest_lon is None or dest_lat is None:
        raise InvalidInputError("destinations", "give both dest_lon and dest_lat, or neither")
    return point_arrays("destinations", dest_lon, dest_lat)
