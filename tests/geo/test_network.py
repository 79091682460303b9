"""RoadNetwork, its routable views per profile, and snapping, on hand-built networks.

Networks are laid out in metres in a local frame around (116.35, 40.0) and converted to
WGS-84, so expected snap fractions and access distances are known exactly (to far below
a micrometre).  The helpers here are shared with test_matrix.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo.errors import InvalidInputError, UnreachablePointError
from geo.frame import LocalFrame
from geo.network import RoadNetwork, RoutableGraph
from geo.profiles import VAN, WALK, ProfileName, TravelProfile

FRAME = LocalFrame(116.35, 40.0)

# Exact-arithmetic profiles: 10 m/s on the network, 1 m/s (car) / 0.5 m/s (foot) access.
CAR = TravelProfile(
    ProfileName.VAN,
    speed_kph=36.0,
    allowed_highways=frozenset({"residential", "service"}),
    respects_oneway=True,
    access_speed_kph=3.6,
)
FOOT = TravelProfile(
    ProfileName.WALK,
    speed_kph=36.0,
    allowed_highways=frozenset({"residential", "service", "footway"}),
    respects_oneway=False,
    access_speed_kph=1.8,
)

Edge = tuple[str, str, float, str, bool]  # from, to, length_m, highway, oneway


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Frame metres around (116.35, 40.0) to (lon, lat) degrees."""
    lon, lat = FRAME.inverse(x, y)
    return float(lon), float(lat)


def lonlats(points: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Several frame-metre points to (lons, lats)."""
    pairs = [lonlat(x, y) for x, y in points]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def make_network(
    nodes: dict[str, tuple[float, float]], edges: list[Edge], name: str = "test"
) -> RoadNetwork:
    """A RoadNetwork from named nodes at frame metres and directed edges."""
    names = list(nodes)
    pos = {n: i for i, n in enumerate(names)}
    lon, lat = lonlats([nodes[n] for n in names])
    return RoadNetwork(
        name=name,
        node_id=np.arange(1, len(names) + 1),
        node_lon=np.array(lon),
        node_lat=np.array(lat),
        edge_u=np.array([pos[e[0]] for e in edges]),
        edge_v=np.array([pos[e[1]] for e in edges]),
        edge_length_m=np.array([e[2] for e in edges]),
        edge_highway=np.array([e[3] for e in edges]),
        edge_oneway=np.array([e[4] for e in edges]),
    )


def two_way(a: str, b: str, length_m: float, highway: str = "residential") -> list[Edge]:
    """Both directions of a two-way street."""
    return [(a, b, length_m, highway, False), (b, a, length_m, highway, False)]


SQUARE_NODES = {
    "A": (-50.0, -50.0),
    "B": (50.0, -50.0),
    "C": (50.0, 50.0),
    "D": (-50.0, 50.0),
    "E": (150.0, -50.0),
}


def square_network() -> RoadNetwork:
    """A 100 m square A-B-C-D; D->A is one-way; B->E is a one-way dead-end spur.

    ::

        D ---- C
        |      |        all sides 100 m, two-way except D -> A
        v      |
        A ---- B --> E
    """
    edges = [
        *two_way("A", "B", 100.0),
        *two_way("B", "C", 100.0),
        *two_way("C", "D", 100.0),
        ("D", "A", 100.0, "residential", True),
        ("B", "E", 100.0, "residential", True),
    ]
    return make_network(SQUARE_NODES, edges, name="square")


def node_ids(graph: RoutableGraph) -> set[int]:
    """External ids of the graph's nodes."""
    return {int(i) for i in graph.network.node_id[graph.nodes]}


def directed_pairs(graph: RoutableGraph) -> set[tuple[int, int]]:
    """(from id, to id) of every kept edge."""
    ids = graph.network.node_id[graph.nodes]
    return {(int(ids[u]), int(ids[v])) for u, v in zip(graph.edge_u, graph.edge_v, strict=True)}


# --- RoadNetwork validation -------------------------------------------------------------


def test_network_arrays_are_read_only_and_counted() -> None:
    net = square_network()
    assert net.node_count == 5
    assert net.edge_count == 8
    with pytest.raises(ValueError, match="read-only"):
        net.edge_length_m[0] = 1.0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"edge_length_m": np.array([0.0])}, "edge_length_m"),
        ({"edge_length_m": np.array([np.nan])}, "edge_length_m"),
        ({"edge_v": np.array([5])}, "edge_v"),
        ({"node_id": np.array([1, 1])}, "node_id"),
        ({"node_lat": np.array([40.0, 95.0])}, "nodes"),
        ({"edge_oneway": np.array([False, True])}, "edge_oneway"),
    ],
)
def test_network_rejects_bad_arrays(change: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "name": "bad",
        "node_id": np.array([1, 2]),
        "node_lon": np.array([116.35, 116.351]),
        "node_lat": np.array([40.0, 40.0]),
        "edge_u": np.array([0]),
        "edge_v": np.array([1]),
        "edge_length_m": np.array([85.0]),
        "edge_highway": np.array(["residential"]),
        "edge_oneway": np.array([False]),
    }
    args.update(change)
    with pytest.raises(InvalidInputError, match=field):
        RoadNetwork(**args)  # type: ignore[arg-type]


def test_fingerprint_is_content_based() -> None:
    assert square_network().fingerprint == square_network().fingerprint
    other = make_network(SQUARE_NODES, [*two_way("A", "B", 100.0), *two_way("B", "C", 100.0)])
    assert other.fingerprint != square_network().fingerprint


# --- routable views ---------------------------------------------------------------------


def test_vehicle_keeps_one_way_and_drops_dead_end_spur() -> None:
    graph = square_network().routable(CAR)
    # E (id 5) is reachable but cannot be left: not in the largest strongly connected part.
    assert node_ids(graph) == {1, 2, 3, 4}
    assert graph.edge_count == 7
    assert (4, 1) in directed_pairs(graph)
    assert (1, 4) not in directed_pairs(graph)
    assert (2, 5) not in directed_pairs(graph)


def test_walker_uses_one_way_both_ways_and_keeps_spur() -> None:
    graph = square_network().routable(FOOT)
    assert node_ids(graph) == {1, 2, 3, 4, 5}
    assert graph.edge_count == 10
    assert {(1, 4), (4, 1), (2, 5), (5, 2)} <= directed_pairs(graph)
    assert (graph.edge_reverse >= 0).all()


def test_reverse_twins() -> None:
    graph = square_network().routable(CAR)
    ids = graph.network.node_id[graph.nodes]
    for e in range(graph.edge_count):
        u, v = int(ids[graph.edge_u[e]]), int(ids[graph.edge_v[e]])
        r = int(graph.edge_reverse[e])
        if (u, v) == (4, 1):
            assert r == -1  # the one-way side has no twin for vehicles
        else:
            assert r >= 0
            assert graph.edge_u[r] == graph.edge_v[e] and graph.edge_v[r] == graph.edge_u[e]


def test_profile_filters_highway_classes() -> None:
    nodes = {"A": (0.0, 0.0), "B": (100.0, 0.0), "C": (100.0, 100.0)}
    net = make_network(nodes, [*two_way("A", "B", 100.0), *two_way("B", "C", 100.0, "footway")])
    assert net.routable(FOOT).node_count == 3
    assert net.routable(CAR).node_count == 2
    only_foot = make_network(nodes, two_way("A", "B", 100.0, "footway"))
    with pytest.raises(InvalidInputError, match="no street"):
        only_foot.routable(CAR)


def test_only_one_way_dead_ends_is_an_error() -> None:
    nodes = {"A": (0.0, 0.0), "B": (100.0, 0.0), "C": (200.0, 0.0)}
    net = make_network(
        nodes,
        [("A", "B", 100.0, "residential", True), ("B", "C", 100.0, "residential", True)],
    )
    with pytest.raises(InvalidInputError, match="strongly connected"):
        net.routable(CAR)
    assert net.routable(FOOT).edge_count == 4


def test_parallel_edges_shortest_in_csr() -> None:
    nodes = {"A": (-50.0, 0.0), "B": (50.0, 0.0)}
    net = make_network(
        nodes,
        [
            ("A", "B", 120.0, "service", True),
            ("A", "B", 100.0, "residential", True),
            ("B", "A", 130.0, "residential", True),
        ],
    )
    graph = net.routable(CAR)
    assert graph.edge_count == 3
    assert graph.csr[0, 1] == 100.0
    assert graph.csr[1, 0] == 130.0
    # Edges sorted by (u, v, length): the shortest parallel edge comes first.
    assert graph.edge_length_m.tolist() == [100.0, 120.0, 130.0]
    assert graph.edge_reverse.tolist() == [2, 2, 0]


def test_routable_is_cached_per_profile() -> None:
    net = square_network()
    assert net.routable(CAR) is net.routable(CAR)
    assert net.routable(CAR) is not net.routable(FOOT)
    assert net.routable(VAN).fingerprint != net.routable(WALK).fingerprint


# --- snapping ---------------------------------------------------------------------------


def test_snap_fraction_and_access() -> None:
    graph = square_network().routable(CAR)
    lon, lat = lonlats([(-30.0, -60.0), (60.0, 25.0), (-50.0, 50.0)])
    snap = graph.snap(lon, lat)
    ids = graph.network.node_id[graph.nodes]
    ends = [{int(ids[graph.edge_u[e]]), int(ids[graph.edge_v[e]])} for e in snap.edge.tolist()]
    assert ends[:2] == [{1, 2}, {2, 3}]
    assert snap.access_m[:2] == pytest.approx([10.0, 10.0], abs=1e-6)
    # Fraction measured from the snapped edge's u.
    first_u = int(ids[graph.edge_u[snap.edge[0]]])
    assert snap.fraction[0] == pytest.approx(0.2 if first_u == 1 else 0.8, abs=1e-9)
    assert snap.access_m[2] == 0.0  # exactly on node D


def test_snap_too_far_names_point() -> None:
    graph = square_network().routable(CAR)
    lon, lat = lonlats([(0.0, -50.0), (0.0, 700.0)])
    with pytest.raises(UnreachablePointError, match="'far-away'") as info:
        graph.snap(lon, lat, max_snap_m=500.0, ids=["near", "far-away"])
    assert "500 m" in str(info.value)
    assert isinstance(info.value, InvalidInputError)
