"""Read buildings and shops from an OpenStreetMap XML file (an I/O module).

Only local files are read; nothing is ever downloaded.  osmnx's ``features_from_xml``
turns the file's ``building=*``, ``shop=*`` and some ``amenity=*`` elements (nodes,
closed ways and multipolygon relations) into geometries; this module reduces each to a
frozen record with a WGS-84 position (the centroid, computed in a local metric frame)
and an id made from the OSM element: ``b-way-123`` for a building, ``s-node-456`` for a
shop.

Households are an estimate: OSM has no dwelling counts.  For a building whose type is a
home (:data:`HOME_BUILDING_TYPES`) it is the gross floor area (footprint times
``building:levels``, or :data:`DEFAULT_LEVELS` for its type when the tag is missing)
divided by :data:`FLOOR_AREA_PER_HOUSEHOLD_M2`, at least 1; a single house is one
household.  ``building=yes`` counts as a home unless the element also carries a tag
saying what else it is (``amenity``, ``shop``, ``office``...) or its centroid lies on a
non-residential site (:data:`NON_RESIDENTIAL_SITES`: a campus, school, hospital,
commercial or industrial land), where untyped buildings are mostly teaching blocks,
wards and offices.  Every other type (university, school, commercial, office,
hospital...) has 0 households.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo.errors import OsmReadError
from geo.frame import LocalFrame
from geo.osm import check_osm_file
from geo.validation import require_id, require_lonlat

#: Building types whose floors are homes.
HOME_BUILDING_TYPES = frozenset(
    {
        "apartments",
        "bungalow",
        "detached",
        "dormitory",
        "house",
        "residential",
        "semidetached_house",
        "terrace",
        "yes",
    }
)
#: Home types that are one household whatever their size.
SINGLE_HOME_TYPES = frozenset({"bungalow", "detached", "house", "semidetached_house"})
#: Levels assumed when ``building:levels`` is missing (Beijing compounds are mostly
#: six-storey walk-ups or higher towers); other home types get :data:`FALLBACK_LEVELS`.
DEFAULT_LEVELS: dict[str, float] = {"apartments": 6.0, "dormitory": 6.0, "residential": 6.0}
FALLBACK_LEVELS = 4.0
#: Gross floor area per household (the dwelling with its share of stairs and walls), m².
FLOOR_AREA_PER_HOUSEHOLD_M2 = 100.0
#: Footprint assumed for a building drawn as a single node, m².
POINT_FOOTPRINT_M2 = 400.0
#: ``building:levels`` above this is taken for a typo.
MAX_LEVELS = 120.0
#: Tags that make a ``building=yes`` something other than homes.
NON_HOME_TAGS = (
    "amenity",
    "shop",
    "office",
    "tourism",
    "leisure",
    "healthcare",
    "craft",
    "railway",
    "public_transport",
    "man_made",
)
#: ``amenity`` values read as shops (the key of such a shop is ``"amenity"``).
SHOP_AMENITIES = ("marketplace", "pharmacy")
#: Areas (tag key -> values) on which a ``building=yes`` is not a home.
NON_RESIDENTIAL_SITES: dict[str, tuple[str, ...]] = {
    "amenity": (
        "college",
        "courthouse",
        "hospital",
        "kindergarten",
        "research_institute",
        "school",
        "university",
    ),
    "landuse": ("commercial", "industrial", "retail"),
}
_NOT_A_SHOP = frozenset({"no", "vacant", "disused"})
_ELEMENT_ORDER = {"node": 0, "way": 1, "relation": 2}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class OsmBuilding:
    """A ``building=*`` element.

    Attributes:
        id: ``b-{element}-{osm_id}``, e.g. ``b-way-123``.
        element, osm_id: the OSM element (``node``, ``way`` or ``relation``) and its id.
        lon, lat: WGS-84 centroid, degrees.
        building: the ``building`` tag's value (``yes``, ``residential``, ``university``...).
        footprint_m2: the polygon's area, m² (None for a node or an unclosed way).
        levels: the ``building:levels`` tag as a number, if present and readable.
        households: estimated homes in the building (0 when it is not a home).
        name: the ``name`` tag, if any.
    """

    id: str
    element: str
    osm_id: int
    lon: float
    lat: float
    building: str
    footprint_m2: float | None
    levels: float | None
    households: int
    name: str | None = None

    def __post_init__(self) -> None:
        require_id("OsmBuilding.id", self.id)
        require_lonlat(f"OsmBuilding {self.id!r}", self.lon, self.lat)


@dataclass(frozen=True, slots=True)
class OsmShop:
    """A ``shop=*`` element, or an ``amenity`` of :data:`SHOP_AMENITIES`.

    Attributes:
        id: ``s-{element}-{osm_id}``, e.g. ``s-node-456``.
        element, osm_id: the OSM element and its id.
        lon, lat: WGS-84 position (the centroid of a shop drawn as an area), degrees.
        key: ``"shop"`` or ``"amenity"``.
        value: the tag's value as written, e.g. ``convenience`` or ``convenience;hairdresser``.
        name: the ``name`` tag, if any.
    """

    id: str
    element: str
    osm_id: int
    lon: float
    lat: float
    key: str
    value: str
    name: str | None = None

    def __post_init__(self) -> None:
        require_id("OsmShop.id", self.id)
        require_lonlat(f"OsmShop {self.id!r}", self.lon, self.lat)

    @property
    def values(self) -> tuple[str, ...]:
        """The tag's values (OSM separates several with ``;``), trimmed, lower case."""
        return tuple(v.strip().lower() for v in self.value.split(";") if v.strip())


@dataclass(frozen=True)
class OsmPlaces:
    """Buildings and shops of one OSM file, each sorted by (element, OSM id)."""

    source: str
    buildings: tuple[OsmBuilding, ...]
    shops: tuple[OsmShop, ...]

    @property
    def homes(self) -> tuple[OsmBuilding, ...]:
        """The buildings with at least one household."""
        return tuple(b for b in self.buildings if b.households > 0)


def parse_levels(value: object) -> float | None:
    """``building:levels`` as a number: the first number in the text (``"5;6"`` -> 5),
    None when there is none or it is not within 1..:data:`MAX_LEVELS`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (match := _NUMBER.search(value)) is not None:
        number = float(match.group())
    else:
        return None
    return number if math.isfinite(number) and 1.0 <= number <= MAX_LEVELS else None


def estimate_households(
    building: str,
    footprint_m2: float | None,
    levels: float | None,
    *,
    other_use: bool = False,
) -> int:
    """Homes in a building (see the module doc for the rule).

    Args:
        building: the ``building`` tag's value.
        footprint_m2: the footprint area, m² (None: :data:`POINT_FOOTPRINT_M2`).
        levels: ``building:levels`` (None: the type's default).
        other_use: the element also says it is something else (an ``amenity``, ``shop``,
            ``office``... tag); only matters for ``building=yes``.
    """
    kind = building.strip().lower()
    if kind not in HOME_BUILDING_TYPES or (kind == "yes" and other_use):
        return 0
    if kind in SINGLE_HOME_TYPES:
        return 1
    area = POINT_FOOTPRINT_M2 if footprint_m2 is None else footprint_m2
    floors = levels if levels is not None else DEFAULT_LEVELS.get(kind, FALLBACK_LEVELS)
    return max(1, round(area * floors / FLOOR_AREA_PER_HOUSEHOLD_M2))


def _text(value: object) -> str | None:
    """A tag's value from osmnx's frame: a non-empty string, else None (missing is NaN)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def read_osm_places(path: str | PathLike[str]) -> OsmPlaces:
    """Read the buildings and shops of an OSM XML file (``.osm``, ``.bz2`` or ``.gz``).

    Returns:
        :class:`OsmPlaces`: every ``building=*`` element (``building=no`` left out) with
        its centroid, footprint, levels and estimated households; every ``shop=*``
        element (``no``/``vacant``/``disused`` left out) and every ``amenity`` of
        :data:`SHOP_AMENITIES` as a shop.  A building tagged ``shop=*`` is both.

    Raises:
        OsmReadError: the file is missing, not a regular file, empty, unreadable, not
            OSM XML, or has no ``building=*`` element.  The message names the path and
            the rule.
    """
    p = Path(path)
    field = check_osm_file(p)
    import osmnx as ox  # noqa: PLC0415  (heavy import, only needed here)
    from osmnx._errors import InsufficientResponseError  # noqa: PLC0415

    try:
        frame = ox.features_from_xml(
            p,
            tags={
                "building": True,
                "shop": True,
                "amenity": [*SHOP_AMENITIES, *NON_RESIDENTIAL_SITES["amenity"]],
                "landuse": list(NON_RESIDENTIAL_SITES["landuse"]),
            },
        )
    except InsufficientResponseError:  # nothing in the file matches the tags
        raise OsmReadError(field, "must contain at least one building=* element") from None
    except Exception as exc:  # any parser or osmnx failure means the file is unusable
        raise OsmReadError(
            field, f"must be readable OSM XML ({type(exc).__name__}: {exc})"
        ) from None
    return _places(frame, field, str(p))


def _places(frame: Any, field: str, source: str) -> OsmPlaces:
    """Records from osmnx's features frame (indexed by element and OSM id)."""
    rows: list[tuple[str, int, dict[str, Any], shapely.Geometry]] = []
    for (element, osm_id), row in frame.iterrows():
        tags = {str(k): v for k, v in row.items() if k != "geometry"}
        geometry = row["geometry"]
        if geometry is None or shapely.is_empty(geometry):
            continue
        rows.append((str(element), int(osm_id), tags, geometry))
    rows.sort(key=lambda r: (_ELEMENT_ORDER.get(r[0], 3), r[1]))
    if not any(_building_tag(tags) is not None for _, _, tags, _ in rows):
        raise OsmReadError(field, "must contain at least one building=* element")

    # Centroids and areas in a local metric frame around everything read.
    bounds = np.array([shapely.bounds(g) for _, _, _, g in rows])
    local = LocalFrame.around(
        np.concatenate([bounds[:, 0], bounds[:, 2]]), np.concatenate([bounds[:, 1], bounds[:, 3]])
    )

    def to_xy(xy: Any) -> Any:
        return np.column_stack(local.forward(xy[:, 0], xy[:, 1]))

    projected = [shapely.transform(g, to_xy) for _, _, _, g in rows]
    centres = shapely.centroid(np.array(projected, dtype=object))
    lon, lat = local.inverse(shapely.get_x(centres), shapely.get_y(centres))
    points = np.array([shapely.get_type_id(g) == 0 for _, _, _, g in rows])  # keep as written
    lon[points] = [shapely.get_x(g) for (_, _, _, g), p in zip(rows, points, strict=True) if p]
    lat[points] = [shapely.get_y(g) for (_, _, _, g), p in zip(rows, points, strict=True) if p]
    polygonal = [shapely.get_type_id(g) in _POLYGONAL for g in projected]
    sites = [
        g
        for (_, _, tags, _), g, area in zip(rows, projected, polygonal, strict=True)
        if area and _is_site(tags)
    ]
    # Whether each element's centre lies on a campus, hospital or commercial site: one
    # vectorised test against the union, not one per building.
    if sites:
        site_union = shapely.union_all(sites)
        shapely.prepare(site_union)
        on_site = shapely.contains(site_union, centres)
    else:
        on_site = np.zeros(len(rows), dtype=bool)

    buildings: list[OsmBuilding] = []
    shops: list[OsmShop] = []
    for k, (element, osm_id, tags, _) in enumerate(rows):
        name = _text(tags.get("name"))
        building = _building_tag(tags)
        if building is not None:
            footprint = float(shapely.area(projected[k])) if polygonal[k] else None
            levels = parse_levels(tags.get("building:levels"))
            other_use = bool(on_site[k]) or any(
                _text(tags.get(key)) is not None for key in NON_HOME_TAGS
            )
            buildings.append(
                OsmBuilding(
                    id=f"b-{element}-{osm_id}",
                    element=element,
                    osm_id=osm_id,
                    lon=float(lon[k]),
                    lat=float(lat[k]),
                    building=building,
                    footprint_m2=footprint,
                    levels=levels,
                    households=estimate_households(
                        building, footprint, levels, other_use=other_use
                    ),
                    name=name,
                )
            )
        shop = _shop_tag(tags)
        if shop is not None:
            shops.append(
                OsmShop(
                    id=f"s-{element}-{osm_id}",
                    element=element,
                    osm_id=osm_id,
                    lon=float(lon[k]),
                    lat=float(lat[k]),
                    key=shop[0],
                    value=shop[1],
                    name=name,
                )
            )
    return OsmPlaces(source=source, buildings=tuple(buildings), shops=tuple(shops))


_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


def _building_tag(tags: dict[str, Any]) -> str | None:
    building = _text(tags.get("building"))
    return None if building is None or building.lower() == "no" else building


def _shop_tag(tags: dict[str, Any]) -> tuple[str, str] | None:
    """(key, value) when the element is a shop: ``shop=*`` or a shop-like amenity."""
    shop = _text(tags.get("shop"))
    if shop is not None:
        return None if shop.lower() in _NOT_A_SHOP else ("shop", shop)
    amenity = _text(tags.get("amenity"))
    return ("amenity", amenity) if amenity in SHOP_AMENITIES else None


def _is_site(tags: dict[str, Any]) -> bool:
    return any(_text(tags.get(key)) in values for key, values in NON_RESIDENTIAL_SITES.items())
