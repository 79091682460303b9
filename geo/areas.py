"""Areas: isochrones, walking coverage of pickup points, and nearest-place search.

* :func:`isochrone`: the area reachable from a point within a duration on a profile's
  road network (the 15-minute life circle, 一刻钟便民生活圈), as a shapely polygon in
  WGS-84 lon/lat.
* :func:`buildings_covered`: which buildings can reach each pickup point within a
  duration, by network travel time with the travel model of :func:`geo.matrix.road_matrix`.
* :class:`NearestIndex`: straight-line nearest place (and places within a radius) for
  many points at once, through a shapely STRtree built once.

Metric work happens in local transverse Mercator frames (:class:`geo.frame.LocalFrame`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.errors import InvalidInputError
from geo.frame import LocalFrame
from geo.network import DEFAULT_MAX_SNAP_M, IntArray, RoutableGraph, Snap
from geo.places import Place
from geo.validation import FloatArray, lonlat_arrays, require_id, require_positive

#: Default half-width of the band around reached streets, metres (the access band).
DEFAULT_BUFFER_M = 30.0
# Upper bound on the temporary (pickup points x nodes or buildings) arrays, elements.
_CHUNK_ELEMENTS = 4_000_000
# Shapely's STRtree node capacity: 4 is the fastest for nearest-point queries here.
_NODE_CAPACITY = 4


def _require_duration(duration_s: float) -> None:
    if not (
        isinstance(duration_s, int | float)
        and not isinstance(duration_s, bool)
        and math.isfinite(duration_s)
        and duration_s >= 0
    ):
        raise InvalidInputError("duration_s", f"must be a finite number >= 0, got {duration_s!r}")


def _require_scalar_lonlat(lon: float, lat: float) -> tuple[float, float]:
    lon_a, lat_a = lonlat_arrays("point", lon, lat)
    if lon_a.shape != ():
        raise InvalidInputError("point", f"must be one lon/lat pair, got shape {lon_a.shape}")
    return float(lon_a), float(lat_a)


# --- isochrones -------------------------------------------------------------------------


def isochrone(
    graph: RoutableGraph,
    lon: float,
    lat: float,
    duration_s: float,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    buffer_m: float = DEFAULT_BUFFER_M,
) -> shapely.Polygon | shapely.MultiPolygon:
    """The area reachable from a point within ``duration_s`` on the profile's network.

    The point snaps to its nearest edge; the straight access leg to the snap costs
    ``access_m / profile.access_speed_mps`` seconds of the budget, and the rest is spent
    on the network at ``profile.speed_mps`` (one-way streets bind the profiles that
    respect them).  Every street piece reachable in time is kept: whole edges whose far
    end is reached, and the reachable part of edges that are only partly reached, cut
    at the fraction the remaining budget allows (edges are straight segments).  The
    pieces, the access leg and the point itself are buffered by ``buffer_m`` (the walk
    or ride between a street and a door, not charged against the budget) and united,
    in the network's frame, then converted to lon/lat.

    Args:
        graph: a profile's routable graph.
        lon, lat: the starting point, WGS-84 degrees.
        duration_s: the travel-time budget, seconds (>= 0).
        max_snap_m: largest straight distance from the point to the network, metres.
        buffer_m: half-width of the band around reached streets, metres (> 0).

    Returns:
        A shapely Polygon (or MultiPolygon) in WGS-84 (lon, lat) degrees; an empty
        Polygon when the budget does not even cover the access leg.  With quadrant
        segments of 8, round caps are 32-gons: areas are about 0.6% below the exact
        buffer's round parts.

    Raises:
        InvalidInputError: the point is not a valid lon/lat pair, ``duration_s`` is not
            a finite number >= 0, or ``max_snap_m`` / ``buffer_m`` is not > 0.
        UnreachablePointError: the point is farther than ``max_snap_m`` from every
            street the profile may use.
    """
    lon_f, lat_f = _require_scalar_lonlat(lon, lat)
    _require_duration(duration_s)
    require_positive("max_snap_m", max_snap_m)
    require_positive("buffer_m", buffer_m)
    snap = graph.snap([lon_f], [lat_f], max_snap_m=max_snap_m)
    profile = graph.profile
    access_m = float(snap.access_m[0])
    remaining_s = duration_s - access_m / profile.access_speed_mps
    if remaining_s < 0:
        return shapely.Polygon()
    budget_m = remaining_s * profile.speed_mps

    frame = graph.network.frame
    px, py = (float(c[0]) for c in frame.forward([lon_f], [lat_f]))
    sx, sy = float(snap.x[0]), float(snap.y[0])
    e, t = int(snap.edge[0]), float(snap.fraction[0])
    length, rev = graph.edge_length_m, graph.edge_reverse
    u, v, r = int(graph.edge_u[e]), int(graph.edge_v[e]), int(rev[e])

    # Leaving the snap: along the edge to v; back to u along the twin, or for free when
    # the snap is on u itself (the rule of geo.matrix.road_matrix).
    starts = [(v, (1.0 - t) * float(length[e]))]
    if r >= 0:
        starts.append((u, t * float(length[r])))
    elif t == 0.0:
        starts.append((u, 0.0))
    dist = np.full(graph.node_count, np.inf)
    for node, offset in starts:
        if offset <= budget_m:
            d = dijkstra(graph.csr, directed=True, indices=[node], limit=budget_m - offset)
            dist = np.minimum(dist, d[0] + offset)

    # Pieces of the snapped segment itself, as fractions along edge e.
    ux, uy, vx, vy = graph.x[u], graph.y[u], graph.x[v], graph.y[v]
    pieces: list[tuple[float, float, float, float]] = [(px, py, sx, sy)]
    ahead = t + min(budget_m, (1.0 - t) * float(length[e])) / float(length[e])
    pieces.append((sx, sy, ux + ahead * (vx - ux), uy + ahead * (vy - uy)))
    if r >= 0:
        back = t - min(budget_m, t * float(length[r])) / float(length[r])
        pieces.append((sx, sy, ux + back * (vx - ux), uy + back * (vy - uy)))

    # Edges leaving reached nodes: whole, or cut at the reachable fraction.
    tail = dist[graph.edge_u]
    out = np.flatnonzero(tail <= budget_m)
    frac = np.minimum(1.0, (budget_m - tail[out]) / graph.edge_length_m[out])
    full = frac >= 1.0
    # A two-way segment reached whole is drawn once.
    seg = np.where(rev[out] >= 0, np.minimum(out, rev[out]), out)
    _, first = np.unique(seg[full], return_index=True)
    keep = np.concatenate([np.flatnonzero(full)[first], np.flatnonzero(~full & (frac > 0))])
    eo, fo = out[keep], frac[keep]
    ax, ay = graph.x[graph.edge_u[eo]], graph.y[graph.edge_u[eo]]
    bx, by = graph.x[graph.edge_v[eo]], graph.y[graph.edge_v[eo]]
    coords = np.concatenate(
        [
            np.array(pieces, dtype=np.float64).reshape(-1, 4),
            np.column_stack([ax, ay, ax + fo * (bx - ax), ay + fo * (by - ay)]),
        ]
    )
    coords = coords[(coords[:, 0] != coords[:, 2]) | (coords[:, 1] != coords[:, 3])]
    # Buffering each piece and uniting them is several times faster in GEOS than
    # buffering one MultiLineString.
    lines = shapely.linestrings(coords.reshape(-1, 2, 2))
    ends = shapely.points([px, sx], [py, sy])
    area = shapely.union_all(shapely.buffer(np.concatenate([ends, lines]), buffer_m))
    return shapely.transform(area, lambda xy: np.column_stack(frame.inverse(xy[:, 0], xy[:, 1])))


# --- coverage of pickup points ----------------------------------------------------------


def _unique_ids(field: str, places: Sequence[Place]) -> list[str]:
    ids = [p.id for p in places]
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise InvalidInputError(field, f"ids must be unique, {i!r} repeats")
        seen.add(i)
    return ids


def _segment_key(graph: RoutableGraph, e: IntArray) -> IntArray:
    r = graph.edge_reverse[e]
    key: IntArray = np.where(r >= 0, np.minimum(e, r), e)
    return key


def _same_segment_m(
    graph: RoutableGraph, snap_o: Snap, snap_d: Snap
) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs (origin, destination) on one segment and the direct distance along it, m."""
    rev, length = graph.edge_reverse, graph.edge_length_m
    e_o, e_d = snap_o.edge, snap_d.edge
    seg_o, seg_d = _segment_key(graph, e_o), _segment_key(graph, e_d)
    order = np.argsort(seg_d, kind="stable")
    sorted_d = seg_d[order]
    left = np.searchsorted(sorted_d, seg_o, side="left")
    counts = np.searchsorted(sorted_d, seg_o, side="right") - left
    total = int(counts.sum())
    i = np.repeat(np.arange(e_o.size), counts)
    j = order[np.repeat(left - (np.cumsum(counts) - counts), counts) + np.arange(total)]
    eo, ed = e_o[i], e_d[j]
    same_dir = ed == eo
    ok = same_dir | (rev[eo] == ed) | (rev[ed] == eo)
    i, j, eo, same_dir = i[ok], j[ok], eo[ok], same_dir[ok]
    t_o = snap_o.fraction[i]
    s_d = np.where(same_dir, snap_d.fraction[j], 1.0 - snap_d.fraction[j])
    r = rev[eo]
    forward = s_d >= t_o
    backward = ~forward & (r >= 0)
    direct = np.full(i.size, np.inf)
    direct[forward] = (s_d - t_o)[forward] * length[eo[forward]]
    direct[backward] = (t_o - s_d)[backward] * length[r[backward]]
    return i.astype(np.int64), j.astype(np.int64), direct


def buildings_covered(
    graph: RoutableGraph,
    pickup_points: Sequence[Place],
    buildings: Sequence[Place],
    duration_s: float,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> dict[str, tuple[str, ...]]:
    """For each pickup point, the buildings whose residents reach it within ``duration_s``.

    Travel goes from the building to the pickup point (the direction matters for
    profiles bound by one-way streets; not for WALK) and is timed exactly like
    :func:`geo.matrix.road_matrix` (access legs at ``profile.access_speed_mps``, the
    network part at ``profile.speed_mps``, same-segment shortcuts; a building at the
    very position of the pickup point takes 0 s): a building is covered when that time
    is <= ``duration_s``.  One Dijkstra per pickup point end node runs on the reversed
    graph, cut off at the budget, so the cost grows with the covered area, not the city.

    Args:
        graph: a profile's routable graph (usually WALK's).
        pickup_points: the pickup points (any places with ids), ids unique.
        buildings: the buildings (any places with ids), ids unique.
        duration_s: the travel-time budget, seconds (>= 0).
        max_snap_m: largest straight distance from a place to the network, metres.

    Returns:
        ``{pickup point id: (building id, ...)}`` with keys in the order of
        ``pickup_points`` and building ids in the order of ``buildings``.

    Raises:
        InvalidInputError: ``duration_s`` is not a finite number >= 0, ``max_snap_m``
            is not > 0, or ids repeat within pickup points or within buildings.
        UnreachablePointError: a place is farther than ``max_snap_m`` from every street
            the profile may use (the message names it).
    """
    _require_duration(duration_s)
    require_positive("max_snap_m", max_snap_m)
    p_ids = _unique_ids("pickup_points", pickup_points)
    b_ids = _unique_ids("buildings", buildings)
    if not p_ids or not b_ids:
        return dict.fromkeys(p_ids, ())
    p_lon = np.array([p.lon for p in pickup_points])
    p_lat = np.array([p.lat for p in pickup_points])
    b_lon = np.array([b.lon for b in buildings])
    b_lat = np.array([b.lat for b in buildings])
    snap_p = graph.snap(p_lon, p_lat, max_snap_m=max_snap_m, ids=p_ids)
    snap_b = graph.snap(b_lon, b_lat, max_snap_m=max_snap_m, ids=b_ids)
    profile = graph.profile
    speed, access_speed = profile.speed_mps, profile.access_speed_mps
    length, rev = graph.edge_length_m, graph.edge_reverse
    eu, ev = graph.edge_u, graph.edge_v

    # Buildings leave their snap towards v, and towards u along the twin (or free at u).
    e_b, t_b, r_b = snap_b.edge, snap_b.fraction, rev[snap_b.edge]
    leave_v = (1.0 - t_b) * length[e_b]
    leave_u = np.where(r_b >= 0, t_b * length[np.maximum(r_b, 0)], np.where(t_b == 0, 0.0, np.inf))
    # Pickup points are reached from u along the edge, and from v along the twin (or at v).
    e_p, t_p, r_p = snap_p.edge, snap_p.fraction, rev[snap_p.edge]
    reach_u = t_p * length[e_p]
    reach_v = np.where(
        r_p >= 0, (1.0 - t_p) * length[np.maximum(r_p, 0)], np.where(t_p == 1, 0.0, np.inf)
    )
    # Network metres each pickup point may still spend after its own access leg.
    budget_p = (duration_s - snap_p.access_m / access_speed) * speed

    same_b, same_p, same_m = _same_segment_m(graph, snap_b, snap_p)
    transposed = csr_matrix(graph.csr.T)
    n_p, n_b, k = len(p_ids), len(b_ids), graph.node_count
    chunk = max(1, _CHUNK_ELEMENTS // (2 * k + n_b))
    covered: dict[str, tuple[str, ...]] = {}
    for start in range(0, n_p, chunk):
        rows = np.arange(start, min(start + chunk, n_p))
        # A little slack so that a node exactly at the budget stays reached.
        limit = max(0.0, float(budget_p[rows].max()) * (1.0 + 1e-9) + 1e-9)
        # Metres from every node to each pickup point of the chunk (inf beyond the limit).
        sources = np.concatenate([eu[e_p[rows]], ev[e_p[rows]]])
        d = np.asarray(dijkstra(transposed, directed=True, indices=sources, limit=limit))
        to_p = np.minimum(
            d[: rows.size] + reach_u[rows, None], d[rows.size :] + reach_v[rows, None]
        )
        in_chunk = (same_p >= rows[0]) & (same_p <= rows[-1])
        # Candidates: buildings whose snapped edge touches a reached node, or that share
        # a segment with a pickup point of the chunk (identical positions included).
        reached = np.asarray(np.isfinite(to_p).any(axis=0), dtype=bool)
        cand = np.union1d(
            np.flatnonzero(reached[ev[e_b]] | reached[eu[e_b]]), same_b[in_chunk]
        ).astype(np.int64)
        ec = e_b[cand]
        net = np.minimum(
            leave_v[None, cand] + to_p[:, ev[ec]], leave_u[None, cand] + to_p[:, eu[ec]]
        )
        pi = same_p[in_chunk] - rows[0]
        bi = np.searchsorted(cand, same_b[in_chunk])
        np.minimum.at(net, (pi, bi), same_m[in_chunk])
        access = snap_p.access_m[rows, None] + snap_b.access_m[None, cand]
        time_s = access / access_speed + net / speed
        same_place = (p_lon[rows, None] == b_lon[None, cand]) & (
            p_lat[rows, None] == b_lat[None, cand]
        )
        ok = (time_s <= duration_s) | same_place
        for row, i in enumerate(rows.tolist()):
            covered[p_ids[i]] = tuple(b_ids[j] for j in cand[ok[row]].tolist())
    return covered


# --- nearest places ---------------------------------------------------------------------


def _query_points(
    frame: LocalFrame, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    lon_a, lat_a = lonlat_arrays("points", np.atleast_1d(lon), np.atleast_1d(lat))
    if lon_a.ndim != 1:
        raise InvalidInputError("points", f"must be one-dimensional, got shape {lon_a.shape}")
    return frame.forward(lon_a, lat_a)


@dataclass(frozen=True, eq=False)
class NearestIndex:
    """Straight-line nearest places for many points at once (a shapely STRtree, built once).

    Build it with :meth:`from_places` or :meth:`from_lonlat`; query positions index into
    ``ids`` (and ``lon``/``lat``), like Shapely 2's index returns positions into the
    caller's arrays.

    Distances are planar, in metres, in ``frame`` (transverse Mercator on the WGS-84
    ellipsoid centred on the places by default): within about 1e-5 of the ellipsoidal
    distance for points within 50 km of the frame centre, and 0.1-0.3% apart from a
    spherical haversine (the sphere's error, not the frame's).  Far from the frame
    (hundreds of kilometres) the planar distances grow meaningless.

    Attributes:
        lon, lat: the places, WGS-84 degrees, shape (n,), read-only.
        ids: one id per place, unique.
        frame: the metric frame of the index.

    Raises:
        InvalidInputError: no places, lon/lat/ids lengths differ, a coordinate is
            invalid, or an id is empty or repeats.
    """

    lon: FloatArray
    lat: FloatArray
    ids: tuple[str, ...]
    frame: LocalFrame
    x: FloatArray = field(init=False, repr=False)
    y: FloatArray = field(init=False, repr=False)
    _tree: shapely.STRtree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lon_a, lat_a = lonlat_arrays("places", self.lon, self.lat)
        if lon_a.ndim != 1:
            raise InvalidInputError("places", f"must be one-dimensional, got shape {lon_a.shape}")
        if lon_a.size == 0:
            raise InvalidInputError("places", "must not be empty")
        ids = tuple(self.ids)
        if len(ids) != lon_a.size:
            raise InvalidInputError(
                "ids", f"must have one id per place ({lon_a.size}), got {len(ids)}"
            )
        for i in ids:
            require_id("ids", i)
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                raise InvalidInputError("ids", f"must be unique, {i!r} repeats")
            seen.add(i)
        x, y = self.frame.forward(lon_a, lat_a)
        for arr in (lon_a, lat_a, x, y):
            arr.setflags(write=False)
        object.__setattr__(self, "lon", lon_a)
        object.__setattr__(self, "lat", lat_a)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(
            self, "_tree", shapely.STRtree(shapely.points(x, y), node_capacity=_NODE_CAPACITY)
        )

    @classmethod
    def from_lonlat(
        cls,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        ids: Sequence[str] | None = None,
        *,
        frame: LocalFrame | None = None,
    ) -> NearestIndex:
        """An index of points given as WGS-84 degrees.

        Args:
            lon, lat: 1-D, one value per place.
            ids: one id per place; None means ``"0"``, ``"1"``, ... (the positions).
            frame: the metric frame; None means centred on the places' bounding box.

        Raises:
            InvalidInputError: see the class.
        """
        lon_a, lat_a = lonlat_arrays("places", np.atleast_1d(lon), np.atleast_1d(lat))
        if lon_a.size == 0:
            raise InvalidInputError("places", "must not be empty")
        if frame is None:
            frame = LocalFrame.around(lon_a, lat_a)
        id_tuple = tuple(str(i) for i in range(lon_a.size)) if ids is None else tuple(ids)
        return cls(lon_a, lat_a, id_tuple, frame)

    @classmethod
    def from_places(
        cls, places: Sequence[Place], *, frame: LocalFrame | None = None
    ) -> NearestIndex:
        """An index of places (pickup points, stores...); positions follow ``places``.

        Raises:
            InvalidInputError: see the class.
        """
        return cls.from_lonlat(
            [p.lon for p in places], [p.lat for p in places], [p.id for p in places], frame=frame
        )

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """The nearest place to each point, straight line.

        Args:
            lon, lat: query points, WGS-84 degrees, scalars or 1-D arrays of one length.

        Returns:
            ``(positions, distance_m)``: int64 positions into ``ids`` and float64 planar
            distances in metres, one per query point.  Of equidistant places, the lowest
            position wins.

        Raises:
            InvalidInputError: a coordinate is NaN or out of range, shapes differ, or the
                arrays are not 1-D.
        """
        qx, qy = _query_points(self.frame, lon, lat)
        n = qx.size
        if n == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        q, t = self._tree.query_nearest(shapely.points(qx, qy), all_matches=True)
        q = np.asarray(q, dtype=np.int64)
        t = np.asarray(t, dtype=np.int64)
        if q.size == n:  # one match each: STRtree gives them in query order
            pos = t[np.argsort(q, kind="stable")] if (np.diff(q) < 0).any() else t
        else:  # ties: keep the lowest position
            pos = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(pos, q, t)
        dist = np.hypot(self.x[pos] - qx, self.y[pos] - qy)
        return pos, dist

    def within(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, radius_m: float
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Every (query point, place) pair no farther apart than ``radius_m``, straight line.

        Args:
            lon, lat: query points, WGS-84 degrees, scalars or 1-D arrays of one length.
            radius_m: the search radius, metres (>= 0; inclusive).

        Returns:
            ``(query, position, distance_m)``: int64 query indices, int64 positions into
            ``ids`` and float64 planar distances in metres, sorted by query, then
            distance, then position.

        Raises:
            InvalidInputError: a coordinate is invalid, shapes differ, the arrays are not
                1-D, or ``radius_m`` is not a finite number >= 0.
        """
        if not (
            isinstance(radius_m, int | float)
            and not isinstance(radius_m, bool)
            and math.isfinite(radius_m)
            and radius_m >= 0
        ):
            raise InvalidInputError("radius_m", f"must be a finite number >= 0, got {radius_m!r}")
        qx, qy = _query_points(self.frame, lon, lat)
        pairs = self._tree.query(shapely.points(qx, qy), predicate="dwithin", distance=radius_m)
        q = np.asarray(pairs[0], dtype=np.int64)
        t = np.asarray(pairs[1], dtype=np.int64)
        dist = np.hypot(self.x[t] - qx[q], self.y[t] - qy[q])
        ok = dist <= radius_m
        q, t, dist = q[ok], t[ok], dist[ok]
        order = np.lexsort((t, dist, q))
        return q[order], t[order], dist[order]
