"""The Grubhub rolling-horizon dispatcher: its policy and the decision of one wave.

At a wave at time ``t`` the dispatcher looks at the known, unassigned orders that will
be ready within ``policy.horizon_min``, builds candidate bundles per restaurant (every
order alone and runs of up to ``max_bundle`` orders in ready-time order, each with its
best drop-off sequence), pairs every bundle with the ``courier_candidates`` couriers
that would reach its restaurant first (couriers free by the next wave or within
``lookahead_min``, who then go on from their last drop-off), and chooses bundles and
couriers with CP-SAT (:func:`solvers.bundling.choose_bundles`: each order and each
courier at most once; serve as many orders as possible, then the least total
click-to-door time with extra weight on the minutes beyond the target).  Whether a
chosen pair is committed, and everything that follows from it, is the simulation's
(:mod:`scenarios.grubhub_sim`).

Everything is in minutes (floats; half a service can be a half minute).  The CP-SAT
search runs on one worker with a deterministic time limit, so a wave is reproducible.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.limits import DAY_S, MAX_COURIERS, MAX_GRUBHUB_MINUTES, MAX_GRUBHUB_RATE, MIN_WAVE_S
from scenarios.grubhub import GrubhubCourier, GrubhubInstance, GrubhubOrder
from scenarios.policy_json import bounded, check_bounds, numeric_policy_from_json
from solvers.budget import Budget
from solvers.bundling import BundleOption, choose_bundles
from solvers.errors import InvalidInputError

# Objective of the wave assignment: CP-SAT sees costs in tenths of a minute.
COST_RESOLUTION = 10
# Reward per order served, minutes: far above any click-to-door time, so the number of
# orders served comes first.
_SERVE_REWARD_MIN = 1000.0
# Most orders of one restaurant in a trip (their delivery orders are all tried), and the
# CP-SAT seconds per wave, that a policy may ask for.
MAX_BUNDLE = 6  # delivery orders are enumerated: 6! = 720
MAX_WAVE_SEARCH_S = 3600.0


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
        wave_search_s: the budget of one wave's decision, seconds: CP-SAT's
            deterministic time limit (reproducible), and the wall-clock limit of the whole
            wave (building the candidate bundles counts against it; CP-SAT gets what is
            left), so a wave never runs past it on a loaded machine either.
    """

    wave_min: float = bounded(2.0, ge=MIN_WAVE_S / 60, le=DAY_S / 60)
    horizon_min: float = bounded(20.0, ge=0, le=MAX_GRUBHUB_MINUTES)
    max_bundle: int = bounded(3, ge=1, le=MAX_BUNDLE)
    courier_candidates: int = bounded(8, ge=1, le=MAX_COURIERS)
    overage_weight: float = bounded(2.0, ge=0, le=MAX_GRUBHUB_RATE)
    age_weight: float = bounded(2.0, ge=0, le=MAX_GRUBHUB_RATE)
    commit_slack_min: float = bounded(0.0, ge=-MAX_GRUBHUB_MINUTES, le=MAX_GRUBHUB_MINUTES)
    lookahead_min: float = bounded(5.0, ge=0, le=MAX_GRUBHUB_MINUTES)
    wave_search_s: float = bounded(0.5, gt=0, le=MAX_WAVE_SEARCH_S)

    def __post_init__(self) -> None:
        # The ranges first (core.limits): a wave under a second would mean millions of
        # waves a day.
        check_bounds(self, "GrubhubPolicy")
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
class CandidateBundle:
    """Orders of one restaurant that one courier could take in one trip.

    Attributes:
        restaurant: the restaurant's index in the instance.
        orders: the order indices in delivery sequence.
        ready_min: when the last of them is ready.
        drop_offsets_min: minutes from leaving the restaurant to each drop-off.
        end_offset_min: minutes from leaving the restaurant to leaving the last drop-off.
    """

    restaurant: int
    orders: tuple[int, ...]
    ready_min: float
    drop_offsets_min: tuple[float, ...]
    end_offset_min: float


class CourierView(Protocol):
    """Where and from when a courier is free, as the dispatcher reads it."""

    @property
    def courier(self) -> GrubhubCourier:
        """The courier (shift times)."""
        ...

    @property
    def x_m(self) -> float:
        """Where it is free (its last drop-off, or its start), metres."""
        ...

    @property
    def y_m(self) -> float:
        """Where it is free, metres."""
        ...

    @property
    def free_min(self) -> float:
        """When it is free, minutes."""
        ...


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
            clock += instance.travel_min(x, y, orders[k].x_m, orders[k].y_m) + half
            offsets.append(clock)
            clock += half
            x, y = orders[k].x_m, orders[k].y_m
        total = sum(offsets)
        if best is None or total < best[0]:
            best = (total, perm, tuple(offsets), clock)
    assert best is not None
    return best[1], best[2], best[3]


def candidate_bundles(
    instance: GrubhubInstance, pending: Sequence[int], max_bundle: int
) -> list[CandidateBundle]:
    """Candidate bundles: each order alone and runs in ready-time order per restaurant."""
    index = {r.id: i for i, r in enumerate(instance.restaurants)}
    by_restaurant: dict[int, list[int]] = {}
    for o in pending:
        by_restaurant.setdefault(index[instance.orders[o].restaurant_id], []).append(o)
    result: list[CandidateBundle] = []
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
                    CandidateBundle(
                        r,
                        tuple(group[k] for k in perm),
                        max(instance.orders[o].ready_min for o in group),
                        offsets,
                        end,
                    )
                )
    return result


def choose_wave(
    instance: GrubhubInstance,
    policy: GrubhubPolicy,
    now_min: float,
    pending: Sequence[int],
    couriers: Sequence[CourierView],
) -> list[tuple[int, CandidateBundle]]:
    """(courier index, bundle) pairs chosen at the wave at ``now_min`` (before the
    simulation's commit rule); ``pending`` are order indices, couriers by index.

    Ends within ``policy.wave_search_s`` wall-clock seconds (plus CP-SAT's floor
    :data:`solvers.cp_sat.MIN_TIME_LIMIT_S`)."""
    budget = Budget.start(policy.wave_search_s)
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
    pairs: list[tuple[int, CandidateBundle]] = []
    options: list[BundleOption] = []
    for bundle in candidate_bundles(instance, pending, policy.max_bundle):
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
        order_ids = tuple(instance.orders[o].id for o in bundle.orders)
        for k, c in enumerate(order):
            cost = 0.0
            for o, offset in zip(bundle.orders, bundle.drop_offsets_min, strict=True):
                ctd = leave[k] + offset - placement[o]
                # Minutes from now to the door, less a reward that grows with the order's
                # age so that old orders are not starved by new ones.
                cost += leave[k] + offset - now_min - _SERVE_REWARD_MIN
                cost -= policy.age_weight * (now_min - placement[o])
                cost += policy.overage_weight * max(0.0, ctd - params.target_click_to_door_min)
            courier = available[int(c)]
            pairs.append((courier, bundle))
            options.append(BundleOption(couriers[courier].courier.id, order_ids, float(cost)))
    result = choose_bundles(
        options,
        resolution=COST_RESOLUTION,
        seed=0,
        time_limit_s=budget.remaining_s(),
        deterministic_time_s=policy.wave_search_s,
    )
    return [pairs[k] for k in result.chosen]


def policy_from_json(data: object, *, source: str = "policy") -> GrubhubPolicy:
    """A policy from a JSON object of :class:`GrubhubPolicy` fields (others keep defaults).

    Raises :class:`InvalidInputError` listing every unknown or ill-typed field.
    """
    return numeric_policy_from_json(
        GrubhubPolicy,
        data,
        source=source,
    )
