"""A tiny hand-written OpenStreetMap neighbourhood for tests (no shared data needed).

Streets: a 3 x 3 grid of two-way residential streets, about 340 m x 330 m, south-west
corner at (116.350, 40.000).  Buildings (closed ways, sizes in metres): homes of every
kind, a university, a ``building=yes`` school, a ``building=yes`` inside a hospital site,
a retail building that is also a supermarket, and a ``building=no``.  Shops (nodes):
convenience, bakery, greengrocer, clothes, pharmacy (amenity), a ``;`` list, a vacant
shop and a restaurant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

LON0, LAT0 = 116.350, 40.000
_M_PER_DEG_LAT = 111_000.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(LAT0))


@dataclass
class _Osm:
    nodes: list[str] = field(default_factory=list)
    ways: list[str] = field(default_factory=list)
    next_node: int = 1000

    def node(self, lon: float, lat: float, tags: dict[str, str] | None = None, nid: int = 0) -> int:
        if not nid:
            self.next_node += 1
            nid = self.next_node
        inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in (tags or {}).items())
        self.nodes.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}">{inner}</node>')
        return nid

    def way(self, wid: int, refs: list[int], tags: dict[str, str]) -> None:
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        self.ways.append(f'  <way id="{wid}">{nds}{inner}</way>')

    def box(
        self,
        wid: int,
        corner_m: tuple[float, float],
        size_m: tuple[float, float],
        tags: dict[str, str],
    ) -> None:
        """A closed rectangular way, south-west corner ``corner_m`` (east, north) metres
        from the origin, ``size_m`` (width, height) metres."""
        (east_m, north_m), (w_m, h_m) = corner_m, size_m
        corners = [(0, 0), (w_m, 0), (w_m, h_m), (0, h_m)]
        refs = [
            self.node(LON0 + (east_m + dx) / _M_PER_DEG_LON, LAT0 + (north_m + dy) / _M_PER_DEG_LAT)
            for dx, dy in corners
        ]
        self.way(wid, [*refs, refs[0]], tags)

    def text(self) -> str:
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<osm version="0.6" generator="test">\n'
            + "\n".join(self.nodes + self.ways)
            + "\n</osm>\n"
        )


def lonlat(east_m: float, north_m: float) -> tuple[float, float]:
    """(lon, lat) of a point ``east_m``/``north_m`` metres from the sample's origin, to
    the seven decimals the file is written with."""
    return round(LON0 + east_m / _M_PER_DEG_LON, 7), round(LAT0 + north_m / _M_PER_DEG_LAT, 7)


def tiny_osm_text(*, shops: bool = True, homes: bool = True) -> str:
    """The sample as OSM XML; ``shops=False`` leaves out every shop, ``homes=False``
    every household building."""
    osm = _Osm()
    # Streets: a 3 x 3 grid, 170 m x 165 m blocks.
    grid = [[osm.node(*lonlat(170.0 * i, 165.0 * j)) for i in range(3)] for j in range(3)]
    wid = 1
    for j in range(3):
        osm.way(wid, grid[j], {"highway": "residential", "name": f"Row {j}"})
        wid += 1
    for i in range(3):
        osm.way(wid, [grid[j][i] for j in range(3)], {"highway": "residential"})
        wid += 1
    if homes:
        osm.box(101, (20, 20), (20, 30), {"building": "residential", "building:levels": "10"})
        osm.box(102, (200, 20), (30, 30), {"building": "apartments", "name": "Block 2"})
        osm.box(103, (20, 200), (20, 20), {"building": "yes"})
        osm.box(104, (100, 100), (10, 12), {"building": "house"})
        osm.node(*lonlat(250, 250), tags={"building": "residential"}, nid=200)
    osm.box(105, (250, 100), (40, 40), {"building": "university"})
    osm.box(106, (100, 250), (20, 20), {"building": "yes", "amenity": "school"})
    # A hospital site with an untyped building on it.
    osm.box(108, (180, 180), (60, 60), {"amenity": "hospital", "name": "Hospital"})
    osm.box(107, (190, 190), (20, 20), {"building": "yes"})
    osm.box(
        109,
        (60, 120),
        (50, 30),
        {"building": "retail", **({"shop": "supermarket"} if shops else {})},
    )
    osm.box(110, (300, 20), (10, 10), {"building": "no"})
    if shops:
        for nid, east, north, tags in (
            (301, 40, 90, {"shop": "convenience", "name": "Haolinju"}),
            (302, 120, 60, {"shop": "bakery"}),
            (303, 230, 90, {"shop": "greengrocer"}),
            (304, 60, 180, {"shop": "clothes"}),
            (305, 150, 170, {"amenity": "pharmacy"}),
            (306, 280, 200, {"shop": "convenience;hairdresser"}),
            (307, 90, 300, {"shop": "vacant"}),
            (308, 300, 300, {"amenity": "restaurant"}),
        ):
            osm.node(*lonlat(east, north), tags=tags, nid=nid)
    return osm.text()


def write_tiny_osm(path: Path, *, shops: bool = True, homes: bool = True) -> Path:
    """Write :func:`tiny_osm_text` to ``path`` and return it."""
    path.write_text(tiny_osm_text(shops=shops, homes=homes), encoding="utf-8")
    return path
