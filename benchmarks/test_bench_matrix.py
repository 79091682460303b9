"""Road-network travel matrix, 1000 x 1000, on a generated city of >= 50,000 directed edges.

Run with ``./run bench`` (``pytest benchmarks --benchmark-enable``).

The city comes from :func:`geo.citygen.generate_city` (seed 7), grown block by block
until the e-bike routable graph has at least 50,000 directed edges (100 x 100 blocks when
this was written).  ``grid_city`` below builds a plain perturbed street grid instead (no
shape points, no cul-de-sacs: the worst case for the chain contraction in
:mod:`geo.matrix`); it is used only if ``geo.citygen`` cannot be imported, and the
benchmark's ``extra_info["city"]`` says which one ran.

Baseline: networkx ``single_source_dijkstra_path_length`` from each origin's snap nodes
(``v``, and ``u`` when the snapped edge has a twin or the snap is on ``u``), combined with
the destination snaps by the same model as :func:`geo.matrix.road_matrix`.  It is timed on
the first ``BASELINE_ORIGINS`` origins (50, or ``BENCH_BASELINE_ORIGINS``) and
**extrapolated linearly to all 1000 origins**
(plus the snapping time, which both share); its distances must equal road_matrix's rows
to 1e-6 m.  Building the networkx graph and the snapping index is excluded from both.
"""

from __future__ import annotations

import importlib
import os
import time
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pytest

from geo.frame import haversine_m
from geo.matrix import road_matrix
from geo.network import RoadNetwork, RoutableGraph, Snap
from geo.profiles import E_BIKE

N_POINTS = 1000
# Origins the networkx baseline is timed on (all 1000 with BENCH_BASELINE_ORIGINS=1000,
# about 80 s more); fewer are extrapolated linearly.
BASELINE_ORIGINS = min(int(os.environ.get("BENCH_BASELINE_ORIGINS", "50")), 1000)
MIN_EDGES = 50_000
TARGET_S = 2.0
TARGET_RATIO = 20.0
GRID_SIZE = 122


def grid_city(n: int = GRID_SIZE, spacing_m: float = 100.0, seed: int = 7) -> RoadNetwork:
    """A perturbed n x n street grid with one-way streets (see the module doc)."""
    rng = np.random.default_rng(seed)
    lon0, lat0 = 116.30, 39.95
    dlat = spacing_m / 111_195.0
    dlon = dlat / np.cos(np.radians(lat0))
    iy, ix = np.mgrid[0:n, 0:n]
    lon = (lon0 + (ix + rng.uniform(-0.15, 0.15, ix.shape)) * dlon).ravel()
    lat = (lat0 + (iy + rng.uniform(-0.15, 0.15, iy.shape)) * dlat).ravel()
    idx = np.arange(n * n).reshape(n, n)
    us: list[Any] = []
    vs: list[Any] = []
    highway: list[str] = []
    oneway: list[bool] = []
    streets = [(idx[k, :-1], idx[k, 1:], k) for k in range(n)]  # east-west
    streets += [(idx[:-1, k], idx[1:, k], k) for k in range(n)]  # north-south
    for from_all, to_all, k in streets:
        keep = rng.random(from_all.size) > 0.02  # a few missing street segments
        a, b = from_all[keep], to_all[keep]
        cls = "primary" if k % 10 == 0 else "residential"
        if k % 4 == 1:  # one-way, direction alternating street by street
            if (k // 4) % 2:
                a, b = b, a
            us.append(a)
            vs.append(b)
            highway += [cls] * a.size
            oneway += [True] * a.size
        else:
            us += [a, b]
            vs += [b, a]
            highway += [cls] * (2 * a.size)
            oneway += [False] * (2 * a.size)
    u, v = np.concatenate(us), np.concatenate(vs)
    return RoadNetwork(
        name=f"grid-city-{n}x{n}-seed{seed}",
        node_id=np.arange(n * n, dtype=np.int64),
        node_lon=lon,
        node_lat=lat,
        edge_u=u,
        edge_v=v,
        edge_length_m=haversine_m(lon[u], lat[u], lon[v], lat[v]),
        edge_highway=np.array(highway),
        edge_oneway=np.array(oneway),
    )


def generated_city(seed: int = 7) -> tuple[str, RoutableGraph]:
    """The smallest square generated city (from 100 x 100 blocks) with enough edges."""
    try:
        citygen = importlib.import_module("geo.citygen")
    except ImportError:
        return f"grid_city {GRID_SIZE}x{GRID_SIZE} (geo.citygen missing)", grid_city().routable(
            E_BIKE
        )
    blocks = 100
    while True:
        city = citygen.generate_city(seed=seed, blocks_x=blocks, blocks_y=blocks)
        graph: RoutableGraph = city.network.routable(E_BIKE)
        if graph.edge_count >= MIN_EDGES:
            return f"geo.citygen seed={seed} blocks={blocks}x{blocks}", graph
        blocks += 5


@pytest.fixture(scope="module")
def city() -> tuple[str, RoutableGraph]:
    name, graph = generated_city()
    assert graph.edge_count >= MIN_EDGES
    return name, graph


@pytest.fixture(scope="module")
def city_graph(city: tuple[str, RoutableGraph]) -> RoutableGraph:
    return city[1]


@pytest.fixture(scope="module")
def points(city_graph: RoutableGraph) -> tuple[np.ndarray, ...]:
    net = city_graph.network
    rng = np.random.default_rng(2024)
    lo_lon, hi_lon = net.node_lon.min(), net.node_lon.max()
    lo_lat, hi_lat = net.node_lat.min(), net.node_lat.max()
    o_lon, d_lon = rng.uniform(lo_lon, hi_lon, (2, N_POINTS))
    o_lat, d_lat = rng.uniform(lo_lat, hi_lat, (2, N_POINTS))
    city_graph.snap(o_lon[:1], o_lat[:1])  # build the snapping index once, untimed
    return o_lon, o_lat, d_lon, d_lat


def _networkx_rows(
    graph: RoutableGraph, g: nx.DiGraph, snap_o: Snap, snap_d: Snap, origins: range
) -> np.ndarray:
    """Network metres (no access legs) from the given origins to every destination."""
    length, rev = graph.edge_length_m, graph.edge_reverse
    e_d, t_d = snap_d.edge, snap_d.fraction
    u_d, v_d = graph.edge_u[e_d], graph.edge_v[e_d]
    r_d = rev[e_d]
    arrive_u = t_d * length[e_d]
    arrive_v = np.where(r_d >= 0, (1.0 - t_d) * length[np.maximum(r_d, 0)], 0.0)
    arrive_v[(r_d < 0) & (t_d != 1.0)] = np.inf
    seg_d = np.where(r_d >= 0, np.minimum(e_d, r_d), e_d)
    rows = np.empty((len(origins), e_d.size))
    for row, i in enumerate(origins):
        e, t = int(snap_o.edge[i]), float(snap_o.fraction[i])
        r = int(rev[e])
        starts = [(int(graph.edge_v[e]), (1.0 - t) * float(length[e]))]
        if r >= 0 or t == 0.0:
            starts.append((int(graph.edge_u[e]), t * float(length[r]) if r >= 0 else 0.0))
        best = np.full(e_d.size, np.inf)
        for node, offset in starts:
            dist = nx.single_source_dijkstra_path_length(g, node, weight="weight")
            du = np.array([dist[int(x)] for x in u_d])
            dv = np.array([dist[int(x)] for x in v_d])
            best = np.minimum(best, offset + np.minimum(du + arrive_u, dv + arrive_v))
        # Same segment: straight along it where the direction allows.
        seg = min(e, r) if r >= 0 else e
        for j in np.flatnonzero(seg_d == seg):
            ej = int(e_d[j])
            if ej not in (e, r) and int(rev[ej]) != e:
                continue
            s = float(t_d[j]) if ej == e else 1.0 - float(t_d[j])
            if s >= t:
                best[j] = min(best[j], (s - t) * float(length[e]))
            elif r >= 0:
                best[j] = min(best[j], (t - s) * float(length[r]))
        rows[row] = best
    return rows


def _timed_road_matrix(
    graph: RoutableGraph, pts: tuple[np.ndarray, ...], workers: int, times: list[float]
) -> Any:
    start = time.perf_counter()
    result = road_matrix(graph, *pts, workers=workers)
    times.append(time.perf_counter() - start)
    return result


@dataclass(frozen=True)
class Baseline:
    """networkx rows for the first origins, their time and the shared snapping time."""

    rows_m: np.ndarray  # network metres plus access legs, (BASELINE_ORIGINS, N_POINTS)
    per_origin_s: float
    snap_s: float

    @property
    def extrapolated_s(self) -> float:
        """Snapping plus per-origin time times all origins."""
        return self.snap_s + self.per_origin_s * N_POINTS


@pytest.fixture(scope="module")
def baseline(city_graph: RoutableGraph, points: tuple[np.ndarray, ...]) -> Baseline:
    g = nx.DiGraph()  # the same graph: shortest parallel edge, like the CSR
    coo = city_graph.csr.tocoo()
    g.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    o_lon, o_lat, d_lon, d_lat = points
    start = time.perf_counter()
    snap_o = city_graph.snap(o_lon, o_lat)
    snap_d = city_graph.snap(d_lon, d_lat)
    snap_s = time.perf_counter() - start
    start = time.perf_counter()
    rows = _networkx_rows(city_graph, g, snap_o, snap_d, range(BASELINE_ORIGINS))
    per_origin_s = (time.perf_counter() - start) / BASELINE_ORIGINS
    access = snap_o.access_m[:BASELINE_ORIGINS, None] + snap_d.access_m[None, :]
    return Baseline(rows + access, per_origin_s, snap_s)


@pytest.mark.parametrize("workers", [1, 2], ids=["1-process", "2-processes"])
def test_road_matrix_1000x1000(
    benchmark: Any,
    city: tuple[str, RoutableGraph],
    points: tuple[np.ndarray, ...],
    baseline: Baseline,
    *,
    workers: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    graph = city[1]
    times: list[float] = []
    matrix = benchmark.pedantic(
        _timed_road_matrix,
        args=(graph, points, workers, times),
        rounds=3,
        iterations=1,
        warmup_rounds=0,
    )
    matrix_s = min(times)
    assert matrix.shape == (N_POINTS, N_POINTS)
    assert np.isfinite(matrix.distance_m).all()
    np.testing.assert_allclose(
        matrix.distance_m[:BASELINE_ORIGINS], baseline.rows_m, rtol=0, atol=1e-6
    )
    ratio = baseline.extrapolated_s / matrix_s
    info = {
        "city": city[0],
        "edges": graph.edge_count,
        "nodes": graph.node_count,
        "workers": workers,
        "matrix_s": round(matrix_s, 4),
        "networkx_baseline_s": round(baseline.extrapolated_s, 2),
        "networkx_per_origin_s": round(baseline.per_origin_s, 5),
        "baseline_note": (
            f"networkx timed on {BASELINE_ORIGINS} origins"
            + (f" and extrapolated to {N_POINTS}" if BASELINE_ORIGINS < N_POINTS else "")
        ),
        "ratio": round(ratio, 1),
    }
    benchmark.extra_info.update(info)
    with capsys.disabled():  # straight to the terminal, so the run shows the figures
        print(f"\n  road_matrix {N_POINTS}x{N_POINTS}: {info}")
    assert ratio >= TARGET_RATIO
    assert matrix_s < TARGET_S
