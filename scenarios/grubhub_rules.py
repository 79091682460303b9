"""The Grubhub MDRP rule checker: every broken rule of a replay, from the instance alone.

It re-derives every trip from the family's rules (:mod:`scenarios.grubhub_sim` states
them) and the instance, independently of the simulation's code, so a bug in the
replay shows up here rather than in its metrics.
"""

from __future__ import annotations

from scenarios.grubhub import GrubhubInstance, GrubhubOrder
from scenarios.grubhub_outcome import GrubhubReplay, GrubhubTrip


def check_grubhub_replay(instance: GrubhubInstance, replay: GrubhubReplay) -> tuple[str, ...]:
    """Every broken rule of a replay, re-derived from the instance alone (empty when sound).

    Checks conservation (each order exactly once: delivered or unassigned with a reason),
    that every trip follows the family's rules from where and when its courier was, that
    no order was dispatched before it was placed, and the deliveries' times.  No order
    read before its placement: every wave's view (what the dispatcher was given) holds
    only orders placed by then, and every trip's orders were in the view of the wave
    that dispatched it (a replay with trips must record its views).
    """
    params = instance.parameters
    problems: list[str] = []
    orders = {o.id: o for o in instance.orders}
    couriers = {c.id: c for c in instance.couriers}
    restaurants = {r.id: r for r in instance.restaurants}
    seen: dict[str, str] = {}
    for trip in replay.trips:
        for o in trip.order_ids:
            if o in seen:
                problems.append(f"order {o!r} in two trips")
            seen[o] = trip.courier_id
    for u in replay.unassigned:
        if u.order_id in seen:
            problems.append(f"order {u.order_id!r} both delivered and unassigned")
        if not u.reason:
            problems.append(f"order {u.order_id!r} unassigned without a reason")
        seen.setdefault(u.order_id, "")
    missing = sorted(set(orders) - set(seen))
    unknown = sorted(set(seen) - set(orders))
    if missing:
        problems.append(f"{len(missing)} orders neither delivered nor unassigned: {missing[:5]}")
    if unknown:
        problems.append(f"unknown orders: {unknown[:5]}")
    problems.extend(_future_reads(replay, orders))
    by_courier: dict[str, list[GrubhubTrip]] = {}
    for trip in replay.trips:
        by_courier.setdefault(trip.courier_id, []).append(trip)
    half_p = params.pickup_service_min / 2.0
    half_d = params.dropoff_service_min / 2.0
    for courier_id, courier_trips in by_courier.items():
        courier = couriers.get(courier_id)
        if courier is None:
            problems.append(f"unknown courier {courier_id!r}")
            continue
        x, y, free = courier.x_m, courier.y_m, courier.on_min
        for trip in sorted(courier_trips, key=lambda t: t.depart_min):
            label = f"courier {courier_id!r} trip to {trip.restaurant_id!r}"
            restaurant = restaurants.get(trip.restaurant_id)
            if (
                restaurant is None
                or not trip.order_ids
                or any(o not in orders for o in trip.order_ids)
            ):
                problems.append(f"{label}: unknown restaurant or orders")
                continue
            bundle = [orders[o] for o in trip.order_ids]
            if any(o.restaurant_id != restaurant.id for o in bundle):
                problems.append(f"{label}: orders of another restaurant")
            if any(o.placement_min > trip.dispatched_min for o in bundle):
                problems.append(f"{label}: dispatched before an order was placed")
            if trip.depart_min < max(free, trip.dispatched_min) - 1e-9:
                problems.append(f"{label}: leaves at {trip.depart_min} before free at {free}")
            arrive = trip.depart_min + instance.travel_min(x, y, restaurant.x_m, restaurant.y_m)
            pickup = max(*(o.ready_min for o in bundle), arrive + half_p)
            if (
                abs(arrive - trip.arrive_restaurant_min) > 1e-9
                or abs(pickup - trip.pickup_min) > 1e-9
            ):
                problems.append(
                    f"{label}: arrival/pickup {trip.arrive_restaurant_min}/{trip.pickup_min}, "
                    f"rules give {arrive}/{pickup}"
                )
            if pickup > courier.off_min + 1e-9:
                problems.append(f"{label}: pickup at {pickup} after off time {courier.off_min}")
            clock = pickup + half_p
            x, y = restaurant.x_m, restaurant.y_m
            for order, recorded in zip(bundle, trip.dropoff_min, strict=True):
                clock += instance.travel_min(x, y, order.x_m, order.y_m) + half_d
                if abs(clock - recorded) > 1e-9:
                    problems.append(
                        f"{label}: drop-off of {order.id!r} at {recorded}, rules give {clock}"
                    )
                clock += half_d
                x, y = order.x_m, order.y_m
            if abs(clock - trip.end_min) > 1e-9:
                problems.append(f"{label}: ends at {trip.end_min}, rules give {clock}")
            free = clock
    return tuple(problems)


def _future_reads(replay: GrubhubReplay, orders: dict[str, GrubhubOrder]) -> list[str]:
    """Every sign that the dispatcher read an order before its placement time."""
    problems: list[str] = []
    seen_at: dict[float, set[str]] = {}
    for view in replay.views:
        early = [
            o for o in view.order_ids if o in orders and orders[o].placement_min > view.now_min
        ]
        if early:
            problems.append(
                f"wave at {view.now_min:g} min was given {len(early)} orders before their "
                f"placement (reads the future): {early[:5]}"
            )
        unknown = [o for o in view.order_ids if o not in orders]
        if unknown:
            problems.append(f"wave at {view.now_min:g} min was given unknown orders: {unknown[:5]}")
        seen_at.setdefault(view.now_min, set()).update(view.order_ids)
    if replay.trips and not replay.views:
        problems.append("no record of what the dispatcher was given (views): cannot prove it")
        return problems
    for trip in replay.trips:
        given = seen_at.get(trip.dispatched_min, set())
        outside = [o for o in trip.order_ids if o not in given]
        if outside:
            problems.append(
                f"courier {trip.courier_id!r} trip at {trip.dispatched_min:g} min carries orders "
                f"the dispatcher was not given at that wave: {outside[:5]}"
            )
    return problems
