"""A plan as GeoJSON (RFC 7946): routes as lines, stops, pickup points and unassigned orders.

:func:`plan_geojson` returns a ``FeatureCollection`` dict (no file I/O):

* one ``LineString`` per route (``kind: "route"``): from the courier's start through
  every stop in order (and back to the start for couriers that return there).  When the
  world has a road network, each leg follows the shortest path on the courier's profile
  graph (:func:`geo.paths.road_path`: the access leg to the street, the street nodes,
  the access leg to the stop); otherwise legs are straight segments;
* a ``Point`` per courier start (``courier_start``) and per stop (``stop``, with its
  sequence number, action, place, orders and ETA);
* a ``Point`` per pickup point of the world (``pickup_point``) with the orders assigned
  to it, parcels and utilisation;
* a ``Point`` per unassigned order whose place is known (``unassigned``, with the
  reason), when the batch's orders are given.

Coordinates are [lon, lat] WGS-84 degrees rounded to 7 decimals (about 1 cm); times are
seconds on the plan's clock, with ``"HH:MM"`` copies for people.  Route and stop
features carry a ``stroke`` / ``marker-color`` (simplestyle) so viewers colour each
courier alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dispatch.clock import format_clock
from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.plan import Plan, PlannedRoute
from dispatch.world import Located, World
from geo.paths import road_path
from geo.places import Building, PickupPoint
from geo.profiles import ProfileName, profile
from solvers.errors import InvalidInputError

#: Colours of routes, one per courier in plan order (cycled): matplotlib's tab20, dark
#: first, without its greys (streets are grey).
ROUTE_COLOURS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
)
_DIGITS = 7


def route_colour(index: int) -> str:
    """The colour of the ``index``-th route of a plan."""
    return ROUTE_COLOURS[index % len(ROUTE_COLOURS)]


@dataclass(frozen=True, slots=True)
class RouteLine:
    """Where a route goes.

    Attributes:
        courier_id: the courier.
        flow: the flow it serves.
        profile: the courier's travel profile.
        lon, lat: vertices, WGS-84 degrees.
        along_network: True when legs follow the road network, False for straight legs.
        stop_vertex: for each stop of the route, the index of its vertex in lon/lat.
    """

    courier_id: str
    flow: FulfilmentMode
    profile: ProfileName
    lon: tuple[float, ...]
    lat: tuple[float, ...]
    along_network: bool
    stop_vertex: tuple[int, ...]


def _couriers(world: World) -> dict[str, Courier]:
    return {c.id: c for c in world.couriers}


def _route_points(route: PlannedRoute, courier: Courier, world: World) -> list[Located]:
    points: list[Located] = [courier]
    points.extend(world.place(stop.place_id) for stop in route.stops)
    if courier.returns_to_start:
        points.append(courier)
    return points


def route_line(route: PlannedRoute, world: World) -> RouteLine:
    """The line of one route of a plan made in ``world``.

    Raises:
        InvalidInputError: the route's courier or a stop's place is not in the world.
    """
    courier = _couriers(world).get(route.courier_id)
    if courier is None:
        raise InvalidInputError(
            f"route of {route.courier_id!r}", "its courier must be one of the world's couriers"
        )
    points = _route_points(route, courier, world)
    lons = [p.lon for p in points]
    lats = [p.lat for p in points]
    if world.network is None:
        lon, lat = lons, lats
        along = False
    else:
        graph = world.network.routable(profile(courier.profile))
        path = road_path(graph, lons, lats, ids=[p.id for p in points])
        lon, lat = path.lon.tolist(), path.lat.tolist()
        along = True
    # Each stop's vertex: the first vertex at its coordinates after the previous stop's.
    stop_vertex: list[int] = []
    k = 0
    for point in points[1 : 1 + len(route.stops)]:
        while not (lon[k] == point.lon and lat[k] == point.lat):
            k += 1
        stop_vertex.append(k)
    return RouteLine(
        courier_id=route.courier_id,
        flow=route.flow,
        profile=courier.profile,
        lon=tuple(lon),
        lat=tuple(lat),
        along_network=along,
        stop_vertex=tuple(stop_vertex),
    )


def route_lines(plan: Plan, world: World) -> tuple[RouteLine, ...]:
    """The line of every route of the plan, in plan order."""
    return tuple(route_line(route, world) for route in plan.routes)


def _position(lon: float, lat: float) -> list[float]:
    return [round(lon, _DIGITS), round(lat, _DIGITS)]


def _point(feature_id: str, lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": _position(lon, lat)},
        "properties": properties,
    }


def order_place(order: Order, world: World) -> Located | None:
    """Where an order goes: its building, else its chosen pickup point, else the
    member's home (None when the world has none of them)."""
    kinds = (Building, PickupPoint)
    for place_id in (order.building_id, order.pickup_point_id):
        if place_id is not None and world.has_place(place_id, kinds):
            return world.place(place_id)
    if world.has_member(order.member_id):
        home = world.member(order.member_id).home_building_id
        if home is not None and world.has_place(home, kinds):
            return world.place(home)
    return None


def plan_geojson(plan: Plan, world: World, orders: Sequence[Order] = ()) -> dict[str, Any]:
    """The plan as a GeoJSON ``FeatureCollection`` (see the module doc).

    Args:
        plan: a plan made in ``world``.
        world: the world it was made in (places, couriers, road network).
        orders: the batch; when given, unassigned orders get a point at their place.

    Raises:
        InvalidInputError: a route's courier or a stop's place is not in the world.
    """
    features: list[dict[str, Any]] = []
    couriers = _couriers(world)
    lines = route_lines(plan, world)
    stops: list[dict[str, Any]] = []
    starts: list[dict[str, Any]] = []
    for index, (route, line) in enumerate(zip(plan.routes, lines, strict=True)):
        colour = route_colour(index)
        order_ids = sorted({oid for stop in route.stops for oid in stop.order_ids})
        features.append(
            {
                "type": "Feature",
                "id": f"route:{route.courier_id}",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        _position(x, y) for x, y in zip(line.lon, line.lat, strict=True)
                    ],
                },
                "properties": {
                    "kind": "route",
                    "courier_id": route.courier_id,
                    "flow": route.flow.value,
                    "profile": line.profile.value,
                    "start_s": route.start_s,
                    "end_s": route.end_s,
                    "start": format_clock(route.start_s),
                    "end": format_clock(route.end_s),
                    "distance_m": route.distance_m,
                    "cost": route.cost,
                    "stop_count": len(route.stops),
                    "order_ids": order_ids,
                    "along_network": line.along_network,
                    "stroke": colour,
                    "stroke-width": 3,
                },
            }
        )
        courier = couriers[route.courier_id]
        starts.append(
            _point(
                f"courier_start:{route.courier_id}",
                courier.lon,
                courier.lat,
                {
                    "kind": "courier_start",
                    "courier_id": courier.id,
                    "flow": route.flow.value,
                    "profile": courier.profile.value,
                    "marker-color": colour,
                },
            )
        )
        for sequence, stop in enumerate(route.stops, start=1):
            place = world.place(stop.place_id)
            stops.append(
                _point(
                    f"stop:{route.courier_id}:{sequence}",
                    place.lon,
                    place.lat,
                    {
                        "kind": "stop",
                        "courier_id": route.courier_id,
                        "flow": route.flow.value,
                        "sequence": sequence,
                        "action": stop.action.value,
                        "place_id": stop.place_id,
                        "order_ids": list(stop.order_ids),
                        "eta_s": stop.eta_s,
                        "eta": format_clock(stop.eta_s),
                        "start_s": stop.start_s,
                        "departure_s": stop.departure_s,
                        "lateness_s": stop.lateness_s,
                        "marker-color": colour,
                    },
                )
            )
    features.extend(starts)
    features.extend(stops)
    assigned: dict[str, list[str]] = {}
    for assignment in plan.pickup_assignments:
        assigned.setdefault(assignment.pickup_point_id, []).append(assignment.order_id)
    parcels = {p.pickup_point_id: p.parcels for p in plan.pick_lists}
    for point in world.pickup_points:
        features.append(
            _point(
                f"pickup_point:{point.id}",
                point.lon,
                point.lat,
                {
                    "kind": "pickup_point",
                    "pickup_point_id": point.id,
                    "point_kind": point.kind.value,
                    "capacity_parcels": point.capacity_parcels,
                    "leader_id": point.leader_id,
                    "closed": point.id in world.closed_pickup_point_ids,
                    "order_ids": sorted(assigned.get(point.id, [])),
                    "parcels": parcels.get(point.id, 0),
                    "utilisation": plan.kpis.pickup_utilisation.get(point.id, 0.0),
                },
            )
        )
    by_id = {order.id: order for order in orders}
    for item in plan.unassigned:
        order = by_id.get(item.order_id)
        target = order_place(order, world) if order is not None else None
        if target is None:
            continue
        features.append(
            _point(
                f"unassigned:{item.order_id}",
                target.lon,
                target.lat,
                {
                    "kind": "unassigned",
                    "order_id": item.order_id,
                    "flow": item.flow.value,
                    "reason": item.reason.value,
                    "detail": item.detail,
                    "place_id": target.id,
                },
            )
        )
    return {"type": "FeatureCollection", "features": features}
