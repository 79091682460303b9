"""The Grubhub adapter of the instant dispatcher (:mod:`solvers.instant_dispatch`).

The wave decision itself (candidate bundles per restaurant, CP-SAT matching to couriers,
commit-by times) is the instant dispatcher's, shared with the engine's live
re-planning.  This module turns a Grubhub instance into its input: places are numbered
restaurants first (``0..R-1``), then the orders' doors (``R..R+O-1``), then the
couriers' starts (``R+O..``); travel between places follows the family's rule
(straight-line metres / speed, rounded up to whole minutes).  Whether a chosen pair is
committed, and everything that follows from it, is the simulation's
(:mod:`scenarios.grubhub_sim`).

Everything is in minutes (floats; half a service can be a half minute).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from scenarios.grubhub import GrubhubCourier, GrubhubInstance
from scenarios.policy_json import numeric_policy_from_json
from solvers.instant_dispatch import (
    MAX_BUNDLE,
    MAX_WAVE_SEARCH_S,
    Assignment,
    InstantCourier,
    InstantOrder,
    InstantPolicy,
    InstantRules,
    MinutesArray,
    PlaceArray,
    decide_wave,
)

# The Grubhub replay's policy is the instant dispatcher's (same fields, same JSON).
GrubhubPolicy = InstantPolicy

__all__ = [
    "MAX_BUNDLE",
    "MAX_WAVE_SEARCH_S",
    "CourierView",
    "GrubhubPlaces",
    "GrubhubPolicy",
    "WaveChoice",
    "choose_wave",
    "policy_from_json",
]


class CourierView(Protocol):
    """Where and from when a courier is free, as the dispatcher reads it."""

    @property
    def courier(self) -> GrubhubCourier:
        """The courier (shift times)."""
        ...

    @property
    def place(self) -> int:
        """Where it is free (its last drop-off's place, or its start's), see
        :class:`GrubhubPlaces`."""
        ...

    @property
    def free_min(self) -> float:
        """When it is free, minutes."""
        ...

    @property
    def delivered(self) -> int:
        """Orders committed to it so far."""
        ...


class GrubhubPlaces:
    """The places of an instance and the family's travel minutes between them."""

    def __init__(self, instance: GrubhubInstance) -> None:
        self.instance = instance
        self.restaurant_index = {r.id: i for i, r in enumerate(instance.restaurants)}
        n_r, n_o = len(instance.restaurants), len(instance.orders)
        self.first_door = n_r
        self.first_start = n_r + n_o
        points = [
            *((r.x_m, r.y_m) for r in instance.restaurants),
            *((o.x_m, o.y_m) for o in instance.orders),
            *((c.x_m, c.y_m) for c in instance.couriers),
        ]
        coords = np.array(points, dtype=np.float64).reshape(-1, 2)
        self.x_m = coords[:, 0].copy()
        self.y_m = coords[:, 1].copy()
        self.meters_per_minute = instance.parameters.meters_per_minute
        params = instance.parameters
        self.rules = InstantRules(
            pickup_service_min=params.pickup_service_min,
            dropoff_service_min=params.dropoff_service_min,
            target_click_to_door_min=params.target_click_to_door_min,
            pay_per_order=params.pay_per_order,
        )
        self.orders = tuple(
            InstantOrder(
                o.id,
                self.restaurant_index[o.restaurant_id],
                o.placement_min,
                o.ready_min,
                n_r + k,
            )
            for k, o in enumerate(instance.orders)
        )

    def travel_min(self, from_places: PlaceArray, to_places: PlaceArray) -> MinutesArray:
        """The family's travel minutes between places (numpy broadcasting)."""
        dx = self.x_m[to_places] - self.x_m[from_places]
        dy = self.y_m[to_places] - self.y_m[from_places]
        result: MinutesArray = np.ceil(np.hypot(dx, dy) / self.meters_per_minute)
        return result

    def door(self, order: int) -> int:
        """The place of an order's door."""
        return self.first_door + order

    def start(self, courier: int) -> int:
        """The place of a courier's start."""
        return self.first_start + courier

    def guaranteed_orders(self, courier: GrubhubCourier) -> float:
        """Orders the courier's guaranteed pay covers (guarantee / pay per order)."""
        params = self.instance.parameters
        if params.pay_per_order <= 0:
            return 0.0
        return params.guaranteed_pay_per_hour * courier.shift_h / params.pay_per_order


@dataclass(frozen=True)
class WaveChoice:
    """A chosen pair: the courier's index, the orders' indices in delivery sequence and
    the instant dispatcher's assignment (times, commit-by)."""

    courier: int
    orders: tuple[int, ...]
    assignment: Assignment


def choose_wave(
    places: GrubhubPlaces,
    policy: InstantPolicy,
    now_min: float,
    pending: Sequence[int],
    couriers: Sequence[CourierView],
) -> list[WaveChoice]:
    """The pairs chosen at the wave at ``now_min`` (before the simulation's commit rule);
    ``pending`` are the known, open order indices, couriers by index.

    Ends within ``policy.wave_search_s`` wall-clock seconds (plus CP-SAT's floor
    :data:`solvers.cp_sat.MIN_TIME_LIMIT_S`)."""
    instance = places.instance
    order_ids = sorted(pending)  # in index order: the decision breaks ties by position
    courier_inputs = [
        InstantCourier(
            s.courier.id,
            s.place,
            max(s.free_min, s.courier.on_min),
            s.courier.off_min,
            s.delivered,
            places.guaranteed_orders(s.courier),
        )
        for s in couriers
    ]
    decision = decide_wave(
        now_min,
        [places.orders[o] for o in order_ids],
        courier_inputs,
        travel=places.travel_min,
        rules=places.rules,
        policy=policy,
    )
    courier_index = {c.id: k for k, c in enumerate(instance.couriers)}
    order_index = {instance.orders[o].id: o for o in order_ids}
    return [
        WaveChoice(courier_index[a.courier_id], tuple(order_index[o] for o in a.order_ids), a)
        for a in decision.assignments
    ]


def policy_from_json(data: object, *, source: str = "policy") -> InstantPolicy:
    """A policy from a JSON object of :class:`InstantPolicy` fields (others keep defaults).

    Raises :class:`InvalidInputError` listing every unknown or ill-typed field.
    """
    return numeric_policy_from_json(InstantPolicy, data, source=source)
