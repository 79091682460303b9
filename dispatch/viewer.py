"""The plan viewer: one self-contained HTML page per plan, readable offline.

:func:`render_plan_html` returns the page as text (no file access, no network): the
city's streets drawn from the world's own road network, each courier's route in its own
colour (the colours of :func:`dispatch.geojson.route_colour`) with its stops in order
and their ETAs as ``"HH:MM"``, micro-warehouses, stores, pickup points and depots,
unassigned orders with their reasons, the KPI tables, and a route list: clicking a route
(on the map or in the list) shows its stops.  The page's script and style are ours,
shipped as package data (``dispatch/viewer_assets``) and inlined; it loads nothing from
anywhere (no CDN, no tile server, no web font), and its Content-Security-Policy
(:func:`viewer_csp`, in the page) makes the browser refuse any fetch and any script
but ours.

Geometry is drawn in the network's local frame (metres east and north of its centre,
:class:`geo.frame.LocalFrame`), rounded to the metre.  Streets are merged into polylines
and simplified (Douglas-Peucker) until they fit :data:`MAX_STREET_VERTICES`, so a city
of any size gives a page of bounded size; routes follow the streets as in the GeoJSON
export (:func:`dispatch.geojson.route_lines`), simplified to a metre.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from dispatch.clock import format_hhmm
from dispatch.domain import Order
from dispatch.geojson import order_place, route_colour, route_lines
from dispatch.payloads import parse_order
from dispatch.plan import Plan, StopAction
from dispatch.plan_report import FLOW_HEADERS, flow_rows, kpi_rows, late_stops
from dispatch.plan_schema import plan_from_json
from dispatch.store.sql import StoredPlan
from dispatch.world import World
from geo.frame import LocalFrame
from geo.network import RoadNetwork

#: The most street vertices a page holds; a larger network is simplified harder, then
#: loses its footpaths and minor streets, until it fits (about 12 bytes per vertex).
MAX_STREET_VERTICES = 60_000
#: Douglas-Peucker tolerances tried in turn on the streets, metres.
_STREET_TOLERANCES_M = (1.0, 3.0, 8.0, 20.0, 50.0)
#: Tolerance for route lines, metres (a metre is below a pixel at city scale).
_ROUTE_TOLERANCE_M = 1.0
_LATE_EPS_S = 1e-6

_ARTERIALS = frozenset(
    {"motorway", "trunk", "primary", "secondary", "tertiary"}
    | {f"{k}_link" for k in ("motorway", "trunk", "primary", "secondary", "tertiary")}
)
_FOOTPATHS = frozenset({"footway", "pedestrian", "steps", "path", "cycleway"})
# Street classes in the order they are dropped when the page would be too big.
_CLASSES = ("arterial", "street", "footpath")

FloatArray = npt.NDArray[np.float64]


@cache
def _asset(name: str) -> str:
    """A file of ``dispatch/viewer_assets`` (package data, read once)."""
    return resources.files("dispatch").joinpath("viewer_assets", name).read_text("utf-8")


def _inline(name: str) -> str:
    """An asset as it goes between its tags (the text :func:`viewer_csp` hashes)."""
    return "\n" + _asset(name)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@cache
def viewer_csp() -> str:
    """The viewer page's Content-Security-Policy: our inline script and style (by hash)
    and ``data:`` images, nothing else; no connection, frame, font or form.

    The page carries it in a ``<meta>`` element, so the browser itself stops any fetch;
    a server may send it as a header too (the same value).
    """
    return (
        "default-src 'none'; "
        f"script-src '{_sha256(_inline('viewer.js'))}'; "
        f"style-src '{_sha256(_inline('viewer.css'))}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _frame(world: World) -> LocalFrame:
    if world.network is not None:
        return world.network.frame
    lon = [p.lon for p in world.all_places] + [c.lon for c in world.couriers]
    lat = [p.lat for p in world.all_places] + [c.lat for c in world.couriers]
    return LocalFrame.around(lon, lat)


def _flat(x: FloatArray, y: FloatArray) -> list[int]:
    """Interleaved [x0, y0, x1, y1, ...] in whole metres, y pointing down (SVG)."""
    out = np.empty(2 * x.size, dtype=np.int64)
    out[0::2] = np.rint(x)
    out[1::2] = np.rint(-y)
    return [int(v) for v in out]


def _street_class(highway: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    classes = np.full(highway.size, "street", dtype="<U9")
    classes[np.isin(highway, sorted(_ARTERIALS))] = "arterial"
    classes[np.isin(highway, sorted(_FOOTPATHS))] = "footpath"
    return classes


def _merged_lines(
    x: FloatArray, y: FloatArray, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64]
) -> npt.NDArray[np.object_]:
    """Segments u-v (one per undirected street segment) merged into longest polylines,
    an array of LineStrings."""
    if u.size == 0:
        return np.empty(0, dtype=object)
    segments = shapely.linestrings(
        np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1)
    )
    merged = shapely.line_merge(shapely.MultiLineString(list(segments)))
    parts = shapely.get_parts(merged)
    lines: npt.NDArray[np.object_] = parts[shapely.get_type_id(parts) == 1]  # LineString
    return lines


def street_layers(
    network: RoadNetwork, max_vertices: int = MAX_STREET_VERTICES
) -> dict[str, list[list[int]]]:
    """The network's streets as polylines per class (``arterial``, ``street``,
    ``footpath``), each a flat list of whole frame metres (y down), at most
    ``max_vertices`` vertices in all (see the module doc).

    Each street segment appears once, whatever its directions.
    """
    x, y = network.frame.forward(network.node_lon, network.node_lat)
    a = np.minimum(network.edge_u, network.edge_v)
    b = np.maximum(network.edge_u, network.edge_v)
    keep = a != b
    pairs, first = np.unique(np.column_stack([a[keep], b[keep]]), axis=0, return_index=True)
    classes = _street_class(network.edge_highway[keep][first])
    merged = {
        name: _merged_lines(x, y, pairs[classes == name, 0], pairs[classes == name, 1])
        for name in _CLASSES
    }
    kept = list(_CLASSES)
    while kept:
        for tolerance in _STREET_TOLERANCES_M:
            simplified = {name: shapely.simplify(merged[name], tolerance) for name in kept}
            total = sum(
                int(shapely.get_num_coordinates(lines).sum()) for lines in simplified.values()
            )
            if total <= max_vertices:
                return {
                    name: [_flat(*_coords(line)) for line in simplified.get(name, ())]
                    for name in _CLASSES
                }
        kept.pop()  # footpaths first, then minor streets
    return {name: [] for name in _CLASSES}


def _coords(line: shapely.LineString) -> tuple[FloatArray, FloatArray]:
    coords = shapely.get_coordinates(line)
    return coords[:, 0], coords[:, 1]


def _positions(world: World, frame: LocalFrame) -> dict[str, list[int]]:
    """Every place's [x, y] on the page (whole frame metres, y down), projected at once."""
    places = world.all_places
    if not places:
        return {}
    x, y = frame.forward([p.lon for p in places], [p.lat for p in places])
    flat = _flat(x, y)
    return {p.id: flat[2 * k : 2 * k + 2] for k, p in enumerate(places)}


def _routes(
    plan: Plan, world: World, frame: LocalFrame, xy: dict[str, list[int]]
) -> list[dict[str, Any]]:
    kinds = {
        **{p.id: "building" for p in world.buildings},
        **{p.id: "store" for p in world.stores},
        **{p.id: "micro-warehouse" for p in world.micro_warehouses},
        **{p.id: "pickup point" for p in world.pickup_points},
        **{p.id: "depot" for p in world.depots},
    }
    out: list[dict[str, Any]] = []
    # route_lines raises InvalidInputError for an unknown courier or place first.
    for index, (route, line) in enumerate(zip(plan.routes, route_lines(plan, world), strict=True)):
        x, y = frame.forward(np.array(line.lon), np.array(line.lat))
        lx, ly = x, y
        if x.size > 2:
            simple = shapely.simplify(
                shapely.linestrings(np.column_stack([x, y])), _ROUTE_TOLERANCE_M
            )
            if shapely.get_num_coordinates(simple) >= 2:  # a line that goes nowhere stays
                lx, ly = _coords(simple)
        stops = []
        for sequence, stop in enumerate(route.stops, start=1):
            late = stop.action is not StopAction.PICKUP and stop.lateness_s > _LATE_EPS_S
            stops.append(
                {
                    "seq": sequence,
                    "eta": format_hhmm(stop.eta_s),
                    "dep": format_hhmm(stop.departure_s),
                    "action": stop.action.value,
                    "place": stop.place_id,
                    "kind": kinds.get(stop.place_id, "place"),
                    "orders": list(stop.order_ids),
                    "late_min": round(stop.lateness_s / 60.0) if late else 0,
                    "load_kg": round(stop.load_kg, 1),
                    "xy": xy[stop.place_id],
                }
            )
        out.append(
            {
                "courier": route.courier_id,
                "flow": route.flow.value,
                "colour": route_colour(index),
                "start": format_hhmm(route.start_s),
                "end": format_hhmm(route.end_s),
                "km": round(route.distance_m / 1000.0, 1),
                "late": late_stops(route),
                "along_network": line.along_network,
                "line": _flat(lx, ly),
                "stops": stops,
            }
        )
    return out


def _places(plan: Plan, world: World, xy: dict[str, list[int]]) -> list[dict[str, Any]]:
    parcels = {p.pickup_point_id: p.parcels for p in plan.pick_lists}
    out: list[dict[str, Any]] = []
    for kind, places in (
        ("micro-warehouse", world.micro_warehouses),
        ("store", world.stores),
        ("depot", world.depots),
    ):
        out.extend({"id": p.id, "kind": kind, "xy": xy[p.id]} for p in places)
    for point in world.pickup_points:
        closed = point.id in world.closed_pickup_point_ids
        out.append(
            {
                "id": point.id,
                "kind": "pickup point",
                "xy": xy[point.id],
                "note": (
                    "closed"
                    if closed
                    else f"{parcels.get(point.id, 0)} / {point.capacity_parcels} parcels"
                ),
                "used": point.id in parcels,
            }
        )
    return out


def _unassigned(
    plan: Plan, world: World, orders: Sequence[Order], xy: dict[str, list[int]]
) -> list[dict[str, Any]]:
    by_id = {order.id: order for order in orders}
    out: list[dict[str, Any]] = []
    for item in plan.unassigned:
        order = by_id.get(item.order_id)
        place = order_place(order, world) if order is not None else None
        out.append(
            {
                "order": item.order_id,
                "flow": item.flow.value,
                "reason": item.reason.value,
                "detail": item.detail,
                "place": place.id if place is not None else None,
                "xy": xy[place.id] if place is not None else None,
            }
        )
    return out


def plan_view_data(
    plan: Plan, world: World, orders: Sequence[Order] = (), *, title: str = ""
) -> dict[str, Any]:
    """What the page draws, as JSON-ready data (the page embeds it as it is).

    Raises:
        InvalidInputError: a route's courier or a stop's place is not in the world.
    """
    frame = _frame(world)
    xy = _positions(world, frame)
    streets = (
        street_layers(world.network) if world.network is not None else {c: [] for c in _CLASSES}
    )
    return {
        "title": title or f"Plan at {format_hhmm(plan.at_s)}",
        "at": format_hhmm(plan.at_s),
        "streets": streets,
        "routes": _routes(plan, world, frame, xy),
        "places": _places(plan, world, xy),
        "unassigned": _unassigned(plan, world, orders, xy),
        "kpis": [list(row) for row in kpi_rows(plan)],
        "flows": {"headers": list(FLOW_HEADERS), "rows": [list(r) for r in flow_rows(plan)]},
    }


def _script_json(data: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>`` or ``<!--`` can close
    or comment it, whatever the ids and notes contain."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_plan_html(
    plan: Plan, world: World, orders: Sequence[Order] = (), *, title: str = ""
) -> str:
    """The plan viewer page for ``plan`` (see the module doc), as one HTML document.

    Args:
        plan: a plan made in ``world``.
        world: the world it was made in (streets, places, couriers).
        orders: the batch; when given, unassigned orders are marked at their place.
        title: the page's title; default ``"Plan at HH:MM"``.

    Raises:
        InvalidInputError: a route's courier or a stop's place is not in the world.
    """
    data = plan_view_data(plan, world, orders, title=title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{viewer_csp()}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(data['title'])}</title>\n"
        f"<style>{_inline('viewer.css')}</style>\n"
        "</head><body>\n"
        '<div id="app"><div id="map"></div><aside id="panel"></aside></div>\n'
        f'<script type="application/json" id="plan-data">{_script_json(data)}</script>\n'
        f"<script>{_inline('viewer.js')}</script>\n"
        "</body></html>\n"
    )


def render_stored_plan_html(stored: StoredPlan, world: World) -> str:
    """The viewer page of a plan the :class:`dispatch.Engine` stored
    (``engine.stored_plan(plan_id)``), drawn in ``world`` (the engine's world); its
    stored orders place the unassigned ones, its label and time make the title.

    Raises:
        PayloadError: the stored plan's JSON or orders break their schema.
        InvalidInputError: a route's courier or a stop's place is not in the world.
    """
    plan = plan_from_json(stored.plan, source=f"plan {stored.id}")
    orders = [parse_order(o) for o in stored.inputs.get("orders", [])]
    title = f"{stored.label} (plan {stored.id}) at {format_hhmm(plan.at_s)}"
    return render_plan_html(plan, world, orders, title=title)
