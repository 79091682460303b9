"""Replay of a Grubhub MDRP instance under the family's rules with the rolling-horizon
dispatcher (:mod:`solvers.instant_dispatch`, through its Grubhub adapter
:mod:`scenarios.grubhub_dispatcher`).

The rules (``../shared/data/bench/README.md``, ``grubhub_mdrp/``; Reyes et al., 2018):

* travel between two points takes ``ceil(metres / meters_per_minute)`` minutes;
* a courier collects a bundle of orders of one restaurant: pickup time = the later of the
  bundle's latest ready time and arrival plus half the pickup service; the courier leaves
  half a service later; each drop-off happens half a drop-off service after arrival and
  the courier leaves half a service later;
* no pickup after the courier's off time (drop-offs after it are allowed); couriers wait
  where they last dropped off (at their start before the first trip); a courier who has
  been sent is never redirected; an order is known from its placement time only.

The dispatcher runs every ``policy.wave_min`` minutes and proposes (courier, bundle)
pairs.  A chosen pair is committed only when waiting one more wave could make its
pickup later than the food is ready; otherwise the orders stay open for a better bundle
or courier.  Committed trips never change.

Everything is in minutes (floats; half a service can be a half minute).  The replay is
deterministic.  :func:`scenarios.grubhub_rules.check_grubhub_replay` re-derives every
trip from the rules and the instance alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scenarios.grubhub import GrubhubCourier, GrubhubInstance, GrubhubOrder
from scenarios.grubhub_dispatcher import GrubhubPlaces, WaveChoice, choose_wave
from scenarios.grubhub_outcome import (
    GrubhubReason,
    GrubhubReplay,
    GrubhubTrip,
    GrubhubUnassigned,
    GrubhubWaveView,
    deliveries_of,
    grubhub_metrics,
)
from solvers.instant_dispatch import InstantPolicy, in_horizon


@dataclass
class _CourierState:
    """A courier as the replay moves it: where and from when it is free."""

    courier: GrubhubCourier
    place: int
    x_m: float
    y_m: float
    free_min: float
    delivered: int = 0
    trips: list[GrubhubTrip] = field(default_factory=list)


def _placed_by(order: GrubhubOrder, now_min: float) -> bool:
    """Whether the order is known at ``now_min``: from its placement time only."""
    return order.placement_min <= now_min


def _pickup(instance: GrubhubInstance, arrive_min: float, ready_min: float) -> float:
    return max(ready_min, arrive_min + instance.parameters.pickup_service_min / 2.0)


def _commit(
    places: GrubhubPlaces, now_min: float, state: _CourierState, choice: WaveChoice
) -> GrubhubTrip:
    instance = places.instance
    bundle = choice.assignment
    restaurant = instance.restaurants[bundle.pickup_place]
    depart = max(now_min, state.free_min, state.courier.on_min)
    arrive = depart + instance.travel_min(state.x_m, state.y_m, restaurant.x_m, restaurant.y_m)
    pickup = _pickup(instance, arrive, bundle.ready_min)
    leave = pickup + instance.parameters.pickup_service_min / 2.0
    last = instance.orders[choice.orders[-1]]
    trip = GrubhubTrip(
        courier_id=state.courier.id,
        restaurant_id=restaurant.id,
        order_ids=bundle.order_ids,
        dispatched_min=now_min,
        depart_min=depart,
        arrive_restaurant_min=arrive,
        pickup_min=pickup,
        dropoff_min=tuple(leave + offset for offset in bundle.drop_offsets_min),
        end_min=leave + bundle.end_offset_min,
    )
    state.x_m, state.y_m = last.x_m, last.y_m
    state.place = places.door(choice.orders[-1])
    state.free_min = trip.end_min
    state.delivered += len(choice.orders)
    state.trips.append(trip)
    return trip


def replay_grubhub(
    instance: GrubhubInstance,
    policy: InstantPolicy | None = None,
    *,
    progress: Callable[[float, float], None] | None = None,
) -> GrubhubReplay:
    """Replay the instance's day with the rolling-horizon dispatcher.

    ``progress(now_min, last_min)`` is called after every wave.  Ctrl-C
    (``KeyboardInterrupt``) during the replay ends it early: the result then has
    ``complete=False`` and the orders not yet dispatched are unassigned with reason
    ``interrupted``, so the caller can still write its KPIs.
    """
    policy = policy or InstantPolicy()
    places = GrubhubPlaces(instance)
    states = [
        _CourierState(c, places.start(k), c.x_m, c.y_m, c.on_min)
        for k, c in enumerate(instance.couriers)
    ]
    by_placement = sorted(
        range(len(instance.orders)), key=lambda o: (instance.orders[o].placement_min, o)
    )
    last_off = max((c.off_min for c in instance.couriers), default=0.0)
    first = instance.orders[by_placement[0]].placement_min if by_placement else 0.0
    last_min = max(last_off, first)
    known = 0
    open_orders: list[int] = []
    trips: list[GrubhubTrip] = []
    waves = 0
    views: list[GrubhubWaveView] = []
    now = first
    complete = True
    try:
        while by_placement and now <= last_off and (known < len(by_placement) or open_orders):
            while known < len(by_placement) and _placed_by(
                instance.orders[by_placement[known]], now
            ):
                open_orders.append(by_placement[known])
                known += 1
            considered = [o for o in open_orders if in_horizon(places.orders[o], now, policy)]
            if considered:
                waves += 1
                views.append(GrubhubWaveView(now, tuple(instance.orders[o].id for o in considered)))
                done: set[int] = set()
                for choice in choose_wave(places, policy, now, considered, states):
                    # Commit only when leaving a wave later could delay the pickup (or
                    # the next wave is past the courier's shift end).
                    if choice.assignment.due(now, policy.wave_min):
                        trips.append(_commit(places, now, states[choice.courier], choice))
                        done.update(choice.orders)
                if done:
                    open_orders = [o for o in open_orders if o not in done]
            if progress is not None:
                progress(now, last_min)
            if known < len(by_placement) and not open_orders:
                now = max(now + policy.wave_min, instance.orders[by_placement[known]].placement_min)
            else:
                now += policy.wave_min
    except KeyboardInterrupt:
        complete = False
    undecided = open_orders + [by_placement[k] for k in range(known, len(by_placement))]
    unassigned = tuple(
        _unassigned(instance.orders[o], last_off, complete) for o in sorted(undecided)
    )
    deliveries = deliveries_of(instance, trips)
    metrics = grubhub_metrics(instance, trips, deliveries)
    return GrubhubReplay(
        instance.name,
        policy,
        tuple(trips),
        deliveries,
        unassigned,
        metrics,
        waves,
        complete,
        tuple(views),
    )


def _unassigned(order: GrubhubOrder, last_off_min: float, complete: bool) -> GrubhubUnassigned:
    if not complete:
        return GrubhubUnassigned(
            order.id,
            GrubhubReason.INTERRUPTED,
            "the replay was interrupted before it was dispatched",
        )
    if order.ready_min > last_off_min:
        detail = f"ready at {order.ready_min:g} min, after the last courier's off time"
    else:
        detail = "no courier was free to pick it up before the end of their shift"
    return GrubhubUnassigned(order.id, GrubhubReason.NO_COURIER, detail)
