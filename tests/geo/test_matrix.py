"""Travel matrices: straight line, road network (exact values on hand-built networks and an
independent networkx check on random ones), and the on-disk cache."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import geo.contraction
import geo.matrix
from geo.contraction import contracted_graph
from geo.errors import EngineError, InvalidInputError, UnreachablePointError
from geo.frame import haversine_m
from geo.matrix import TravelMatrix, road_matrix, straight_line_matrix
from geo.matrix_cache import MatrixCache, road_matrix_cached
from geo.network import RoadNetwork, RoutableGraph
from geo.profiles import E_BIKE, VAN, WALK, ProfileName, TravelProfile
from tests.geo.test_network import (
    CAR,
    FOOT,
    Edge,
    lonlat,
    lonlats,
    make_network,
    square_network,
    two_way,
)


def matrix_m(
    graph: RoutableGraph,
    origins: list[tuple[float, float]],
    destinations: list[tuple[float, float]] | None = None,
    **kwargs: Any,
) -> TravelMatrix:
    """road_matrix for points given in frame metres."""
    o_lon, o_lat = lonlats(origins)
    if destinations is None:
        return road_matrix(graph, o_lon, o_lat, **kwargs)
    d_lon, d_lat = lonlats(destinations)
    return road_matrix(graph, o_lon, o_lat, d_lon, d_lat, **kwargs)


A, B, C, D = (-50.0, -50.0), (50.0, -50.0), (50.0, 50.0), (-50.0, 50.0)


# --- TravelMatrix -----------------------------------------------------------------------


def test_travel_matrix_is_read_only_and_validated() -> None:
    m = TravelMatrix(np.ones((2, 3)), np.full((2, 3), 2.0), ProfileName.WALK)
    assert m.shape == (2, 3) and m.n_origins == 2 and m.n_destinations == 3
    with pytest.raises(ValueError, match="read-only"):
        m.distance_m[0, 0] = 5.0
    with pytest.raises(InvalidInputError, match="duration_s"):
        TravelMatrix(np.ones((2, 3)), np.ones((3, 2)), ProfileName.WALK)
    with pytest.raises(InvalidInputError, match="distance_m"):
        TravelMatrix(-np.ones((1, 1)), np.ones((1, 1)), ProfileName.WALK)
    with pytest.raises(InvalidInputError, match="two-dimensional"):
        TravelMatrix(np.ones(3), np.ones(3), ProfileName.WALK)
    with pytest.raises(InvalidInputError, match="profile"):
        TravelMatrix(np.ones((1, 1)), np.ones((1, 1)), "bicycle")  # type: ignore[arg-type]


# --- straight line ----------------------------------------------------------------------


def test_straight_line_is_haversine_times_detour() -> None:
    o_lon, o_lat = [116.35, 116.36], [40.0, 40.01]
    d_lon, d_lat = [116.34, 116.35, 116.37], [39.99, 40.0, 40.02]
    m = straight_line_matrix(o_lon, o_lat, d_lon, d_lat, E_BIKE, detour_factor=1.4)
    expected = np.array(
        [[float(haversine_m(a, b, c, d)) * 1.4 for c, d in zip(d_lon, d_lat, strict=True)]
         for a, b in zip(o_lon, o_lat, strict=True)]
    )  # fmt: skip
    np.testing.assert_allclose(m.distance_m, expected, rtol=1e-12)
    np.testing.assert_allclose(m.duration_s, expected / (18.0 / 3.6), rtol=1e-12)
    assert m.profile == ProfileName.E_BIKE
    assert m.distance_m[0, 1] == 0.0
    default = straight_line_matrix(o_lon, o_lat, None, None, WALK)
    np.testing.assert_allclose(
        default.distance_m[0, 1], float(haversine_m(o_lon[0], o_lat[0], o_lon[1], o_lat[1])) * 1.3
    )
    assert default.shape == (2, 2)


@pytest.mark.parametrize("factor", [0.99, float("nan"), float("inf"), -1.0])
def test_straight_line_rejects_detour_below_one(factor: float) -> None:
    with pytest.raises(InvalidInputError, match="detour_factor"):
        straight_line_matrix([116.35], [40.0], [116.36], [40.0], WALK, detour_factor=factor)


def test_straight_line_rejects_bad_coordinates() -> None:
    with pytest.raises(InvalidInputError, match=r"origins\.lat\[1\]"):
        straight_line_matrix([116.35, 116.35], [40.0, 91.0], None, None, WALK)
    with pytest.raises(InvalidInputError, match="both dest_lon and dest_lat"):
        straight_line_matrix([116.35], [40.0], [116.35], None, WALK)


# --- road matrix: exact values on the square ---------------------------------------------


def test_node_to_node_one_way_detour_for_vehicle_not_walker() -> None:
    net = square_network()
    car = matrix_m(net.routable(CAR), [A, D])
    assert car.distance_m[0, 1] == pytest.approx(300.0, abs=1e-6)  # A->B->C->D
    assert car.distance_m[1, 0] == pytest.approx(100.0, abs=1e-6)  # D->A along the one-way
    assert car.duration_s[0, 1] == pytest.approx(30.0, abs=1e-6)
    assert car.duration_s[1, 0] == pytest.approx(10.0, abs=1e-6)
    foot = matrix_m(net.routable(FOOT), [A, D])
    assert foot.distance_m[0, 1] == pytest.approx(100.0, abs=1e-6)
    assert foot.distance_m[1, 0] == pytest.approx(100.0, abs=1e-6)
    assert np.diag(car.distance_m).tolist() == [0.0, 0.0]


def test_access_legs_at_access_speed() -> None:
    graph = square_network().routable(CAR)
    p, q = (0.0, -60.0), (60.0, 0.0)  # 10 m off the middles of A-B and B-C
    m = matrix_m(graph, [p, q])
    # 10 access + 50 + 50 network + 10 access; 20 m at 1 m/s + 100 m at 10 m/s.
    np.testing.assert_allclose(m.distance_m, [[0.0, 120.0], [120.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(m.duration_s, [[0.0, 30.0], [30.0, 0.0]], atol=1e-6)


def test_same_point_is_zero_but_same_snap_costs_access_legs() -> None:
    graph = square_network().routable(CAR)
    m = matrix_m(graph, [(0.0, -60.0), (0.0, -60.0), (0.0, -40.0)])
    assert m.distance_m[0, 1] == 0.0 and m.duration_s[1, 0] == 0.0
    # Opposite sides of A-B at the same fraction: the two access legs only.
    assert m.distance_m[0, 2] == pytest.approx(20.0, abs=1e-6)
    assert m.duration_s[0, 2] == pytest.approx(20.0, abs=1e-6)


def test_same_edge_shortcut_both_directions_on_two_way() -> None:
    graph = square_network().routable(CAR)
    m = matrix_m(graph, [(-30.0, -55.0), (30.0, -55.0)])
    np.testing.assert_allclose(m.distance_m, [[0.0, 70.0], [70.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(m.duration_s, [[0.0, 16.0], [16.0, 0.0]], atol=1e-6)


def test_same_edge_on_one_way_only_forward_for_vehicle() -> None:
    net = square_network()
    r, s = (-55.0, 30.0), (-55.0, -30.0)  # on D->A, 20 m from D and 20 m from A
    car = matrix_m(net.routable(CAR), [r, s])
    assert car.distance_m[0, 1] == pytest.approx(70.0, abs=1e-6)
    # Against the one-way (a twin-less edge: leave towards A only): A-B-C-D then to R.
    assert car.distance_m[1, 0] == pytest.approx(5.0 + 20.0 + 300.0 + 20.0 + 5.0, abs=1e-6)
    assert car.duration_s[1, 0] == pytest.approx(10.0 + 34.0, abs=1e-6)
    foot = matrix_m(net.routable(FOOT), [r, s])
    np.testing.assert_allclose(foot.distance_m, [[0.0, 70.0], [70.0, 0.0]], atol=1e-6)
    # Walker: 10 m of access at 0.5 m/s.
    np.testing.assert_allclose(foot.duration_s, [[0.0, 26.0], [26.0, 0.0]], atol=1e-6)


def test_point_on_end_node_of_one_way_edge_is_at_that_node() -> None:
    # Node D listed first, so at A the tie between edges is won by the one-way D->A
    # (t = 1, no twin): A must still be reached from A itself, and left from there.
    nodes = {"D": D, "A": A, "B": B, "C": C}
    edges = [
        *two_way("A", "B", 100.0),
        *two_way("B", "C", 100.0),
        *two_way("C", "D", 100.0),
        ("D", "A", 100.0, "residential", True),
    ]
    graph = make_network(nodes, edges).routable(CAR)
    lon, lat = lonlat(*A)
    snap = graph.snap([lon], [lat])
    assert graph.edge_reverse[snap.edge[0]] == -1 and snap.fraction[0] == 1.0
    m = matrix_m(graph, [(50.0, -60.0)], [A])
    assert m.distance_m[0, 0] == pytest.approx(10.0 + 100.0, abs=1e-6)  # B -> A, not via D
    m = matrix_m(graph, [(-50.0, 60.0)], [(-60.0, 0.0)])  # D to the middle of D->A
    assert m.distance_m[0, 0] == pytest.approx(10.0 + 50.0 + 10.0, abs=1e-6)


def test_one_way_asymmetry_between_edges() -> None:
    graph = square_network().routable(CAR)
    p, r = (0.0, -55.0), (-55.0, 30.0)  # middle of A-B; on D->A 20 m from D
    m = matrix_m(graph, [p, r])
    assert m.distance_m[1, 0] == pytest.approx(5 + 80 + 50 + 5, abs=1e-6)  # R->A->P
    assert m.distance_m[0, 1] == pytest.approx(5 + 50 + 100 + 100 + 20 + 5, abs=1e-6)


def test_dropped_spur_snaps_to_kept_network() -> None:
    net = square_network()
    e = [(160.0, -50.0)]
    with pytest.raises(UnreachablePointError, match="'shop-E'"):
        matrix_m(net.routable(CAR), e, max_snap_m=100.0, origin_ids=["shop-E"])
    m = matrix_m(net.routable(CAR), [*e, A], max_snap_m=200.0)
    assert m.distance_m[0, 1] == pytest.approx(110.0 + 100.0, abs=1e-6)  # snapped at B
    foot = matrix_m(net.routable(FOOT), [*e, A])
    assert foot.distance_m[0, 1] == pytest.approx(10.0 + 200.0, abs=1e-6)  # via E


def test_parallel_edges_shortest_wins_and_twin_length_used() -> None:
    nodes = {"A": (-50.0, 0.0), "B": (50.0, 0.0)}
    edges: list[Edge] = [
        ("A", "B", 120.0, "service", True),
        ("A", "B", 100.0, "residential", True),
        ("B", "A", 130.0, "residential", True),
    ]
    graph = make_network(nodes, edges).routable(CAR)
    m = matrix_m(graph, [(-50.0, 0.0), (50.0, 0.0), (-30.0, -5.0), (30.0, -5.0)])
    assert m.distance_m[0, 1] == pytest.approx(100.0, abs=1e-6)
    assert m.distance_m[1, 0] == pytest.approx(130.0, abs=1e-6)
    assert m.distance_m[2, 3] == pytest.approx(5.0 + 60.0 + 5.0, abs=1e-6)  # 0.6 * 100
    assert m.distance_m[3, 2] == pytest.approx(5.0 + 78.0 + 5.0, abs=1e-6)  # 0.6 * 130


def test_shape_point_chains_are_contracted_for_routing() -> None:
    # Car square: B and C only continue streets; A and D are where streets branch.
    graph = square_network().routable(CAR)
    chains = contracted_graph(graph)
    assert chains is contracted_graph(graph)  # built once per graph
    assert chains.node_count == 2
    assert sorted(chains.chain_m.tolist()) == [100.0, 300.0, 300.0]


@pytest.mark.parametrize("one_way", [True, False], ids=["one-way", "two-way"])
def test_ring_without_junctions(one_way: bool) -> None:
    # Every node is a shape point: the contraction must keep one to route at all.
    edges: list[Edge] = []
    for a, b in (("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")):
        edges += [(a, b, 100.0, "residential", True)] if one_way else two_way(a, b, 100.0)
    net = make_network({"A": A, "B": B, "C": C, "D": D}, edges)
    graph = net.routable(CAR)
    assert contracted_graph(graph).node_count == 1
    p, q, r = (0.0, -55.0), (0.0, 55.0), (-25.0, -55.0)  # mid A-B, mid C-D, quarter A-B
    m = matrix_m(graph, [p, q, r])
    assert m.distance_m[0, 1] == pytest.approx(5 + 200 + 5, abs=1e-6)
    assert m.distance_m[1, 0] == pytest.approx(5 + 200 + 5, abs=1e-6)
    behind = 5 + (50 + 300 + 25 if one_way else 25) + 5
    assert m.distance_m[0, 2] == pytest.approx(behind, abs=1e-6)
    assert m.distance_m[2, 0] == pytest.approx(5 + 25 + 5, abs=1e-6)


def test_same_chain_across_shape_points() -> None:
    # A two-way street A - s1 - s2 - B (lengths 40, 30, 30 one way; 45, 30, 30 back)
    # between two junctions; points on its first and last segments.
    nodes = {"A": (-50.0, 0.0), "s1": (-10.0, 0.0), "s2": (20.0, 0.0), "B": (50.0, 0.0)}
    nodes |= {"N": (-50.0, 100.0), "M": (50.0, 100.0)}
    edges: list[Edge] = [
        ("A", "s1", 40.0, "residential", False),
        ("s1", "A", 45.0, "residential", False),
        *two_way("s1", "s2", 30.0),
        *two_way("s2", "B", 30.0),
        *two_way("A", "N", 100.0),
        *two_way("N", "M", 100.0),
        *two_way("M", "B", 100.0),
    ]
    graph = make_network(nodes, edges).routable(CAR)
    p, q = (-30.0, -5.0), (35.0, -5.0)  # 20 m from A (half of A-s1); 15 m before B
    m = matrix_m(graph, [p, q])
    assert m.distance_m[0, 1] == pytest.approx(5 + 20 + 30 + 15 + 5, abs=1e-6)
    assert m.distance_m[1, 0] == pytest.approx(5 + 15 + 30 + 22.5 + 5, abs=1e-6)


def test_dead_end_street_left_out_of_dijkstra_still_routes() -> None:
    nodes = {"A": A, "B": B, "C": C, "D": D, "E": (150.0, -50.0)}
    edges = [
        *two_way("A", "B", 100.0),
        *two_way("B", "C", 100.0),
        *two_way("C", "D", 100.0),
        ("D", "A", 100.0, "residential", True),
        *two_way("B", "E", 100.0),  # a cul-de-sac
    ]
    graph = make_network(nodes, edges).routable(CAR)
    chains = contracted_graph(graph)
    assert int((chains.dead_end_exit >= 0).sum()) == 1  # E
    p, q, e = (140.0, -55.0), (110.0, -45.0), (150.0, -50.0)  # 90 m, 60 m, 100 m from B
    m = matrix_m(graph, [A, p, q, e])
    np.testing.assert_allclose(
        m.distance_m,
        [
            [0.0, 195.0, 165.0, 200.0],
            [195.0, 0.0, 40.0, 15.0],
            [165.0, 40.0, 0.0, 45.0],
            [200.0, 15.0, 45.0, 0.0],
        ],
        atol=1e-6,
    )


def test_fewer_destinations_than_origins_gives_same_values() -> None:
    # More origins than destinations runs Dijkstra on the reversed graph.
    graph = square_network().routable(CAR)
    pts = [(0.0, -60.0), (-55.0, 30.0), (45.0, 10.0), (-30.0, 55.0), (10.0, -45.0), B]
    full = matrix_m(graph, pts)
    np.testing.assert_allclose(matrix_m(graph, pts, pts[:2]).distance_m, full.distance_m[:, :2])
    np.testing.assert_allclose(matrix_m(graph, pts[:2], pts).distance_m, full.distance_m[:2])
    np.testing.assert_allclose(matrix_m(graph, pts, pts[3:4]).duration_s, full.duration_s[:, 3:4])


def test_empty_sides_and_scalar_points() -> None:
    graph = square_network().routable(CAR)
    assert road_matrix(graph, [], [], [116.35], [40.0]).shape == (0, 1)
    lon, lat = lonlat(0.0, -50.0)
    assert road_matrix(graph, lon, lat).shape == (1, 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"origin_ids": ["a"]}, "origin_ids"),
        ({"destination_ids": ["a", "b", "c"]}, "destination_ids"),
        ({"max_snap_m": 0.0}, "max_snap_m"),
        ({"workers": 0}, "workers"),
    ],
)
def test_road_matrix_rejects_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    graph = square_network().routable(CAR)
    with pytest.raises(InvalidInputError, match=match):
        matrix_m(graph, [A, B], **kwargs)


def test_far_point_names_destination_id() -> None:
    graph = square_network().routable(CAR)
    with pytest.raises(UnreachablePointError, match="'flat-9'") as info:
        matrix_m(graph, [A], [B, (0.0, 5000.0)], destination_ids=["flat-1", "flat-9"])
    assert isinstance(info.value, EngineError)


def test_unreachable_pair_guard_names_the_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    # Cannot happen inside one strongly connected part; the guard must still be clear.
    def no_paths(graph: RoutableGraph, snap_o: Any, snap_d: Any, **kwargs: Any) -> np.ndarray:
        out = np.zeros((snap_o.edge.size, snap_d.edge.size))
        out[1, 0] = np.inf
        return out

    monkeypatch.setattr(geo.matrix, "snapped_network_m", no_paths)
    graph = square_network().routable(CAR)
    with pytest.raises(UnreachablePointError, match="origin 'o2' -> destination 'o1'"):
        matrix_m(graph, [A, B], origin_ids=["o1", "o2"])


def test_workers_give_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    pools: list[int] = []
    real_pool = geo.contraction.ProcessPoolExecutor  # type: ignore[attr-defined]

    def counting_pool(*args: Any, **kwargs: Any) -> Any:
        pools.append(kwargs["max_workers"])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(geo.contraction, "ProcessPoolExecutor", counting_pool)
    graph = square_network().routable(FOOT)
    rng = np.random.default_rng(3)
    pts = [(float(x), float(y)) for x, y in rng.uniform(-45, 45, (600, 2))]  # distinct snaps
    one = matrix_m(graph, pts[:300], pts[300:])
    assert pools == []
    two = matrix_m(graph, pts[:300], pts[300:], workers=2)  # >= 256 points: 2 processes
    assert pools == [2]
    np.testing.assert_array_equal(one.distance_m, two.distance_m)
    np.testing.assert_array_equal(one.duration_s, two.duration_s)
    matrix_m(graph, pts[:10], pts[10:20], workers=2)  # small: stays in this process
    assert pools == [2]


# --- independent check: networkx on the explicit split-edge graph -------------------------


def reference_distance_m(
    graph: RoutableGraph,
    o_lon: list[float],
    o_lat: list[float],
    d_lon: list[float],
    d_lat: list[float],
) -> np.ndarray:
    """Split every directed edge at the snapped points of its segment, run networkx
    Dijkstra, add access legs.  Uses neither edge_reverse nor the combination formula.

    A point is a graph node named by its place on the segment: an end node when its
    fraction is 0 or 1, else (segment, position from the segment's lower node)."""
    snaps = [graph.snap(o_lon, o_lat, max_snap_m=1e5), graph.snap(d_lon, d_lat, max_snap_m=1e5)]
    label: dict[tuple[str, int], object] = {}
    on_segment: dict[tuple[int, int], set[tuple[float, object]]] = {}
    for kind, snap in zip("od", snaps, strict=True):
        for i, (e, t) in enumerate(zip(snap.edge.tolist(), snap.fraction.tolist(), strict=True)):
            u, v = int(graph.edge_u[e]), int(graph.edge_v[e])
            lo, hi = min(u, v), max(u, v)
            s = t if u == lo else 1.0 - t  # position from lo towards hi
            if t in (0.0, 1.0):
                label[kind, i] = ("n", u if t == 0.0 else v)
            else:
                label[kind, i] = ("p", lo, hi, s)
                on_segment.setdefault((lo, hi), set()).add((s, label[kind, i]))
    g = nx.DiGraph()
    for a, b, length in zip(
        graph.edge_u.tolist(), graph.edge_v.tolist(), graph.edge_length_m.tolist(), strict=True
    ):
        lo, hi = min(a, b), max(a, b)
        pts = sorted(on_segment.get((lo, hi), set()), key=lambda p: p[0])
        if a != lo:  # walking the segment from hi to lo
            pts = [(1.0 - s, n) for s, n in reversed(pts)]
        chain = [(0.0, ("n", a)), *pts, (1.0, ("n", b))]
        for (s0, n0), (s1, n1) in itertools.pairwise(chain):
            w = (s1 - s0) * length
            if not g.has_edge(n0, n1) or g[n0][n1]["weight"] > w:  # parallel: shortest
                g.add_edge(n0, n1, weight=w)
    out = np.empty((len(o_lon), len(d_lon)))
    for i in range(len(o_lon)):
        dist = nx.single_source_dijkstra_path_length(g, label["o", i])
        for j in range(len(d_lon)):
            if (o_lon[i], o_lat[i]) == (d_lon[j], d_lat[j]):
                out[i, j] = 0.0
            else:
                access = snaps[0].access_m[i] + snaps[1].access_m[j]
                out[i, j] = access + dist[label["d", j]]
    return out


def random_grid(seed: int) -> tuple[RoadNetwork, list[tuple[float, float]]]:
    """A jittered grid (2..4 x 2..4 nodes, 100 m apart) with missing, one-way and
    parallel streets of varied length, some split by shape points (chains) and some with
    unequal lengths per direction; plus 2..10 points, some on nodes or repeated."""
    rng = np.random.default_rng(seed)
    nx_, ny_ = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    nodes = {
        f"{i},{j}": (i * 100.0 + rng.uniform(-20, 20), j * 100.0 + rng.uniform(-20, 20))
        for i in range(nx_)
        for j in range(ny_)
    }
    edges: list[Edge] = []
    for i in range(nx_):
        for j in range(ny_):
            for a, b in (((i, j), (i + 1, j)), ((i, j), (i, j + 1))):
                if b[0] >= nx_ or b[1] >= ny_:
                    continue
                kind = rng.random()
                if kind < 0.1:
                    continue
                na, nb = f"{a[0]},{a[1]}", f"{b[0]},{b[1]}"
                path = [na]
                for k in range(int(rng.choice([0, 0, 1, 2]))):  # shape points
                    (xa, ya), (xb, yb) = nodes[na], nodes[nb]
                    f = (k + 1) / 3.0
                    name = f"{na}-{nb}/{k}"
                    nodes[name] = (
                        xa + f * (xb - xa) + rng.uniform(-8, 8),
                        ya + f * (yb - ya) + rng.uniform(-8, 8),
                    )
                    path.append(name)
                path.append(nb)
                highway = "footway" if rng.random() < 0.2 else "residential"
                for p, q in itertools.pairwise(path):
                    (xp, yp), (xq, yq) = nodes[p], nodes[q]
                    length = float(np.hypot(xq - xp, yq - yp) * rng.uniform(1.0, 1.4))
                    if kind < 0.3:
                        edges.append((p, q, length, highway, True))
                    elif kind < 0.5:
                        edges.append((q, p, length, highway, True))
                    else:
                        back = length * (rng.uniform(1.0, 1.2) if rng.random() < 0.2 else 1.0)
                        edges += [(p, q, length, highway, False), (q, p, back, highway, False)]
                if rng.random() < 0.15:
                    p, q = path[0], path[1]
                    (xp, yp), (xq, yq) = nodes[p], nodes[q]
                    extra = float(np.hypot(xq - xp, yq - yp) * rng.uniform(0.8, 1.5))
                    edges.append((p, q, extra, highway, True))
    assume(edges)
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    points: list[tuple[float, float]] = []
    for _ in range(int(rng.integers(2, 11))):
        r = rng.random()
        if r < 0.15:
            points.append(list(nodes.values())[int(rng.integers(len(nodes)))])
        elif r < 0.25 and points:
            points.append(points[int(rng.integers(len(points)))])
        else:
            points.append(
                (
                    float(rng.uniform(min(xs) - 30, max(xs) + 30)),
                    float(rng.uniform(min(ys) - 30, max(ys) + 30)),
                )
            )
    return make_network(nodes, edges, name=f"grid-{seed}"), points


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), walker=st.booleans(), split=st.integers(1, 9))
def test_road_matrix_equals_networkx_split_edge_graph(seed: int, walker: bool, split: int) -> None:
    net, points = random_grid(seed)
    try:
        graph = net.routable(FOOT if walker else CAR)
    except InvalidInputError:
        assume(False)
        raise
    k = min(split, len(points) - 1)
    o_lon, o_lat = lonlats(points[:k])
    d_lon, d_lat = lonlats(points[k:])
    m = road_matrix(graph, o_lon, o_lat, d_lon, d_lat, max_snap_m=1e5)
    expected = reference_distance_m(graph, o_lon, o_lat, d_lon, d_lat)
    np.testing.assert_allclose(m.distance_m, expected, rtol=0, atol=1e-6)
    # Whole set against itself: same values where the blocks overlap.
    whole = road_matrix(graph, o_lon + d_lon, o_lat + d_lat, max_snap_m=1e5)
    np.testing.assert_allclose(whole.distance_m[:k, k:], m.distance_m, rtol=0, atol=1e-9)
    # Durations: access legs at the access speed, the rest at the network speed.
    snap_o = graph.snap(o_lon, o_lat, max_snap_m=1e5)
    snap_d = graph.snap(d_lon, d_lat, max_snap_m=1e5)
    access = snap_o.access_m[:, None] + snap_d.access_m[None, :]
    p = graph.profile
    expected_s = access / p.access_speed_mps + (expected - access) / p.speed_mps
    expected_s[expected == 0.0] = 0.0
    np.testing.assert_allclose(m.duration_s, expected_s, rtol=0, atol=1e-6)


# --- cache ------------------------------------------------------------------------------


def test_cache_hit_returns_identical_arrays_without_recomputing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = square_network().routable(CAR)
    o_lon, o_lat = lonlats([(0.0, -60.0), (-55.0, 30.0)])
    d_lon, d_lat = lonlats([(60.0, 0.0), A, D])
    cache = MatrixCache(tmp_path / "matrices")
    calls = {"n": 0}
    real = geo.contraction.dijkstra  # type: ignore[attr-defined]

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 1:
            raise AssertionError("dijkstra ran on a cache hit")
        return real(*args, **kwargs)

    monkeypatch.setattr(geo.contraction, "dijkstra", counting)
    first = road_matrix_cached(graph, o_lon, o_lat, d_lon, d_lat, cache=cache)
    assert calls["n"] == 1
    assert len(list((tmp_path / "matrices").glob("*.npz"))) == 1
    second = road_matrix_cached(graph, o_lon, o_lat, d_lon, d_lat, cache=cache)
    assert calls["n"] == 1
    np.testing.assert_array_equal(first.distance_m, second.distance_m)
    np.testing.assert_array_equal(first.duration_s, second.duration_s)
    assert second.profile == first.profile == ProfileName.VAN
    assert not second.distance_m.flags.writeable
    # Ids only label errors: they do not change the key.
    road_matrix_cached(graph, o_lon, o_lat, d_lon, d_lat, cache=cache, origin_ids=["x", "y"])
    assert calls["n"] == 1
    monkeypatch.setattr(geo.contraction, "dijkstra", real)
    direct = road_matrix(graph, o_lon, o_lat, d_lon, d_lat)
    np.testing.assert_array_equal(direct.distance_m, second.distance_m)


def test_cache_key_depends_on_graph_points_and_tolerance(tmp_path: Path) -> None:
    net = square_network()
    cache = MatrixCache(tmp_path)
    lon = np.array([116.35, 116.3501])
    lat = np.array([40.0, 40.0])
    key = cache.key(net.routable(CAR), lon, lat, lon, lat, max_snap_m=500.0)
    assert key == cache.key(net.routable(CAR), lon.copy(), lat, lon, lat, max_snap_m=500.0)
    others = {
        cache.key(net.routable(FOOT), lon, lat, lon, lat, max_snap_m=500.0),
        cache.key(net.routable(CAR), lon, lat, lon, lat, max_snap_m=400.0),
        cache.key(net.routable(CAR), lon[::-1], lat, lon, lat, max_snap_m=500.0),
        cache.key(net.routable(CAR), lon, lat, lon[:1], lat[:1], max_snap_m=500.0),
        cache.key(net.routable(VAN), lon, lat, lon, lat, max_snap_m=500.0),
    }
    assert key not in others and len(others) == 5


@pytest.mark.parametrize("garbage", [b"", b"not a zip file", b"PK\x03\x04truncated"])
def test_corrupt_cache_file_is_recomputed_and_rewritten(tmp_path: Path, garbage: bytes) -> None:
    graph = square_network().routable(CAR)
    lon, lat = lonlats([A, D, (0.0, -60.0)])
    cache = MatrixCache(tmp_path)
    good = road_matrix_cached(graph, lon, lat, cache=cache)
    (file,) = tmp_path.glob("*.npz")
    file.write_bytes(garbage)
    again = road_matrix_cached(graph, lon, lat, cache=cache)
    np.testing.assert_array_equal(again.distance_m, good.distance_m)
    key = file.stem
    reloaded = cache.load(key, (3, 3))
    assert reloaded is not None
    np.testing.assert_array_equal(reloaded.duration_s, good.duration_s)
    assert cache.load(key, (2, 3)) is None  # wrong shape: a miss
    assert not list(tmp_path.glob("*.tmp"))


def test_cache_file_with_invalid_values_is_a_miss(tmp_path: Path) -> None:
    cache = MatrixCache(tmp_path)
    np.savez(
        cache.path("k"),
        key=np.array("k"),
        profile=np.array("van"),
        distance_m=np.full((1, 1), np.nan),
        duration_s=np.zeros((1, 1)),
    )
    assert cache.load("k", (1, 1)) is None


def test_unwritable_cache_directory_is_a_clear_error(tmp_path: Path) -> None:
    graph = square_network().routable(CAR)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    lon, lat = lonlats([A, D])
    with pytest.raises(InvalidInputError, match="writable directory"):
        road_matrix_cached(graph, lon, lat, cache=MatrixCache(blocker))


def test_no_cache_passes_through() -> None:
    graph = square_network().routable(CAR)
    lon, lat = lonlats([A, D])
    m = road_matrix_cached(graph, lon, lat, cache=None)
    assert m.distance_m[0, 1] == pytest.approx(300.0, abs=1e-6)


def test_public_names_exported() -> None:
    import geo  # noqa: PLC0415

    assert geo.road_matrix is road_matrix
    assert geo.TravelMatrix is TravelMatrix
    assert geo.MatrixCache is MatrixCache
    assert geo.straight_line_matrix is straight_line_matrix
    assert geo.road_matrix_cached is road_matrix_cached
    assert WALK.respects_oneway is False and VAN.respects_oneway is True
    assert isinstance(TravelProfile, type)
