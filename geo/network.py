"""Road networks: the raw directed street graph and its routable view per travel profile.

A :class:`RoadNetwork` holds every directed street segment with its OSM ``highway``
class; :meth:`RoadNetwork.routable` keeps the segments a :class:`TravelProfile` may use
(adding the reverse of one-way segments for modes that ignore one-way rules), keeps the
largest strongly connected component, and returns a :class:`RoutableGraph` with a CSR
matrix for :mod:`scipy.sparse.csgraph` and a spatial index of segments for snapping.

All lengths are metres; coordinates are WGS-84 degrees outside and local-frame metres
inside (see :class:`geo.frame.LocalFrame`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geo.errors import InvalidInputError, UnreachablePointError
from geo.frame import LocalFrame
from geo.profiles import TravelProfile
from geo.validation import FloatArray, lonlat_arrays

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_MAX_SNAP_M = 500.0


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed street network.

    Every array is read-only after construction.

    Attributes:
        name: a label for messages and cache keys (e.g. the OSM file name or ``city-seed-7``).
        node_id: external node ids (OSM ids, or generated), unique, shape (n,).
        node_lon, node_lat: WGS-84 degrees, shape (n,).
        edge_u, edge_v: positions into the node arrays; traffic may go from u to v, shape (m,).
        edge_length_m: segment length, metres, > 0, shape (m,).
        edge_highway: OSM ``highway`` class of each segment, shape (m,).
        edge_oneway: True when the segment's way is one-way for vehicles, so its reverse
            is absent for vehicles but open to pedestrians, shape (m,).

    Raises:
        InvalidInputError: shapes differ, ids repeat, a position is out of range, a
            length is not finite and positive, or a coordinate is invalid.
    """

    name: str
    node_id: IntArray
    node_lon: FloatArray
    node_lat: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length_m: FloatArray
    edge_highway: npt.NDArray[np.str_]
    edge_oneway: BoolArray

    def __post_init__(self) -> None:
        conv: dict[str, npt.DTypeLike] = {
            "node_id": np.int64,
            "node_lon": np.float64,
            "node_lat": np.float64,
            "edge_u": np.int64,
            "edge_v": np.int64,
            "edge_length_m": np.float64,
            "edge_highway": np.str_,
            "edge_oneway": np.bool_,
        }
        for name, dtype in conv.items():
            arr = np.array(getattr(self, name), dtype=dtype)
            if arr.ndim != 1:
                raise InvalidInputError(
                    f"RoadNetwork {self.name!r}: {name}", "must be one-dimensional"
                )
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        n, m = self.node_id.size, self.edge_u.size
        for name in ("node_lon", "node_lat"):
            if getattr(self, name).size != n:
                raise InvalidInputError(
                    f"RoadNetwork {self.name!r}: {name}", f"must have {n} values, like node_id"
                )
        for name in ("edge_v", "edge_length_m", "edge_highway", "edge_oneway"):
            if getattr(self, name).size != m:
                raise InvalidInputError(
                    f"RoadNetwork {self.name!r}: {name}", f"must have {m} values, like edge_u"
                )
        if n == 0 or m == 0:
            raise InvalidInputError(
                f"RoadNetwork {self.name!r}", "must have at least one node and one edge"
            )
        if np.unique(self.node_id).size != n:
            raise InvalidInputError(f"RoadNetwork {self.name!r}: node_id", "ids must be unique")
        lonlat_arrays(f"RoadNetwork {self.name!r}: nodes", self.node_lon, self.node_lat)
        for name in ("edge_u", "edge_v"):
            arr = getattr(self, name)
            if arr.min() < 0 or arr.max() >= n:
                raise InvalidInputError(
                    f"RoadNetwork {self.name!r}: {name}", f"positions must be in [0, {n})"
                )
        if not (np.isfinite(self.edge_length_m).all() and (self.edge_length_m > 0).all()):
            raise InvalidInputError(
                f"RoadNetwork {self.name!r}: edge_length_m", "must be finite and > 0"
            )

    @cached_property
    def frame(self) -> LocalFrame:
        """The local metric frame centred on the network's bounding box."""
        return LocalFrame.around(self.node_lon, self.node_lat)

    @cached_property
    def fingerprint(self) -> str:
        """A content hash (hex) of the whole network, for cache keys."""
        h = hashlib.sha256()
        for arr in (
            self.node_id,
            self.node_lon,
            self.node_lat,
            self.edge_u,
            self.edge_v,
            self.edge_length_m,
            self.edge_oneway,
        ):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\x00".join(self.edge_highway.tolist()).encode())
        return h.hexdigest()

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return int(self.node_id.size)

    @property
    def edge_count(self) -> int:
        """Number of directed edges."""
        return int(self.edge_u.size)

    def routable(self, profile: TravelProfile) -> RoutableGraph:
        """The graph this profile may travel on: allowed ways, largest strongly connected part.

        Raises:
            InvalidInputError: the profile may use no segment of this network, or its
                largest strongly connected part has no edge.
        """
        cache: dict[str, RoutableGraph] = self.__dict__.setdefault("_routable_cache", {})
        key = repr(profile)
        if key not in cache:
            cache[key] = _build_routable(self, profile)
        return cache[key]


@dataclass(frozen=True, eq=False)
class Snap:
    """Where points meet a routable graph.

    For each point: the graph edge it snaps to, the fraction along that edge (0 at
    ``u``, 1 at ``v``), the straight access distance in metres from the point to the
    snap, and the snap position in frame metres.
    """

    edge: IntArray
    fraction: FloatArray
    access_m: FloatArray
    x: FloatArray
    y: FloatArray


@dataclass(frozen=True, eq=False)
class RoutableGraph:
    """A profile's view of a :class:`RoadNetwork`: strongly connected, ready for csgraph.

    Node positions here are indices into ``nodes`` (positions of the parent network's
    nodes kept); edges are the kept directed segments, parallel ones included.

    Attributes:
        network: the parent network.
        profile: the travel profile.
        nodes: parent node positions kept, shape (k,).
        x, y: node coordinates in the network's frame, metres, shape (k,).
        edge_u, edge_v: local node indices of each kept directed edge, shape (e,).
        edge_length_m: metres, shape (e,).
        edge_reverse: index of the opposite-direction edge on the same segment, or -1.
        csr: (k, k) sparse matrix of the shortest parallel edge's length, metres.
    """

    network: RoadNetwork
    profile: TravelProfile
    nodes: IntArray
    x: FloatArray
    y: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length_m: FloatArray
    edge_reverse: IntArray
    csr: csr_matrix = field(repr=False)

    @property
    def node_count(self) -> int:
        """Number of nodes kept."""
        return int(self.nodes.size)

    @property
    def edge_count(self) -> int:
        """Number of directed edges kept."""
        return int(self.edge_u.size)

    @cached_property
    def fingerprint(self) -> str:
        """Content hash of the parent network and the profile, for cache keys."""
        p = self.profile
        key = (
            f"{self.network.fingerprint}|{p.name}|{p.speed_kph}|{p.access_speed_kph}|"
            f"{sorted(p.allowed_highways)}|{p.respects_oneway}"
        )
        return hashlib.sha256(key.encode()).hexdigest()

    @cached_property
    def _segment_tree(self) -> shapely.STRtree:
        # One line per directed edge; twins coincide, and the lowest edge index wins ties.
        lines = shapely.linestrings(
            np.stack(
                [
                    np.column_stack([self.x[self.edge_u], self.y[self.edge_u]]),
                    np.column_stack([self.x[self.edge_v], self.y[self.edge_v]]),
                ],
                axis=1,
            )
        )
        return shapely.STRtree(lines)

    def snap(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        ids: list[str] | None = None,
    ) -> Snap:
        """Snap points to their nearest edge.

        Args:
            lon, lat: WGS-84 degrees, 1-D arrays of one length.
            max_snap_m: largest allowed straight distance to the network, metres.
            ids: optional point ids used in error messages.

        Raises:
            InvalidInputError: a coordinate is NaN or out of range.
            UnreachablePointError: a point is farther than ``max_snap_m`` from every edge.
        """
        lon_a, lat_a = lonlat_arrays("points", np.atleast_1d(lon), np.atleast_1d(lat))
        px, py = self.network.frame.forward(lon_a, lat_a)
        pts = shapely.points(px, py)
        tree = self._segment_tree
        # Nearest within the tolerance; ties resolved to the lowest edge index for determinism.
        pos, dist = tree.query_nearest(
            pts, max_distance=max_snap_m, return_distance=True, all_matches=True
        )
        edge = np.full(px.size, -1, dtype=np.int64)
        best = np.full(px.size, np.inf)
        order = np.lexsort((pos[1], dist, pos[0]))
        first = np.ones(order.size, dtype=bool)
        first[1:] = pos[0][order][1:] != pos[0][order][:-1]
        sel = order[first]
        edge[pos[0][sel]] = pos[1][sel]
        best[pos[0][sel]] = dist[sel]
        missing = np.flatnonzero(edge < 0)
        if missing.size:
            i = int(missing[0])
            label = repr(ids[i]) if ids is not None else f"#{i}"
            raise UnreachablePointError(
                f"point {label} at ({lon_a[i]:.6f}, {lat_a[i]:.6f})",
                f"must lie within {max_snap_m:g} m of a street usable by {self.profile.name!s} "
                f"in network {self.network.name!r}",
            )
        ux, uy = self.x[self.edge_u[edge]], self.y[self.edge_u[edge]]
        vx, vy = self.x[self.edge_v[edge]], self.y[self.edge_v[edge]]
        dx, dy = vx - ux, vy - uy
        seg2 = dx * dx + dy * dy
        frac = np.clip(((px - ux) * dx + (py - uy) * dy) / np.where(seg2 > 0, seg2, 1.0), 0.0, 1.0)
        sx, sy = ux + frac * dx, uy + frac * dy
        return Snap(edge=edge, fraction=frac, access_m=best, x=sx, y=sy)


def _build_routable(net: RoadNetwork, profile: TravelProfile) -> RoutableGraph:
    allowed = np.isin(net.edge_highway, np.array(sorted(profile.allowed_highways)))
    u, v = net.edge_u[allowed], net.edge_v[allowed]
    length = net.edge_length_m[allowed]
    if not profile.respects_oneway:
        # Pedestrians walk one-way streets both ways: add the missing reverse segments.
        one = net.edge_oneway[allowed]
        u, v, length = (
            np.concatenate([u, v[one]]),
            np.concatenate([v, u[one]]),
            np.concatenate([length, length[one]]),
        )
    keep = u != v  # self-loops never shorten a path
    u, v, length = u[keep], v[keep], length[keep]
    if u.size == 0:
        raise InvalidInputError(
            f"RoadNetwork {net.name!r}", f"has no street that profile {profile.name!s} may use"
        )
    n = net.node_count
    graph = csr_matrix((np.ones(u.size), (u, v)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    used = np.zeros(n, dtype=bool)
    used[u] = True
    used[v] = True
    counts = np.bincount(labels[used], minlength=labels.max() + 1)
    biggest = int(np.argmax(counts))
    in_scc = labels == biggest
    keep_e = in_scc[u] & in_scc[v]
    u, v, length = u[keep_e], v[keep_e], length[keep_e]
    if u.size == 0:
        # Every strongly connected part is a single node (e.g. only one-way dead ends).
        raise InvalidInputError(
            f"RoadNetwork {net.name!r}",
            f"has no two streets usable by profile {profile.name!s} that form a loop "
            "(the largest strongly connected part has no edge)",
        )
    nodes = np.flatnonzero(in_scc & used).astype(np.int64)
    local = np.full(n, -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    lu, lv = local[u], local[v]
    # Deterministic edge order: by (u, v, length).
    order = np.lexsort((length, lv, lu))
    lu, lv, length = lu[order], lv[order], length[order]
    k = nodes.size
    # Shortest parallel edge wins in the CSR (duplicates would be summed otherwise).
    pair = lu * k + lv
    first = np.ones(pair.size, dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    csr = csr_matrix((length[first], (lu[first], lv[first])), shape=(k, k))
    # Reverse twin: the shortest edge v->u, if any.
    fwd_key = pair[first]
    rev_key = lv * k + lu
    idx_first = np.flatnonzero(first)
    j = np.searchsorted(fwd_key, rev_key)
    j_clip = np.minimum(j, fwd_key.size - 1)
    has_rev = fwd_key[j_clip] == rev_key
    reverse = np.where(has_rev, idx_first[j_clip], -1).astype(np.int64)
    x, y = net.frame.forward(net.node_lon[nodes], net.node_lat[nodes])
    for arr in (nodes, x, y, lu, lv, length, reverse):
        arr.setflags(write=False)
    return RoutableGraph(
        network=net,
        profile=profile,
        nodes=nodes,
        x=x,
        y=y,
        edge_u=lu,
        edge_v=lv,
        edge_length_m=length,
        edge_reverse=reverse,
        csr=csr,
    )
