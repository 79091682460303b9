"""Travel data for 10,000+ points: snapped once, matrices only for the points a solve needs.

A city-scale wave has more points than a square float64 matrix per profile holds
comfortably (10,000 points: 800 MB per array, 1.6 GB for distance and duration).
:class:`RoadPoints` snaps a point set to a profile's graph once and then gives

* :meth:`RoadPoints.matrix`: the travel matrix between any subset of its points (by
  index), computed from the network for that subset only: the Dijkstra graph of
  :mod:`geo.contraction` (the contraction is built once per graph and shared) gets
  terminals for the subset's points alone, and Dijkstra runs from the subset's
  distinct origins only (or from its destinations on the reversed graph when they are
  fewer).  A solve of one part of a wave asks for its own points, so a part of 500
  points costs 500 Dijkstra runs, whatever the wave's size.  Equal to the rows and
  columns of :func:`geo.matrix.road_matrix` over all points (the same road model).
* compact storage: ``dtype=np.float32`` rounds durations to whole seconds and
  distances to whole metres and stores them as float32, which holds every integer up
  to 2**24 exactly (16,777,216 s = 194 days, 16,777 km): the stored value is within
  0.5 s / 0.5 m of the exact one and half the bytes of float64.
* bounded memory: rows are computed in blocks of :data:`BLOCK_ROWS` origins and
  written into the result, so the temporaries of one block (Dijkstra rows, access legs)
  come on top of the result's bytes, never an n x n float64 temporary
  (:func:`matrix_bytes`, :func:`peak_bytes_bound`).
* the on-disk cache (:class:`geo.matrix_cache.MatrixCache`) under the same key as
  :func:`geo.matrix_cache.road_matrix_cached` for the subset's coordinates (float64
  results only: the cache holds exact matrices).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.contraction import snapped_network_m
from geo.errors import InvalidInputError, UnreachablePointError
from geo.matrix import TravelMatrix
from geo.matrix_cache import MatrixCache
from geo.network import DEFAULT_MAX_SNAP_M, IntArray, RoutableGraph, Snap
from geo.validation import FloatArray, point_arrays, require_positive

#: Origins per block of rows: bounds the float64 temporaries of one block to
#: ``BLOCK_ROWS x n_destinations x 8`` bytes each (20 MB for 10,000 destinations).
BLOCK_ROWS = 256
# float64 temporaries of one block: Dijkstra rows, network metres, access legs,
# distance, duration, the identical-point mask (a bool, counted as a float), with margin.
_BLOCK_TEMPORARIES = 8
# The Dijkstra chunk of geo.contraction: 128 sources x all graph nodes, float64.
_DIJKSTRA_CHUNK = 128
# A Dijkstra graph edge: data, column and row (COO and CSR) in a few copies.
_BYTES_PER_EDGE = 128

_DTYPES = (np.float64, np.float32)


def matrix_bytes(n_origins: int, n_destinations: int, dtype: npt.DTypeLike = np.float64) -> int:
    """Bytes of one matrix's two arrays (distance and duration) of this shape and dtype."""
    return 2 * n_origins * n_destinations * np.dtype(dtype).itemsize


def peak_bytes_bound(
    n_origins: int,
    n_destinations: int,
    graph: RoutableGraph,
    dtype: npt.DTypeLike = np.float64,
) -> int:
    """An upper bound of the bytes :meth:`RoadPoints.matrix` allocates at its peak: the
    result (:func:`matrix_bytes`), the temporaries of one block of :data:`BLOCK_ROWS`
    rows (float64), one Dijkstra chunk over the graph with the block's terminals (its
    distances and scipy's work arrays), the Dijkstra graph (at most every edge of
    ``graph`` plus the terminal edges, a few copies), the validation's boolean masks
    (one byte per entry, two at a time) and 1 MB for the rest (snaps, index
    arrays)."""
    rows = min(BLOCK_ROWS, max(n_origins, 1))
    terminals = rows + n_destinations
    block = _BLOCK_TEMPORARIES * rows * n_destinations * 8
    dijkstra = 2 * _DIJKSTRA_CHUNK * (graph.node_count + terminals) * 8
    adjacency = _BYTES_PER_EDGE * (graph.edge_count + 3 * terminals)
    checks = 2 * n_origins * n_destinations  # TravelMatrix's finite and sign masks
    result = matrix_bytes(n_origins, n_destinations, dtype)
    return result + checks + block + dijkstra + adjacency + 2**20


def _take(snap: Snap, index: IntArray) -> Snap:
    return Snap(
        edge=snap.edge[index],
        fraction=snap.fraction[index],
        access_m=snap.access_m[index],
        x=snap.x[index],
        y=snap.y[index],
    )


@dataclass(frozen=True, eq=False)
class RoadPoints:
    """Points snapped once to a profile's routable graph (see the module doc).

    Build with :meth:`snap`.  Attributes: ``graph``; ``lon``, ``lat`` (WGS-84 degrees,
    float64, one per point); ``ids`` (labels for error messages, or None);
    ``max_snap_m``; ``snapped`` (the :class:`geo.network.Snap` of every point).
    """

    graph: RoutableGraph
    lon: FloatArray
    lat: FloatArray
    ids: tuple[str, ...] | None
    max_snap_m: float
    snapped: Snap

    @classmethod
    def snap(
        cls,
        graph: RoutableGraph,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        ids: Sequence[str] | None = None,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
    ) -> RoadPoints:
        """Snap points to ``graph`` once.

        Raises:
            InvalidInputError: a coordinate is NaN or out of range, arrays are not 1-D
                or their lengths differ, ``ids`` has another length, or max_snap_m is
                not > 0.
            UnreachablePointError: a point is farther than ``max_snap_m`` from every
                street the profile may use (the message names it).
        """
        p_lon, p_lat = point_arrays("points", lon, lat)
        labels = None if ids is None else tuple(ids)
        if labels is not None and len(labels) != p_lon.size:
            raise InvalidInputError(
                "ids", f"must have one id per point ({p_lon.size}), got {len(labels)}"
            )
        require_positive("max_snap_m", max_snap_m)
        snapped = graph.snap(
            p_lon, p_lat, max_snap_m=max_snap_m, ids=None if labels is None else list(labels)
        )
        return cls(graph, p_lon, p_lat, labels, float(max_snap_m), snapped)

    def __len__(self) -> int:
        return int(self.lon.size)

    def _indices(self, field: str, index: npt.ArrayLike | None) -> IntArray:
        if index is None:
            return np.arange(len(self), dtype=np.int64)
        arr = np.asarray(index)
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise InvalidInputError(field, "must be a 1-D sequence of point indices")
        out = arr.astype(np.int64)
        if out.size and (int(out.min()) < 0 or int(out.max()) >= len(self)):
            raise InvalidInputError(
                field, f"must be point indices in 0..{len(self) - 1}, got {out.min()}..{out.max()}"
            )
        return out

    def matrix(
        self,
        origins: npt.ArrayLike | None = None,
        destinations: npt.ArrayLike | None = None,
        *,
        dtype: npt.DTypeLike = np.float64,
        cache: MatrixCache | None = None,
    ) -> TravelMatrix:
        """The travel matrix from the points ``origins`` to the points ``destinations``.

        Args:
            origins: point indices (rows, any order, repeats allowed); None: all points.
            destinations: point indices (columns); None: the origins (a square matrix).
            dtype: ``np.float64`` (exact, as :func:`geo.matrix.road_matrix`) or
                ``np.float32`` (whole seconds and metres, see the module doc).
            cache: an on-disk cache for float64 results (None: none).

        Returns:
            A :class:`geo.matrix.TravelMatrix` of shape (len(origins), len(destinations)),
            metres and seconds, of ``dtype``.

        Raises:
            InvalidInputError: an index outside the points, or a dtype other than the two.
            UnreachablePointError: a destination cannot be reached from an origin (a
                strongly connected graph rules it out).
        """
        kind = np.dtype(dtype)
        if kind not in [np.dtype(d) for d in _DTYPES]:
            raise InvalidInputError("dtype", f"must be float64 or float32, got {kind}")
        o = self._indices("origins", origins)
        d = o if destinations is None else self._indices("destinations", destinations)
        key = None
        if cache is not None and kind == np.float64:
            key = cache.key(
                self.graph,
                self.lon[o],
                self.lat[o],
                self.lon[d],
                self.lat[d],
                max_snap_m=self.max_snap_m,
            )
            hit = cache.load(key, (o.size, d.size))
            if hit is not None and hit.profile == self.graph.profile.name:
                return hit
        result = self._compute(o, d, kind)
        if cache is not None and key is not None:
            cache.store(key, result)
        return result

    def _compute(self, o: IntArray, d: IntArray, kind: np.dtype[Any]) -> TravelMatrix:
        profile = self.graph.profile
        distance = np.zeros((o.size, d.size), dtype=kind)
        duration = np.zeros((o.size, d.size), dtype=kind)
        if o.size and d.size:
            snap_d = _take(self.snapped, d)
            for start in range(0, o.size, BLOCK_ROWS):
                rows = o[start : start + BLOCK_ROWS]
                snap_o = _take(self.snapped, rows)
                network_m = snapped_network_m(self.graph, snap_o, snap_d)
                self._check_reached(network_m, rows, d)
                # In place where it can be: three block-sized float64 arrays at most.
                access_m = snap_o.access_m[:, None] + snap_d.access_m[None, :]
                dist = access_m + network_m
                dur = network_m
                dur /= profile.speed_mps
                access_m /= profile.access_speed_mps
                dur += access_m
                del access_m, network_m
                identical = np.equal(self.lon[rows][:, None], self.lon[d][None, :])
                identical &= np.equal(self.lat[rows][:, None], self.lat[d][None, :])
                dist[identical] = 0.0
                dur[identical] = 0.0
                if kind == np.float32:
                    # Whole metres and seconds: exact in float32 below 2**24.
                    np.rint(dist, out=dist)
                    np.rint(dur, out=dur)
                distance[start : start + rows.size] = dist
                duration[start : start + rows.size] = dur
        # Read-only: TravelMatrix takes the arrays without a copy.
        distance.setflags(write=False)
        duration.setflags(write=False)
        return TravelMatrix(distance, duration, profile.name)

    def _check_reached(self, network_m: FloatArray, rows: IntArray, d: IntArray) -> None:
        bad = ~np.isfinite(network_m)
        if bad.any():
            i, j = (int(k) for k in np.argwhere(bad)[0])

            def label(k: int) -> str:
                return repr(self.ids[k]) if self.ids is not None else f"#{k}"

            raise UnreachablePointError(
                f"origin {label(int(rows[i]))} -> destination {label(int(d[j]))}",
                f"must be connected on the {self.graph.profile.name!s} network of "
                f"{self.graph.network.name!r}",
            )
