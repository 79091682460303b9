"""A small city on a line for decomposition tests: micro-warehouses 8 km apart, homes
around each, couriers at the warehouses; instant orders created at 10:00."""

from __future__ import annotations

from dispatch import FulfilmentMode, Member, Order, World
from dispatch.domain import Courier
from tests.dispatch.helpers import H, building, courier, line, warehouse

T0 = 10 * H
SPACING_M = 8000.0


def scale_world(
    warehouses: int = 3, homes: int = 6, couriers_each: int = 3, *, spacing_m: float = SPACING_M
) -> World:
    """``warehouses`` micro-warehouses ``spacing_m`` apart, ``homes`` buildings around
    each (within 1.5 km), ``couriers_each`` e-bikes at each."""
    buildings = []
    fleet: list[Courier] = []
    for w in range(warehouses):
        base = w * spacing_m
        for h in range(homes):
            offset = (h - homes / 2) * (3000.0 / homes)
            buildings.append(building(f"b{w}_{h}", base + offset))
        fleet.extend(courier(f"c{w}_{k}", base + 50.0 * k) for k in range(couriers_each))
    return World(
        buildings=tuple(buildings),
        micro_warehouses=tuple(warehouse(f"mw{w}", w * spacing_m) for w in range(warehouses)),
        couriers=tuple(fleet),
        members=(Member("m"),),
        detour_factor=1.0,
    )


def scale_orders(world: World, per_warehouse: int, *, warehouses: int = 3) -> list[Order]:
    """``per_warehouse`` instant orders from each of the first ``warehouses``
    micro-warehouses to its homes, in turn; created 10:00, a minute apart."""
    orders = []
    homes = [b.id for b in world.buildings]
    per_home = len(homes) // len(world.micro_warehouses)
    for w in range(warehouses):
        for k in range(per_warehouse):
            orders.append(
                Order(
                    f"o{w}_{k:03d}",
                    "m",
                    T0 + 60.0 * (k % 10),
                    (line(f"mw{w}", "milk"),),
                    FulfilmentMode.INSTANT,
                    building_id=homes[w * per_home + k % per_home],
                )
            )
    return orders
