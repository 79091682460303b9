"""Buildings and shops from OpenStreetMap XML: a tiny hand-written neighbourhood, the
households rule, bad files, and the real Beijing extract."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import EngineError, OsmReadError
from geo.frame import haversine_m
from geo.osm_places import (
    FLOOR_AREA_PER_HOUSEHOLD_M2,
    POINT_FOOTPRINT_M2,
    OsmPlaces,
    estimate_households,
    parse_levels,
    read_osm_places,
)
from tests.geo.osm_samples import lonlat, tiny_osm_text, write_tiny_osm

HEADER = "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"test\">\n"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> OsmPlaces:
    return read_osm_places(write_tiny_osm(tmp_path_factory.mktemp("osm") / "tiny.osm"))


def test_buildings_ids_positions_and_households(tiny: OsmPlaces) -> None:
    by_id = {b.id: b for b in tiny.buildings}
    # Sorted by element (node, way, relation) then id; building=no is left out.
    assert [b.id for b in tiny.buildings] == [
        "b-node-200",
        *(f"b-way-{k}" for k in (101, 102, 103, 104, 105, 106, 107, 109)),
    ]
    b101 = by_id["b-way-101"]
    assert (b101.element, b101.osm_id, b101.building, b101.levels) == (
        "way",
        101,
        "residential",
        10,
    )
    assert b101.footprint_m2 is not None
    assert b101.footprint_m2 == pytest.approx(20 * 30, rel=0.02)
    # The centroid of the 20 m x 30 m box drawn 20 m east and north of the origin.
    assert haversine_m(b101.lon, b101.lat, *lonlat(30, 35)) < 0.5
    assert b101.households == round(b101.footprint_m2 * 10 / FLOOR_AREA_PER_HOUSEHOLD_M2) == 60
    assert by_id["b-way-102"].households == 54  # apartments: 900 m² x 6 default levels
    assert by_id["b-way-102"].name == "Block 2"
    assert by_id["b-way-103"].households == 16  # yes: 400 m² x 4 default levels
    assert by_id["b-way-104"].households == 1  # a house is one household
    node = by_id["b-node-200"]
    assert (node.footprint_m2, node.lon, node.lat) == (None, *lonlat(250, 250))
    assert node.households == round(POINT_FOOTPRINT_M2 * 6 / FLOOR_AREA_PER_HOUSEHOLD_M2)
    # Not homes: a university, a building=yes that is a school, a building=yes on a
    # hospital's site, a retail building.
    for not_home in ("b-way-105", "b-way-106", "b-way-107", "b-way-109"):
        assert by_id[not_home].households == 0, not_home
    assert [b.id for b in tiny.homes] == [
        "b-node-200",
        "b-way-101",
        "b-way-102",
        "b-way-103",
        "b-way-104",
    ]


def test_shops(tiny: OsmPlaces) -> None:
    shops = {s.id: (s.key, s.value) for s in tiny.shops}
    # Vacant shops and restaurants are not shops; a supermarket building is one too.
    assert shops == {
        "s-node-301": ("shop", "convenience"),
        "s-node-302": ("shop", "bakery"),
        "s-node-303": ("shop", "greengrocer"),
        "s-node-304": ("shop", "clothes"),
        "s-node-305": ("amenity", "pharmacy"),
        "s-node-306": ("shop", "convenience;hairdresser"),
        "s-way-109": ("shop", "supermarket"),
    }
    by_id = {s.id: s for s in tiny.shops}
    assert by_id["s-node-306"].values == ("convenience", "hairdresser")
    assert by_id["s-node-301"].name == "Haolinju"
    assert (by_id["s-node-301"].lon, by_id["s-node-301"].lat) == lonlat(40, 90)
    supermarket = next(b for b in tiny.buildings if b.id == "b-way-109")
    assert (by_id["s-way-109"].lon, by_id["s-way-109"].lat) == (supermarket.lon, supermarket.lat)


@pytest.mark.parametrize(
    ("building", "footprint_m2", "levels", "other_use", "households"),
    [
        ("residential", 1000.0, None, False, 60),
        ("residential", 1000.0, 18.0, False, 180),
        ("Apartments", 50.0, 1.0, False, 1),  # at least one; case-insensitive
        ("yes", 500.0, None, False, 20),
        ("yes", 500.0, None, True, 0),
        ("house", 400.0, 3.0, False, 1),
        ("dormitory", None, None, False, 24),
        ("university", 5000.0, 5.0, False, 0),
        ("school", 1000.0, None, False, 0),
        ("commercial", 1000.0, None, False, 0),
    ],
)
def test_households_rule(
    building: str,
    footprint_m2: float | None,
    levels: float | None,
    other_use: bool,
    households: int,
) -> None:
    assert estimate_households(building, footprint_m2, levels, other_use=other_use) == households


@pytest.mark.parametrize(
    ("text", "levels"),
    [("6", 6.0), ("5;6", 5.0), ("2.5", 2.5), ("about 3", 3.0), ("0", None), ("999", None)],
)
def test_parse_levels(text: str, levels: float | None) -> None:
    assert parse_levels(text) == levels
    assert parse_levels(float("nan")) is None


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"", "must not be empty"),
        (b"just some text, no XML at all", "must be readable OSM XML"),
        (b"<osm version='0.6'><node id='1' lat='40' lon='116'>", "must be readable OSM XML"),
        (HEADER.encode() + b'<node id="1" lat="40" lon="116"/></osm>', "building=\\* element"),
        (
            tiny_osm_text(homes=False).encode().replace(b'k="building"', b'k="old_building"'),
            "building=\\* element",
        ),
    ],
    ids=["empty", "text", "truncated", "nothing", "shops-only"],
)
def test_bad_file_raises_osm_read_error(tmp_path: Path, content: bytes, rule: str) -> None:
    path = tmp_path / "input.osm"
    path.write_bytes(content)
    with pytest.raises(OsmReadError, match=rule) as info:
        read_osm_places(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, EngineError)
    assert info.value.__cause__ is None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OsmReadError, match="must exist"):
        read_osm_places(tmp_path / "nope.osm")


@pytest.mark.shared_data
def test_beijing_places(beijing_osm: Path) -> None:
    places = read_osm_places(beijing_osm)
    assert len(places.buildings) == 258  # the README's count
    assert sum(s.key == "shop" for s in places.shops) == 63
    assert sum(s.values == ("convenience",) for s in places.shops) == 17
    assert {(s.key, s.value) for s in places.shops if s.key == "amenity"} == {
        ("amenity", "pharmacy"),
        ("amenity", "marketplace"),
    }
    homes = places.homes
    # Residential compounds are homes; campus teaching blocks and offices are not.
    assert 100 <= len(homes) <= 200
    assert all(
        b.building in {"yes", "residential", "apartments", "house", "dormitory"} for b in homes
    )
    assert 3_000 <= sum(b.households for b in homes) <= 15_000
    assert not any(b.building in {"university", "school"} for b in homes)
    assert len({b.id for b in places.buildings}) == 258
