"""Fulfilment options and fees at checkout: :class:`Quoter`.

A quote answers "how can this basket reach this building now, when, and for how much"
in well under a millisecond, so everything spatial is computed once when the
:class:`Quoter` is built (per building: the pickup points in walking distance and the
straight-line position in a metric frame).  An instant ETA rides the planner's network
(e-bike travel times from the source, one row per source kept once computed) and waits
for the source zone's couriers when they have committed work
(:mod:`dispatch.quote_fleet`); multi-store ETAs are straight-line distance times the
world's detour factor at the e-bike's speed.  Stock decides which options are available
(:mod:`dispatch.stock`).  Availability of scheduled slots, pickup points and
home-service slots comes from a :class:`Usage` the caller gives (the engine reads the
store's counters, which count every engine's orders).

Fees are :class:`QuoteSettings` (yuan, exact): a base fee per mode, then the member's
benefits: a paid member gets free delivery and a discount on home-service call-outs;
anyone gets free delivery from a basket value.  No I/O here.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

import numpy as np

from dispatch.domain import FulfilmentMode, Member, OrderLine, to_cents
from dispatch.quote_fleet import FleetLoad, FleetModel, QuoteCalibration
from dispatch.settings import PlannerSettings
from dispatch.stock import MissingLine, StockView, basket_needs
from dispatch.world import World
from geo.areas import NearestIndex
from geo.frame import LocalFrame
from geo.places import MicroWarehouse, Store
from geo.profiles import E_BIKE, WALK
from solvers.errors import InvalidInputError
from solvers.problem import TimeWindow

HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class HomeService:
    """A bookable home service: its SKU, visit duration and the skills it needs."""

    sku: str
    duration_s: float
    skills: frozenset[str] = frozenset()


DEFAULT_HOME_SERVICES: Mapping[str, HomeService] = MappingProxyType(
    {
        s.sku: s
        for s in (
            HomeService("deep-cleaning-3h", 3 * HOUR_S, frozenset({"cleaning"})),
            HomeService("tap-repair", 1 * HOUR_S, frozenset({"plumbing"})),
            HomeService("socket-repair", 1 * HOUR_S, frozenset({"electrical"})),
            HomeService("ac-cleaning", 1.5 * HOUR_S, frozenset({"appliance_repair"})),
        )
    }
)


def _money(name: str, value: object) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidInputError(f"QuoteSettings.{name}", f"must be a Decimal >= 0, got {value!r}")
    return value


def _seconds(name: str, value: object, *, positive: bool = False) -> None:
    if not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > 0 if positive else value >= 0)
    ):
        rule = "> 0" if positive else ">= 0"
        raise InvalidInputError(f"QuoteSettings.{name}", f"must be a finite number {rule}")


@dataclass(frozen=True, slots=True)
class QuoteSettings:
    """Fee rules and what a quote offers.  Money in yuan (Decimal), times in seconds on
    the plan's clock, distances in metres.

    Attributes:
        instant_fee, multi_store_fee, scheduled_fee: delivery fees before benefits.
        pickup_fee: fee of next-day collection at a pickup point.
        home_service_fee: call-out fee of a home-service visit before benefits.
        free_delivery_from: basket value from which delivery is free for everyone
            (None: never).
        paid_free_delivery: whether paid members deliver free (the paid tier's benefit).
        paid_home_service_discount: share of the call-out fee a paid member saves, [0, 1].
        instant_radius_m: farthest straight-line distance from the source an instant
            order is offered.
        slot_length_s: length of a scheduled delivery slot.
        slot_lead_s: the first slot starts at least this long after now.
        slots_until_s: no slot starts at or after this time (plan clock).
        slots_offered: at most this many slots are listed.
        slot_capacity: orders a source takes per slot.
        home_service_slot_s, home_service_from_s, home_service_until_s: home-service
            visit slots, from and until (times of day, today and tomorrow).
        home_service_lead_s: the first visit slot starts at least this long after now.
        home_services: the bookable services by SKU.
        pickup_points_offered: at most this many pickup points are listed, nearest first.
        orders_per_trip: orders a rider takes from a source on one trip (the queue of
            committed work, :mod:`dispatch.quote_fleet`).
        eta_margin_s: slack added to every instant ETA so the plan keeps it, until the
            calibration has errors enough (``eta_quantile``).
        eta_quantile: the calibrated margin is this quantile of the recent errors of
            instant quotes (:class:`dispatch.quote_fleet.QuoteCalibration`); None: the
            fixed ``eta_margin_s`` always.
        eta_errors_kept: how many recent errors the calibration keeps.
        eta_errors_min: errors it needs before its margin replaces ``eta_margin_s``.
        alternatives_offered: when the basket's micro-warehouse lacks some line, at most
            this many other micro-warehouses within ``instant_radius_m`` that have the
            whole basket are offered for instant delivery, soonest first.
    """

    instant_fee: Decimal = Decimal("5.00")
    multi_store_fee: Decimal = Decimal("8.00")
    scheduled_fee: Decimal = Decimal("3.00")
    pickup_fee: Decimal = Decimal("0.00")
    home_service_fee: Decimal = Decimal("20.00")
    free_delivery_from: Decimal | None = Decimal("99.00")
    paid_free_delivery: bool = True
    paid_home_service_discount: Decimal = Decimal("0.5")
    instant_radius_m: float = 3000.0
    slot_length_s: float = 1800.0
    slot_lead_s: float = 3600.0
    slots_until_s: float = 21 * HOUR_S
    slots_offered: int = 8
    slot_capacity: int = 20
    home_service_slot_s: float = 2 * HOUR_S
    home_service_from_s: float = 9 * HOUR_S
    home_service_until_s: float = 19 * HOUR_S
    home_service_lead_s: float = 2 * HOUR_S
    home_services: Mapping[str, HomeService] = field(
        default_factory=lambda: dict(DEFAULT_HOME_SERVICES)
    )
    pickup_points_offered: int = 5
    alternatives_offered: int = 2
    orders_per_trip: int = 2
    eta_margin_s: float = 180.0
    eta_quantile: float | None = None
    eta_errors_kept: int = 200
    eta_errors_min: int = 30

    def __post_init__(self) -> None:
        for name in (
            "instant_fee",
            "multi_store_fee",
            "scheduled_fee",
            "pickup_fee",
            "home_service_fee",
            "paid_home_service_discount",
        ):
            _money(name, getattr(self, name))
        if self.free_delivery_from is not None:
            _money("free_delivery_from", self.free_delivery_from)
        if self.paid_home_service_discount > 1:
            raise InvalidInputError("QuoteSettings.paid_home_service_discount", "must be in [0, 1]")
        for name in (
            "slot_lead_s",
            "slots_until_s",
            "home_service_lead_s",
            "instant_radius_m",
            "eta_margin_s",
        ):
            _seconds(name, getattr(self, name))
        for name in ("slot_length_s", "home_service_slot_s"):
            _seconds(name, getattr(self, name), positive=True)
        for name in (
            "slots_offered",
            "slot_capacity",
            "pickup_points_offered",
            "alternatives_offered",
            "orders_per_trip",
            "eta_errors_kept",
            "eta_errors_min",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidInputError(f"QuoteSettings.{name}", "must be an integer >= 0")
        if not 0 <= self.home_service_from_s < self.home_service_until_s <= 24 * HOUR_S:
            raise InvalidInputError(
                "QuoteSettings.home_service_until_s",
                "must be after home_service_from_s and at most 86400 (a time of day)",
            )
        if self.eta_quantile is not None and not (
            isinstance(self.eta_quantile, int | float) and 0.0 < self.eta_quantile <= 1.0
        ):
            raise InvalidInputError("QuoteSettings.eta_quantile", "must be in (0, 1] or None")
        if not 1 <= self.eta_errors_min <= self.eta_errors_kept:
            raise InvalidInputError(
                "QuoteSettings.eta_errors_min", "must be in [1, eta_errors_kept]"
            )
        object.__setattr__(self, "home_services", MappingProxyType(dict(self.home_services)))


@dataclass(frozen=True, slots=True)
class FulfilmentOption:
    """One way to fulfil the basket.

    Attributes:
        mode: the fulfilment flow an order of this option has.
        fee: what the member pays for fulfilment, after benefits, yuan.
        base_fee: the fee before benefits, yuan.
        benefit: which benefit lowered the fee, if any.
        available: whether it can be chosen now (a full slot or point is listed as
            unavailable).
        eta_s: estimated delivery time (instant and multi-store).
        window: the slot (scheduled delivery, home-service visit).
        remaining: orders (parcels, at a pickup point) the slot or point still takes.
        pickup_point_id: the pickup point (next-day collection).
        walk_m: estimated walking distance from the destination to the pickup point.
        next_pickup_s: when the order can first be collected (plan clock).
        source_ids: the stores or micro-warehouses the basket comes from.
        missing: the basket's lines its place cannot give by then (stock, see
            :mod:`dispatch.stock`); the option is unavailable when there are any.
        instead_of: for an instant option from another micro-warehouse that has the
            whole basket, the place the basket named (the order's lines then name this
            option's source).
    """

    mode: FulfilmentMode
    fee: Decimal
    base_fee: Decimal
    benefit: str | None = None
    available: bool = True
    eta_s: float | None = None
    window: TimeWindow | None = None
    remaining: int | None = None
    pickup_point_id: str | None = None
    walk_m: float | None = None
    next_pickup_s: float | None = None
    source_ids: tuple[str, ...] = ()
    missing: tuple[MissingLine, ...] = ()
    instead_of: str | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """The options for one basket to one destination for one member at ``at_s``;
    ``missing``: the basket's lines its places cannot give now (stock)."""

    destination_id: str
    member_id: str
    at_s: float
    basket_value: Decimal
    options: tuple[FulfilmentOption, ...]
    missing: tuple[MissingLine, ...] = ()

    def of(self, mode: FulfilmentMode) -> tuple[FulfilmentOption, ...]:
        """The options of one mode."""
        return tuple(o for o in self.options if o.mode is mode)


class Usage:
    """How full scheduled slots, pickup points and home-service slots are; thread-safe.

    Keys: ``(source_id, slot_start_s)`` for scheduled slots, the pickup point id (in
    parcels) and the visit slot start for home services.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.slots: Counter[tuple[str, float]] = Counter()
        self.parcels: Counter[str] = Counter()
        self.visits: Counter[float] = Counter()

    def add_slot(self, source_id: str, start_s: float, n: int = 1) -> None:
        """Count ``n`` orders in a scheduled slot."""
        with self._lock:
            self.slots[(source_id, float(start_s))] += n

    def add_parcels(self, point_id: str, n: int) -> None:
        """Count ``n`` parcels at a pickup point."""
        with self._lock:
            self.parcels[point_id] += n

    def add_visit(self, start_s: float, n: int = 1) -> None:
        """Count ``n`` visits in a home-service slot."""
        with self._lock:
            self.visits[float(start_s)] += n


def _ready_s(source: Store | MicroWarehouse) -> float:
    """Time from order to ready for the courier at a source."""
    if isinstance(source, MicroWarehouse):
        return source.pick_duration_s
    return source.prep_duration_s


class Quoter:
    """Quotes in one world; spatial lookups precomputed at construction.

    Raises:
        InvalidInputError: the world has no buildings.
    """

    def __init__(
        self,
        world: World,
        settings: PlannerSettings | None = None,
        quote_settings: QuoteSettings | None = None,
    ) -> None:
        self.world = world
        self.settings = settings or PlannerSettings()
        self.quote_settings = quote_settings or QuoteSettings()
        if not world.buildings:
            raise InvalidInputError("World.buildings", "a quoting world needs buildings")
        b_lon = np.array([b.lon for b in world.buildings])
        b_lat = np.array([b.lat for b in world.buildings])
        self._frame = LocalFrame.around(b_lon, b_lat)
        bx, by = self._frame.forward(b_lon, b_lat)
        self._building_xy = {
            b.id: (float(x), float(y)) for b, x, y in zip(world.buildings, bx, by, strict=True)
        }
        sources: list[Store | MicroWarehouse] = [*world.stores, *world.micro_warehouses]
        self._sources = {s.id: s for s in sources}
        if sources:
            sx, sy = self._frame.forward([s.lon for s in sources], [s.lat for s in sources])
            self._source_xy = {
                s.id: (float(x), float(y)) for s, x, y in zip(sources, sx, sy, strict=True)
            }
        else:
            self._source_xy = {}
        self._detour = world.detour_factor
        self._ebike_mps = E_BIKE.speed_kph / 3.6
        self._walk_mps = WALK.speed_kph / 3.6
        # Pickup points open on the collection day, and per building those in walking reach.
        s = self.settings
        open_points = [
            p
            for p in world.pickup_points
            if not world.pickup_point_closed(p, s.collection_from_s, s.collection_until_s)
        ]
        self._points = tuple(open_points)
        self._next_pickup_s = tuple(
            s.collection_day_start_s + p.next_opening_s(s.collection_from_s) for p in open_points
        )
        self._near: dict[str, tuple[tuple[int, float], ...]] = {}
        if open_points:
            index = NearestIndex.from_lonlat(
                [p.lon for p in open_points],
                [p.lat for p in open_points],
                [p.id for p in open_points],
                frame=self._frame,
            )
            radius = s.walk_limit_m / self._detour
            q, pos, dist = index.within(b_lon, b_lat, radius)
            near: dict[int, list[tuple[int, float]]] = {}
            for qi, pi, d in zip(q.tolist(), pos.tolist(), dist.tolist(), strict=True):
                near.setdefault(qi, []).append((pi, d * self._detour))
            for qi, items in near.items():
                self._near[world.buildings[qi].id] = tuple(items)
        # Technicians by skill set, for home-service capacity.
        self._technicians = tuple(c.skills for c in world.couriers if c.skills)
        # Stock: the world's table (a scenario's) unless the caller reads a store's.
        self._world_stock = StockView.of_table(world.stock)
        self._mw_ids = tuple(m.id for m in world.micro_warehouses)
        # The fleet: rides on the planner's network and riders per zone (quote_fleet).
        qs = self.quote_settings
        self.fleet = FleetModel(
            world,
            self._frame,
            qs.instant_radius_m,
            self.settings.pickup_service_s,
            None
            if qs.eta_quantile is None
            else QuoteCalibration(qs.eta_quantile, qs.eta_errors_kept, qs.eta_errors_min),
        )
        if world.buildings:  # the instant sources' rides up front, so no quote waits
            self.fleet.warm(self._mw_ids)

    # --- helpers --------------------------------------------------------------------------

    def _ride_s(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        return math.hypot(a[0] - b[0], a[1] - b[1]) * self._detour / self._ebike_mps

    def straight_ride_s(self, source_id: str, building_id: str) -> float:
        """E-bike seconds from a source to a building by the straight line times the
        world's detour factor (the estimate before quotes rode the network; reports
        compare the two)."""
        return self._ride_s(self._source_xy[source_id], self._building_xy[building_id])

    def raw_instant_eta_s(
        self, source_id: str, destination_id: str, at_s: float, load: FleetLoad | None = None
    ) -> float:
        """The instant ETA of :mod:`dispatch.quote_fleet` without the margin: what the
        calibration's errors are measured from (:meth:`observe_placed`).

        Raises:
            KeyError: an unknown source or building."""
        return self._instant_eta_s(source_id, destination_id, at_s, load or FleetLoad(), False)

    def observe_placed(self, raw_eta_s: float, placed_s: float) -> None:
        """An instant order the planner placed: its time at the door ``placed_s`` against
        the raw ETA it had when created (:meth:`raw_instant_eta_s`); the calibrated
        margin learns from it (nothing without ``QuoteSettings.eta_quantile``)."""
        if self.fleet.calibration is not None:
            self.fleet.calibration.observe(placed_s - raw_eta_s)

    def _instant_eta_s(
        self,
        source_id: str,
        destination_id: str,
        at_s: float,
        load: FleetLoad,
        margin: bool = True,
    ) -> float:
        """When an instant order from the source would reach the door: the rule of
        :mod:`dispatch.quote_fleet` (network ride, the zone's committed work, margin)."""
        q = self.quote_settings
        source = self._sources[source_id]
        wait = self.fleet.wait_s(
            source_id,
            at_s,
            load.committed.get(source_id, 0),
            q.orders_per_trip,
            load.free_at_s,
        )
        leave_s = at_s + max(_ready_s(source), wait) + self.settings.pickup_service_s
        door_s = leave_s + self._ride_or_straight_s(source_id, destination_id, leave_s)
        # Never sooner than the latest plan's delay of the source's recent orders allows.
        delay = load.delay_s.get(source_id, 0.0)
        if delay > 0.0:
            door_s = max(door_s, self.idle_door_s(source_id, destination_id, at_s) + delay)
        return door_s + (self.fleet.margin_s(q.eta_margin_s) if margin else 0.0)

    def _ride_or_straight_s(self, source_id: str, destination_id: str, leave_s: float) -> float:
        ride = self.fleet.ride_s(source_id, destination_id, leave_s)
        if ride is None:
            ride = self._ride_s(self._source_xy[source_id], self._building_xy[destination_id])
        return ride

    def idle_door_s(self, source_id: str, building_id: str, at_s: float) -> float:
        """When an idle rider would bring an instant order created at ``at_s`` from the
        source to the building: the source's ready time, the pickup, the ride (what
        :class:`dispatch.quote_fleet.PlanLeads` measures the plan's delays from).

        Raises:
            KeyError: an unknown source or building."""
        leave_s = at_s + _ready_s(self._sources[source_id]) + self.settings.pickup_service_s
        return leave_s + self._ride_or_straight_s(source_id, building_id, leave_s)

    def _delivery_fee(
        self, base: Decimal, member: Member, value: Decimal
    ) -> tuple[Decimal, str | None]:
        q = self.quote_settings
        if member.is_paid and q.paid_free_delivery and base > 0:
            return Decimal("0.00"), "paid member: free delivery"
        if q.free_delivery_from is not None and value >= q.free_delivery_from and base > 0:
            return Decimal("0.00"), f"free delivery from {q.free_delivery_from} yuan"
        return to_cents(base), None

    def offered_pickup_point_ids(self, destination_id: str) -> tuple[str, ...]:
        """The pickup points a quote to this building may list (nearest first): the only
        ones whose usage it reads."""
        near = self._near.get(destination_id, ())[: self.quote_settings.pickup_points_offered]
        return tuple(self._points[pos].id for pos, _ in near)

    def stock_place_ids(self, destination_id: str, basket: Sequence[OrderLine]) -> tuple[str, ...]:
        """The places whose stock a quote of this basket to this building may read: the
        basket's places and, when they are one micro-warehouse, the others in instant
        reach of the building (the alternatives)."""
        sources = tuple(dict.fromkeys(line.store_id for line in basket))
        dest = self._building_xy.get(destination_id)
        if len(sources) != 1 or sources[0] not in self._mw_ids or dest is None:
            return sources
        return (*sources, *(m for m in self._within_radius(dest) if m != sources[0]))

    def _within_radius(self, dest: tuple[float, float]) -> tuple[str, ...]:
        radius = self.quote_settings.instant_radius_m
        return tuple(
            mid
            for mid in self._mw_ids
            if math.hypot(self._source_xy[mid][0] - dest[0], self._source_xy[mid][1] - dest[1])
            <= radius
        )

    def is_home_service(self, line: OrderLine) -> bool:
        """Whether the line books a home service (its SKU is a known service)."""
        return line.sku in self.quote_settings.home_services

    # --- the quote ------------------------------------------------------------------------

    def quote(
        self,
        destination_id: str,
        basket: Sequence[OrderLine],
        member: Member,
        *,
        at_s: float,
        usage: Usage | None = None,
        stock: StockView | None = None,
        load: FleetLoad | None = None,
    ) -> Quote:
        """The fulfilment options of ``basket`` to building ``destination_id``.

        ``stock``: the free units the quote may read (the Engine reads its store's, for
        :meth:`stock_place_ids`); None: the world's stock table.  An instant or slot
        option is available only when its place has the whole basket by then; the
        short lines are named on the option and the quote, and other micro-warehouses
        that have the basket are offered instead (next-day pickup draws no shelf stock).
        ``load``: the couriers' committed work per source (:class:`FleetLoad`; None:
        none), which delays the instant ETA (:mod:`dispatch.quote_fleet`).

        Raises:
            InvalidInputError: unknown destination building, an empty basket, a line
                from an unknown store or micro-warehouse (naming ``basket[i].store_id``),
                a basket mixing home services with goods, ``at_s`` not a number >= 0.
        """
        if not (isinstance(at_s, int | float) and math.isfinite(at_s) and at_s >= 0):
            raise InvalidInputError("at_s", f"must be a finite number >= 0, got {at_s!r}")
        dest = self._building_xy.get(destination_id)
        if dest is None:
            raise InvalidInputError("destination", f"unknown building {destination_id!r}")
        if not basket:
            raise InvalidInputError("basket", "must have at least one line")
        usage = usage or Usage()
        value = sum((line.amount for line in basket), Decimal("0"))
        services = [self.is_home_service(line) for line in basket]
        if any(services):
            if not all(services):
                raise InvalidInputError("basket", "must not mix home services with goods")
            options = self._home_service(basket, member, at_s, usage)
        else:
            for k, line in enumerate(basket):
                if line.store_id not in self._sources:
                    raise InvalidInputError(
                        f"basket[{k}].store_id",
                        f"unknown store or micro-warehouse {line.store_id!r}",
                    )
            sources = tuple(dict.fromkeys(line.store_id for line in basket))
            view = self._world_stock if stock is None else stock
            needs = basket_needs(basket)
            missing = view.missing(needs, at_s)
            options = [
                *self._delivery(
                    sources=sources,
                    dest=dest,
                    member=member,
                    value=value,
                    at_s=at_s,
                    usage=usage,
                    needs=(needs, view),
                    destination_id=destination_id,
                    load=load or FleetLoad(),
                ),
                *self._pickup(destination_id, sources, member, at_s, usage),
            ]
            return Quote(destination_id, member.id, float(at_s), value, tuple(options), missing)
        return Quote(destination_id, member.id, float(at_s), value, tuple(options))

    def _delivery(
        self,
        *,
        sources: tuple[str, ...],
        dest: tuple[float, float],
        member: Member,
        value: Decimal,
        at_s: float,
        usage: Usage,
        needs: tuple[dict[tuple[str, str], int], StockView],
        destination_id: str,
        load: FleetLoad,
    ) -> list[FulfilmentOption]:
        q = self.quote_settings
        wanted, view = needs
        missing_now = view.missing(wanted, at_s)
        out: list[FulfilmentOption] = []
        if len(sources) == 1:
            source = self._sources[sources[0]]
            xy = self._source_xy[source.id]
            distance_m = math.hypot(xy[0] - dest[0], xy[1] - dest[1])
            fee, benefit = self._delivery_fee(q.instant_fee, member, value)
            if distance_m <= q.instant_radius_m:
                out.append(
                    FulfilmentOption(
                        FulfilmentMode.INSTANT,
                        fee,
                        to_cents(q.instant_fee),
                        benefit,
                        available=not missing_now,
                        eta_s=self._instant_eta_s(source.id, destination_id, at_s, load),
                        source_ids=sources,
                        missing=missing_now,
                    )
                )
            if missing_now and source.id in self._mw_ids:
                # Another micro-warehouse in reach that has the whole basket now.
                others = []
                for mid in self._within_radius(dest):
                    moved = {(mid, sku): n for (_, sku), n in wanted.items()}
                    if (
                        mid != source.id
                        and mid in view.controlled
                        and not view.missing(moved, at_s)
                    ):
                        others.append((self._instant_eta_s(mid, destination_id, at_s, load), mid))
                for eta, mid in sorted(others)[: q.alternatives_offered]:
                    out.append(
                        FulfilmentOption(
                            FulfilmentMode.INSTANT,
                            fee,
                            to_cents(q.instant_fee),
                            benefit,
                            eta_s=eta,
                            source_ids=(mid,),
                            instead_of=source.id,
                        )
                    )
            fee, benefit = self._delivery_fee(q.scheduled_fee, member, value)
            first = math.ceil((at_s + q.slot_lead_s) / q.slot_length_s) * q.slot_length_s
            for k in range(q.slots_offered):
                start = first + k * q.slot_length_s
                if start >= q.slots_until_s:
                    break
                left = q.slot_capacity - usage.slots.get((source.id, start), 0)
                short = view.missing(wanted, start) if missing_now else ()
                out.append(
                    FulfilmentOption(
                        FulfilmentMode.SCHEDULED,
                        fee,
                        to_cents(q.scheduled_fee),
                        benefit,
                        available=left > 0 and not short,
                        window=TimeWindow(start, start + q.slot_length_s),
                        remaining=max(left, 0),
                        source_ids=sources,
                        missing=short,
                    )
                )
            return out
        # Several shops: one courier visits each (farthest first), then the door.
        ordered = sorted(
            sources,
            key=lambda sid: (
                -math.hypot(self._source_xy[sid][0] - dest[0], self._source_xy[sid][1] - dest[1])
            ),
        )
        ready = max(_ready_s(self._sources[sid]) for sid in sources)
        travel = sum(
            self._ride_s(self._source_xy[a], self._source_xy[b])
            for a, b in itertools.pairwise(ordered)
        ) + self._ride_s(self._source_xy[ordered[-1]], dest)
        fee, benefit = self._delivery_fee(q.multi_store_fee, member, value)
        out.append(
            FulfilmentOption(
                FulfilmentMode.MULTI_STORE,
                fee,
                to_cents(q.multi_store_fee),
                benefit,
                available=not missing_now,
                eta_s=at_s + ready + len(sources) * self.settings.pickup_service_s + travel,
                source_ids=sources,
                missing=missing_now,
            )
        )
        return out

    def _pickup(
        self,
        destination_id: str,
        sources: tuple[str, ...],
        member: Member,
        at_s: float,
        usage: Usage,
    ) -> list[FulfilmentOption]:
        q = self.quote_settings
        if at_s > self.settings.next_day_cutoff_s:
            return []
        parcels = len(sources)
        fee = to_cents(q.pickup_fee)
        out: list[FulfilmentOption] = []
        for pos, walk_m in self._near.get(destination_id, ())[: q.pickup_points_offered]:
            point = self._points[pos]
            left = point.capacity_parcels - usage.parcels.get(point.id, 0)
            out.append(
                FulfilmentOption(
                    FulfilmentMode.NEXT_DAY_PICKUP,
                    fee,
                    fee,
                    None,
                    available=left >= parcels,
                    remaining=max(left, 0),
                    pickup_point_id=point.id,
                    walk_m=walk_m,
                    next_pickup_s=self._next_pickup_s[pos],
                    source_ids=sources,
                )
            )
        del member  # pickup fees carry no member benefit
        return out

    def _home_service(
        self, basket: Sequence[OrderLine], member: Member, at_s: float, usage: Usage
    ) -> list[FulfilmentOption]:
        q = self.quote_settings
        services = [q.home_services[line.sku] for line in basket]
        skills = frozenset().union(*(svc.skills for svc in services))
        technicians = sum(1 for t in self._technicians if skills <= t)
        base = to_cents(q.home_service_fee)
        if member.is_paid and q.paid_home_service_discount > 0:
            fee = to_cents(base * (1 - q.paid_home_service_discount))
            benefit: str | None = "paid member: home-service discount"
        else:
            fee, benefit = base, None
        out: list[FulfilmentOption] = []
        day = math.floor(at_s / (24 * HOUR_S)) * 24 * HOUR_S
        earliest = at_s + q.home_service_lead_s
        for offset in (day, day + 24 * HOUR_S):
            start = offset + q.home_service_from_s
            while start + q.home_service_slot_s <= offset + q.home_service_until_s:
                if start >= earliest:
                    left = technicians - usage.visits.get(start, 0)
                    out.append(
                        FulfilmentOption(
                            FulfilmentMode.HOME_SERVICE,
                            fee,
                            base,
                            benefit,
                            available=left > 0,
                            window=TimeWindow(start, start + q.home_service_slot_s),
                            remaining=max(left, 0),
                            source_ids=tuple(dict.fromkeys(line.store_id for line in basket)),
                        )
                    )
                start += q.home_service_slot_s
        return out
