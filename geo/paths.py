"""The way a trip takes on a road network: the polyline behind a travel-matrix entry.

:func:`road_path` follows points in order on a :class:`geo.network.RoutableGraph`
under the road model of :mod:`geo.matrix` (the same snaps, access legs, partial edges
and same-segment shortcut), so the length of each leg equals the matrix's distance.
Each leg is drawn as: the point, its snap on the network, the nodes of a shortest path
(:func:`scipy.sparse.csgraph.dijkstra` with predecessors on the graph's CSR matrix),
the next point's snap, the next point.  Consecutive identical vertices are merged, and
a leg between two identical points adds nothing.

Coordinates are WGS-84 degrees; network nodes keep their exact coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from geo.errors import UnreachablePointError
from geo.network import DEFAULT_MAX_SNAP_M, RoutableGraph, Snap
from geo.validation import FloatArray, lonlat_arrays

# (node index in the routable graph, metres along the snapped edge to or from it)
_Terminal = tuple[int, float]


@dataclass(frozen=True, eq=False)
class RoadPath:
    """A polyline through points in order, on the road network.

    Attributes:
        lon, lat: vertices, WGS-84 degrees, read-only.
        leg_distance_m: per leg (point i to point i+1), metres under the road model of
            :mod:`geo.matrix` (access legs included); shape (n_points - 1,).
    """

    lon: FloatArray
    lat: FloatArray
    leg_distance_m: FloatArray

    @property
    def distance_m(self) -> float:
        """Length of the whole path, metres."""
        return float(self.leg_distance_m.sum())


def _exits(graph: RoutableGraph, snap: Snap, i: int) -> list[_Terminal]:
    """Nodes a trip leaving snapped point ``i`` can reach along its edge, with the cost."""
    e = int(snap.edge[i])
    t = float(snap.fraction[i])
    u, v = int(graph.edge_u[e]), int(graph.edge_v[e])
    out = [(v, (1.0 - t) * float(graph.edge_length_m[e]))]
    r = int(graph.edge_reverse[e])
    if r >= 0:
        out.append((u, t * float(graph.edge_length_m[r])))
    elif t == 0.0:
        out.append((u, 0.0))
    return out


def _entries(graph: RoutableGraph, snap: Snap, i: int) -> list[_Terminal]:
    """Nodes from which a trip reaches snapped point ``i`` along its edge, with the cost."""
    e = int(snap.edge[i])
    t = float(snap.fraction[i])
    u, v = int(graph.edge_u[e]), int(graph.edge_v[e])
    out = [(u, t * float(graph.edge_length_m[e]))]
    r = int(graph.edge_reverse[e])
    if r >= 0:
        out.append((v, (1.0 - t) * float(graph.edge_length_m[r])))
    elif t == 1.0:
        out.append((v, 0.0))
    return out


def _direct_m(graph: RoutableGraph, snap: Snap, i: int, j: int) -> float:
    """Straight along one segment from snap ``i`` to snap ``j`` (inf when not allowed)."""
    ei, ej = int(snap.edge[i]), int(snap.edge[j])
    ti, tj = float(snap.fraction[i]), float(snap.fraction[j])
    best = np.inf
    if ei == ej and tj >= ti:
        best = (tj - ti) * float(graph.edge_length_m[ei])
    r = int(graph.edge_reverse[ei])
    if r >= 0:
        # Position of i along the twin runs the other way: 1 - ti.
        if ej == r and tj >= 1.0 - ti:
            best = min(best, (tj - (1.0 - ti)) * float(graph.edge_length_m[r]))
        if ej == ei and tj <= ti:
            best = min(best, (ti - tj) * float(graph.edge_length_m[r]))
    rj = int(graph.edge_reverse[ej])
    if ej != ei and rj == ei and rj >= 0 and 1.0 - tj >= ti:
        best = min(best, (1.0 - tj - ti) * float(graph.edge_length_m[ei]))
    return float(best)


def road_path(
    graph: RoutableGraph,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    ids: list[str] | None = None,
) -> RoadPath:
    """The shortest way through the points in order on the graph (see the module doc).

    Args:
        graph: a profile's routable graph.
        lon, lat: WGS-84 degrees of the points, 1-D, in travel order (at least one).
        max_snap_m: largest straight distance from a point to the network, metres.
        ids: optional point ids for error messages.

    Raises:
        InvalidInputError: a coordinate is NaN or out of range, or lengths differ.
        UnreachablePointError: a point is farther than ``max_snap_m`` from every street
            the profile may use.
    """
    lon_a, lat_a = lonlat_arrays("points", np.atleast_1d(lon), np.atleast_1d(lat))
    n = int(lon_a.size)
    if n == 0:
        empty = np.zeros(0)
        return RoadPath(empty, empty, empty)
    snap = graph.snap(lon_a, lat_a, max_snap_m=max_snap_m, ids=ids)
    snap_lon, snap_lat = graph.network.frame.inverse(snap.x, snap.y)
    node_lon = graph.network.node_lon[graph.nodes]
    node_lat = graph.network.node_lat[graph.nodes]
    moving = [
        i for i in range(n - 1) if not (lon_a[i] == lon_a[i + 1] and lat_a[i] == lat_a[i + 1])
    ]
    sources = sorted({a for i in moving for a, _ in _exits(graph, snap, i)})
    row = {node: k for k, node in enumerate(sources)}
    if sources:
        dist, pred = dijkstra(graph.csr, directed=True, indices=sources, return_predecessors=True)
    vert_lon: list[float] = [float(lon_a[0])]
    vert_lat: list[float] = [float(lat_a[0])]
    legs = np.zeros(max(n - 1, 0))

    def add(x: float, y: float) -> None:
        if x != vert_lon[-1] or y != vert_lat[-1]:
            vert_lon.append(x)
            vert_lat.append(y)

    for i in moving:
        j = i + 1
        best, best_a, best_b = _direct_m(graph, snap, i, j), -1, -1
        for a, cost_a in _exits(graph, snap, i):
            for b, cost_b in _entries(graph, snap, j):
                total = cost_a + float(dist[row[a], b]) + cost_b
                if total < best:
                    best, best_a, best_b = total, a, b
        if not np.isfinite(best):
            label_i = repr(ids[i]) if ids is not None else f"#{i}"
            label_j = repr(ids[j]) if ids is not None else f"#{j}"
            raise UnreachablePointError(
                f"point {label_i} -> point {label_j}",
                f"must be connected on the {graph.profile.name!s} network of "
                f"{graph.network.name!r}",
            )
        legs[i] = best + float(snap.access_m[i] + snap.access_m[j])
        add(float(snap_lon[i]), float(snap_lat[i]))
        if best_a >= 0:
            nodes = [best_b]
            predecessors = pred[row[best_a]]
            while nodes[-1] != best_a:
                nodes.append(int(predecessors[nodes[-1]]))
            for node in reversed(nodes):
                add(float(node_lon[node]), float(node_lat[node]))
        add(float(snap_lon[j]), float(snap_lat[j]))
        add(float(lon_a[j]), float(lat_a[j]))
    out_lon = np.array(vert_lon, dtype=np.float64)
    out_lat = np.array(vert_lat, dtype=np.float64)
    for arr in (out_lon, out_lat, legs):
        arr.setflags(write=False)
    return RoadPath(out_lon, out_lat, legs)
