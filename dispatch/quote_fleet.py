"""The fleet a checkout quote knows: ride times on the planner's network, the couriers'
committed work per micro-warehouse zone, and what the latest plan does with a source's
recent orders.

:class:`FleetModel` is built once per :class:`dispatch.quotes.Quoter`; a quote's
instant ETA is, in seconds on the plan clock (:meth:`dispatch.quotes.Quoter.quote`)::

    max(at_s + max(ready, wait) + pickup_service_s + ride,   # the fleet's queue
        idle_door + delay)                                   # the plan's delay
    + margin

* ``ride``: the e-bike travel time the planner uses (:meth:`dispatch.World.travel`, the
  road network when the world has one), one row per source to every building, of the
  micro-warehouses computed when the quoter is built (one matrix), of a store when it
  is first quoted, and kept; at the world's e-bike speed factor of the hour it leaves
  (:attr:`dispatch.World.speed_profiles`, integrated as the planner's travel is);
* ``ready``: the source's pick or preparation time;
* ``wait``: when a courier of the source's zone is free for it.  Each rider (couriers
  without skills, not vans) belongs to the zone of the micro-warehouse nearest its
  start; the zone's riders on shift at ``at_s`` take the committed orders of the source
  (:class:`FleetLoad`) ``orders_per_trip`` a trip, each trip a round trip to the
  source's typical customer (twice the median ride to the buildings within the instant
  radius, plus a pickup and a drop-off), the earliest free rider first; a rider is free
  now, or, when the latest plan is known (``FleetLoad.free_at_s``), at the end of its
  planned route plus half a trip back.  A zone with no rider on shift borrows the
  nearest zone's riders with the ride from there; with no rider at all the wait is not
  known and is 0;
* ``idle_door + delay``: the door time an idle rider would give this order
  (:meth:`dispatch.quotes.Quoter.idle_door_s`) plus the plan delay of the source
  (:class:`PlanLeads`): the largest lateness, against an idle fleet, the latest plan
  gives the source's orders of the last 20 minutes.  This is what the planner does
  when a burst of orders comes in: it batches them and lets them run late where a
  courier more would cost more, and it does so to the first orders of the burst first;
* ``margin``: :attr:`dispatch.quotes.QuoteSettings.eta_margin_s` (180 s), or, with
  ``QuoteSettings.eta_quantile``, the quantile of the recent errors
  (:class:`QuoteCalibration`).  ``python -m benchmarks.quote_accuracy`` measures them.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.plan import Plan, StopAction
from dispatch.speed import solver_speed_profiles
from dispatch.world import World
from geo.frame import LocalFrame
from geo.places import MicroWarehouse, Store
from geo.profiles import E_BIKE, ProfileName
from solvers.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class FleetLoad:
    """Committed courier work at a quote.

    Attributes:
        committed: per source (each of their places), the instant and multi-store
            orders submitted and not yet delivered that the couriers' free times do not
            already cover: with ``free_at_s``, the orders no plan has routed yet; without
            it, every one pending or planned.
        free_at_s: courier id -> plan-clock second its planned work ends (the end of its
            route in the latest plan); a courier not listed is free now.  Empty: the
            couriers' plans are not known, and ``committed`` is the whole queue.
        delay_s: per source, the plan delay (:class:`PlanLeads`): how much later than
            an idle fleet the latest plan brings the source's recent orders to the
            door; the quote's ETA is never sooner than its own idle door time plus it
            (before the margin).
    """

    committed: Mapping[str, int] = field(default_factory=dict)
    free_at_s: Mapping[str, float] = field(default_factory=dict)
    delay_s: Mapping[str, float] = field(default_factory=dict)


def _riders(couriers: Sequence[Courier]) -> list[Courier]:
    return [c for c in couriers if not c.skills and c.profile is not ProfileName.VAN]


class FleetModel:
    """Network ride times and zones of one world; thread-safe.

    Args:
        world: the world (buildings, sources, couriers, travel).
        frame: the metric frame of the quoter's straight-line positions.
        radius_m: the instant radius (the buildings that make a source's typical trip).
        service_s: a courier's time at a pickup and at a door (planner settings).
        calibration: the margin learnt from recent errors (None: the fixed margin).
    """

    def __init__(
        self,
        world: World,
        frame: LocalFrame,
        radius_m: float,
        service_s: float,
        calibration: QuoteCalibration | None = None,
    ) -> None:
        self._world = world
        #: the margin learnt from recent errors (None: the fixed margin only)
        self.calibration = calibration
        self._service_s = service_s
        # The e-bike's speed by time of day (None: the same all day), as the planner's.
        self._speed = solver_speed_profiles(world.speed_profiles, [E_BIKE.name]).get(E_BIKE.name)
        self._radius_m = radius_m
        self._lock = threading.Lock()
        self._rows: dict[str, np.ndarray] = {}
        self._trip_s: dict[str, float] = {}
        self._building_index = {b.id: i for i, b in enumerate(world.buildings)}
        bx, by = frame.forward([b.lon for b in world.buildings], [b.lat for b in world.buildings])
        self._bxy = np.column_stack([bx, by]) if len(world.buildings) else np.zeros((0, 2))
        sources: list[Store | MicroWarehouse] = [*world.stores, *world.micro_warehouses]
        self._sources = {s.id: s for s in sources}
        self._sxy = {
            s.id: tuple(float(v[0]) for v in frame.forward([s.lon], [s.lat])) for s in sources
        }
        hubs = list(world.micro_warehouses) or sources
        hxy = [frame.forward([h.lon], [h.lat]) for h in hubs]
        hub_xy = [(float(x[0]), float(y[0])) for x, y in hxy]

        def nearest_hub(x: float, y: float) -> int:
            return min(
                range(len(hubs)), key=lambda k: math.hypot(hub_xy[k][0] - x, hub_xy[k][1] - y)
            )

        self._hubs = [h.id for h in hubs]
        self._hub_xy = hub_xy
        self._zone_of_source = {sid: nearest_hub(*self._sxy[sid]) for sid in self._sources if hubs}
        self._zone_riders: dict[int, list[Courier]] = {}
        self._has_riders = False
        for courier in _riders(world.couriers):
            if not hubs:
                break
            cx, cy = frame.forward([courier.lon], [courier.lat])
            self._zone_riders.setdefault(nearest_hub(float(cx[0]), float(cy[0])), []).append(
                courier
            )
            self._has_riders = True

    # --- rides ------------------------------------------------------------------------

    def warm(self, source_ids: Sequence[str] | None = None) -> None:
        """Compute the ride rows of these sources (None: every source) now, in one
        matrix (the network's snapping of the buildings is shared)."""
        wanted = [
            sid
            for sid in (self._sources if source_ids is None else source_ids)
            if sid not in self._rows
        ]
        if wanted:
            self._compute(wanted)

    def _row(self, source_id: str) -> np.ndarray:
        row = self._rows.get(source_id)
        if row is None:
            self._compute([source_id])
            row = self._rows[source_id]
        return row

    def _compute(self, source_ids: Sequence[str]) -> None:
        sources = [self._sources[sid] for sid in source_ids]
        try:
            matrix = self._world.travel(ProfileName.E_BIKE, sources, self._world.buildings)
            rows = np.asarray(matrix.duration_s, dtype=np.float64)
        except InvalidInputError:  # a place off every street: the straight line then
            sxy = np.array([self._sxy[sid] for sid in source_ids])
            straight = np.hypot(
                self._bxy[None, :, 0] - sxy[:, None, 0], self._bxy[None, :, 1] - sxy[:, None, 1]
            )
            rows = straight * self._world.detour_factor / (E_BIKE.speed_kph / 3.6)
        for k, sid in enumerate(source_ids):
            row = rows[k]
            sx, sy = self._sxy[sid]
            near = np.hypot(self._bxy[:, 0] - sx, self._bxy[:, 1] - sy) <= self._radius_m
            finite = row[near & np.isfinite(row)]
            typical = float(np.median(finite)) if finite.size else 0.0
            with self._lock:
                self._rows[sid] = row
                self._trip_s[sid] = 2.0 * typical + 2.0 * self._service_s

    def ride_s(
        self, source_id: str, building_id: str, depart_s: float | None = None
    ) -> float | None:
        """E-bike seconds from the source to the building on the planner's network
        (None: unreachable there); left at ``depart_s`` (plan clock), at the world's
        e-bike speed factors then, integrated as the planner's travel is
        (:mod:`solvers.travel_time`); None: free flow."""
        value = float(self._row(source_id)[self._building_index[building_id]])
        if not math.isfinite(value):
            return None
        if depart_s is not None and self._speed is not None:
            return self._speed.travel_s(depart_s, value)
        return value

    def margin_s(self, default_s: float) -> float:
        """The margin a quote adds now: the calibrated one (:class:`QuoteCalibration`)
        once it has enough errors, else ``default_s``."""
        return default_s if self.calibration is None else self.calibration.margin_s(default_s)

    # --- load -------------------------------------------------------------------------

    def wait_s(
        self,
        source_id: str,
        at_s: float,
        committed: int,
        orders_per_trip: int,
        free_at_s: Mapping[str, float] | None = None,
    ) -> float:
        """When a rider of the source's zone is free for one more order (see the module
        doc); 0 when the world has no riders.

        The zone's riders on shift queue the ``committed`` orders before this one,
        ``orders_per_trip`` a trip, each trip taking the source's typical round trip; a
        rider starts when it is free: now, or at its ``free_at_s`` (its planned work's
        end) plus the ride back to the source (half a trip)."""
        if not self._has_riders or source_id not in self._zone_of_source:
            return 0.0
        self._row(source_id)
        trip = self._trip_s[source_id]
        zone = self._zone_of_source[source_id]
        zx, zy = self._hub_xy[zone]
        free = free_at_s or {}
        per_trip = max(orders_per_trip, 1)
        rounds = committed // per_trip  # trips that leave before this order's
        best = math.inf
        for k, riders in self._zone_riders.items():
            on = [c for c in riders if c.shift.start_s <= at_s < c.shift.end_s]
            if not on:
                continue
            # Riders of another zone come over: the straight ride at the trip's pace.
            hx, hy = self._hub_xy[k]
            come_s = 0.0 if k == zone else math.hypot(hx - zx, hy - zy) / _EBIKE_MPS
            starts = [
                come_s
                + (free[c.id] - at_s + trip / 2.0 if free.get(c.id, -math.inf) > at_s else 0.0)
                for c in on
            ]
            heapq.heapify(starts)
            for _ in range(rounds):  # the earliest free rider takes the next trip
                heapq.heapreplace(starts, starts[0] + trip)
            best = min(best, starts[0])
        return 0.0 if math.isinf(best) else best


#: A rider's straight-line pace when a zone borrows riders (e-bike about 15 km/h over
#: the detour of city streets).
_EBIKE_MPS = 15.0 / 3.6 / 1.3


# --- real13c: what the latest plan does with a source's recent orders --------------------
#: Orders created at most this long before a quote make its plan lead, seconds.
LEAD_WINDOW_S = 1200.0


def door_times(plan: Plan) -> dict[str, float]:
    """Order id -> when the plan starts handing it over at the door (plan clock)."""
    out: dict[str, float] = {}
    for route in plan.routes:
        for stop in route.stops:
            if stop.action is StopAction.DELIVER:
                for order_id in stop.order_ids:
                    out[order_id] = stop.start_s
    return out


class PlanLeads:
    """The plan delay of each source: how much later than an idle fleet the latest plan
    brings the source's recent instant orders to the door.

    After each plan (:meth:`update`), every instant order it routes gives its delay: its
    door time in that plan less the door time an idle rider would give it (``base``:
    created, then the source's ready time, the pickup and the ride to its building,
    :meth:`dispatch.quotes.Quoter.idle_door_s`).  A quote at ``at_s`` reads
    :meth:`delay_s`: the largest delay of the source's orders created in
    ``(at_s - LEAD_WINDOW_S, at_s)``, and its ETA is then never sooner than its own idle
    door time plus that delay.  When the planner batches a burst of orders and lets
    them run late (lateness is priced, and so is one courier more), the recent orders'
    delays grow first, a wave or two before a new order's; the quote says so.  Only
    plans made before the quote count.  Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_source: dict[str, list[tuple[float, float]]] = {}

    def update_from(
        self,
        door_s: Mapping[str, float],
        orders: Sequence[Order],
        idle_door_s: Callable[[str, str, float], float],
    ) -> None:
        """Replace the delays with those of a plan's door times (order id -> seconds)
        for these orders (instant orders with a building; others are ignored);
        ``idle_door_s(source_id, building_id, created_s)`` gives the idle fleet's."""
        by_source: dict[str, list[tuple[float, float]]] = {}
        for order in orders:
            door = door_s.get(order.id)
            if door is None or order.mode is not FulfilmentMode.INSTANT or not order.lines:
                continue
            if order.building_id is None:
                continue
            source_id = order.lines[0].store_id
            delay = door - idle_door_s(source_id, order.building_id, order.created_at_s)
            by_source.setdefault(source_id, []).append((order.created_at_s, delay))
        with self._lock:
            self._by_source = by_source

    def update(
        self, plan: Plan, orders: Sequence[Order], idle_door_s: Callable[[str, str, float], float]
    ) -> None:
        """Replace the delays with those of ``plan`` for ``orders`` (see the class doc)."""
        self.update_from(door_times(plan), orders, idle_door_s)

    def delay_s(self, source_id: str, at_s: float) -> float:
        """The source's plan delay at ``at_s``, seconds (0: no recent order planned, or
        none later than an idle fleet would be)."""
        with self._lock:
            delays = self._by_source.get(source_id, ())
            return max(
                (d for created, d in delays if at_s - LEAD_WINDOW_S < created < at_s),
                default=0.0,
            )


# --- real13c: the margin calibrated on the recent errors ---------------------------------
class QuoteCalibration:
    """The margin an instant quote adds, learnt from the recent quotes' errors.

    The rule: each instant order, once the planner has placed it, gives one error, the
    planned (or delivered) time at the door minus its quote without margin (the raw
    ETA, worked out when the order was created).  The last ``window`` errors are kept;
    with at least ``min_samples`` of them the margin is their ``quantile`` (0.95: the
    quote is kept as often as 95 of the last 100 orders were), never below ``floor_s``;
    with fewer the caller's fixed margin stands.  Only errors already observed count:
    a quote at time T reads errors observed before T, never later ones.  Thread-safe.

    Raises:
        InvalidInputError: ``quantile`` outside (0, 1], ``window`` or ``min_samples``
            below 1, or ``min_samples`` above ``window``.
    """

    def __init__(
        self,
        quantile: float = 0.95,
        window: int = 200,
        min_samples: int = 30,
        floor_s: float = 0.0,
    ) -> None:
        if not (isinstance(quantile, int | float) and 0.0 < quantile <= 1.0):
            raise InvalidInputError(
                "QuoteCalibration.quantile", f"must be in (0, 1], got {quantile!r}"
            )
        if not (isinstance(window, int) and window >= 1):
            raise InvalidInputError(
                "QuoteCalibration.window", f"must be an integer >= 1, got {window!r}"
            )
        if not (isinstance(min_samples, int) and 1 <= min_samples <= window):
            raise InvalidInputError(
                "QuoteCalibration.min_samples",
                f"must be an integer in [1, window], got {min_samples!r}",
            )
        self.quantile = float(quantile)
        self.min_samples = min_samples
        self.floor_s = float(floor_s)
        self._errors: deque[float] = deque(maxlen=window)
        self._lock = threading.Lock()

    def observe(self, error_s: float) -> None:
        """One placed order's error: its planned time at the door minus its raw ETA,
        seconds (a non-finite value is ignored)."""
        if math.isfinite(error_s):
            with self._lock:
                self._errors.append(float(error_s))

    @property
    def samples(self) -> int:
        """How many errors are kept now."""
        with self._lock:
            return len(self._errors)

    def margin_s(self, default_s: float) -> float:
        """The margin now: the kept errors' quantile (at least ``floor_s``), or
        ``default_s`` with fewer than ``min_samples`` errors."""
        with self._lock:
            if len(self._errors) < self.min_samples:
                return default_s
            errors = np.fromiter(self._errors, dtype=np.float64)
        return max(self.floor_s, float(np.quantile(errors, self.quantile, method="higher")))


# --- end real13c ---------------------------------------------------------------------------
