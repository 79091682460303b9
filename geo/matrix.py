"""Travel matrices: distance in metres and duration in seconds from origins to destinations.

Two models:

* :func:`straight_line_matrix`: great-circle distance times a detour factor, at the
  profile's network speed.
* :func:`road_matrix`: shortest paths on a :class:`geo.network.RoutableGraph` with
  :func:`scipy.sparse.csgraph.dijkstra`.  Matrices are asymmetric where one-way streets
  bind the profile.

Road model (exact).  Each point snaps to a directed edge ``u -> v`` of length ``L`` at
fraction ``t`` (0 at ``u``) with a straight access leg of ``a`` metres.  Leaving an
origin: to ``v`` costs ``(1 - t) * L``; to ``u`` costs ``t * L_r`` when the edge has a
reverse twin ``v -> u`` of length ``L_r`` (``graph.edge_reverse``).  Arriving at a
destination on ``u -> v`` at ``t``: from ``u`` costs ``t * L``; from ``v`` costs
``(1 - t) * L_r`` when the twin exists.  A snap exactly on an end node (``t`` = 0 or
1, e.g. the nearest street point is a corner) is at that node, so it also leaves from
``u`` when ``t = 0`` and is reached from ``v`` when ``t = 1`` at no cost, even on a
one-way edge without twin.  Origin and destination on the same segment (the
same edge or its twin) may also go directly, ``|s_d - t_o|`` times the length of the edge
whose direction allows it.  Distance = access legs + network part; duration = access legs
at ``profile.access_speed_mps`` + network part at ``profile.speed_mps``.  A point to an
identical point (same lon/lat) is 0 m and 0 s.

Computation: :mod:`geo.contraction` (Dijkstra on the graph with its shape points
contracted), exactly this model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo.contraction import snapped_network_m
from geo.errors import InvalidInputError, UnreachablePointError
from geo.frame import haversine_m
from geo.network import DEFAULT_MAX_SNAP_M, RoutableGraph
from geo.profiles import ProfileName, TravelProfile
from geo.validation import FloatArray, destination_arrays, point_arrays, require_positive

DEFAULT_DETOUR_FACTOR = 1.3


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Origins x destinations travel distances and durations for one profile.

    Attributes:
        distance_m: metres, float64 (float32 when given float32: the compact storage of
            :mod:`geo.submatrix`, whole metres), shape (n_origins, n_destinations),
            read-only.
        duration_s: seconds, same shape and dtype (float32: whole seconds), read-only.
        profile: the travel profile's name.

    Raises:
        InvalidInputError: arrays are not two-dimensional, their shapes differ, or a
            value is negative, NaN or infinite; unknown profile name.
    """

    distance_m: FloatArray
    duration_s: FloatArray
    profile: ProfileName

    def __post_init__(self) -> None:
        for name in ("distance_m", "duration_s"):
            given = getattr(self, name)
            # float32 stays float32 (no float64 copy of a 10k x 10k matrix); the rest
            # becomes float64 as before.  A read-only array of the dtype that owns its
            # data is taken as it is (nobody can change it under us), so large results
            # are not copied.
            dtype = np.float32 if getattr(given, "dtype", None) == np.float32 else np.float64
            if (
                isinstance(given, np.ndarray)
                and given.dtype == dtype
                and not given.flags.writeable
                and given.base is None
            ):
                arr = given
            else:
                arr = np.array(given, dtype=dtype)
            if arr.ndim != 2:
                raise InvalidInputError(
                    f"TravelMatrix.{name}", f"must be two-dimensional, got shape {arr.shape}"
                )
            if not (np.isfinite(arr).all() and (arr >= 0).all()):
                raise InvalidInputError(f"TravelMatrix.{name}", "must be finite and >= 0")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.distance_m.shape != self.duration_s.shape:
            raise InvalidInputError(
                "TravelMatrix.duration_s",
                f"must have the shape of distance_m {self.distance_m.shape}, "
                f"got {self.duration_s.shape}",
            )
        if self.distance_m.dtype != self.duration_s.dtype:
            raise InvalidInputError(
                "TravelMatrix.duration_s",
                f"must have the dtype of distance_m ({self.distance_m.dtype}), "
                f"got {self.duration_s.dtype}",
            )
        try:
            object.__setattr__(self, "profile", ProfileName(self.profile))
        except ValueError:
            raise InvalidInputError(
                "TravelMatrix.profile", f"must be a known profile name, got {self.profile!r}"
            ) from None

    @property
    def shape(self) -> tuple[int, int]:
        """(n_origins, n_destinations)."""
        n_o, n_d = self.distance_m.shape
        return (int(n_o), int(n_d))

    @property
    def n_origins(self) -> int:
        """Number of origins (rows)."""
        return self.shape[0]

    @property
    def n_destinations(self) -> int:
        """Number of destinations (columns)."""
        return self.shape[1]


def _ids(field: str, ids: Sequence[str] | None, n: int) -> list[str] | None:
    if ids is None:
        return None
    out = list(ids)
    if len(out) != n:
        raise InvalidInputError(field, f"must have one id per point ({n}), got {len(out)}")
    return out


def straight_line_matrix(
    origins_lon: npt.ArrayLike,
    origins_lat: npt.ArrayLike,
    dest_lon: npt.ArrayLike | None,
    dest_lat: npt.ArrayLike | None,
    profile: TravelProfile,
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> TravelMatrix:
    """Great-circle distance times ``detour_factor``, travelled at ``profile.speed_mps``.

    Args:
        origins_lon, origins_lat: WGS-84 degrees, 1-D, one value per origin.
        dest_lon, dest_lat: WGS-84 degrees, 1-D; both None means "the origins".
        profile: the travel mode; its network speed gives the durations.
        detour_factor: ratio of travelled to straight-line distance, >= 1.

    Returns:
        distance_m = haversine * detour_factor (metres), duration_s = distance_m / speed.

    Raises:
        InvalidInputError: a coordinate is NaN or out of range, arrays are not 1-D or
            lengths differ, only one of dest_lon/dest_lat is given, or detour_factor is
            not a finite number >= 1.
    """
    if not (
        isinstance(detour_factor, int | float)
        and math.isfinite(detour_factor)
        and detour_factor >= 1.0
    ):
        raise InvalidInputError(
            "detour_factor", f"must be a finite number >= 1, got {detour_factor!r}"
        )
    o_lon, o_lat = point_arrays("origins", origins_lon, origins_lat)
    d_lon, d_lat = destination_arrays(o_lon, o_lat, dest_lon, dest_lat)
    distance = haversine_m(o_lon[:, None], o_lat[:, None], d_lon[None, :], d_lat[None, :])
    distance = np.asarray(distance * detour_factor, dtype=np.float64)
    return TravelMatrix(distance, distance / profile.speed_mps, profile.name)


def road_matrix(
    graph: RoutableGraph,
    origins_lon: npt.ArrayLike,
    origins_lat: npt.ArrayLike,
    dest_lon: npt.ArrayLike | None = None,
    dest_lat: npt.ArrayLike | None = None,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    origin_ids: Sequence[str] | None = None,
    destination_ids: Sequence[str] | None = None,
    workers: int = 1,
) -> TravelMatrix:
    """Shortest road distances and durations between snapped points (see the module doc).

    Args:
        graph: a profile's routable graph; its profile gives the speeds.
        origins_lon, origins_lat: WGS-84 degrees, 1-D, one value per origin.
        dest_lon, dest_lat: WGS-84 degrees, 1-D; both None means "the origins".
        max_snap_m: largest straight distance from a point to the network, metres.
        origin_ids, destination_ids: optional point ids for error messages; without
            destinations, ``destination_ids`` defaults to ``origin_ids``.
        workers: processes for the shortest-path runs (scipy's Dijkstra holds the GIL,
            so threads do not help); 1 computes in the calling process.  More than 1
            starts a short-lived process pool (``fork`` where available) for large
            matrices (256 or more distinct points on the smaller side).

    Returns:
        A :class:`TravelMatrix` of shape (n_origins, n_destinations).

    Raises:
        InvalidInputError: a coordinate is NaN or out of range, arrays are not 1-D or
            lengths differ, an id list has the wrong length, max_snap_m is not > 0, or
            workers is not an integer >= 1.
        UnreachablePointError: a point is farther than ``max_snap_m`` from every street
            the profile may use (the message names the point), or, which a strongly
            connected graph rules out, a destination cannot be reached from an origin.
    """
    o_lon, o_lat = point_arrays("origins", origins_lon, origins_lat)
    same = dest_lon is None and dest_lat is None
    d_lon, d_lat = destination_arrays(o_lon, o_lat, dest_lon, dest_lat)
    if same and destination_ids is None:
        destination_ids = origin_ids
    o_ids = _ids("origin_ids", origin_ids, o_lon.size)
    d_ids = _ids("destination_ids", destination_ids, d_lon.size)
    require_positive("max_snap_m", max_snap_m)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InvalidInputError("workers", f"must be an integer >= 1, got {workers!r}")
    profile = graph.profile
    if o_lon.size == 0 or d_lon.size == 0:
        empty = np.zeros((o_lon.size, d_lon.size))
        return TravelMatrix(empty, empty, profile.name)

    snap_o = graph.snap(o_lon, o_lat, max_snap_m=max_snap_m, ids=o_ids)
    snap_d = snap_o if same else graph.snap(d_lon, d_lat, max_snap_m=max_snap_m, ids=d_ids)
    network_m = snapped_network_m(graph, snap_o, snap_d, workers=workers)
    bad = ~np.isfinite(network_m)
    if bad.any():
        i, j = (int(k) for k in np.argwhere(bad)[0])
        o_label = repr(o_ids[i]) if o_ids is not None else f"#{i}"
        d_label = repr(d_ids[j]) if d_ids is not None else f"#{j}"
        raise UnreachablePointError(
            f"origin {o_label} -> destination {d_label}",
            f"must be connected on the {profile.name!s} network of {graph.network.name!r}",
        )
    access_m = snap_o.access_m[:, None] + snap_d.access_m[None, :]
    distance_m = access_m + network_m
    duration_s = access_m / profile.access_speed_mps + network_m / profile.speed_mps
    identical = (o_lon[:, None] == d_lon[None, :]) & (o_lat[:, None] == d_lat[None, :])
    distance_m[identical] = 0.0
    duration_s[identical] = 0.0
    return TravelMatrix(distance_m, duration_s, profile.name)
