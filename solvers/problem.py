"""The routing problem: solver-neutral, read-only, validated at construction.

Locations are integer indices into the problem's travel matrices (one pair of matrices
per travel profile); tasks, vehicles and stops carry string ids.  Units: seconds since
the plan's epoch (``*_s``), metres (``*_m``), money in the caller's currency units.

A task is one order: pickup stops and exactly one delivery stop, all served by one
vehicle or none, every pickup before the delivery.  A task with no pickup stop is loaded
at the vehicle's start before it leaves (a van loaded at the warehouse, a VRP customer
served from the depot).  Every constructor raises
:class:`solvers.errors.InvalidInputError` naming the task, vehicle or field and the rule.

Every number is bounded (:data:`HORIZON_S`, :data:`MAX_DISTANCE_M`, :data:`MAX_QUANTITY`,
:data:`MAX_MONEY`) and so is every size (:data:`MAX_TASKS`, :data:`MAX_VEHICLES`,
:data:`MAX_LOCATIONS`, :data:`MAX_PICKUPS`, :data:`MAX_WINDOWS`, :data:`MAX_DIMENSIONS`):
a clock of 1e300 or a capacity of 1e300 is an input error here, named, not an overflow
inside a solver.  The bounds are far beyond any real plan and leave the integer models
(:mod:`solvers.scaling`, which checks again) room for sums along a route.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from solvers.errors import InvalidInputError
from solvers.travel_time import SpeedProfile, speed_profiles

FloatArray = npt.NDArray[np.float64]
INFINITE_S = math.inf

HORIZON_S = 400 * 86_400
"""Planning horizon, seconds: every finite clock time lies in ``[-HORIZON_S, HORIZON_S]``
and every duration (service, lateness allowance, ride and route limits, travel time) is
at most this (400 days: a plan covers hours or days; benchmark families in minutes or
abstract units stay far below)."""
MAX_DISTANCE_M = 1e9
"""Largest distance, metres (a travel matrix entry or a route limit)."""
MAX_QUANTITY = 1e9
"""Largest demand or capacity, in the dimension's unit (kg, litres, cold boxes)."""
MAX_MONEY = 1e9
"""Largest price or penalty (fixed cost, cost per km or hour or second late, drop
penalty), in the problem's money."""
MAX_TASKS = 100_000
MAX_VEHICLES = 10_000
MAX_LOCATIONS = 50_000
MAX_PICKUPS = 50
MAX_WINDOWS = 100
MAX_DIMENSIONS = 16
OVERLOAD_TOL = 1e-6
"""A carried load above the capacity by more than this makes a vehicle overloaded."""


def _finite(
    owner: str,
    name: str,
    value: float,
    *,
    minimum: float | None = 0.0,
    maximum: float = HORIZON_S,
) -> None:
    if not (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ):
        raise InvalidInputError(f"{owner}: {name}", f"must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidInputError(f"{owner}: {name}", f"must be >= {minimum:g}, got {value!r}")
    low = -maximum if minimum is None else minimum
    if not low <= value <= maximum:
        raise InvalidInputError(
            f"{owner}: {name}", f"must be in [{low:g}, {maximum:g}], got {value!r}"
        )


def _optional_limit(
    owner: str, name: str, value: float | None, *, maximum: float = HORIZON_S
) -> None:
    """None, infinity (no limit) or a number in ``(0, maximum]``."""
    if value is None or (isinstance(value, float) and value == math.inf):
        return
    if not (isinstance(value, int | float) and not isinstance(value, bool) and value > 0):
        raise InvalidInputError(f"{owner}: {name}", f"must be > 0 or None, got {value!r}")
    if value > maximum:
        raise InvalidInputError(
            f"{owner}: {name}", f"must be at most {maximum:g} (or None), got {value!r}"
        )


def _at_most(owner: str, name: str, size: int, maximum: int) -> None:
    if size > maximum:
        raise InvalidInputError(
            f"{owner}: {name}", f"must have at most {maximum} items, got {size}"
        )


def _id(owner: str, value: str) -> None:
    if not isinstance(value, str) or not value or value.strip() != value:
        raise InvalidInputError(
            owner, f"id must be a non-empty string without spaces around it, got {value!r}"
        )


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Service may start in ``[start_s, end_s]``; arriving earlier means waiting.

    ``start_s`` is a finite time in ``[-HORIZON_S, HORIZON_S]``, ``end_s`` one too or
    infinite.  ``what`` names the window in errors (``order 't7': promised``, ``courier
    'v2': shift``); it takes no part in comparisons.  ``hard`` (real13, read only on a
    stop's windows, see :meth:`Stop.soft_window`): True, service must start inside the
    window; False, it may start after its end, up to the stop's ``max_lateness_s``, at
    the stop's lateness cost; None, the default rule (only a stop's last window is soft).

    Raises:
        InvalidInputError: naming ``what`` and the rule.
    """

    start_s: float
    end_s: float
    what: str = field(default="TimeWindow", compare=False, repr=False)
    hard: bool | None = None

    def __post_init__(self) -> None:
        if self.hard is not None and not isinstance(self.hard, bool):
            raise InvalidInputError(
                f"{self.what}: hard", f"must be true, false or absent, got {self.hard!r}"
            )
        _finite(self.what, "start_s", self.start_s, minimum=None)
        if not (
            isinstance(self.end_s, int | float)
            and not isinstance(self.end_s, bool)
            and not math.isnan(self.end_s)
        ):
            raise InvalidInputError(f"{self.what}: end_s", f"must be a number, got {self.end_s!r}")
        if self.end_s != INFINITE_S:
            _finite(self.what, "end_s", self.end_s, minimum=None)
        if self.start_s > self.end_s:
            raise InvalidInputError(
                self.what, f"start_s must be <= end_s, got {self.start_s!r} > {self.end_s!r}"
            )

    def contains(self, time_s: float) -> bool:
        """Whether service may start at ``time_s``."""
        return self.start_s <= time_s <= self.end_s


ANY_TIME = (TimeWindow(0.0, INFINITE_S),)


@dataclass(frozen=True, slots=True)
class Stop:
    """A visit: where, for how long, and when service may start.

    Attributes:
        location: index into the travel matrices.
        service_s: time spent at the stop, seconds (>= 0).
        windows: sorted, disjoint windows for the start of service.
        max_lateness_s: soft windows: service may start up to this many seconds after
            the end of a soft window (:meth:`soft_window`: by default only the last
            one; each window's ``hard`` flag decides otherwise), 0 = hard windows.
        lateness_cost_per_s: cost per second of lateness (>= 0).
    """

    location: int
    service_s: float = 0.0
    windows: tuple[TimeWindow, ...] = ANY_TIME
    max_lateness_s: float = 0.0
    lateness_cost_per_s: float = 0.0

    def validate(self, owner: str) -> None:
        """Check the stop's rules, naming ``owner`` in errors."""
        if not isinstance(self.location, int | np.integer) or isinstance(self.location, bool):
            raise InvalidInputError(
                f"{owner}: location", f"must be an integer index, got {self.location!r}"
            )
        _finite(owner, "service_s", self.service_s)
        _finite(owner, "max_lateness_s", self.max_lateness_s)
        _finite(owner, "lateness_cost_per_s", self.lateness_cost_per_s, maximum=MAX_MONEY)
        object.__setattr__(self, "windows", tuple(self.windows))
        if not self.windows:
            raise InvalidInputError(f"{owner}: windows", "must have at least one time window")
        _at_most(owner, "windows", len(self.windows), MAX_WINDOWS)
        for i, window in enumerate(self.windows):
            if not isinstance(window, TimeWindow):
                raise InvalidInputError(
                    f"{owner}: windows[{i}]", f"must be a TimeWindow, got {window!r}"
                )
        for before, after in zip(self.windows, self.windows[1:], strict=False):
            if after.start_s <= before.end_s:
                raise InvalidInputError(f"{owner}: windows", "must be sorted and disjoint")

    @property
    def earliest_s(self) -> float:
        """Start of the first window."""
        return self.windows[0].start_s

    @property
    def latest_s(self) -> float:
        """Latest allowed start of service, lateness included."""
        return max(w.end_s + self.allowance_s(i) for i, w in enumerate(self.windows))

    # --- real13: each window soft or hard ---------------------------------------------
    def soft_window(self, i: int) -> bool:
        """Whether service may start after window ``i`` ends (up to ``max_lateness_s``,
        at ``lateness_cost_per_s``): the window's ``hard`` flag when it has one, else
        only the last window is soft."""
        hard = self.windows[i].hard
        return i == len(self.windows) - 1 if hard is None else not hard

    def allowance_s(self, i: int) -> float:
        """Seconds service may start after window ``i`` ends (0 for a hard window)."""
        return self.max_lateness_s if self.soft_window(i) else 0.0

    @property
    def default_softness(self) -> bool:
        """Whether the lateness rule is the default one (only the last window soft, or
        no allowance at all): what the own search's kernels and PyVRP model."""
        last = len(self.windows) - 1
        return self.max_lateness_s == 0 or all(
            self.soft_window(i) == (i == last) for i in range(len(self.windows))
        )

    # --- end real13 ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    """One order to serve: pickups first, then the delivery, all on one vehicle or none.

    Attributes:
        id: task id.
        pickups: the pickup stops (a micro-warehouse order has one, a multi-store order
            one per store); none means loaded at the vehicle's start before it leaves.
        delivery: the delivery stop.
        demand: load picked up over all pickups and dropped at the delivery, one value
            per capacity dimension (>= 0); split evenly over the pickups unless
            ``pickup_demands`` gives each pickup's share.
        pickup_demands: optional per-pickup demand vectors summing to ``demand``.
        skills: skills the vehicle must have.
        max_ride_s: longest time from the start of the first pickup's service (or the
            vehicle's departure, for a task loaded at the start) to the start of the
            delivery's service, seconds; None = no limit.
        drop_penalty: cost of leaving the task unassigned; None = required (the solver
            still reports it unassigned, with a reason, when no vehicle can take it).
    """

    id: str
    pickups: tuple[Stop, ...]
    delivery: Stop
    demand: tuple[float, ...] = ()
    pickup_demands: tuple[tuple[float, ...], ...] | None = None
    skills: frozenset[str] = frozenset()
    max_ride_s: float | None = None
    drop_penalty: float | None = None

    def __post_init__(self) -> None:
        _id("Task", self.id)
        owner = f"Task {self.id!r}"
        object.__setattr__(self, "pickups", tuple(self.pickups))
        object.__setattr__(self, "demand", tuple(float(d) for d in self.demand))
        object.__setattr__(self, "skills", frozenset(self.skills))
        _at_most(owner, "pickups", len(self.pickups), MAX_PICKUPS)
        _at_most(owner, "demand", len(self.demand), MAX_DIMENSIONS)
        for i, stop in enumerate(self.pickups):
            stop.validate(f"{owner} pickup {i}")
        self.delivery.validate(f"{owner} delivery")
        for k, d in enumerate(self.demand):
            if not (math.isfinite(d) and 0 <= d <= MAX_QUANTITY):
                raise InvalidInputError(
                    f"{owner}: demand[{k}]",
                    f"must be a finite number in [0, {MAX_QUANTITY:g}], got {d!r}",
                )
        if self.pickup_demands is not None:
            parts = tuple(tuple(float(x) for x in p) for p in self.pickup_demands)
            object.__setattr__(self, "pickup_demands", parts)
            if len(parts) != len(self.pickups):
                raise InvalidInputError(
                    f"{owner}: pickup_demands", "must have one vector per pickup"
                )
            for i, part in enumerate(parts):
                if len(part) != len(self.demand) or any(
                    not (math.isfinite(x) and 0 <= x <= MAX_QUANTITY) for x in part
                ):
                    raise InvalidInputError(
                        f"{owner}: pickup_demands[{i}]",
                        f"must be {len(self.demand)} finite numbers >= 0",
                    )
            for k, d in enumerate(self.demand):
                if not math.isclose(sum(p[k] for p in parts), d, rel_tol=1e-9, abs_tol=1e-9):
                    raise InvalidInputError(
                        f"{owner}: pickup_demands", f"must sum to demand[{k}] = {d}"
                    )
        _optional_limit(owner, "max_ride_s", self.max_ride_s)
        if self.drop_penalty is not None:
            _finite(owner, "drop_penalty", self.drop_penalty, maximum=MAX_MONEY)

    @property
    def required(self) -> bool:
        """Whether the task has no drop penalty (it must be served if at all possible)."""
        return self.drop_penalty is None

    @property
    def stops(self) -> tuple[Stop, ...]:
        """Pickups then the delivery."""
        return (*self.pickups, self.delivery)

    def pickup_demand(self, i: int) -> tuple[float, ...]:
        """Load picked up at pickup ``i``, one value per dimension."""
        if self.pickup_demands is not None:
            return self.pickup_demands[i]
        return tuple(d / len(self.pickups) for d in self.demand)


# --- fleet13: breaks ------------------------------------------------------------------------
MAX_BREAKS = 8


@dataclass(frozen=True, slots=True)
class Break:
    """A pause of ``duration_s`` seconds that lies wholly within ``window`` (it starts at
    or after ``window.start_s`` and ends by ``window.end_s``), taken wherever the vehicle
    is: at its start before leaving, or after a stop's service before driving on.  A
    break that fits before the route's departure or after its end needs no place on the
    route.

    Raises:
        InvalidInputError: a window without a finite end, a duration <= 0 or longer
            than the window.
    """

    window: TimeWindow
    duration_s: float

    def __post_init__(self) -> None:
        owner = self.window.what if isinstance(self.window, TimeWindow) else "Break"
        if not isinstance(self.window, TimeWindow) or not math.isfinite(self.window.end_s):
            raise InvalidInputError(f"{owner}: window", "must be a TimeWindow with a finite end")
        _finite(owner, "duration_s", self.duration_s)
        if self.duration_s <= 0:
            raise InvalidInputError(f"{owner}: duration_s", f"must be > 0, got {self.duration_s!r}")
        if self.duration_s > self.window.end_s - self.window.start_s:
            raise InvalidInputError(
                f"{owner}: duration_s",
                f"must fit in its window ({self.window.end_s - self.window.start_s:g} s), "
                f"got {self.duration_s!r}",
            )

    @property
    def latest_start_s(self) -> float:
        """The latest time the break may start."""
        return self.window.end_s - self.duration_s


def validate_breaks(owner: str, breaks: tuple[Break, ...]) -> None:
    """Check a list of breaks: at most :data:`MAX_BREAKS`, each a :class:`Break`, windows
    sorted and disjoint.

    Raises:
        InvalidInputError: naming ``owner`` and the rule.
    """
    _at_most(owner, "breaks", len(breaks), MAX_BREAKS)
    for i, item in enumerate(breaks):
        if not isinstance(item, Break):
            raise InvalidInputError(f"{owner}: breaks[{i}]", f"must be a Break, got {item!r}")
    for i, (before, after) in enumerate(itertools.pairwise(breaks), start=1):
        if after.window.start_s < before.window.end_s:
            raise InvalidInputError(
                f"{owner}: breaks[{i}]", "break windows must be sorted and must not overlap"
            )


# --- end fleet13


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A courier or van.

    Attributes:
        id: vehicle id.
        start: start location index.
        end: end location index, or None for an open route (e-bike couriers do not return).
        shift: the vehicle may leave its start at ``shift.start_s`` and must finish its
            last stop (or reach ``end``) by ``shift.end_s``.
        capacity: one value per capacity dimension (weight, volume, cold boxes...).
        profile: name of the travel matrices it uses.
        fixed_cost: cost of using the vehicle at all.
        cost_per_km, cost_per_hour: cost of distance driven and of the route's duration
            (from leaving the start to the end of the route, waiting included).
        skills: what it can do.
        max_duration_s, max_distance_m: route limits; None = none.
        breaks: pauses the vehicle must take (:class:`Break`), windows sorted and
            disjoint.
    """

    id: str
    start: int
    end: int | None = None
    shift: TimeWindow = TimeWindow(0.0, INFINITE_S)
    capacity: tuple[float, ...] = ()
    profile: str = "default"
    fixed_cost: float = 0.0
    cost_per_km: float = 1.0
    cost_per_hour: float = 0.0
    skills: frozenset[str] = frozenset()
    max_duration_s: float | None = None
    max_distance_m: float | None = None
    breaks: tuple[Break, ...] = ()

    def __post_init__(self) -> None:
        _id("Vehicle", self.id)
        owner = f"Vehicle {self.id!r}"
        object.__setattr__(self, "breaks", tuple(self.breaks))
        validate_breaks(owner, self.breaks)
        object.__setattr__(self, "capacity", tuple(float(c) for c in self.capacity))
        object.__setattr__(self, "skills", frozenset(self.skills))
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int | np.integer) or isinstance(value, bool)
            ):
                raise InvalidInputError(
                    f"{owner}: {name}", f"must be an integer index, got {value!r}"
                )
        _at_most(owner, "capacity", len(self.capacity), MAX_DIMENSIONS)
        for k, c in enumerate(self.capacity):
            if not (math.isfinite(c) and 0 <= c <= MAX_QUANTITY):
                raise InvalidInputError(
                    f"{owner}: capacity[{k}]",
                    f"must be a finite number in [0, {MAX_QUANTITY:g}], got {c!r}",
                )
        for name in ("fixed_cost", "cost_per_km", "cost_per_hour"):
            _finite(owner, name, getattr(self, name), maximum=MAX_MONEY)
        _optional_limit(owner, "max_duration_s", self.max_duration_s)
        _optional_limit(owner, "max_distance_m", self.max_distance_m, maximum=MAX_DISTANCE_M)
        if not isinstance(self.shift, TimeWindow):
            raise InvalidInputError(f"{owner}: shift", f"must be a TimeWindow, got {self.shift!r}")
        if not math.isfinite(self.shift.start_s):
            raise InvalidInputError(f"{owner}: shift", "must start at a finite time")
        if self.shift.end_s < 1e-3:
            raise InvalidInputError(
                f"{owner}: shift", f"must end after time 0 (the epoch), got {self.shift.end_s!r}"
            )


@dataclass(frozen=True, slots=True)
class VehicleLock:
    """What live re-planning must keep for one vehicle.

    Attributes:
        vehicle_id: the vehicle.
        fixed_prefix: (task id, stop index) pairs the vehicle visits first, in this order
            (stop index 0..len(pickups)-1 for pickups, len(pickups) for the delivery).
        on_board: tasks whose pickups are all done: only their delivery remains, it must
            be on this vehicle, and their load is on board at the start.
        picked_up_at_s: for on-board and partly picked tasks, when the first pickup
            started (for ride time); required for partly picked tasks.
        pickups_done: tasks partly picked up by this vehicle (task id -> the indices of
            the pickups already done, some but not all of them): the done pickups'
            shares of the demand are on board at the start; the remaining pickups (which
            keep their indices) and the delivery must be served by this vehicle, and are
            required like on-board tasks.  A task with every pickup done is on board.
    """

    vehicle_id: str
    fixed_prefix: tuple[tuple[str, int], ...] = ()
    on_board: tuple[str, ...] = ()
    picked_up_at_s: Mapping[str, float] = field(default_factory=dict)
    pickups_done: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed_prefix", tuple(self.fixed_prefix))
        object.__setattr__(self, "on_board", tuple(self.on_board))
        object.__setattr__(self, "picked_up_at_s", dict(self.picked_up_at_s))
        object.__setattr__(
            self, "pickups_done", {tid: tuple(done) for tid, done in self.pickups_done.items()}
        )


@dataclass(frozen=True)
class TravelMatrices:
    """Distances (metres) and durations (seconds) between every pair of locations."""

    distance_m: FloatArray
    duration_s: FloatArray

    def __post_init__(self) -> None:
        for name in ("distance_m", "duration_s"):
            arr = np.array(getattr(self, name), dtype=np.float64)
            if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
                raise InvalidInputError(
                    f"TravelMatrices.{name}", f"must be a square 2-D matrix, got shape {arr.shape}"
                )
            if not np.isfinite(arr).all():
                raise InvalidInputError(
                    f"TravelMatrices.{name}", "must not contain NaN or infinite values"
                )
            if (arr < 0).any():
                raise InvalidInputError(
                    f"TravelMatrices.{name}", "must not contain negative values"
                )
            limit = HORIZON_S if name == "duration_s" else MAX_DISTANCE_M
            if arr.size and float(arr.max()) > limit:
                raise InvalidInputError(
                    f"TravelMatrices.{name}",
                    f"values must be at most {limit:g}, got {float(arr.max())!r}",
                )
            if arr.ndim == 2 and arr.shape[0] > MAX_LOCATIONS:
                raise InvalidInputError(
                    f"TravelMatrices.{name}",
                    f"must cover at most {MAX_LOCATIONS} locations, got {arr.shape[0]}",
                )
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.distance_m.shape != self.duration_s.shape:
            raise InvalidInputError(
                "TravelMatrices.duration_s", "must have the shape of distance_m"
            )

    @property
    def size(self) -> int:
        """Number of locations."""
        return int(self.distance_m.shape[0])


# --- fleet13: workload balance ------------------------------------------------------------
BALANCE_MEASURES = ("tasks", "hours")


@dataclass(frozen=True, slots=True)
class Balance:
    """A cost on the busiest vehicle, part of the objective: ``weight`` times the largest
    workload over the routes (a vehicle without a route has none).

    Attributes:
        by: ``"tasks"`` (tasks delivered on the route) or ``"hours"`` (the route's
            duration, from leaving the start to its end, waiting included, in hours).
        weight: money per task, or per hour, of the busiest route (>= 0).

    Raises:
        InvalidInputError: an unknown measure or a weight outside ``[0, MAX_MONEY]``.
    """

    by: str
    weight: float

    def __post_init__(self) -> None:
        if self.by not in BALANCE_MEASURES:
            raise InvalidInputError(
                "Balance.by", f"must be one of {', '.join(BALANCE_MEASURES)}, got {self.by!r}"
            )
        _finite("Balance", "weight", self.weight, maximum=MAX_MONEY)


# --- end fleet13


@dataclass(frozen=True)
class RoutingProblem:
    """Vehicles, tasks, travel matrices per profile, locks, and an optional workload
    balance term of the objective (:class:`Balance`).

    Raises:
        InvalidInputError: duplicate ids, an unknown profile, a location index outside
            the matrices, a demand vector whose length differs from the capacity
            vectors, a lock naming an unknown vehicle or task, a lock's partly picked
            task that is not partly picked (see :class:`VehicleLock`), a prefix stop out
            of range, already done or of a task another vehicle carries, or a pin to an
            unknown vehicle.
    """

    vehicles: tuple[Vehicle, ...]
    tasks: tuple[Task, ...]
    matrices: Mapping[str, TravelMatrices]
    locks: tuple[VehicleLock, ...] = ()
    pinned: Mapping[str, str] = field(default_factory=dict)
    # Time-dependent travel (solvers.travel_time): matrix profile -> speed by time of
    # day; the matrices' durations are free-flow.  Only non-trivial profiles are kept.
    speed_profiles: Mapping[str, SpeedProfile] = field(default_factory=dict)
    balance: Balance | None = None  # fleet13: workload balance term of the objective

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "speed_profiles", speed_profiles(self.speed_profiles, self.matrices)
        )
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "locks", tuple(self.locks))
        object.__setattr__(self, "matrices", dict(self.matrices))
        object.__setattr__(self, "pinned", dict(self.pinned))
        _at_most("RoutingProblem", "vehicles", len(self.vehicles), MAX_VEHICLES)
        _at_most("RoutingProblem", "tasks", len(self.tasks), MAX_TASKS)
        if not self.matrices:
            raise InvalidInputError("RoutingProblem.matrices", "must have at least one profile")
        sizes = {m.size for m in self.matrices.values()}
        if len(sizes) != 1:
            raise InvalidInputError(
                "RoutingProblem.matrices", "every profile's matrices must cover the same locations"
            )
        n = sizes.pop()
        dims = {len(v.capacity) for v in self.vehicles} | {len(t.demand) for t in self.tasks}
        if len(dims) > 1:
            raise InvalidInputError(
                "RoutingProblem",
                f"capacity and demand vectors must have one length, got {sorted(dims)}",
            )
        seen: set[str] = set()
        for v in self.vehicles:
            if v.id in seen:
                raise InvalidInputError(f"Vehicle {v.id!r}", "id must be unique")
            seen.add(v.id)
            if v.profile not in self.matrices:
                raise InvalidInputError(
                    f"Vehicle {v.id!r}: profile",
                    f"must be one of {sorted(self.matrices)}, got {v.profile!r}",
                )
            for name in ("start", "end"):
                loc = getattr(v, name)
                if loc is not None and not 0 <= loc < n:
                    raise InvalidInputError(
                        f"Vehicle {v.id!r}: {name}", f"location {loc} is not in [0, {n})"
                    )
        task_ids: set[str] = set()
        for t in self.tasks:
            if t.id in task_ids:
                raise InvalidInputError(f"Task {t.id!r}", "id must be unique")
            task_ids.add(t.id)
            for i, stop in enumerate(t.stops):
                if not 0 <= stop.location < n:
                    what = f"pickup {i}" if i < len(t.pickups) else "delivery"
                    raise InvalidInputError(
                        f"Task {t.id!r} {what}: location",
                        f"location {stop.location} is not in [0, {n})",
                    )
        if self.balance is not None and not isinstance(self.balance, Balance):
            raise InvalidInputError(
                "RoutingProblem.balance", f"must be a Balance or None, got {self.balance!r}"
            )
        self._validate_locks(seen, task_ids)
        for tid, vid in self.pinned.items():
            if tid not in task_ids:
                raise InvalidInputError(f"RoutingProblem.pinned[{tid!r}]", "names an unknown task")
            if vid not in seen:
                raise InvalidInputError(
                    f"RoutingProblem.pinned[{tid!r}]", f"names an unknown vehicle {vid!r}"
                )

    def _validate_locks(self, vehicle_ids: set[str], task_ids: set[str]) -> None:
        locked_vehicles: set[str] = set()
        on_board: dict[str, str] = {}
        partly: dict[str, str] = {}
        tasks = {t.id: t for t in self.tasks}
        for lock in self.locks:
            owner = f"VehicleLock {lock.vehicle_id!r}"
            if lock.vehicle_id not in vehicle_ids:
                raise InvalidInputError(owner, "names an unknown vehicle")
            if lock.vehicle_id in locked_vehicles:
                raise InvalidInputError(owner, "a vehicle may have one lock")
            locked_vehicles.add(lock.vehicle_id)
            for tid in (*lock.on_board, *(t for t, _ in lock.fixed_prefix), *lock.pickups_done):
                if tid not in task_ids:
                    raise InvalidInputError(owner, f"names an unknown task {tid!r}")
            for tid, at_s in lock.picked_up_at_s.items():
                _finite(owner, f"picked_up_at_s[{tid!r}]", at_s, minimum=None)
            for tid in lock.on_board:
                if tid in on_board:
                    raise InvalidInputError(owner, f"task {tid!r} is on board twice")
                on_board[tid] = lock.vehicle_id
            for tid, done in lock.pickups_done.items():
                field_name = f"{owner}: pickups_done[{tid!r}]"
                k = len(tasks[tid].pickups)
                for i in done:
                    if not isinstance(i, int | np.integer) or isinstance(i, bool):
                        raise InvalidInputError(field_name, f"must be pickup indices, got {i!r}")
                    if not 0 <= i < k:
                        raise InvalidInputError(field_name, f"pickup index {i} is not in [0, {k})")
                if len(set(done)) != len(done):
                    raise InvalidInputError(field_name, "must not repeat a pickup index")
                if not done:
                    raise InvalidInputError(
                        field_name, "must list at least one pickup (none done: not picked up)"
                    )
                if len(done) == k:
                    raise InvalidInputError(
                        field_name, "lists every pickup: the task is on board (use on_board)"
                    )
                if tid in partly:
                    raise InvalidInputError(
                        field_name, f"task {tid!r} is also partly picked by {partly[tid]!r}"
                    )
                partly[tid] = lock.vehicle_id
                began = lock.picked_up_at_s.get(tid)
                if began is None:
                    raise InvalidInputError(
                        f"{owner}: picked_up_at_s",
                        f"must give when partly picked task {tid!r} was first picked up",
                    )
                _finite(owner, f"picked_up_at_s[{tid!r}]", began, minimum=None)
        for tid, vid in partly.items():
            if tid in on_board:
                raise InvalidInputError(
                    f"VehicleLock {vid!r}: pickups_done[{tid!r}]",
                    f"task {tid!r} is both partly picked and on board of {on_board[tid]!r}",
                )
        carriers = {**on_board, **partly}
        for lock in self.locks:
            owner = f"VehicleLock {lock.vehicle_id!r}: fixed_prefix"
            for tid, index in lock.fixed_prefix:
                task = tasks[tid]
                if not isinstance(index, int | np.integer) or not 0 <= index <= len(task.pickups):
                    raise InvalidInputError(
                        owner,
                        f"stop index of task {tid!r} must be 0..{len(task.pickups)}, got {index!r}",
                    )
                carrier = carriers.get(tid)
                if carrier is not None and carrier != lock.vehicle_id:
                    raise InvalidInputError(owner, f"task {tid!r} is carried by {carrier!r}")
                if index < len(task.pickups) and (
                    tid in on_board or index in lock.pickups_done.get(tid, ())
                ):
                    raise InvalidInputError(
                        owner, f"pickup {index} of task {tid!r} is already done"
                    )

    @property
    def time_dependent(self) -> bool:
        """Whether some profile's travel time depends on the departure time."""
        return bool(self.speed_profiles)

    @property
    def dimensions(self) -> int:
        """Number of capacity dimensions."""
        if self.vehicles:
            return len(self.vehicles[0].capacity)
        return len(self.tasks[0].demand) if self.tasks else 0

    def task(self, task_id: str) -> Task:
        """The task with this id.  Raises KeyError when unknown."""
        return self._task_index[task_id]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """The vehicle with this id.  Raises KeyError when unknown."""
        return self._vehicle_index[vehicle_id]

    def lock_of(self, vehicle_id: str) -> VehicleLock | None:
        """The vehicle's lock, if it has one."""
        return next((lock for lock in self.locks if lock.vehicle_id == vehicle_id), None)

    def carrier(self, task_id: str) -> str | None:
        """The vehicle that has the task on board or partly picked up, if any."""
        return self._carriers.get(task_id)

    def prefix_vehicle(self, task_id: str) -> str | None:
        """The vehicle whose locked prefix holds a stop of the task, if any."""
        return next(
            (
                lock.vehicle_id
                for lock in self.locks
                if any(tid == task_id for tid, _ in lock.fixed_prefix)
            ),
            None,
        )

    def forced_vehicle(self, task_id: str) -> str | None:
        """The one vehicle that may serve the task, if it has one: its carrier, else the
        vehicle it is pinned to, else the one whose locked prefix holds it."""
        return self.carrier(task_id) or self.pinned.get(task_id) or self.prefix_vehicle(task_id)

    def must_serve(self, task_id: str) -> bool:
        """Whether the task is kept whatever it costs: required, or locked work (carried
        on board or partly picked, or in a vehicle's locked prefix)."""
        return (
            self.task(task_id).required
            or self.carrier(task_id) is not None
            or self.prefix_vehicle(task_id) is not None
        )

    def pickups_done(self, task_id: str) -> tuple[int, ...]:
        """Indices of the task's pickups already done: all of them for an on-board task,
        those in ``VehicleLock.pickups_done`` for a partly picked one, else none."""
        return self._pickups_done.get(task_id, ())

    def stops_left(self, task_id: str) -> tuple[int, ...]:
        """Stop indices still to serve: the pickups not done, then the delivery."""
        task = self.task(task_id)
        done = self.pickups_done(task_id)
        return (*(i for i in range(len(task.pickups)) if i not in done), len(task.pickups))

    def ride_began_s(self, task_id: str) -> float | None:
        """When a carried task's first pickup started (its vehicle's lock), if given."""
        carrier = self.carrier(task_id)
        lock = self.lock_of(carrier) if carrier is not None else None
        return lock.picked_up_at_s.get(task_id) if lock is not None else None

    def locked_to(self, task_id: str) -> str | None:
        """The vehicle the task's locked work belongs to: its carrier (on board or partly
        picked), else the vehicle whose locked prefix holds it; None for free work."""
        return self.carrier(task_id) or self.prefix_vehicle(task_id)

    def carried_load(self, vehicle_id: str) -> tuple[float, ...]:
        """What the vehicle's lock has on board at the start, per dimension: its on-board
        tasks whole and the done pickups' shares of its partly picked tasks."""
        vehicle = self.vehicle(vehicle_id)
        load = [0.0] * len(vehicle.capacity)
        lock = self.lock_of(vehicle_id)
        if lock is not None:
            for tid in sorted({*lock.on_board, *lock.pickups_done}):
                for k, d in enumerate(self.done_load(tid)):
                    load[k] += d
        return tuple(load)

    def overloaded(self, vehicle_id: str) -> str | None:
        """Why the vehicle is overloaded, or None when it is not.

        A vehicle is overloaded when what it carries at the start
        (:meth:`carried_load`) exceeds its capacity in some dimension (by more than
        :data:`OVERLOAD_TOL`), or when one of its partly picked tasks, once all its shops
        are picked, would.  The lock cannot be honoured within the capacity, and the
        goods are on board all the same, so: it keeps the work locked to it (the tasks it
        carries and its locked prefix: :meth:`locked_to`) and takes nothing else, and
        capacity is not checked along its route; the solution reports it on the route
        (``Route.overloaded``) and plans everything else as usual.
        """
        return self._overloaded.get(vehicle_id)

    @cached_property
    def _overloaded(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for lock in self.locks:
            vehicle = self.vehicle(lock.vehicle_id)
            load = self.carried_load(vehicle.id)
            over = [
                f"load[{k}] {have:g} > capacity {room:g}"
                for k, (have, room) in enumerate(zip(load, vehicle.capacity, strict=True))
                if have > room + OVERLOAD_TOL
            ]
            if over:
                out[vehicle.id] = (
                    f"carries more than its capacity at the start ({', '.join(over)}): it "
                    "delivers what it carries and takes no new work"
                )
                continue
            # rel16: a partly picked task that needs more than the capacity once all its
            # shops are picked cannot be completed within it either.
            whole = [
                f"{tid!r} load[{k}] {need:g} > capacity {room:g}"
                for tid in sorted(lock.pickups_done)
                for k, (need, room) in enumerate(
                    zip(self.task(tid).demand, vehicle.capacity, strict=True)
                )
                if need > room + OVERLOAD_TOL
            ]
            if whole:
                out[vehicle.id] = (
                    f"cannot complete a partly picked task within its capacity "
                    f"({', '.join(whole)}): it delivers what it carries and takes no new work"
                )
        return out

    def done_load(self, task_id: str) -> tuple[float, ...]:
        """Load of the task on board before the route starts (its done pickups' shares)."""
        task = self.task(task_id)
        if self.carrier(task_id) is not None and task_id not in self._partly_picked:
            return task.demand  # on board: all of it
        load = [0.0] * len(task.demand)
        for i in self.pickups_done(task_id):
            for k, d in enumerate(task.pickup_demand(i)):
                load[k] += d
        return tuple(load)

    @cached_property
    def _carriers(self) -> dict[str, str]:
        return {
            tid: lock.vehicle_id
            for lock in self.locks
            for tid in (*lock.on_board, *lock.pickups_done)
        }

    @cached_property
    def _partly_picked(self) -> frozenset[str]:
        return frozenset(tid for lock in self.locks for tid in lock.pickups_done)

    @cached_property
    def _pickups_done(self) -> dict[str, tuple[int, ...]]:
        done: dict[str, tuple[int, ...]] = {}
        for lock in self.locks:
            for tid in lock.on_board:
                done[tid] = tuple(range(len(self.task(tid).pickups)))
            for tid, indices in lock.pickups_done.items():
                done[tid] = tuple(sorted(indices))
        return done

    @cached_property
    def _task_index(self) -> dict[str, Task]:
        return {t.id: t for t in self.tasks}

    @cached_property
    def _vehicle_index(self) -> dict[str, Vehicle]:
        return {v.id: v for v in self.vehicles}
