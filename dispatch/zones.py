"""Micro-warehouse zones: a large fleet's re-plan split into one routing problem per zone.

A city with dozens of couriers and hundreds of open orders is one routing problem too
large to search well in the seconds a wave has (parallel cheapest insertion alone took
0.67 s for 203 orders and 100 couriers).  Dispatch teams split such a city by station;
:func:`split_into_zones` does the same around the world's micro-warehouses:

* an order belongs to the zone of its first store when that is a micro-warehouse, else
  of the micro-warehouse nearest to that store (straight line);
* a courier who carries or rides to an order keeps it: the courier is in the zone of its
  first locked order, and all its locked orders go with it;
* the other couriers are shared out in proportion to each zone's orders (largest
  remainders), each zone taking the nearest free couriers first, greedily over all
  (courier, zone) pairs by distance; couriers left over go to their nearest zone.

Zones without orders are left out.  The split is deterministic: ties go to the lower
courier id and zone index.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dispatch.domain import Courier, Order
from dispatch.world import World
from geo.frame import haversine_m


@dataclass(frozen=True)
class Zone:
    """One part of a split re-plan: the micro-warehouse it is around, its orders and
    couriers (ids, in the order given)."""

    micro_warehouse_id: str
    order_ids: tuple[str, ...]
    courier_ids: tuple[str, ...]


def _shares(loads: Sequence[int], total: int) -> list[int]:
    """``total`` split in proportion to ``loads`` by largest remainders (ties: lower index)."""
    weight = sum(loads)
    if weight == 0:
        return [0] * len(loads)
    exact = [total * load / weight for load in loads]
    shares = [math.floor(x) for x in exact]
    order = sorted(range(len(loads)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def share_couriers(
    centre_lon: np.ndarray,
    centre_lat: np.ndarray,
    loads: Sequence[int],
    couriers: Sequence[Courier],
    fixed: Mapping[str, int],
) -> dict[str, int]:
    """Each courier's part: ``fixed`` ones stay where they are; the others are shared
    out in proportion to ``loads`` (orders per part, largest remainders), each part
    taking the nearest free couriers first (greedily over all (courier, part) pairs by
    straight-line distance to the part's centre, ties to the lower courier id and part
    index); couriers left over go to their nearest part.

    Args:
        centre_lon, centre_lat: each part's centre, degrees.
        loads: each part's orders.
        couriers: every courier to share, at their positions.
        fixed: courier id -> part index, for couriers that must be in a part.

    Returns:
        courier id -> part index, for every courier.
    """
    courier_zone = dict(fixed)
    targets = _shares(loads, len(couriers))
    needs = list(targets)
    for zone in courier_zone.values():
        needs[zone] -= 1
    free = [c for c in couriers if c.id not in courier_zone]
    if free:
        distance_m = haversine_m(
            np.array([c.lon for c in free])[:, None],
            np.array([c.lat for c in free])[:, None],
            centre_lon[None, :],
            centre_lat[None, :],
        )
        pairs = sorted(
            (float(distance_m[i, z]), c.id, z)
            for i, c in enumerate(free)
            for z in range(len(loads))
            if needs[z] > 0
        )
        for _, courier_id, zone in pairs:
            if courier_id not in courier_zone and needs[zone] > 0:
                courier_zone[courier_id] = zone
                needs[zone] -= 1
        for i, courier in enumerate(free):
            if courier.id not in courier_zone:
                courier_zone[courier.id] = int(np.argmin(distance_m[i]))
    return courier_zone


def split_into_zones(
    world: World,
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    locked_by: Mapping[str, Sequence[str]],
) -> tuple[Zone, ...]:
    """Orders and couriers by micro-warehouse zone (see the module doc).

    Args:
        world: its micro-warehouses are the zones' centres.
        orders: the open orders to plan.
        couriers: the couriers available, at their current positions.
        locked_by: courier id -> the ids of the orders it carries or rides to, first
            locked first (every id among ``orders``).

    Returns:
        One zone per micro-warehouse with orders; a single zone around the first
        micro-warehouse when the world has fewer than two (no split).
    """
    warehouses = world.micro_warehouses
    if len(warehouses) < 2:
        anchor = warehouses[0].id if warehouses else ""
        return (Zone(anchor, tuple(o.id for o in orders), tuple(c.id for c in couriers)),)
    index = {w.id: k for k, w in enumerate(warehouses)}
    wlon = np.array([w.lon for w in warehouses])
    wlat = np.array([w.lat for w in warehouses])

    def nearest(lon: float, lat: float) -> int:
        return int(np.argmin(haversine_m(lon, lat, wlon, wlat)))

    zone_of: dict[str, int] = {}
    for order in orders:
        first = order.store_ids[0]
        if first in index:
            zone_of[order.id] = index[first]
        else:
            place = world.place(first)
            zone_of[order.id] = nearest(place.lon, place.lat)
    courier_zone: dict[str, int] = {}
    for courier in couriers:
        locked = locked_by.get(courier.id, ())
        if locked:
            zone = zone_of[locked[0]]
            courier_zone[courier.id] = zone
            for order_id in locked:
                zone_of[order_id] = zone
    loads = [0] * len(warehouses)
    for zone in zone_of.values():
        loads[zone] += 1
    courier_zone = share_couriers(wlon, wlat, loads, couriers, courier_zone)
    zones = []
    for z, warehouse in enumerate(warehouses):
        order_ids = tuple(o.id for o in orders if zone_of[o.id] == z)
        if order_ids:
            courier_ids = tuple(c.id for c in couriers if courier_zone[c.id] == z)
            zones.append(Zone(warehouse.id, order_ids, courier_ids))
    return tuple(zones)
