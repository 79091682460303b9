"""Orders checked against the world before planning: bad input is an exception.

Every error is a :class:`solvers.errors.InvalidInputError` whose field names the order
(``Order 'o7': building_id``) and whose rule says what is wrong.  Rules of an order on
its own (no lines, quantity not positive, missing slot...) are checked when the
:class:`dispatch.domain.Order` is built.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.domain import FulfilmentMode, Order
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.places import Building, MicroWarehouse, PickupPoint, Store
from solvers.errors import InvalidInputError


def validate_orders(orders: Sequence[Order], world: World, settings: PlannerSettings) -> None:
    """Check every order's references against the world.

    Raises:
        InvalidInputError: a duplicate order id; an unknown member; an unknown
            destination building (or home building, for next-day pickup); a line from an
            unknown store or micro-warehouse (home-service lines name a service
            provider and are not checked); a chosen pickup point that is unknown or
            closed on the collection day.
    """
    seen: set[str] = set()
    for order in orders:
        if not isinstance(order, Order):
            raise InvalidInputError("orders", f"must hold Order objects, got {order!r}")
        owner = f"Order {order.id!r}"
        if order.id in seen:
            raise InvalidInputError(f"{owner}: id", "appears twice in the batch")
        seen.add(order.id)
        if not world.has_member(order.member_id):
            raise InvalidInputError(f"{owner}: member_id", f"unknown member {order.member_id!r}")
        if order.building_id is not None and not world.has_place(order.building_id, Building):
            raise InvalidInputError(
                f"{owner}: building_id", f"unknown building {order.building_id!r}"
            )
        if order.mode is not FulfilmentMode.HOME_SERVICE:
            for line in order.lines:
                if not world.has_place(line.store_id, (Store, MicroWarehouse)):
                    raise InvalidInputError(
                        f"{owner}: line {line.sku!r} store_id",
                        f"unknown store or micro-warehouse {line.store_id!r}",
                    )
        if order.mode is FulfilmentMode.NEXT_DAY_PICKUP:
            _validate_next_day(order, world, settings)


def _validate_next_day(order: Order, world: World, settings: PlannerSettings) -> None:
    owner = f"Order {order.id!r}"
    member = world.member(order.member_id)
    home = member.home_building_id
    if order.building_id is None and home is not None and not world.has_place(home, Building):
        raise InvalidInputError(
            f"{owner}: member {member.id!r} home_building_id", f"unknown building {home!r}"
        )
    chosen = order.pickup_point_id
    if chosen is None:
        return
    if not world.has_place(chosen, PickupPoint):
        raise InvalidInputError(f"{owner}: pickup_point_id", f"unknown pickup point {chosen!r}")
    point = world.pickup_point(chosen)
    if world.pickup_point_closed(point, settings.collection_from_s, settings.collection_until_s):
        raise InvalidInputError(
            f"{owner}: pickup_point_id",
            f"pickup point {chosen!r} is closed on the collection day",
        )
