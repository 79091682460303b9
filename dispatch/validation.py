"""Orders checked against the world: one set of reference checks, every problem at once.

:func:`reference_problems` is the one check of what an order refers to (its member,
destination building, the stores of its lines, a chosen pickup point and whether it
is open on the collection day).  :class:`dispatch.Planner` (:func:`validate_orders`),
:class:`dispatch.Engine` (:func:`check_order_payload`) and the scenario file all use
it, and each reports every problem in one :class:`dispatch.payloads.PayloadError`
whose ``problems`` hold ``(path, rule)``; paths are those of the order's payload
(``building_id``, ``lines[1].store_id``).  :func:`check_order_payload` reports a
payload's schema problems and its reference problems together: the references of a
payload the schema refuses are read from whatever ids in it are well formed.

Rules of an order on its own (no lines, quantity not positive, missing slot...) are
checked when the :class:`dispatch.domain.Order` is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.limits import MAX_ID_CHARS
from dispatch.domain import FulfilmentMode, Member, Order
from dispatch.payloads import (
    PayloadError,
    order_bound_problems,
    order_source,
    parse_order,
)
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.places import Building, MicroWarehouse, PickupPoint, Store

Problem = tuple[str, str]
MemberLookup = Callable[[str], Member | None]


@dataclass(frozen=True, slots=True)
class OrderReferences:
    """The ids an order refers to; None where the order has none (or, read from a
    payload the schema refuses, where the id is not a non-empty string).

    Attributes:
        mode: the fulfilment flow, None if unknown.
        member_id: who ordered.
        building_id: the destination (or home) building.
        pickup_point_id: the chosen pickup point.
        store_ids: one per line, in line order: the store or micro-warehouse.
    """

    mode: FulfilmentMode | None
    member_id: str | None
    building_id: str | None
    pickup_point_id: str | None
    store_ids: tuple[str | None, ...]

    @classmethod
    def of_order(cls, order: Order) -> OrderReferences:
        """The references of a built order."""
        return cls(
            order.mode,
            order.member_id,
            order.building_id,
            order.pickup_point_id,
            tuple(line.store_id for line in order.lines),
        )

    @classmethod
    def of_payload(cls, data: object) -> OrderReferences:
        """The well-formed references of an order payload, whatever else is wrong in it."""
        fields: Mapping[object, object] = data if isinstance(data, Mapping) else {}
        mode = fields.get("mode")
        lines = fields.get("lines")
        return cls(
            FulfilmentMode(mode)
            if isinstance(mode, str) and mode in tuple(FulfilmentMode)
            else None,
            _id(fields.get("member_id")),
            _id(fields.get("building_id")),
            _id(fields.get("pickup_point_id")),
            tuple(
                _id(line.get("store_id")) if isinstance(line, Mapping) else None
                for line in (lines if isinstance(lines, list | tuple) else ())
            ),
        )


def _id(value: object) -> str | None:
    # Only a well-formed id is looked up (the schema reports the others).
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS else None


def world_member(world: World) -> MemberLookup:
    """Members looked up in the world (the planner's members)."""
    return lambda member_id: world.member(member_id) if world.has_member(member_id) else None


def reference_problems(
    refs: OrderReferences, world: World, settings: PlannerSettings, member: MemberLookup
) -> list[Problem]:
    """Every reference of one order that the world (or ``member``) does not have.

    Problems, each as ``(path in the order's payload, rule)``: an unknown member; an
    unknown destination building; for a next-day pickup order without a building, a
    member whose home building is unknown; a line from an unknown store or
    micro-warehouse (home-service lines name a service provider and are not checked,
    nor are lines of an order whose mode is unknown); an unknown chosen pickup point,
    or, for a next-day pickup order, one closed on the collection day.
    """
    problems: list[Problem] = []
    found = member(refs.member_id) if refs.member_id is not None else None
    if refs.member_id is not None and found is None:
        problems.append(("member_id", f"unknown member {refs.member_id!r}"))
    if refs.building_id is not None and not world.has_place(refs.building_id, Building):
        problems.append(("building_id", f"unknown building {refs.building_id!r}"))
    next_day = refs.mode is FulfilmentMode.NEXT_DAY_PICKUP
    home = found.home_building_id if found is not None else None
    if (
        next_day
        and refs.building_id is None
        and home is not None
        and not world.has_place(home, Building)
    ):
        problems.append(("member_id", f"member's home_building_id: unknown building {home!r}"))
    if refs.mode is not None and refs.mode is not FulfilmentMode.HOME_SERVICE:
        for k, store_id in enumerate(refs.store_ids):
            if store_id is not None and not world.has_place(store_id, (Store, MicroWarehouse)):
                problems.append(
                    (f"lines[{k}].store_id", f"unknown store or micro-warehouse {store_id!r}")
                )
    chosen = refs.pickup_point_id
    if chosen is not None:
        if not world.has_place(chosen, PickupPoint):
            problems.append(("pickup_point_id", f"unknown pickup point {chosen!r}"))
        elif next_day and world.pickup_point_closed(
            world.pickup_point(chosen), settings.collection_from_s, settings.collection_until_s
        ):
            problems.append(
                ("pickup_point_id", f"pickup point {chosen!r} is closed on the collection day")
            )
    return problems


def member_problems(member: Member, world: World) -> list[Problem]:
    """Every reference of a member that the world does not have: an unknown
    ``home_building_id``.  The rule of :meth:`dispatch.Engine.add_member` and of the
    scenario file's ``members``, each as ``(path in the member's payload, rule)``."""
    home = member.home_building_id
    if home is not None and not world.has_place(home, Building):
        return [("home_building_id", f"unknown building {home!r}")]
    return []


def validate_orders(orders: Sequence[Order], world: World, settings: PlannerSettings) -> None:
    """Check a batch of orders against the world, members looked up in the world.

    Raises:
        PayloadError: (an InvalidInputError) listing every problem of every order, each
            named ``Order 'id': path``: an object that is not an Order, a duplicate
            order id, and every problem of :func:`reference_problems`.
    """
    problems: list[Problem] = []
    seen: set[str] = set()
    member = world_member(world)
    for k, order in enumerate(orders):
        if not isinstance(order, Order):
            problems.append((f"orders[{k}]", f"must be an Order, got {order!r}"))
            continue
        owner = f"Order {order.id!r}"
        if order.id in seen:
            # Its references were checked (and reported) under its first occurrence.
            problems.append((f"{owner}: id", "appears twice in the batch"))
            continue
        seen.add(order.id)
        refs = OrderReferences.of_order(order)
        problems.extend(
            (f"{owner}: {path}", rule)
            for path, rule in reference_problems(refs, world, settings, member)
        )
    if problems:
        raise PayloadError("orders", problems)


def check_order_payload(
    data: Order | Mapping[str, object],
    world: World,
    settings: PlannerSettings,
    member: MemberLookup,
) -> Order:
    """An order from a payload (an Order passes through the reference checks only),
    checked against the world.

    Raises:
        PayloadError: every schema problem (for an Order: every number outside its
            range), the domain rule the order breaks, and every problem of
            :func:`reference_problems`, together, each with its path.
    """
    problems: list[Problem] = []
    order: Order | None = None
    try:
        order = parse_order(data)
    except PayloadError as error:
        problems.extend(error.problems)
    if isinstance(data, Order):  # built in code: the payload's ranges still hold
        problems.extend(order_bound_problems(data))
    if order is not None:
        refs = OrderReferences.of_order(order)
    else:
        refs = OrderReferences.of_payload(data)
    problems.extend(reference_problems(refs, world, settings, member))
    if problems:
        raise PayloadError(order_source(data), problems)
    assert order is not None  # parse_order raised a problem otherwise
    return order
