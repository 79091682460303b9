"""Static maps of a city with matplotlib: streets, places and optional polygons.

:func:`plot_city` returns a :class:`matplotlib.figure.Figure` built without pyplot (no
global state); the caller decides where to save it.  Axes are frame metres around the
network's centre.  :func:`draw_streets` and :func:`draw_places` draw the same layers on
a caller's axes (e.g. under a plan's routes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from geo.frame import LocalFrame
from geo.network import RoadNetwork
from geo.places import Building, Depot, MicroWarehouse, PickupPoint, Place, Store

_ARTERIALS = frozenset({"primary", "secondary", "tertiary", "trunk", "motorway"})


def _xy(frame: LocalFrame, places: Sequence[Place]) -> tuple[np.ndarray, np.ndarray]:
    if not places:
        return np.empty(0), np.empty(0)
    return frame.forward([p.lon for p in places], [p.lat for p in places])


def _polygon_patch(net: RoadNetwork, geom: shapely.Geometry, colour: str) -> PathPatch | None:
    """A patch for a lon/lat polygon or multipolygon, drawn in frame metres."""
    polys = [
        g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon) and not g.is_empty
    ]
    if not polys:
        return None
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            lonlat = np.asarray(ring.coords)
            x, y = net.frame.forward(lonlat[:, 0], lonlat[:, 1])
            ring_codes = np.full(x.size, MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            verts.append(np.column_stack([x, y]))
            codes.append(ring_codes)
    path = MplPath(np.concatenate(verts), np.concatenate(codes))
    return PathPatch(path, facecolor=colour, edgecolor=colour, alpha=0.18, linewidth=1.0)


def draw_streets(ax: Axes, network: RoadNetwork, *, muted: bool = False) -> None:
    """Draw the street network on ``ax`` in frame metres (one-way streets in orange).

    ``muted`` draws every street in light grey, as a background for routes.
    """
    x, y = network.frame.forward(network.node_lon, network.node_lat)
    segs = np.stack(
        [
            np.column_stack([x[network.edge_u], y[network.edge_u]]),
            np.column_stack([x[network.edge_v], y[network.edge_v]]),
        ],
        axis=1,
    )
    arterial = np.isin(network.edge_highway, sorted(_ARTERIALS))
    walk_only = np.isin(network.edge_highway, ["footway", "pedestrian", "steps", "path"])
    oneway = network.edge_oneway
    plain = ~(arterial | walk_only | oneway)
    if muted:
        layers = [
            (~arterial, "#d9d9d9", 0.7, "street"),
            (arterial, "#bdbdbd", 1.6, "arterial"),
        ]
    else:
        layers = [
            (plain, "#9a9a9a", 0.8, "street"),
            (arterial, "#4a4a4a", 1.8, "arterial"),
            (oneway & ~arterial, "#e08a1e", 1.0, "one-way street"),
            (walk_only, "#7fb77e", 0.7, "footpath"),
        ]
    for mask, colour, width, label in layers:
        if mask.any():
            ax.add_collection(
                LineCollection(list(segs[mask]), colors=colour, linewidths=width, label=label)
            )


def draw_places(
    ax: Axes,
    frame: LocalFrame,
    *,
    buildings: Sequence[Building] = (),
    stores: Sequence[Store] = (),
    micro_warehouses: Sequence[MicroWarehouse] = (),
    pickup_points: Sequence[PickupPoint] = (),
    depots: Sequence[Depot] = (),
) -> None:
    """Mark places on ``ax`` in ``frame`` metres, one legend entry per kind."""
    markers: list[tuple[Sequence[Place], str, str, float, str]] = [
        (buildings, "s", "#c7b299", 6.0, "building"),
        (stores, "^", "#2ca02c", 28.0, "store"),
        (pickup_points, "o", "#1f77b4", 26.0, "pickup point"),
        (micro_warehouses, "*", "#d62728", 160.0, "micro-warehouse"),
        (depots, "P", "#111111", 70.0, "depot"),
    ]
    for places, marker, colour, size, label in markers:
        px, py = _xy(frame, places)
        if px.size:
            ax.scatter(
                px,
                py,
                marker=marker,
                s=size,
                c=colour,
                label=label,
                zorder=3,
                edgecolors="white" if size > 20 else "none",
                linewidths=0.5,
            )


def plot_city(
    network: RoadNetwork,
    *,
    buildings: Sequence[Building] = (),
    stores: Sequence[Store] = (),
    micro_warehouses: Sequence[MicroWarehouse] = (),
    pickup_points: Sequence[PickupPoint] = (),
    depots: Sequence[Depot] = (),
    areas: Sequence[tuple[str, shapely.Geometry]] = (),
    title: str = "",
    size_in: float = 9.0,
) -> Figure:
    """Draw the street network (one-way streets in orange), places and labelled areas.

    Args:
        network: streets to draw.
        buildings, stores, micro_warehouses, pickup_points, depots: places to mark.
        areas: (label, lon/lat polygon) pairs, e.g. isochrones, drawn translucent.
        title: figure title.
        size_in: figure width and height, inches.
    """
    fig = Figure(figsize=(size_in * 1.25, size_in), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    draw_streets(ax, network)
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
    for i, (label, geom) in enumerate(areas):
        patch = _polygon_patch(network, geom, palette[i % len(palette)])
        if patch is not None:
            patch.set_label(label)
            ax.add_patch(patch)
    draw_places(
        ax,
        network.frame,
        buildings=buildings,
        stores=stores,
        micro_warehouses=micro_warehouses,
        pickup_points=pickup_points,
        depots=depots,
    )
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("east of centre, m")
    ax.set_ylabel("north of centre, m")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
