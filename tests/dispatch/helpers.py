"""Small worlds on a line for planner tests, and the checks every plan must pass.

Places sit on the meridian of ``LON`` at a given number of metres north of ``LAT``;
the worlds have no road network and a detour factor of 1, so travel is the
great-circle distance: exactly the difference of the positions, metres.  E-bikes ride
5 m/s (18 km/h), vans 6.944 m/s (25 km/h), walkers 1.25 m/s.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from dispatch import (
    Courier,
    FulfilmentMode,
    Order,
    OrderLine,
    Plan,
    Planner,
    StopAction,
    TimeWindow,
)
from dispatch.flows.next_day import trunk_deadline_s
from geo.frame import EARTH_RADIUS_M
from geo.places import Building, MicroWarehouse, PickupPoint, Store
from solvers import SolveParams, check

LON = 116.35
LAT = 39.99
H = 3600.0
FAST = SolveParams(time_limit_s=0.3, workers=1)
E_BIKE_MPS = 18.0 / 3.6
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0


def north(metres: float) -> float:
    """Latitude ``metres`` north of LAT."""
    return LAT + metres / METRES_PER_DEGREE


def building(bid: str, at_m: float) -> Building:
    """A building ``at_m`` metres north of the origin."""
    return Building(bid, LON, north(at_m))


def store(sid: str, at_m: float, prep_s: float = 300.0) -> Store:
    """A store ``at_m`` metres north of the origin."""
    return Store(sid, LON, north(at_m), prep_duration_s=prep_s)


def warehouse(wid: str, at_m: float, **kw: float) -> MicroWarehouse:
    """A micro-warehouse ``at_m`` metres north of the origin."""
    return MicroWarehouse(wid, LON, north(at_m), **kw)


def point(pid: str, at_m: float, **kw: object) -> PickupPoint:
    """A pickup point ``at_m`` metres north of the origin."""
    return PickupPoint(pid, LON, north(at_m), **kw)  # type: ignore[arg-type]


def courier(cid: str, at_m: float, profile: str = "e_bike", **kw: object) -> Courier:
    """A courier ``at_m`` metres north of the origin, on shift 08:00-20:00 by default."""
    fields: dict[str, object] = {"shift": TimeWindow(8 * H, 20 * H)}
    fields.update(kw)
    return Courier(cid, profile, LON, north(at_m), **fields)  # type: ignore[arg-type]


def line(
    store_id: str,
    sku: str,
    quantity: int = 1,
    price: str = "10.00",
    **kw: object,
) -> OrderLine:
    """An order line at ``price`` yuan a unit."""
    return OrderLine(store_id, sku, quantity, unit_price=Decimal(price), **kw)  # type: ignore[arg-type]


def check_plan(plan: Plan, orders: Sequence[Order], planner: Planner) -> None:
    """What every plan must satisfy.

    - every routing solve passes the independent checker;
    - every order is served exactly once or unassigned exactly once, with a reason;
    - a served courier order has one handover stop, and its pickups (one per store)
      come before it on the same route;
    - pickup-point assignments respect capacities and every served next-day order's
      point gets a trunk stop, unloaded before the point opens.
    """
    world, settings = planner.world, planner.settings
    for run in plan.routing_runs:
        report = check(run.problem, run.solution)
        assert report.ok, (run.flow, report.violations)
    ids = [o.id for o in orders]
    unassigned = Counter(u.order_id for u in plan.unassigned)
    assert all(n == 1 for n in unassigned.values()), unassigned
    assert all(u.reason and u.detail for u in plan.unassigned)
    served = plan.served_order_ids()
    assert not served & set(unassigned)
    assert served | set(unassigned) == set(ids)
    by_id = {o.id: o for o in orders}
    handovers: Counter[str] = Counter()
    for route in plan.routes:
        if route.flow is FulfilmentMode.NEXT_DAY_PICKUP:
            continue
        seen_pickups: dict[str, list[str]] = {}
        for stop in route.stops:
            (oid,) = stop.order_ids
            if stop.action in (StopAction.COLLECT, StopAction.RETURN):
                continue  # a return's stops (tests/dispatch/test_returns.py checks them)
            if stop.action is StopAction.PICKUP:
                seen_pickups.setdefault(oid, []).append(stop.place_id)
            else:
                handovers[oid] += 1
                order = by_id[oid]
                assert stop.place_id == order.building_id
                if order.mode is not FulfilmentMode.HOME_SERVICE:
                    assert sorted(seen_pickups.get(oid, [])) == sorted(order.store_ids)
    assert all(n == 1 for n in handovers.values()), handovers
    parcels: Counter[str] = Counter()
    for assignment in plan.pickup_assignments:
        parcels[assignment.pickup_point_id] += by_id[assignment.order_id].parcels
    for pick_list in plan.pick_lists:
        assert pick_list.parcels == parcels[pick_list.pickup_point_id]
    for point_id, n in parcels.items():
        assert n <= world.pickup_point(point_id).capacity_parcels
    trunk_points: set[str] = set()
    for route in plan.routes:
        if route.flow is not FulfilmentMode.NEXT_DAY_PICKUP:
            continue
        for stop in route.stops:
            trunk_points.add(stop.place_id)
            opening_s = trunk_deadline_s(world.pickup_point(stop.place_id), settings)
            assert stop.eta_s <= stop.departure_s <= opening_s + 1e-6
            assert sorted(stop.order_ids) == sorted(
                a.order_id for a in plan.pickup_assignments if a.pickup_point_id == stop.place_id
            )
    assert set(parcels) == trunk_points
