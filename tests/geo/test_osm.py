"""Reading OpenStreetMap XML: tag semantics on tiny hand-written files, bad files, and the
real Beijing (Haidian, Xueyuan Road) extract.

Beijing figures (osmnx 2.1.1, unsimplified, every ``highway=*`` way but ``area=yes``):
1,456 nodes and 2,701 directed segments, 561 of them one-way for vehicles.  Largest
strongly connected part per profile (nodes / directed edges): walk 1,124 / 2,618,
e-bike and tricycle 610 / 1,230, van 476 / 919.  The README's table is for osmnx's own
*simplified* drive/bike/walk graphs (walk SCC 355 / 890, bike 267 / 663, drive 43 / 82):
unsimplified graphs have more nodes and edges (every shape point is a node), and our van
profile uses more classes (service and motorway roads) than osmnx's ``drive`` filter.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from geo.errors import EngineError, OsmReadError, UnreachablePointError
from geo.frame import haversine_m
from geo.matrix import road_matrix
from geo.network import RoadNetwork
from geo.osm import MIN_SEGMENT_LENGTH_M, read_osm
from geo.profiles import E_BIKE, TRICYCLE, VAN, WALK, TravelProfile

# osmnx must not warn about anything in these files.
pytestmark = pytest.mark.filterwarnings("error::UserWarning")

HEADER = "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"test\">\n"

TAGS_OSM = (
    HEADER
    + "\n".join(
        f'  <node id="{i}" lat="{lat}" lon="{lon}"/>'
        for i, lon, lat in [
            (1, 116.3500, 40.0000),
            (2, 116.3510, 40.0000),
            (3, 116.3515, 40.0005),
            (4, 116.3510, 40.0010),
            (5, 116.3520, 40.0010),
            (6, 116.3530, 40.0010),
            (7, 116.3530, 40.0020),
            (8, 116.3520, 40.0020),
            (9, 116.3500, 39.9990),
            (10, 116.3490, 39.9990),
            (11, 116.3540, 40.0010),
        ]
    )
    + """
  <way id="10"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="-1"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="2"/>
    <tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/></way>
  <way id="12"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="footway"/><tag k="oneway" v="no"/></way>
  <way id="13"><nd ref="5"/><nd ref="6"/>
    <tag k="highway" v="service"/><tag k="oneway" v="reversible"/></way>
  <way id="14"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="6"/>
    <tag k="building" v="yes"/></way>
  <way id="15"><nd ref="1"/><nd ref="9"/><nd ref="10"/><nd ref="1"/>
    <tag k="highway" v="pedestrian"/><tag k="area" v="yes"/></way>
  <way id="16"><nd ref="6"/><nd ref="11"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/></way>
</osm>
"""
)


def _pairs(net: RoadNetwork) -> dict[tuple[int, int], tuple[str, bool]]:
    ids = net.node_id
    return {
        (int(ids[u]), int(ids[v])): (str(h), bool(o))
        for u, v, h, o in zip(
            net.edge_u, net.edge_v, net.edge_highway, net.edge_oneway, strict=True
        )
    }


def test_tag_semantics(tmp_path: Path) -> None:
    path = tmp_path / "tags.osm"
    path.write_text(TAGS_OSM, encoding="utf-8")
    net = read_osm(path)
    assert net.name == "tags.osm"
    assert _pairs(net) == {
        (2, 1): ("residential", True),  # oneway=-1: against the node order only
        (2, 3): ("tertiary", True),  # roundabout without oneway tag: one-way
        (3, 4): ("tertiary", True),
        (4, 2): ("tertiary", True),
        (4, 5): ("footway", False),  # oneway=no
        (5, 4): ("footway", False),
        (5, 6): ("service", False),  # oneway=reversible: both ways
        (6, 5): ("service", False),
        (6, 11): ("primary", True),
    }
    # Buildings and area=yes highways are not streets; their own nodes are not kept.
    assert set(net.node_id.tolist()) == {1, 2, 3, 4, 5, 6, 11}
    lon = dict(zip(net.node_id.tolist(), net.node_lon.tolist(), strict=True))
    assert lon[11] == 116.3540
    k = int(np.flatnonzero((net.node_id[net.edge_u] == 2) & (net.node_id[net.edge_v] == 1))[0])
    assert net.edge_length_m[k] == float(haversine_m(116.3510, 40.0, 116.3500, 40.0))
    assert read_osm(path, name="mini").name == "mini"


def test_coincident_nodes_keep_a_tiny_positive_length(tmp_path: Path) -> None:
    path = tmp_path / "same.osm"
    path.write_text(
        HEADER
        + '<node id="1" lat="40" lon="116.35"/><node id="2" lat="40" lon="116.35"/>'
        + '<node id="3" lat="40" lon="116.351"/>'
        + '<way id="5"><nd ref="3"/><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
        + '<tag k="highway" v="residential"/></way></osm>',
        encoding="utf-8",
    )
    net = read_osm(path)
    pairs = dict(
        zip(
            zip(net.node_id[net.edge_u].tolist(), net.node_id[net.edge_v].tolist(), strict=True),
            net.edge_length_m.tolist(),
            strict=True,
        )
    )
    assert pairs[1, 2] == pairs[2, 1] == MIN_SEGMENT_LENGTH_M
    assert net.routable(WALK).node_count == 3


def test_compressed_file(tmp_path: Path) -> None:
    path = tmp_path / "tags.osm.gz"
    path.write_bytes(gzip.compress(TAGS_OSM.encode("utf-8")))
    assert read_osm(path).edge_count == 9


def test_walker_may_walk_one_way_tags_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "tags.osm"
    path.write_text(TAGS_OSM, encoding="utf-8")
    net = read_osm(path)
    walk = net.routable(WALK)
    ids = net.node_id[walk.nodes]
    pairs = set(zip(ids[walk.edge_u].tolist(), ids[walk.edge_v].tolist(), strict=True))
    assert {(1, 2), (2, 1), (2, 4), (4, 2), (6, 11), (11, 6)} <= pairs


def test_reading_leaves_osmnx_settings_alone(tmp_path: Path) -> None:
    import osmnx as ox  # noqa: PLC0415

    before = (list(ox.settings.useful_tags_way), ox.settings.all_oneway)
    good = tmp_path / "tags.osm"
    good.write_text(TAGS_OSM, encoding="utf-8")
    read_osm(good)
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node", encoding="utf-8")
    with pytest.raises(OsmReadError):
        read_osm(bad)
    assert (list(ox.settings.useful_tags_way), ox.settings.all_oneway) == before


# --- bad files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"", "must not be empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary garbage", "must be readable OSM XML"),
        (b"just some text, no XML at all", "must be readable OSM XML"),
        (b"<osm version='0.6'><node id='1' lat='40' lon='116'>", "must be readable OSM XML"),
        (b"<html><body>not OSM</body></html>", "must be readable OSM XML"),
        (
            HEADER.encode() + b'<node id="1" lat="40" lon="116"/></osm>',
            "must contain at least one highway",
        ),
        (
            HEADER.encode()
            + b'<node id="1" lat="40" lon="116"/><node id="2" lat="40" lon="116.001"/>'
            + b'<way id="5"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>',
            "must contain at least one highway",
        ),
        (
            HEADER.encode()
            + b'<node id="1" lat="40" lon="116"/>'
            + b'<way id="5"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>',
            "missing nodes",
        ),
    ],
    ids=["empty", "binary", "text", "truncated", "html", "no-ways", "no-highway", "clipped"],
)
def test_bad_file_raises_osm_read_error(tmp_path: Path, content: bytes, rule: str) -> None:
    path = tmp_path / "input.osm"
    path.write_bytes(content)
    with pytest.raises(OsmReadError, match=rule) as info:
        read_osm(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, EngineError)
    # No chained traceback from inside osmnx or the XML parser.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.osm"
    with pytest.raises(OsmReadError, match="must exist") as info:
        read_osm(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(OsmReadError, match="regular file"):
        read_osm(tmp_path)


# --- the real Beijing extract ---------------------------------------------------------------


@pytest.fixture(scope="module")
def beijing(beijing_osm: Path) -> RoadNetwork:
    return read_osm(beijing_osm)


@pytest.mark.shared_data
def test_beijing_raw_network(beijing: RoadNetwork) -> None:
    assert beijing.name == "beijing_haidian_xueyuanlu.osm"
    assert beijing.node_count == 1456
    assert beijing.edge_count == 2701
    assert int(beijing.edge_oneway.sum()) == 561
    classes, counts = np.unique(beijing.edge_highway, return_counts=True)
    by_class = dict(zip(classes.tolist(), counts.tolist(), strict=True))
    assert by_class["footway"] == 890
    assert by_class["service"] == 651
    assert by_class["primary"] == 224
    assert 292591288 in beijing.node_id  # an OSM node id on 学清路
    lengths = haversine_m(
        beijing.node_lon[beijing.edge_u],
        beijing.node_lat[beijing.edge_u],
        beijing.node_lon[beijing.edge_v],
        beijing.node_lat[beijing.edge_v],
    )
    np.testing.assert_array_equal(beijing.edge_length_m, lengths)
    assert beijing.node_lon.min() > 116.30 and beijing.node_lon.max() < 116.40


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("profile", "nodes", "edges"),
    [(WALK, 1124, 2618), (E_BIKE, 610, 1230), (TRICYCLE, 610, 1230), (VAN, 476, 919)],
    ids=["walk", "e_bike", "tricycle", "van"],
)
def test_beijing_routable_per_profile(
    beijing: RoadNetwork, profile: TravelProfile, nodes: int, edges: int
) -> None:
    graph = beijing.routable(profile)
    assert (graph.node_count, graph.edge_count) == (nodes, edges)


@pytest.mark.shared_data
def test_beijing_one_way_street(beijing: RoadNetwork) -> None:
    # Way 1104710653, 学清路 (primary, oneway=yes), runs north from node 292591288.
    fwd, back = (292591288, 1360087418), (1360087418, 292591288)

    def pairs(profile: TravelProfile) -> set[tuple[int, int]]:
        g = beijing.routable(profile)
        ids = beijing.node_id[g.nodes]
        return set(zip(ids[g.edge_u].tolist(), ids[g.edge_v].tolist(), strict=True))

    assert fwd in pairs(VAN) and back not in pairs(VAN)
    assert fwd in pairs(WALK) and back in pairs(WALK)


POINTS = [  # (lon, lat) around 116.3500, 40.0030: campus, compounds, 学清路 and 石板房南路
    (116.3500, 40.0030),
    (116.3480, 40.0010),
    (116.3520, 40.0050),
    (116.3465, 40.0030),
    (116.3550, 40.0000),
    (116.3440, 40.0060),
    (116.3530, 40.0068),
]


@pytest.mark.shared_data
def test_beijing_matrices(beijing: RoadNetwork) -> None:
    lon = [p[0] for p in POINTS]
    lat = [p[1] for p in POINTS]
    van = road_matrix(beijing.routable(VAN), lon, lat)
    walk = road_matrix(beijing.routable(WALK), lon, lat)
    for m in (van, walk):
        d = m.distance_m
        assert np.isfinite(d).all()
        assert (np.diag(d) == 0).all()
        off = ~np.eye(len(POINTS), dtype=bool)
        straight = haversine_m(lon, lat, np.array(lon)[:, None], np.array(lat)[:, None])
        assert (d[off] >= straight[off] - 1e-6).all()  # never shorter than the crow flies
        # Triangle inequality: i -> k never longer than i -> j -> k.
        assert (d[:, None, :] <= d[:, :, None] + d[None, :, :] + 1e-6).all()
    assert np.abs(van.distance_m - van.distance_m.T).max() > 100.0  # one-way roads
    np.testing.assert_allclose(walk.distance_m, walk.distance_m.T, rtol=0, atol=1e-6)
    # Standard profiles: the access leg moves at the network speed.
    np.testing.assert_allclose(walk.duration_s, walk.distance_m / (4.5 / 3.6), rtol=1e-12)
    np.testing.assert_allclose(van.duration_s, van.distance_m / (25.0 / 3.6), rtol=1e-12)
    assert 300.0 < van.distance_m[0, 1] < 500.0


@pytest.mark.shared_data
def test_beijing_point_five_km_away(beijing: RoadNetwork) -> None:
    graph = beijing.routable(E_BIKE)
    lon = [116.3500, 116.3500]
    lat = [40.0030, 40.0480]  # 5 km north of the extract's streets
    with pytest.raises(UnreachablePointError, match="'order-42'") as info:
        road_matrix(graph, lon, lat, origin_ids=["order-41", "order-42"])
    assert "e_bike" in str(info.value)
