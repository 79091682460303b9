"""The decision of one wave: candidate bundles per pickup place, matched to couriers.

At a wave at ``now_min`` the dispatcher looks at the known, unassigned orders that will
be ready within ``policy.horizon_min`` (:func:`in_horizon`), builds candidate bundles per
pickup place (every order alone and runs of up to ``max_bundle`` orders in ready-time
order, each with its best drop-off sequence), pairs every bundle with the
``courier_candidates`` couriers that would reach its pickup place first (couriers free
by the next wave or within ``lookahead_min``, who then go on from their last drop-off),
and chooses bundles and couriers with CP-SAT (:func:`solvers.bundling.choose_bundles`:
each order and each courier at most once; serve as many orders as possible, then the
least total click-to-door time with extra weight on the minutes beyond the target).

Each chosen pair is an :class:`Assignment` with the time by which it must be committed
(:attr:`Assignment.commit_by_min`); whether the caller commits it now or leaves the
orders open for a better bundle or courier at the next wave is :meth:`Assignment.due`.

Everything is in minutes (floats).  The CP-SAT search runs on one worker with a
deterministic time limit, so a wave is reproducible.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solvers.budget import Budget
from solvers.bundling import BundleOption, choose_bundles
from solvers.cp_sat import ModelRun
from solvers.instant_dispatch.policy import InstantPolicy
from solvers.instant_dispatch.types import (
    InstantCourier,
    InstantOrder,
    InstantRules,
    TravelMinutes,
    validate_wave_input,
)

# Objective of the wave assignment: CP-SAT sees costs in tenths of a minute.
COST_RESOLUTION = 10
# Reward per order served, minutes: far above any click-to-door time, so the number of
# orders served comes first.
SERVE_REWARD_MIN = 1000.0
# With ``policy.defer_objective``: minutes by which serving an order now must beat its
# deferred estimate (one objective unit, so that a pair as good now as later is kept).
DEFER_MARGIN_MIN = 0.1


@dataclass(frozen=True, slots=True)
class CandidateBundle:
    """Orders of one pickup place that one courier could take in one trip.

    Attributes:
        pickup_place: where they are collected.
        orders: positions in the wave's order list, in delivery sequence.
        ready_min: when the last of them is ready.
        drop_offsets_min: minutes from leaving the pickup place to each drop-off.
        end_offset_min: minutes from leaving the pickup place to leaving the last door.
    """

    pickup_place: int
    orders: tuple[int, ...]
    ready_min: float
    drop_offsets_min: tuple[float, ...]
    end_offset_min: float


@dataclass(frozen=True, slots=True)
class Assignment:
    """A bundle given to a courier at a wave, with its times if committed at that wave.

    Attributes:
        courier_id: the courier.
        pickup_place: where the orders are collected.
        order_ids: the orders in delivery sequence.
        ready_min: when the last of them is ready.
        depart_min: when the courier leaves for the pickup place (now, or when free).
        arrive_min: arrival at the pickup place.
        pickup_min: the later of ``ready_min`` and arrival plus half the pickup service.
        drop_offsets_min: minutes from leaving the pickup place to each drop-off.
        end_offset_min: minutes from leaving the pickup place to leaving the last door.
        commit_by_min: the latest departure that does not delay the pickup past the
            food being ready (less ``policy.commit_slack_min``).
        shift_end_min: the courier's shift end (no pickup after it).
        at_departure: commit the pair only at the last wave before its courier must
            leave (``policy.commit_at_departure``, :meth:`due`).
    """

    courier_id: str
    pickup_place: int
    order_ids: tuple[str, ...]
    ready_min: float
    depart_min: float
    arrive_min: float
    pickup_min: float
    drop_offsets_min: tuple[float, ...]
    end_offset_min: float
    commit_by_min: float
    shift_end_min: float
    at_departure: bool = True

    def due(self, now_min: float, wave_min: float) -> bool:
        """Whether to commit at the wave at ``now_min``, or the next wave is past the
        courier's shift end.  With :attr:`at_departure`: the next wave is past when the
        courier must leave (the later of its departure and the commit-by time), so a
        busy courier's next trip stays open until it is free; without (the old rule):
        leaving a wave after the departure could delay the pickup, which fixes a busy
        courier's next trip as soon as its order is late."""
        if now_min + wave_min > self.shift_end_min:
            return True
        if self.at_departure:
            return now_min + wave_min > max(self.depart_min, self.commit_by_min)
        return self.depart_min + wave_min > self.commit_by_min


@dataclass(frozen=True, slots=True)
class WaveDecision:
    """The pairs chosen at a wave (in the order of the options CP-SAT saw) and its run."""

    assignments: tuple[Assignment, ...]
    run: ModelRun | None


def in_horizon(order: InstantOrder, now_min: float, policy: InstantPolicy) -> bool:
    """Whether a wave at ``now_min`` considers the order (ready within the horizon)."""
    return order.ready_min <= now_min + policy.horizon_min


def _sequence(
    matrix: list[list[float]], members: Sequence[int], half_dropoff_min: float
) -> tuple[tuple[int, ...], tuple[float, ...], float]:
    """Best drop-off order (least sum of drop-off offsets) of the members, and its offsets.

    ``matrix`` is the travel between row/column 0 (the pickup place) and the members'
    doors (row/column ``m + 1``)."""
    best: tuple[float, tuple[int, ...], tuple[float, ...], float] | None = None
    for perm in itertools.permutations(range(len(members))):
        clock = 0.0
        at = 0
        offsets: list[float] = []
        for k in perm:
            nxt = members[k] + 1
            clock += matrix[at][nxt] + half_dropoff_min
            offsets.append(clock)
            clock += half_dropoff_min
            at = nxt
        total = sum(offsets)
        if best is None or total < best[0]:
            best = (total, perm, tuple(offsets), clock)
    assert best is not None
    return best[1], best[2], best[3]


def candidate_bundles(
    orders: Sequence[InstantOrder],
    travel: TravelMinutes,
    rules: InstantRules,
    max_bundle: int,
) -> list[CandidateBundle]:
    """Candidate bundles: each order alone and runs in ready-time order per pickup place
    (places in increasing order; ties in ready time by position in ``orders``)."""
    by_place: dict[int, list[int]] = {}
    for k, o in enumerate(orders):
        by_place.setdefault(o.pickup_place, []).append(k)
    half = rules.dropoff_service_min / 2.0
    result: list[CandidateBundle] = []
    for place, members in sorted(by_place.items()):
        members.sort(key=lambda k: (orders[k].ready_min, k))
        places = np.array([place, *(orders[k].dropoff_place for k in members)], dtype=np.int64)
        matrix = np.asarray(travel(places[:, None], places[None, :]), dtype=np.float64).tolist()
        for size in range(1, min(max_bundle, len(members)) + 1):
            for start in range(len(members) - size + 1):
                group = list(range(start, start + size))
                perm, offsets, end = _sequence(matrix, group, half)
                result.append(
                    CandidateBundle(
                        place,
                        tuple(members[group[k]] for k in perm),
                        max(orders[members[g]].ready_min for g in group),
                        offsets,
                        end,
                    )
                )
    return result


def _added_pay(courier: InstantCourier, orders: int, rules: InstantRules) -> float:
    """Pay that ``orders`` more orders add to the courier's day: ``pay_per_order`` for
    each beyond its guaranteed orders."""
    before = max(0.0, courier.delivered_orders - courier.guaranteed_orders)
    after = max(0.0, courier.delivered_orders + orders - courier.guaranteed_orders)
    return rules.pay_per_order * (after - before)


def decide_wave(
    now_min: float,
    orders: Sequence[InstantOrder],
    couriers: Sequence[InstantCourier],
    *,
    travel: TravelMinutes,
    rules: InstantRules,
    policy: InstantPolicy,
) -> WaveDecision:
    """The (courier, bundle) pairs chosen at the wave at ``now_min``.

    ``orders`` are the known, unassigned orders (those not :func:`in_horizon` are left
    out here); ``couriers`` every courier on shift or about to be.  Ends within
    ``policy.wave_search_s`` wall-clock seconds (plus CP-SAT's floor
    :data:`solvers.cp_sat.MIN_TIME_LIMIT_S`).

    Raises:
        InvalidInputError: a bad order or courier (:func:`validate_wave_input`), among
            them an order placed after ``now_min``.
    """
    budget = Budget.start(policy.wave_search_s)
    validate_wave_input(now_min, orders, couriers, travel)
    pending = [o for o in orders if in_horizon(o, now_min, policy)]
    next_wave = now_min + max(policy.wave_min, policy.lookahead_min)
    available = [c for c in couriers if c.free_min <= next_wave and c.shift_end_min >= now_min]
    if not available or not pending:
        return WaveDecision((), None)
    cplaces = np.array([c.place for c in available], dtype=np.int64)
    depart = np.array([max(now_min, c.free_min) for c in available])
    off = np.array([c.shift_end_min for c in available])
    half_p = rules.pickup_service_min / 2.0
    target = rules.target_click_to_door_min
    pairs: list[Assignment] = []
    options: list[BundleOption] = []
    travel_to: dict[int, np.ndarray] = {}
    deferred = (
        _deferred_cost(now_min, pending, couriers, travel=travel, rules=rules, policy=policy)
        if policy.defer_objective
        else None
    )
    for bundle in candidate_bundles(pending, travel, rules, policy.max_bundle):
        place = bundle.pickup_place
        if place not in travel_to:
            travel_to[place] = np.asarray(
                travel(cplaces, np.array([place], dtype=np.int64)), dtype=np.float64
            )
        to_pickup = travel_to[place]
        arrive = depart + to_pickup
        pickup = np.maximum(bundle.ready_min, arrive + half_p)
        feasible = np.flatnonzero(pickup <= off)
        if feasible.size == 0:
            continue
        chosen = feasible[np.lexsort((feasible, arrive[feasible]))][: policy.courier_candidates]
        leave = pickup[chosen] + half_p
        members = [pending[k] for k in bundle.orders]
        order_ids = tuple(o.id for o in members)
        for k, c in enumerate(chosen):
            courier = available[int(c)]
            cost = 0.0
            for o, offset, pos in zip(members, bundle.drop_offsets_min, bundle.orders, strict=True):
                cost += _order_cost(now_min, o, leave[k] + offset, target, policy)
                if deferred is not None:
                    # Against the order's estimated cost if left for a later wave: serve
                    # now only what is better now (a small margin keeps reservations).
                    best, best_id, second = deferred[pos]
                    cost -= (second if best_id == courier.id else best) + DEFER_MARGIN_MIN
                else:
                    # A reward for serving, and one that grows with the order's age so
                    # that old orders are not starved by new ones.
                    cost -= SERVE_REWARD_MIN + policy.age_weight * (now_min - o.placement_min)
            if policy.courier_time_weight > 0:
                busy_min = leave[k] + bundle.end_offset_min - depart[c]
                cost += policy.courier_time_weight * busy_min
            if policy.pay_weight > 0:
                cost += policy.pay_weight * _added_pay(courier, len(members), rules)
            commit_by = float(bundle.ready_min - half_p - to_pickup[c] - policy.commit_slack_min)
            pairs.append(
                Assignment(
                    courier_id=courier.id,
                    pickup_place=place,
                    order_ids=order_ids,
                    ready_min=bundle.ready_min,
                    depart_min=float(depart[c]),
                    arrive_min=float(arrive[c]),
                    pickup_min=float(pickup[c]),
                    drop_offsets_min=bundle.drop_offsets_min,
                    end_offset_min=bundle.end_offset_min,
                    commit_by_min=commit_by,
                    shift_end_min=courier.shift_end_min,
                    at_departure=bool(policy.commit_at_departure),
                )
            )
            options.append(BundleOption(courier.id, order_ids, float(cost)))
    result = choose_bundles(
        options,
        resolution=COST_RESOLUTION,
        seed=0,
        time_limit_s=budget.remaining_s(),
        deterministic_time_s=policy.wave_search_s,
        fallback=True,
        hint=bool(policy.greedy_hint),
    )
    return WaveDecision(tuple(pairs[k] for k in result.chosen), result.run)


def _order_cost(
    now_min: float, order: InstantOrder, door_min: float, target_min: float, policy: InstantPolicy
) -> float:
    """An order's cost in the wave's objective if dropped off at ``door_min``: minutes
    from now to its door, plus ``overage_weight`` per minute beyond the target."""
    overage = max(0.0, door_min - order.placement_min - target_min)
    return door_min - now_min + policy.overage_weight * overage


def _deferred_cost(
    now_min: float,
    pending: Sequence[InstantOrder],
    couriers: Sequence[InstantCourier],
    *,
    travel: TravelMinutes,
    rules: InstantRules,
    policy: InstantPolicy,
) -> list[tuple[float, str, float]]:
    """Each pending order's estimated cost if it is not served at this wave: alone, by
    the courier that would bring it first when leaving no earlier than the next wave
    (every courier on shift, however long it is still busy: its exact free time and
    place), plus ``policy.defer_penalty_min``; :data:`SERVE_REWARD_MIN` when no courier
    could pick it up before its shift ends.

    Per order: (that cost, that courier's id, the cost with the second courier), so a
    pair can be weighed against the order's best alternative without its own courier."""
    on_shift = [c for c in couriers if c.shift_end_min >= now_min]
    half_p = rules.pickup_service_min / 2.0
    half_d = rules.dropoff_service_min / 2.0
    result = [(SERVE_REWARD_MIN, "", SERVE_REWARD_MIN)] * len(pending)
    if not on_shift:
        return result
    places = np.array([c.place for c in on_shift], dtype=np.int64)
    depart = np.array([max(now_min + policy.wave_min, c.free_min) for c in on_shift])
    off = np.array([c.shift_end_min for c in on_shift])
    to_place: dict[int, np.ndarray] = {}
    target = rules.target_click_to_door_min
    for k, o in enumerate(pending):
        if o.pickup_place not in to_place:
            to_place[o.pickup_place] = np.asarray(
                travel(places, np.array([o.pickup_place], dtype=np.int64)), dtype=np.float64
            )
        pickup = np.maximum(o.ready_min, depart + to_place[o.pickup_place] + half_p)
        pickup[pickup > off] = np.inf
        order = np.argsort(pickup, kind="stable")[:2]
        if not math.isfinite(float(pickup[order[0]])):
            continue
        to_door = float(
            np.asarray(
                travel(
                    np.array([o.pickup_place], dtype=np.int64),
                    np.array([o.dropoff_place], dtype=np.int64),
                )
            )[0]
        )
        costs = [
            _order_cost(now_min, o, float(pickup[j]) + half_p + to_door + half_d, target, policy)
            + policy.defer_penalty_min
            if math.isfinite(float(pickup[j]))
            else SERVE_REWARD_MIN
            for j in order
        ]
        second = costs[1] if len(costs) > 1 else SERVE_REWARD_MIN
        result[k] = (costs[0], on_shift[int(order[0])].id, second)
    return result
