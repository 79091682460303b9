"""The planner's settings: promises, penalties, freshness limits, costs.  Frozen, validated.

Money in yuan, times in seconds (points in time on the plan's clock: seconds since the
plan's midnight), distances in metres, volumes in litres.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from dispatch.domain import TemperatureClass
from geo.profiles import ProfileName
from solvers.errors import InvalidInputError
from solvers.problem import Balance

HOUR_S = 3600.0
DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class CourierCost:
    """What a courier of one travel profile costs.

    Attributes:
        fixed_cost: cost of using the courier at all in a plan, yuan.
        cost_per_km: cost per kilometre travelled, yuan.
        cost_per_hour: cost per hour of route (waiting included), yuan.
    """

    fixed_cost: float = 0.0
    cost_per_km: float = 1.0
    cost_per_hour: float = 30.0

    def __post_init__(self) -> None:
        for name in ("fixed_cost", "cost_per_km", "cost_per_hour"):
            _require_non_negative(f"CourierCost.{name}", getattr(self, name))


def _require_non_negative(name: str, value: object) -> None:
    if not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    ):
        raise InvalidInputError(name, f"must be a finite number >= 0, got {value!r}")


def _require_positive(name: str, value: object) -> None:
    _require_non_negative(name, value)
    assert isinstance(value, int | float)
    if value <= 0:
        raise InvalidInputError(name, f"must be > 0, got {value!r}")


DEFAULT_MAX_RIDE_S: Mapping[TemperatureClass, float | None] = MappingProxyType(
    {
        TemperatureClass.HOT: 30 * 60.0,
        TemperatureClass.CHILLED: 45 * 60.0,
        TemperatureClass.FROZEN: 45 * 60.0,
        TemperatureClass.AMBIENT: None,
    }
)
DEFAULT_COURIER_COSTS: Mapping[ProfileName, CourierCost] = MappingProxyType(
    {
        ProfileName.WALK: CourierCost(fixed_cost=5.0, cost_per_km=0.0, cost_per_hour=25.0),
        ProfileName.E_BIKE: CourierCost(fixed_cost=5.0, cost_per_km=0.5, cost_per_hour=30.0),
        ProfileName.TRICYCLE: CourierCost(fixed_cost=5.0, cost_per_km=0.8, cost_per_hour=30.0),
        ProfileName.VAN: CourierCost(fixed_cost=80.0, cost_per_km=2.5, cost_per_hour=40.0),
    }
)


# --- fleet13: workload balance -------------------------------------------------------------
BALANCE_BY = ("orders", "hours")


@dataclass(frozen=True, slots=True)
class WorkloadBalance:
    """Trade cost for balanced workloads: every routing problem of the plan costs
    ``weight`` yuan per order (``by="orders"``) or per hour (``by="hours"``: route
    duration) of its busiest courier (:class:`solvers.problem.Balance`).

    Raises:
        InvalidInputError: an unknown ``by`` or a negative weight.
    """

    by: str = "orders"
    weight: float = 0.0

    def __post_init__(self) -> None:
        if self.by not in BALANCE_BY:
            raise InvalidInputError(
                "PlannerSettings.balance.by",
                f"must be one of {', '.join(BALANCE_BY)}, got {self.by!r}",
            )
        _require_non_negative("PlannerSettings.balance.weight", self.weight)

    def problem_balance(self) -> Balance:
        """The routing problem's balance term (orders are tasks)."""
        return Balance("tasks" if self.by == "orders" else "hours", float(self.weight))


# --- end fleet13


# --- live15eng: how live re-planning serves instant orders ---------------------------------
class LiveInstant(StrEnum):
    """How a live re-plan serves instant micro-warehouse orders.

    ``dispatcher``: the instant dispatcher (:mod:`dispatch.live_instant`: bundles per
    micro-warehouse, couriers paired by when and where they are free, CP-SAT choice);
    ``routing``: the routing re-plan, as every other delivery flow.
    """

    DISPATCHER = "dispatcher"
    ROUTING = "routing"


# Most orders of one micro-warehouse in one courier's trip that the dispatcher may try
# (their delivery sequences are enumerated: 6! = 720).
MAX_LIVE_BUNDLE = 6


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """Live re-planning (:func:`dispatch.live.replan`).

    Attributes:
        instant: how instant micro-warehouse orders are re-planned (:class:`LiveInstant`;
            the dispatcher by default: on a generated day it kept the 30-minute promise
            far more often than the routing re-plan, for more km: ``benchmarks.live_dispatch``).
        max_bundle: most orders of one micro-warehouse in one trip of the dispatcher
            (1..6; 1 = no bundling).

    Raises:
        InvalidInputError: an unknown ``instant`` or a ``max_bundle`` out of range.
    """

    instant: LiveInstant = LiveInstant.DISPATCHER
    max_bundle: int = 3

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "instant", LiveInstant(self.instant))
        except ValueError:
            raise InvalidInputError(
                "PlannerSettings.live.instant",
                f"must be one of {', '.join(m.value for m in LiveInstant)}, got {self.instant!r}",
            ) from None
        bundle = self.max_bundle
        if not (isinstance(bundle, int) and not isinstance(bundle, bool)) or not (
            1 <= bundle <= MAX_LIVE_BUNDLE
        ):
            raise InvalidInputError(
                "PlannerSettings.live.max_bundle",
                f"must be an integer from 1 to {MAX_LIVE_BUNDLE}, got {bundle!r}",
            )


# --- end live15eng


@dataclass(frozen=True, slots=True)
class PlannerSettings:
    """How the planner turns orders into routing and assignment problems.

    Attributes:
        instant_promise_s: delivery promise of an instant order from a store (an order
            from a micro-warehouse uses the warehouse's ``promise_s``), from its
            creation, unless the order carries its own ``promised`` window.
        multi_store_promise_s: delivery promise of a multi-store order, from creation.
        max_lateness_s: how late an instant or multi-store delivery may be at most (the
            hard cap of the soft promise).
        scheduled_max_lateness_s: the same for a scheduled slot (0: inside the slot).
        home_service_max_lateness_s: the same for the start of a home-service visit.
        lateness_cost_per_s: cost of each second of lateness, yuan.
        drop_penalty: cost of leaving an order unserved, yuan.
        paid_priority_factor: a paid member's order weighs this many times more in the
            drop penalty, the lateness cost and the pickup-point assignment (>= 1).
        max_ride_s_by_temperature: longest time from the first pickup to the delivery
            for an order holding items of the class, seconds (None: no limit); an order
            gets the tightest limit of its classes.  Classes not given keep their
            defaults.
        pickup_service_s: time to collect an order at a store or micro-warehouse.
        trunk_unload_s: time a van spends unloading at a pickup point.
        walk_limit_m: walking distance, on the walk network, within which a flexible
            member's pickup point is chosen.
        switch_penalty_m: walking metres a flexible member's move away from their
            chosen pickup point counts as, in the assignment's objective.
        rating_walk_m: walking metres each star of a leader's rating below 5 counts
            as, in the assignment's objective, for residents who chose no pickup point
            (a point rated 3.0 weighs as 2 * rating_walk_m metres farther; a point
            without a leader counts as rated 5).
        next_day_cutoff_s: orders created after this time (plan clock) are not in the
            next-day plan.
        collection_from_s, collection_until_s: the part of the collection day (time of
            day, seconds) when residents collect next-day orders; a pickup point not
            open at any time within it is closed for the plan, and trunk deliveries must
            reach a point by its first opening at or after ``collection_from_s``.
        tote_volume_l: volume of one tote in a pick list, litres.
        cold_box_volume_l: volume of one insulated box; an order needs, per chilled,
            frozen or hot class it holds, ceil(volume of that class / this) boxes.
        courier_costs: cost of a courier, per travel profile.
        balance: workload balance (:class:`WorkloadBalance`), or None: cost only.
        live: live re-planning (:class:`LiveSettings`: how instant orders are served).
    """

    instant_promise_s: float = 30 * 60.0
    multi_store_promise_s: float = 60 * 60.0
    max_lateness_s: float = 15 * 60.0
    scheduled_max_lateness_s: float = 0.0
    home_service_max_lateness_s: float = 0.0
    lateness_cost_per_s: float = 0.02
    drop_penalty: float = 200.0
    paid_priority_factor: float = 10.0
    max_ride_s_by_temperature: Mapping[TemperatureClass, float | None] = field(
        default_factory=lambda: dict(DEFAULT_MAX_RIDE_S)
    )
    pickup_service_s: float = 60.0
    trunk_unload_s: float = 300.0
    walk_limit_m: float = 500.0
    switch_penalty_m: float = 200.0
    rating_walk_m: float = 100.0
    next_day_cutoff_s: float = 22 * HOUR_S
    collection_from_s: float = 7 * HOUR_S
    collection_until_s: float = 22 * HOUR_S
    tote_volume_l: float = 40.0
    cold_box_volume_l: float = 30.0
    courier_costs: Mapping[ProfileName, CourierCost] = field(
        default_factory=lambda: dict(DEFAULT_COURIER_COSTS)
    )
    balance: WorkloadBalance | None = None
    live: LiveSettings = field(default_factory=LiveSettings)  # live15eng

    def __post_init__(self) -> None:
        for name in (
            "instant_promise_s",
            "multi_store_promise_s",
            "tote_volume_l",
            "cold_box_volume_l",
        ):
            _require_positive(f"PlannerSettings.{name}", getattr(self, name))
        for name in (
            "max_lateness_s",
            "scheduled_max_lateness_s",
            "home_service_max_lateness_s",
            "lateness_cost_per_s",
            "drop_penalty",
            "pickup_service_s",
            "trunk_unload_s",
            "walk_limit_m",
            "switch_penalty_m",
            "rating_walk_m",
            "next_day_cutoff_s",
            "collection_from_s",
            "collection_until_s",
        ):
            _require_non_negative(f"PlannerSettings.{name}", getattr(self, name))
        _require_non_negative("PlannerSettings.paid_priority_factor", self.paid_priority_factor)
        if self.paid_priority_factor < 1:
            raise InvalidInputError(
                "PlannerSettings.paid_priority_factor",
                f"must be >= 1, got {self.paid_priority_factor!r}",
            )
        if not self.collection_from_s < self.collection_until_s <= DAY_S:
            raise InvalidInputError(
                "PlannerSettings.collection_until_s",
                "must be after collection_from_s and at most 86400 (a time of day)",
            )
        # A partial override keeps the defaults of the classes it does not name.
        rides: dict[TemperatureClass, float | None] = dict(DEFAULT_MAX_RIDE_S)
        for key, limit in dict(self.max_ride_s_by_temperature).items():
            try:
                temperature = TemperatureClass(key)
            except ValueError:
                known = ", ".join(t.value for t in TemperatureClass)
                raise InvalidInputError(
                    "PlannerSettings.max_ride_s_by_temperature",
                    f"keys must be one of {known}, got {key!r}",
                ) from None
            if limit is not None:
                _require_positive(f"PlannerSettings.max_ride_s_by_temperature[{key}]", limit)
            rides[temperature] = limit
        object.__setattr__(self, "max_ride_s_by_temperature", MappingProxyType(rides))
        costs = dict(DEFAULT_COURIER_COSTS)
        for profile_key, cost in dict(self.courier_costs).items():
            try:
                profile_name = ProfileName(profile_key)
            except ValueError:
                known = ", ".join(p.value for p in ProfileName)
                raise InvalidInputError(
                    "PlannerSettings.courier_costs",
                    f"keys must be one of {known}, got {profile_key!r}",
                ) from None
            if not isinstance(cost, CourierCost):
                raise InvalidInputError(
                    f"PlannerSettings.courier_costs[{profile_key}]", "must be a CourierCost"
                )
            costs[profile_name] = cost
        object.__setattr__(self, "courier_costs", MappingProxyType(costs))
        if self.balance is not None and not isinstance(self.balance, WorkloadBalance):
            raise InvalidInputError(
                "PlannerSettings.balance",
                f"must be a WorkloadBalance or None, got {self.balance!r}",
            )
        if not isinstance(self.live, LiveSettings):  # live15eng
            raise InvalidInputError(
                "PlannerSettings.live", f"must be a LiveSettings, got {self.live!r}"
            )

    def problem_balance(self) -> Balance | None:
        """The routing problems' balance term (None without ``balance``)."""
        return self.balance.problem_balance() if self.balance is not None else None

    def max_ride_s(self, temperatures: frozenset[TemperatureClass]) -> float | None:
        """The tightest ride-time limit of these temperature classes (None: no limit)."""
        limits = [
            limit
            for t in temperatures
            if (limit := self.max_ride_s_by_temperature.get(t)) is not None
        ]
        return min(limits) if limits else None

    def priority_factor(self, paid: bool) -> float:
        """How much more a paid member's order weighs (1 for a regular member)."""
        return self.paid_priority_factor if paid else 1.0

    @property
    def collection_day_start_s(self) -> float:
        """Midnight that starts the collection day on the plan's clock (the day after
        the cut-off)."""
        return (math.floor(self.next_day_cutoff_s / DAY_S) + 1) * DAY_S
