"""Read an OpenStreetMap XML file into a :class:`geo.network.RoadNetwork` (an I/O module).

Only local files are read; nothing is ever downloaded.  The reader builds osmnx's
*unsimplified* directed graph (every edge one straight segment between two OSM nodes,
which snapping relies on) and keeps the edges of ways carrying a ``highway=*`` tag,
except ``area=yes`` ways (squares and plazas drawn as outlines).  Which classes each
travel mode may use is decided later, by :meth:`RoadNetwork.routable`.

One-way handling is osmnx's (checked for osmnx 2.1.1):

* ``oneway`` in ``yes``/``true``/``1`` gives one directed edge per segment in node
  order; ``-1``/``reverse`` gives one edge against node order; ``junction=roundabout``
  without an ``oneway`` tag is one-way in node order;
* ``oneway=no``, ``oneway=reversible``, ``oneway=alternating`` and no tag give both
  directions.

Tags such as ``oneway:bicycle``, ``access``, ``foot`` and ``motor_vehicle`` are not read:
every mode uses a way if its ``highway`` class is allowed for the mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from core.files import check_regular_file, file_field
from core.limits import MAX_OSM_BYTES, shorten
from geo.errors import InvalidInputError, OsmReadError
from geo.frame import haversine_m
from geo.network import RoadNetwork

# Tags the conversion needs on every edge; osmnx copies only settings.useful_tags_way.
_NEEDED_WAY_TAGS = ("highway", "oneway", "junction", "area")
# Two distinct OSM nodes can share a position; a zero-length segment between them is
# kept with this length so the network stays connected (RoadNetwork needs lengths > 0).
MIN_SEGMENT_LENGTH_M = 1e-3


@contextmanager
def _osmnx_reading_settings() -> Iterator[Any]:
    """Import osmnx and set the two settings the reader relies on; restore them after."""
    import osmnx as ox  # noqa: PLC0415  (heavy import, only needed here)

    saved_tags = ox.settings.useful_tags_way
    saved_all_oneway = ox.settings.all_oneway
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved_tags, *_NEEDED_WAY_TAGS]))
    ox.settings.all_oneway = False
    try:
        yield ox
    finally:
        ox.settings.useful_tags_way = saved_tags
        ox.settings.all_oneway = saved_all_oneway


def _first(value: object) -> str:
    """osmnx stores merged tags as lists; take the first value as a string."""
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value)


def check_osm_file(path: Path) -> str:
    """The field name errors about this OSM file use, after checking the file is there.

    The checks are :func:`core.files.check_regular_file`'s (a regular file of at most
    :data:`core.limits.MAX_OSM_BYTES`, so ``/dev/zero`` or a pipe is refused at once).

    Raises:
        OsmReadError: the file is missing, not a regular file, unreadable, too large or
            empty.
    """
    field = file_field("OSM file", path)
    if not path.exists():
        raise OsmReadError(field, "must exist")
    try:
        check_regular_file(path, field=field, max_bytes=MAX_OSM_BYTES)
    except InvalidInputError as error:
        raise OsmReadError(field, error.rule) from None
    if path.stat().st_size == 0:
        raise OsmReadError(field, "must not be empty")
    return field


def read_osm(path: str | PathLike[str], *, name: str | None = None) -> RoadNetwork:
    """Read an OSM XML file (``.osm``, optionally ``.bz2``/``.gz`` compressed) into a network.

    Args:
        path: the file.
        name: the network's label; defaults to the file name.

    Returns:
        A :class:`RoadNetwork` with OSM node ids, WGS-84 coordinates, one directed edge
        per direction osmnx produced, lengths recomputed with :func:`geo.frame.haversine_m`
        (metres), the way's ``highway`` class, and ``edge_oneway`` True where the way is
        one-way for vehicles (osmnx created no reverse edge).

    Raises:
        OsmReadError: the file is missing, not a regular file, empty, unreadable, not
            OSM XML, or has no ``highway=*`` way with two located nodes.  The message
            names the path and the rule; the underlying error is summarised in it.
    """
    p = Path(path)
    field = check_osm_file(p)
    try:
        with _osmnx_reading_settings() as ox:
            graph = ox.graph_from_xml(p, simplify=False, retain_all=True, bidirectional=False)
    except Exception as exc:  # any parser or osmnx failure means the file is unusable
        raise OsmReadError(
            field, f"must be readable OSM XML ({type(exc).__name__}: {shorten(str(exc))})"
        ) from None
    return _network_from_graph(graph, name if name is not None else p.name, field)


def _network_from_graph(graph: Any, name: str, field: str) -> RoadNetwork:
    """Convert osmnx's unsimplified MultiDiGraph to RoadNetwork arrays."""
    nodes = graph.nodes
    u_ids: list[int] = []
    v_ids: list[int] = []
    highway: list[str] = []
    oneway: list[bool] = []
    for u, v, data in graph.edges(data=True):
        if "highway" not in data or _first(data.get("area", "no")) == "yes":
            continue
        if u == v or "x" not in nodes[u] or "x" not in nodes[v]:
            continue  # self-loop, or a way node the file does not contain
        u_ids.append(int(u))
        v_ids.append(int(v))
        highway.append(_first(data["highway"]))
        oneway.append(bool(data.get("oneway", False)))
    if not u_ids:
        raise OsmReadError(field, "must contain at least one highway=* way with located nodes")

    node_id = np.unique(np.array(u_ids + v_ids, dtype=np.int64))
    lon = np.array([float(nodes[int(i)]["x"]) for i in node_id], dtype=np.float64)
    lat = np.array([float(nodes[int(i)]["y"]) for i in node_id], dtype=np.float64)
    edge_u = np.searchsorted(node_id, np.array(u_ids, dtype=np.int64))
    edge_v = np.searchsorted(node_id, np.array(v_ids, dtype=np.int64))
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise OsmReadError(
            field, f"node {int(node_id[i])} must have a valid lon/lat, got ({lon[i]}, {lat[i]})"
        )
    length = haversine_m(lon[edge_u], lat[edge_u], lon[edge_v], lat[edge_v])
    length = np.maximum(length, MIN_SEGMENT_LENGTH_M)
    try:
        return RoadNetwork(
            name=name,
            node_id=node_id,
            node_lon=lon,
            node_lat=lat,
            edge_u=edge_u,
            edge_v=edge_v,
            edge_length_m=length,
            edge_highway=np.array(highway, dtype=np.str_),
            edge_oneway=np.array(oneway, dtype=np.bool_),
        )
    except InvalidInputError as exc:  # pragma: no cover - guarded above
        raise OsmReadError(field, f"must describe a valid network ({exc})") from None
