"""Replay of a Grubhub MDRP instance under the family's rules with a rolling-horizon dispatcher.

The rules (``../shared/data/bench/README.md``, ``grubhub_mdrp/``; Reyes et al., 2018):

* travel between two points takes ``ceil(metres / meters_per_minute)`` minutes;
* a courier collects a bundle of orders of one restaurant: pickup time = the later of the
  bundle's latest ready time and arrival plus half the pickup service; the courier leaves
  half a service later; each drop-off happens half a drop-off service after arrival and
  the courier leaves half a service later;
* no pickup after the courier's off time (drop-offs after it are allowed); couriers wait
  where they last dropped off (at their start before the first trip); a courier who has
  been sent is never redirected; an order is known from its placement time only.

The dispatcher runs every ``policy.wave_min`` minutes.  At a wave at time ``t`` it looks at
the known, unassigned orders that will be ready within ``policy.horizon_min``, builds
candidate bundles per restaurant (every order alone and runs of up to ``max_bundle``
orders in ready-time order, each with its best drop-off sequence), pairs every bundle
with the ``courier_candidates`` couriers that would reach its restaurant first (couriers
free by the next wave or within ``lookahead_min``, who then go on from their last
drop-off), and chooses bundles and couriers with CP-SAT (each order and
each courier at most once; serve as many orders as possible, then the least total
click-to-door time with extra weight on the minutes beyond the target).  A chosen pair
is committed only when waiting one more wave could make its pickup later than the food
is ready; otherwise the orders stay open for a better bundle or courier.  Committed
trips never change.

Everything is in minutes (floats; half a service can be a half minute).  The replay is
deterministic: the CP-SAT search runs on one worker with a deterministic time limit.

:func:`check_grubhub_replay` re-derives every trip from the rules and the instance alone;
:func:`grubhub_metrics` computes the family's standard metrics.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from scenarios.grubhub import GrubhubCourier, GrubhubInstance, GrubhubOrder
from scenarios.policy_json import numeric_policy_from_json
from solvers.errors import InvalidInputError

REASON_NO_COURIER = "no_courier"
REASON_INTERRUPTED = "interrupted"

# Objective weights of the wave assignment (integer CP-SAT costs, tenths of a minute).
_SCALE = 10
_SERVE_REWARD_MIN = 1000.0


@dataclass(frozen=True)
class GrubhubPolicy:
    """How the rolling-horizon dispatcher works.

    Attributes:
        wave_min: minutes between dispatch waves.
        horizon_min: orders ready within this many minutes of a wave are considered.
        max_bundle: most orders of one restaurant in one trip (1 = no bundling).
        courier_candidates: couriers considered per bundle (those arriving first).
        overage_weight: extra cost per click-to-door minute beyond the target.
        age_weight: reward per minute an order has waited since placement (serves the
            oldest orders first when couriers are scarce).
        commit_slack_min: commit a chosen pair this many minutes earlier than the rule
            "one more wave could delay the pickup" says (negative: later).
        lookahead_min: couriers who finish their trip within this many minutes (or by
            the next wave) are candidates; a pair with such a courier is its next trip.
        wave_search_s: CP-SAT deterministic time limit per wave.
    """

    wave_min: float = 2.0
    horizon_min: float = 20.0
    max_bundle: int = 3
    courier_candidates: int = 8
    overage_weight: float = 2.0
    age_weight: float = 2.0
    commit_slack_min: float = 0.0
    lookahead_min: float = 5.0
    wave_search_s: float = 0.5

    def __post_init__(self) -> None:
        if not (math.isfinite(self.wave_min) and self.wave_min > 0):
            raise InvalidInputError("wave_min", f"must be > 0, got {self.wave_min}")
        if not (math.isfinite(self.horizon_min) and self.horizon_min >= 0):
            raise InvalidInputError("horizon_min", f"must be >= 0, got {self.horizon_min}")
        if self.max_bundle < 1:
            raise InvalidInputError("max_bundle", f"must be >= 1, got {self.max_bundle}")
        if self.courier_candidates < 1:
            raise InvalidInputError(
                "courier_candidates", f"must be >= 1, got {self.courier_candidates}"
            )
        if not (math.isfinite(self.overage_weight) and self.overage_weight >= 0):
            raise InvalidInputError("overage_weight", f"must be >= 0, got {self.overage_weight}")
        if not (math.isfinite(self.age_weight) and self.age_weight >= 0):
            raise InvalidInputError("age_weight", f"must be >= 0, got {self.age_weight}")
        if not math.isfinite(self.commit_slack_min):
            raise InvalidInputError("commit_slack_min", "must be a finite number")
        if not (math.isfinite(self.lookahead_min) and self.lookahead_min >= 0):
            raise InvalidInputError("lookahead_min", f"must be >= 0, got {self.lookahead_min}")
        if not (math.isfinite(self.wave_search_s) and self.wave_search_s > 0):
            raise InvalidInputError("wave_search_s", f"must be > 0, got {self.wave_search_s}")


@dataclass(frozen=True)
class GrubhubTrip:
    """A committed trip: a courier collects ``order_ids`` at a restaurant, drops them in order."""

    courier_id: str
    restaurant_id: str
    order_ids: tuple[str, ...]
    dispatched_min: float
    depart_min: float
    arrive_restaurant_min: float
    pickup_min: float
    dropoff_min: tuple[float, ...]
    end_min: float


@dataclass(frozen=True)
class GrubhubDelivery:
    """An order delivered: who, when it was picked up and dropped off."""

    order_id: str
    courier_id: str
    pickup_min: float
    dropoff_min: float
    click_to_door_min: float
    ready_to_pickup_min: float


@dataclass(frozen=True)
class GrubhubUnassigned:
    """An order not delivered, with a reason code and a sentence."""

    order_id: str
    reason: str
    detail: str


@dataclass(frozen=True)
class GrubhubMetrics:
    """The family's standard metrics (minutes and dollars).

    ``overage_mean_min`` is the mean over delivered orders of the minutes beyond the
    target click-to-door; ``late`` counts delivered orders beyond the target;
    ``courier_utilisation_pct`` is the share of the couriers' total shift minutes spent
    on trips (from leaving for the restaurant to leaving the last drop-off).
    """

    orders_total: int
    delivered: int
    not_delivered: int
    not_delivered_pct: float
    late: int
    click_to_door_mean_min: float
    click_to_door_p90_min: float
    overage_mean_min: float
    ready_to_pickup_mean_min: float
    total_pay: float
    cost_per_order: float
    courier_utilisation_pct: float
    orders_per_bundle: float
    couriers: int
    courier_hours: float


@dataclass(frozen=True)
class GrubhubReplay:
    """The outcome of a replay: trips, deliveries, undelivered orders and metrics.

    ``complete`` is False when the replay was interrupted (Ctrl-C); the orders not yet
    decided are then unassigned with reason ``interrupted``.
    """

    instance: str
    policy: GrubhubPolicy
    trips: tuple[GrubhubTrip, ...]
    deliveries: tuple[GrubhubDelivery, ...]
    unassigned: tuple[GrubhubUnassigned, ...]
    metrics: GrubhubMetrics
    waves: int
    complete: bool = True

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``kpis`` (the common keys and the family's metrics) and details."""
        metrics = asdict(self.metrics)
        kpis: dict[str, Any] = {
            "orders_total": self.metrics.orders_total,
            "delivered": self.metrics.delivered,
            "collected": 0,
            "unassigned": self.metrics.not_delivered,
            "late": self.metrics.late,
            **metrics,
        }
        return {
            "instance": self.instance,
            "family": "grubhub_mdrp",
            "complete": self.complete,
            "waves": self.waves,
            "policy": asdict(self.policy),
            "kpis": kpis,
            "unassigned": [asdict(u) for u in self.unassigned],
            "trips": [asdict(t) for t in self.trips],
        }


@dataclass
class _CourierState:
    courier: GrubhubCourier
    x_m: float
    y_m: float
    free_min: float
    delivered: int = 0
    trips: list[GrubhubTrip] = field(default_factory=list)


@dataclass(frozen=True)
class _Bundle:
    restaurant: int
    orders: tuple[int, ...]  # delivery sequence (order indices)
    ready_min: float
    drop_offsets_min: tuple[float, ...]  # from leaving the restaurant to each drop-off
    end_offset_min: float  # from leaving the restaurant to leaving the last drop-off


def _travel(instance: GrubhubInstance, x0: float, y0: float, x1: float, y1: float) -> float:
    return instance.travel_min(x0, y0, x1, y1)


def _sequence(
    instance: GrubhubInstance, rx: float, ry: float, orders: Sequence[GrubhubOrder]
) -> tuple[tuple[int, ...], tuple[float, ...], float]:
    """Best drop-off order of a bundle (least sum of drop-off offsets) and its offsets."""
    half = instance.parameters.dropoff_service_min / 2.0
    best: tuple[float, tuple[int, ...], tuple[float, ...], float] | None = None
    for perm in itertools.permutations(range(len(orders))):
        clock = 0.0
        x, y = rx, ry
        offsets: list[float] = []
        for k in perm:
            clock += _travel(instance, x, y, orders[k].x_m, orders[k].y_m) + half
            offsets.append(clock)
            clock += half
            x, y = orders[k].x_m, orders[k].y_m
        total = sum(offsets)
        if best is None or total < best[0]:
            best = (total, perm, tuple(offsets), clock)
    assert best is not None
    return best[1], best[2], best[3]


def _bundles(instance: GrubhubInstance, pending: Sequence[int], max_bundle: int) -> list[_Bundle]:
    """Candidate bundles: each order alone and runs in ready-time order per restaurant."""
    index = {r.id: i for i, r in enumerate(instance.restaurants)}
    by_restaurant: dict[int, list[int]] = {}
    for o in pending:
        by_restaurant.setdefault(index[instance.orders[o].restaurant_id], []).append(o)
    result: list[_Bundle] = []
    for r, members in sorted(by_restaurant.items()):
        restaurant = instance.restaurants[r]
        members.sort(key=lambda o: (instance.orders[o].ready_min, o))
        for size in range(1, min(max_bundle, len(members)) + 1):
            for start in range(len(members) - size + 1):
                group = members[start : start + size]
                perm, offsets, end = _sequence(
                    instance, restaurant.x_m, restaurant.y_m, [instance.orders[o] for o in group]
                )
                result.append(
                    _Bundle(
                        r,
                        tuple(group[k] for k in perm),
                        max(instance.orders[o].ready_min for o in group),
                        offsets,
                        end,
                    )
                )
    return result


def _pickup(instance: GrubhubInstance, arrive_min: float, ready_min: float) -> float:
    return max(ready_min, arrive_min + instance.parameters.pickup_service_min / 2.0)


def _wave(
    instance: GrubhubInstance,
    policy: GrubhubPolicy,
    now_min: float,
    pending: Sequence[int],
    couriers: Sequence[_CourierState],
) -> list[tuple[int, _Bundle]]:
    """Choose (courier index, bundle) pairs for this wave (before the commit rule)."""
    params = instance.parameters
    next_wave = now_min + max(policy.wave_min, policy.lookahead_min)
    available = [
        c
        for c, s in enumerate(couriers)
        if max(s.free_min, s.courier.on_min) <= next_wave and s.courier.off_min >= now_min
    ]
    if not available or not pending:
        return []
    cx = np.array([couriers[c].x_m for c in available])
    cy = np.array([couriers[c].y_m for c in available])
    depart = np.array(
        [max(now_min, couriers[c].free_min, couriers[c].courier.on_min) for c in available]
    )
    off = np.array([couriers[c].courier.off_min for c in available])
    placement = {o: instance.orders[o].placement_min for o in pending}
    candidates: list[tuple[int, _Bundle, int]] = []  # courier, bundle, cost
    for bundle in _bundles(instance, pending, policy.max_bundle):
        restaurant = instance.restaurants[bundle.restaurant]
        travel = np.ceil(
            np.hypot(cx - restaurant.x_m, cy - restaurant.y_m) / params.meters_per_minute
        )
        arrive = depart + travel
        pickup = np.maximum(bundle.ready_min, arrive + params.pickup_service_min / 2.0)
        feasible = np.flatnonzero(pickup <= off)
        if feasible.size == 0:
            continue
        order = feasible[np.lexsort((feasible, arrive[feasible]))][: policy.courier_candidates]
        leave = pickup[order] + params.pickup_service_min / 2.0
        for k, c in enumerate(order):
            cost = 0.0
            for o, offset in zip(bundle.orders, bundle.drop_offsets_min, strict=True):
                ctd = leave[k] + offset - placement[o]
                # Minutes from now to the door, less a reward that grows with the order's
                # age so that old orders are not starved by new ones.
                cost += leave[k] + offset - now_min - _SERVE_REWARD_MIN
                cost -= policy.age_weight * (now_min - placement[o])
                cost += policy.overage_weight * max(0.0, ctd - params.target_click_to_door_min)
            candidates.append((available[int(c)], bundle, round(cost * _SCALE)))
    if not candidates:
        return []
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{i}") for i in range(len(candidates))]
    by_courier: dict[int, list[cp_model.IntVar]] = {}
    by_order: dict[int, list[cp_model.IntVar]] = {}
    for var, (c, bundle, _) in zip(chosen, candidates, strict=True):
        by_courier.setdefault(c, []).append(var)
        for o in bundle.orders:
            by_order.setdefault(o, []).append(var)
    for group in (*by_courier.values(), *by_order.values()):
        if len(group) > 1:
            model.add_at_most_one(group)
    model.minimize(sum(cost * var for var, (_, _, cost) in zip(chosen, candidates, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = policy.wave_search_s
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    return [
        (c, bundle)
        for var, (c, bundle, _) in zip(chosen, candidates, strict=True)
        if solver.boolean_value(var)
    ]


def _commit(
    instance: GrubhubInstance, now_min: float, state: _CourierState, bundle: _Bundle
) -> GrubhubTrip:
    restaurant = instance.restaurants[bundle.restaurant]
    depart = max(now_min, state.free_min, state.courier.on_min)
    arrive = depart + _travel(instance, state.x_m, state.y_m, restaurant.x_m, restaurant.y_m)
    pickup = _pickup(instance, arrive, bundle.ready_min)
    leave = pickup + instance.parameters.pickup_service_min / 2.0
    last = instance.orders[bundle.orders[-1]]
    trip = GrubhubTrip(
        courier_id=state.courier.id,
        restaurant_id=restaurant.id,
        order_ids=tuple(instance.orders[o].id for o in bundle.orders),
        dispatched_min=now_min,
        depart_min=depart,
        arrive_restaurant_min=arrive,
        pickup_min=pickup,
        dropoff_min=tuple(leave + offset for offset in bundle.drop_offsets_min),
        end_min=leave + bundle.end_offset_min,
    )
    state.x_m, state.y_m = last.x_m, last.y_m
    state.free_min = trip.end_min
    state.delivered += len(bundle.orders)
    state.trips.append(trip)
    return trip


def replay_grubhub(
    instance: GrubhubInstance,
    policy: GrubhubPolicy | None = None,
    *,
    progress: Callable[[float, float], None] | None = None,
) -> GrubhubReplay:
    """Replay the instance's day with the rolling-horizon dispatcher.

    ``progress(now_min, last_min)`` is called after every wave.  Ctrl-C
    (``KeyboardInterrupt``) during the replay ends it early: the result then has
    ``complete=False`` and the orders not yet dispatched are unassigned with reason
    ``interrupted``, so the caller can still write its KPIs.
    """
    policy = policy or GrubhubPolicy()
    params = instance.parameters
    states = [_CourierState(c, c.x_m, c.y_m, c.on_min) for c in instance.couriers]
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
    now = first
    complete = True
    try:
        while by_placement and now <= last_off and (known < len(by_placement) or open_orders):
            while known < len(by_placement) and (
                instance.orders[by_placement[known]].placement_min <= now
            ):
                open_orders.append(by_placement[known])
                known += 1
            considered = [
                o for o in open_orders if instance.orders[o].ready_min <= now + policy.horizon_min
            ]
            if considered:
                waves += 1
                done: set[int] = set()
                for c, bundle in _wave(instance, policy, now, considered, states):
                    state = states[c]
                    restaurant = instance.restaurants[bundle.restaurant]
                    depart = max(now, state.free_min, state.courier.on_min)
                    arrive = depart + _travel(
                        instance, state.x_m, state.y_m, restaurant.x_m, restaurant.y_m
                    )
                    # Commit only when leaving a wave later could delay the pickup.
                    arrive_later = (
                        arrive
                        + policy.wave_min
                        + policy.commit_slack_min
                        + params.pickup_service_min / 2.0
                    )
                    late_enough = arrive_later > bundle.ready_min
                    if late_enough or now + policy.wave_min > state.courier.off_min:
                        trips.append(_commit(instance, now, state, bundle))
                        done.update(bundle.orders)
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
    deliveries = _deliveries(instance, trips)
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
    )


def _unassigned(order: GrubhubOrder, last_off_min: float, complete: bool) -> GrubhubUnassigned:
    if not complete:
        return GrubhubUnassigned(
            order.id, REASON_INTERRUPTED, "the replay was interrupted before it was dispatched"
        )
    if order.ready_min > last_off_min:
        detail = f"ready at {order.ready_min:g} min, after the last courier's off time"
    else:
        detail = "no courier was free to pick it up before the end of their shift"
    return GrubhubUnassigned(order.id, REASON_NO_COURIER, detail)


def _deliveries(
    instance: GrubhubInstance, trips: Sequence[GrubhubTrip]
) -> tuple[GrubhubDelivery, ...]:
    orders = {o.id: o for o in instance.orders}
    result: list[GrubhubDelivery] = []
    for trip in trips:
        for order_id, drop in zip(trip.order_ids, trip.dropoff_min, strict=True):
            order = orders[order_id]
            result.append(
                GrubhubDelivery(
                    order_id,
                    trip.courier_id,
                    trip.pickup_min,
                    drop,
                    drop - order.placement_min,
                    trip.pickup_min - order.ready_min,
                )
            )
    return tuple(sorted(result, key=lambda d: d.order_id))


def grubhub_metrics(
    instance: GrubhubInstance,
    trips: Sequence[GrubhubTrip],
    deliveries: Sequence[GrubhubDelivery],
) -> GrubhubMetrics:
    """The family's metrics for a set of trips and the deliveries they made."""
    params = instance.parameters
    total = len(instance.orders)
    delivered = len(deliveries)
    ctd = np.array([d.click_to_door_min for d in deliveries], dtype=float)
    rtp = np.array([d.ready_to_pickup_min for d in deliveries], dtype=float)
    per_courier: dict[str, int] = {}
    busy: dict[str, float] = {}
    for trip in trips:
        per_courier[trip.courier_id] = per_courier.get(trip.courier_id, 0) + len(trip.order_ids)
        busy[trip.courier_id] = busy.get(trip.courier_id, 0.0) + trip.end_min - trip.depart_min
    pay = sum(
        max(
            params.pay_per_order * per_courier.get(c.id, 0),
            params.guaranteed_pay_per_hour * c.shift_h,
        )
        for c in instance.couriers
    )
    shift_min = sum(c.off_min - c.on_min for c in instance.couriers)
    nan = math.nan
    return GrubhubMetrics(
        orders_total=total,
        delivered=delivered,
        not_delivered=total - delivered,
        not_delivered_pct=100.0 * (total - delivered) / total if total else 0.0,
        late=int(np.sum(ctd > params.target_click_to_door_min)),
        click_to_door_mean_min=float(ctd.mean()) if delivered else nan,
        click_to_door_p90_min=float(np.percentile(ctd, 90)) if delivered else nan,
        overage_mean_min=(
            float(np.maximum(ctd - params.target_click_to_door_min, 0.0).mean())
            if delivered
            else nan
        ),
        ready_to_pickup_mean_min=float(rtp.mean()) if delivered else nan,
        total_pay=float(pay),
        cost_per_order=float(pay / delivered) if delivered else nan,
        courier_utilisation_pct=100.0 * sum(busy.values()) / shift_min if shift_min else 0.0,
        orders_per_bundle=delivered / len(trips) if trips else 0.0,
        couriers=len(instance.couriers),
        courier_hours=shift_min / 60.0,
    )


def check_grubhub_replay(instance: GrubhubInstance, replay: GrubhubReplay) -> tuple[str, ...]:
    """Every broken rule of a replay, re-derived from the instance alone (empty when sound).

    Checks conservation (each order exactly once: delivered or unassigned with a reason),
    that every trip follows the family's rules from where and when its courier was, that
    no order was dispatched before it was placed, and the deliveries' times.
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


def policy_from_json(data: object, *, source: str = "policy") -> GrubhubPolicy:
    """A policy from a JSON object of :class:`GrubhubPolicy` fields (others keep defaults).

    Raises :class:`InvalidInputError` listing every unknown or ill-typed field.
    """
    return numeric_policy_from_json(
        GrubhubPolicy,
        data,
        source=source,
    )
