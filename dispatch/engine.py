"""``dispatch.Engine``: the library facade the order service calls in-process.

::

    engine = Engine.open("sqlite:///orders.db", world)     # or "sqlite://" in memory
    quote = engine.quote("b00042", [OrderLine("mw01", "milk-1l", 2)], "m1", at_s=36000)
    engine.submit({"id": "o1", "member_id": "m1", ...})     # idempotent by order id
    record = engine.plan_batch(at_s=36000, modes=[FulfilmentMode.INSTANT])

The engine holds one :class:`World` (places, couriers, travel) and its settings, and
keeps orders, members, leaders and plans in a :class:`dispatch.store.SqlStore`
(SQLite by default, PostgreSQL by URL).  Members and leaders of the world are copied
into the store when it opens without them; from then on the store is the truth.

Bad input raises :class:`solvers.errors.InvalidInputError` (a
:class:`dispatch.payloads.PayloadError` listing every bad field for payloads); nothing
is written then.  Infeasibility is a result, as in :class:`dispatch.Planner`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import TracebackType
from typing import Any

from core.limits import MAX_CLOCK_S, MAX_ID_CHARS, shorten
from dispatch.decompose import ScaleSettings
from dispatch.domain import FulfilmentMode, Leader, Member, Order, OrderLine
from dispatch.fleet import DELIVERY_FLOWS
from dispatch.live import (
    PROMISE_RULES,
    CommittedStop,
    CourierState,
    LiveState,
    OnBoard,
    PartlyPicked,
)
from dispatch.live import replan as live_replan
from dispatch.payloads import (
    PayloadError,
    canonical_json,
    content_hash,
    leader_payload,
    member_payload,
    order_meaning,
    order_meaning_hash,
    order_payload,
    parse_leader,
    parse_lines,
    parse_member,
    parse_order,
)
from dispatch.plan import Plan, UnassignedOrder, UnassignedOrderReason
from dispatch.planner import Planner
from dispatch.quote_fleet import FleetLoad, PlanLeads
from dispatch.quotes import Quote, Quoter, QuoteSettings
from dispatch.returns import (
    ReturnRequest,
    ReturnStatus,
    parse_return,
    return_meaning_hash,
    return_payload,
    return_problems,
)
from dispatch.settings import CourierCost, LiveSettings, PlannerSettings, WorkloadBalance
from dispatch.stock import require_units
from dispatch.store.returns_sql import (
    ReturnState,
    StoredReturn,
    insert_return,
    stored_return,
    stored_returns,
)
from dispatch.store.schema import today
from dispatch.store.sql import OrderStatus, SqlStore, StoredOrder, StoredPlan, UnreadableOrder
from dispatch.validation import (
    OrderReferences,
    check_order_payload,
    member_problems,
    reference_problems,
)
from dispatch.world import World
from geo.places import MicroWarehouse, PickupPoint, Store
from solvers import SolveParams
from solvers.errors import InvalidInputError
from solvers.rr import preload as preload_search

SHANGHAI = timezone(timedelta(hours=8), "CST")  # China Standard Time, no daylight saving


def shanghai_clock_s() -> float:
    """Seconds since midnight, China Standard Time (the engine's default clock)."""
    now = datetime.now(SHANGHAI)
    return now.hour * 3600.0 + now.minute * 60.0 + now.second + now.microsecond / 1e6


@dataclass(frozen=True, slots=True)
class Submitted:
    """The answer to :meth:`Engine.submit`: ``stored`` is False when the same order was
    already stored (an idempotent repeat)."""

    order_id: str
    stored: bool


@dataclass(frozen=True, slots=True)
class CommissionStatement:
    """A leader's commission for a period ``[period_start, period_end)`` of business days.

    Attributes:
        leader_id, pickup_point_id: the leader and the point they run.
        period_start, period_end: first day in, first day out.
        orders: next-day orders fulfilled at the point in the period.
        fulfilled_gmv: their goods value, yuan.
        rate: the commission rate of the tier the GMV reaches.
        commission: ``fulfilled_gmv * rate`` to the cent (:meth:`Leader.commission`).
    """

    leader_id: str
    pickup_point_id: str
    period_start: date
    period_end: date
    orders: int
    fulfilled_gmv: Decimal
    rate: Decimal
    commission: Decimal


@dataclass(frozen=True, slots=True)
class StockLot:
    """One lot of a place's stock: ``quantity`` units of ``sku`` arriving at ``at_s``
    (0: on hand), of which stored orders reserved ``reserved``."""

    sku: str
    at_s: float
    quantity: int
    reserved: int


@dataclass(frozen=True)
class PlanRecord:
    """A plan made by :meth:`Engine.plan_batch` and the id it is stored under."""

    plan_id: int
    plan: Plan


def _settings_json(settings: PlannerSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if f.name == "max_ride_s_by_temperature":
            value = {str(k): v for k, v in value.items()}
        elif f.name == "courier_costs":
            value = {str(k): dataclasses.asdict(v) for k, v in value.items()}
        elif f.name == "balance":
            if value is None:
                continue  # settings without balance keep their stored shape
            value = dataclasses.asdict(value)
        elif f.name == "live":  # live15eng
            value = {"instant": str(value.instant), "max_bundle": value.max_bundle}
        out[f.name] = value
    return out


def _settings_from_json(data: Mapping[str, Any]) -> PlannerSettings:
    fields = dict(data)
    fields["courier_costs"] = {
        k: CourierCost(**v) for k, v in dict(fields.get("courier_costs", {})).items()
    }
    if fields.get("balance") is not None:
        fields["balance"] = WorkloadBalance(**fields["balance"])
    if fields.get("live") is not None:  # live15eng (settings stored before it: the default)
        fields["live"] = LiveSettings(**fields["live"])
    return PlannerSettings(**fields)


def _params_json(params: SolveParams) -> dict[str, Any]:
    return {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}


def _params_from_json(data: Mapping[str, Any]) -> SolveParams:
    """Stored parameters; plans stored before the iterations rule kept the same count
    as ``solution_limit``."""
    fields = dict(data)
    if "solution_limit" in fields:
        fields["iterations"] = fields.pop("solution_limit")
    return SolveParams(**fields)


class Engine:
    """The order service's entry point: quotes, orders, members, leaders and plans.

    Build with :meth:`open`.  Thread-safe: one engine may serve many threads.
    """

    def __init__(
        self,
        store: SqlStore,
        world: World,
        settings: PlannerSettings,
        quote_settings: QuoteSettings,
        clock: Callable[[], float],
        *,
        day: Callable[[], date] = today,
    ) -> None:
        self.store = store
        self.world = world
        self.settings = settings
        self.quoter = Quoter(world, settings, quote_settings)
        # real13c: the latest plan's delays per source, which instant quotes read.
        self.plan_leads = PlanLeads()
        self._clock = clock
        self._day = day  # the date of the plan clock's midnight (slots count by date)
        # City scale (issue 11): how large batches are split and where parts are solved.
        self.scale = ScaleSettings()
        # The own search's kernels (solvers.rr), loaded once if already compiled on disk,
        # so that live re-planning's short budgets can use it.
        preload_search()

    @classmethod
    def open(
        cls,
        url: str,
        world: World,
        *,
        settings: PlannerSettings | None = None,
        quote_settings: QuoteSettings | None = None,
        clock: Callable[[], float] | None = None,
        day: Callable[[], date] | None = None,
        scale: ScaleSettings | None = None,
    ) -> Engine:
        """Open the store at ``url`` (migrating it) for ``world``.

        Args:
            url: ``sqlite:///orders.db`` (a file), ``sqlite://`` (in memory),
                ``postgresql+psycopg://user@host:port/db``.
            world: the places, couriers and travel model (e.g. ``load_scenario(p).world``
                or :meth:`World.from_city`).  Its members and leaders are added to the
                store when missing there.
            settings: the planner's settings (default :class:`PlannerSettings`).
            quote_settings: fee rules and offered options (default :class:`QuoteSettings`).
            clock: seconds since the plan's midnight now (default: China Standard Time).
            day: the date of that midnight now (default: today in China Standard
                Time); scheduled and home-service slots are counted by date and time
                of day, so a slot at 18:00 today and one at 18:00 tomorrow are two.
            scale: how large batches are split and which engine solves the parts
                (:class:`dispatch.decompose.ScaleSettings`; local processes by default).

        Raises:
            InvalidInputError: a bad URL, or a world without buildings.
            EngineError: the database cannot be reached or migrated.
        """
        if not isinstance(world, World):
            raise InvalidInputError("Engine.open: world", f"must be a World, got {world!r}")
        store = SqlStore.open(url)
        engine = cls(
            store,
            world,
            settings or PlannerSettings(),
            quote_settings or QuoteSettings(),
            clock or shanghai_clock_s,
            day=day or today,
        )
        engine.scale = scale or engine.scale
        engine._seed(world.members, world.leaders)
        if world.stock is not None:  # places the store does not count yet
            store.seed_stock(world.stock)
        return engine

    def now_s(self) -> float:
        """The engine's clock: seconds since the plan's midnight now."""
        return self._clock()

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _seed(self, members: Iterable[Member], leaders: Iterable[Leader]) -> None:
        known = {m.id for m in self.store.members()}
        for member in members:
            if member.id not in known:
                with contextlib.suppress(InvalidInputError):  # created meanwhile elsewhere
                    self.store.put_member(member, create=True)
        known = {leader.id for leader in self.store.leaders()}
        for leader in leaders:
            if leader.id not in known:
                with contextlib.suppress(InvalidInputError):
                    self.store.put_leader(leader, create=True)

    # --- quotes -------------------------------------------------------------------------

    def quote(
        self,
        destination: str,
        basket: Sequence[OrderLine | Mapping[str, Any]],
        member: str,
        *,
        at_s: float | None = None,
    ) -> Quote:
        """The fulfilment options for ``basket`` to building ``destination`` now.

        Args:
            destination: the destination building id.
            basket: order lines (:class:`OrderLine` or line payload dicts).
            member: the member id; their benefits are applied to every fee.
            at_s: the time of the quote (plan clock); default the engine's clock.

        Raises:
            PayloadError: a malformed basket line (naming ``basket[i].field``).
            InvalidInputError: unknown member, building, store or micro-warehouse.
        """
        lines = _lines(basket)
        if not isinstance(member, str):
            raise InvalidInputError("member", f"unknown member {member!r}")
        # The store counts every engine's orders: a slot another process filled is full.
        # Only the counters this quote can show are read, with the member, in one go.
        sources = {line.store_id for line in lines}  # slots are offered from one source
        found, usage = self.store.quote_inputs(
            member,
            next(iter(sources)) if len(sources) == 1 else None,
            self.quoter.offered_pickup_point_ids(destination)
            if isinstance(destination, str)
            else (),
            self._day(),
        )
        if found is None:
            raise InvalidInputError("member", f"unknown member {member!r}")
        now = self._clock() if at_s is None else at_s
        stock, load = None, None
        if isinstance(destination, str) and not any(map(self.quoter.is_home_service, lines)):
            # Goods: the places' stock and the couriers' committed work there.
            stock, committed = self.store.quote_stock(
                self.quoter.stock_place_ids(destination, lines),
                [line.sku for line in lines],
                at_s=now,
                window_s=self.settings.instant_promise_s + self.settings.max_lateness_s,
            )
            load = FleetLoad(
                committed,
                delay_s={s: self.plan_leads.delay_s(s, now) for s in sources},
            )
        return self.quoter.quote(
            destination, lines, found, at_s=now, usage=usage, stock=stock, load=load
        )

    # --- stock (dispatch.stock) ---------------------------------------------------------

    def set_stock(self, place_id: str, sku: str, quantity: int) -> None:
        """Set the units of ``sku`` on hand at a store or micro-warehouse; from then on
        the place counts stock (a SKU it was never given has none).  Units that stored
        orders reserved stay reserved: what can be sold is the difference.

        Raises:
            InvalidInputError: an unknown store or micro-warehouse, a bad SKU, a quantity
                that is not an integer in [0, MAX_STOCK_UNITS].
        """
        self._check_stock_place(place_id, sku)
        self.store.set_stock(place_id, sku, require_units("quantity", quantity))

    def replenish(self, place_id: str, sku: str, quantity: int, at_s: float) -> None:
        """Announce ``quantity`` units of ``sku`` arriving at the place at ``at_s`` (plan
        clock): orders needed from then on (a scheduled slot starting after it, an
        instant order created after it) can have them, and quotes offer them.

        Raises:
            InvalidInputError: as :meth:`set_stock`, or a bad ``at_s``.
        """
        self._check_stock_place(place_id, sku)
        _require_at_s(at_s)
        self.store.replenish(place_id, sku, require_units("quantity", quantity), float(at_s))

    def stock(self, place_id: str) -> list[StockLot]:
        """Every lot of a place (on hand at 0, replenishments at their time) with the
        units stored orders reserved of it; empty when the place does not count stock.

        Raises:
            InvalidInputError: an unknown store or micro-warehouse.
        """
        self._check_stock_place(place_id, None)
        return [StockLot(*row) for row in self.store.stock_lots(place_id)]

    def _check_stock_place(self, place_id: object, sku: object) -> None:
        if not isinstance(place_id, str) or not self.world.has_place(
            place_id, (Store, MicroWarehouse)
        ):
            raise InvalidInputError("place_id", f"unknown store or micro-warehouse {place_id!r}")
        if sku is not None and not (isinstance(sku, str) and 0 < len(sku) <= MAX_ID_CHARS):
            raise InvalidInputError(
                "sku", f"must be a SKU id of 1 to {MAX_ID_CHARS} characters, got {sku!r}"
            )

    # --- orders -------------------------------------------------------------------------

    def submit(self, order: Order | Mapping[str, Any]) -> Submitted:
        """Store an order; the same id with the same content again is a no-op.

        The same content means the same order: amounts written differently (``"12.9"``,
        ``"12.90"``), clock times as ``"10:00"`` or ``36000`` are equal.  The order, its
        lines and its place in a scheduled slot are committed in one transaction before
        this returns; a slot holds at most ``QuoteSettings.slot_capacity`` orders over
        every engine on the database.

        Raises:
            PayloadError: a malformed payload (a number outside its documented range:
                :data:`dispatch.payloads.ORDER_LIMITS`) and references the world or
                store does not have (unknown member, building, store or pickup point, a
                pickup point closed on the collection day), every problem named
                together (:func:`dispatch.validation.check_order_payload`).
            CapacityFullError: the order's scheduled slot is full (an InvalidInputError).
            OutOfStockError: its place has not the units free by the time the order
                needs them (an InvalidInputError naming every short line); a
                resubmit of a stored order never reserves twice.
            InvalidInputError: the id was already submitted with different content.
            StoreUnavailableError: the database cannot be reached now; retry (retryable,
                idempotent).
            StoreWriteError: the database refuses writes (read-only, disk full).
        """
        parsed = check_order_payload(order, self.world, self.settings, self.store.member)
        payload = order_payload(parsed)
        digest = order_meaning_hash(parsed)
        stored = self.store.insert_order(
            parsed,
            canonical_json(payload),
            digest,
            slot_capacity=self.quoter.quote_settings.slot_capacity,
            same_meaning=lambda text: _meaning_hash_of(text) == digest,
            plan_day=self._day(),
        )
        return Submitted(parsed.id, stored)

    def submit_return(self, request: ReturnRequest | Mapping[str, Any]) -> Submitted:
        """Store a return request (:mod:`dispatch.returns`); the same id with the same
        content again is a no-op.  The next :meth:`plan_batch` of the courier delivery
        flows collects it on their routes (or says why not; it stays pending).

        Raises:
            PayloadError: a malformed payload, or references the world does not have
                (unknown ``to``, building or pickup point, a closed pickup point).
            InvalidInputError: the id was already submitted with different content.
            StoreUnavailableError, StoreWriteError: as :meth:`submit`.
        """
        parsed = parse_return(request)
        problems = return_problems(parsed, self.world)
        if problems:
            raise PayloadError(f"return {parsed.id!r}", problems)
        payload = return_payload(parsed)
        stored = insert_return(
            self.store, parsed, canonical_json(payload), return_meaning_hash(parsed)
        )
        return Submitted(parsed.id, stored)

    def return_request(self, return_id: str) -> StoredReturn:
        """The stored return, its state and the plan that collects it.

        Raises:
            InvalidInputError: unknown return.
        """
        stored = stored_return(self.store, return_id)
        if stored is None:
            raise InvalidInputError("return_id", f"unknown return {return_id!r}")
        return stored

    def order(self, order_id: str) -> StoredOrder:
        """The stored order, its status and plan.

        Raises:
            InvalidInputError: unknown order.
        """
        stored = self.store.order(order_id)
        if stored is None:
            raise InvalidInputError("order_id", f"unknown order {order_id!r}")
        return stored

    def cancel(self, order_id: str) -> StoredOrder:
        """Cancel a pending or planned order: it frees its slot or pickup-point room, its
        reserved stock, and
        is never planned again (a plan that served it keeps it in its JSON; re-plan to
        take it out of a courier's route).  Cancelling twice is a no-op.

        Raises:
            InvalidInputError: unknown order, or an order already fulfilled.
        """
        result = self.store.cancel_order(order_id)
        if result is None:
            raise InvalidInputError("order_id", f"unknown order {order_id!r}")
        _, stored = result  # the store released its slot or shelf in the same transaction
        return stored

    def mark_fulfilled(self, order_id: str, on: date) -> None:
        """Record that an order was handed over (or collected) on business day ``on``.

        Raises:
            InvalidInputError: unknown order, or ``on`` not a date.
        """
        if not isinstance(on, date):
            raise InvalidInputError("on", f"must be a date, got {on!r}")
        self.store.mark_fulfilled(order_id, on)

    # --- members and leaders ------------------------------------------------------------

    def create_member(self, member: Member | Mapping[str, Any]) -> Member:
        """Create a member.

        Raises:
            PayloadError: a malformed payload; an unknown home building.
            InvalidInputError: the member exists.
        """
        parsed = parse_member(member)
        self._check_member(parsed)
        self.store.put_member(parsed, create=True)
        return parsed

    def update_member(self, member: Member | Mapping[str, Any]) -> Member:
        """Replace a member (tier, home, pickup flexibility).

        Raises:
            PayloadError: a malformed payload; an unknown home building.
            InvalidInputError: unknown member.
        """
        parsed = parse_member(member)
        self._check_member(parsed)
        self.store.put_member(parsed, create=False)
        return parsed

    def _check_member(self, member: Member) -> None:
        problems = member_problems(member, self.world)
        if problems:
            raise PayloadError(f"member {member.id!r}", problems)

    def member(self, member_id: str) -> Member:
        """The member with this id.

        Raises:
            InvalidInputError: unknown member.
        """
        found = self.store.member(member_id)
        if found is None:
            raise InvalidInputError("member_id", f"unknown member {member_id!r}")
        return found

    def create_leader(self, leader: Leader | Mapping[str, Any]) -> Leader:
        """Create a leader running a pickup point of the world.

        Raises:
            PayloadError: a malformed payload; an unknown pickup point.
            InvalidInputError: the leader exists, or the point has another leader.
        """
        parsed = parse_leader(leader)
        self._check_leader(parsed)
        self.store.put_leader(parsed, create=True)
        return parsed

    def update_leader(self, leader: Leader | Mapping[str, Any]) -> Leader:
        """Replace a leader (pickup point, commission tiers, rating).

        Raises:
            PayloadError: a malformed payload; an unknown pickup point.
            InvalidInputError: unknown leader, or the point has another leader.
        """
        parsed = parse_leader(leader)
        self._check_leader(parsed)
        self.store.put_leader(parsed, create=False)
        return parsed

    def _check_leader(self, leader: Leader) -> None:
        if not self.world.has_place(leader.pickup_point_id, PickupPoint):
            raise PayloadError(
                f"leader {leader.id!r}",
                [("pickup_point_id", f"unknown pickup point {leader.pickup_point_id!r}")],
            )

    def leader(self, leader_id: str) -> Leader:
        """The leader with this id.

        Raises:
            InvalidInputError: unknown leader.
        """
        found = self.store.leader(leader_id)
        if found is None:
            raise InvalidInputError("leader_id", f"unknown leader {leader_id!r}")
        return found

    def commission_statement(self, leader_id: str, start: date, end: date) -> CommissionStatement:
        """A leader's commission on the next-day orders fulfilled at their point on the
        business days ``[start, end)`` (the whole GMV at the rate of the tier it reaches).

        Raises:
            InvalidInputError: unknown leader, or ``end`` not after ``start``.
        """
        leader = self.leader(leader_id)
        if not (isinstance(start, date) and isinstance(end, date) and start < end):
            raise InvalidInputError("period", f"end must be a date after start, got {start}..{end}")
        amounts = self.store.fulfilled_at_point(leader.pickup_point_id, start, end)
        gmv = sum(amounts, Decimal("0"))
        rate = next(t.rate for t in reversed(leader.tiers) if gmv >= t.threshold)
        return CommissionStatement(
            leader.id,
            leader.pickup_point_id,
            start,
            end,
            len(amounts),
            gmv,
            rate,
            leader.commission(gmv),
        )

    # --- planning -----------------------------------------------------------------------

    def plan_batch(
        self,
        *,
        at_s: float,
        modes: Sequence[FulfilmentMode | str] | None = None,
        order_ids: Sequence[str] | None = None,
        params: SolveParams | None = None,
        label: str = "batch",
    ) -> PlanRecord:
        """Plan the pending orders (a wave: e.g. ``modes=[INSTANT, MULTI_STORE]``; the
        next-day cut-off: ``modes=[NEXT_DAY_PICKUP]``) and store the plan with its inputs.

        Served orders become ``planned`` (next-day orders keep their assigned pickup
        point); unassigned ones stay ``pending`` for the next batch.  A stored order
        that cannot be modelled (its payload breaks today's ranges, or its member,
        building or store is gone) is unassigned with reason ``invalid_input`` naming
        the field, and the rest is planned.

        Args:
            at_s: the plan time (plan clock).
            modes: the flows to plan (members or names: ``["instant"]``); None: every
                flow.
            order_ids: plan exactly these pending orders instead (``modes`` still filters).
            params: solver parameters; ``time_limit_s`` is the budget of the whole plan.
                They are stored with the plan: with ``iterations`` set, :meth:`replay`
                gives the same plan again.
            label: a name kept with the plan ("wave 10:05", "cut-off").

        Raises:
            InvalidInputError: an unknown or not-pending order id, an unknown mode, a
                bad ``at_s``.
            StoreUnavailableError, StoreWriteError: the plan could not be stored;
                nothing of it was (the orders stay pending).
        """
        _require_at_s(at_s)
        params = params or SolveParams(workers=1)
        wanted = _modes(modes)
        unreadable: list[UnreadableOrder] = []
        pending = self.store.orders(status=OrderStatus.PENDING, modes=wanted, unreadable=unreadable)
        if order_ids is not None:
            if isinstance(order_ids, str) or not isinstance(order_ids, Sequence):
                raise InvalidInputError("order_ids", f"must be a list of ids, got {order_ids!r}")
            by_id = {s.order.id: s for s in pending}
            bad = {u.order_id: u for u in unreadable}
            missing = [oid for oid in order_ids if oid not in by_id and oid not in bad]
            if missing:
                raise InvalidInputError(
                    "order_ids", f"not pending orders (of these modes): {missing}"
                )
            pending = [by_id[oid] for oid in order_ids if oid in by_id]
            unreadable = [bad[oid] for oid in order_ids if oid in bad]
        # One bad order never sinks a wave: an order that can no longer be read, or
        # whose member, building or store is gone, is reported, and the rest planned.
        rejected = [_rejected(u.order_id, u.mode, u.problems) for u in unreadable]
        orders: list[Order] = []
        for stored in pending:
            refs = OrderReferences.of_order(stored.order)
            problems = reference_problems(refs, self.world, self.settings, self.store.member)
            if problems:
                rejected.append(_rejected(stored.order.id, stored.order.mode, problems))
            else:
                orders.append(stored.order)
        member_ids = sorted({o.member_id for o in orders})
        members = [self.member(mid) for mid in member_ids]
        leaders = self.store.leaders()
        # Pending returns ride with a wave of the courier delivery flows.
        returns = (
            [r.request for r in stored_returns(self.store, ReturnState.PENDING)]
            if order_ids is None and (wanted is None or set(wanted) & set(DELIVERY_FLOWS))
            else []
        )
        returns = [r for r in returns if not return_problems(r, self.world)]
        inputs = {
            "at_s": float(at_s),
            "orders": [order_payload(o) for o in orders],
            "rejected": [u.to_json() for u in rejected],
            "members": [member_payload(m) for m in members],
            "leaders": [leader_payload(leader) for leader in leaders],
            "settings": _settings_json(self.settings),
            "params": _params_json(params),
            **({"returns": [return_payload(r) for r in returns]} if returns else {}),
        }
        plan = self._plan(
            orders=orders,
            members=members,
            leaders=leaders,
            at_s=at_s,
            settings=self.settings,
            params=params,
            rejected=rejected,
            returns=returns,
        )
        assignments = {a.order_id: a.pickup_point_id for a in plan.pickup_assignments}
        plan_id = self.store.record_plan(
            label=label,
            at_s=at_s,
            inputs=inputs,
            plan=plan.to_json(),
            served=sorted(plan.served_order_ids()),
            assignments=assignments,
            collected_returns=[
                r.return_id for r in plan.returns if r.status is ReturnStatus.COLLECTED
            ],
        )
        self._learn_delays(plan, orders)
        return PlanRecord(plan_id, plan)

    def _learn_delays(self, plan: Plan, orders: Sequence[Order]) -> None:
        """real13c: a stored plan's delays of instant orders, for later quotes
        (:class:`dispatch.quote_fleet.PlanLeads`); a plan without instant orders keeps
        the last one's."""
        if any(o.mode is FulfilmentMode.INSTANT for o in orders):
            self.plan_leads.update(plan, orders, self.quoter.idle_door_s)

    def _plan(
        self,
        *,
        orders: Sequence[Order],
        members: Sequence[Member],
        leaders: Sequence[Leader],
        at_s: float,
        settings: PlannerSettings,
        params: SolveParams,
        rejected: Sequence[UnassignedOrder] = (),
        couriers: Sequence[CourierState] | None = None,
        returns: Sequence[ReturnRequest] = (),
    ) -> Plan:
        """A batch plan, or with ``couriers`` (possibly empty) a live re-plan."""
        _require_at_s(at_s)
        if not isinstance(params, SolveParams):
            raise InvalidInputError("params", f"must be a SolveParams, got {params!r}")
        # Stored orders hold their stock since they were submitted: no second allocation.
        world = dataclasses.replace(
            self.world, members=tuple(members), leaders=tuple(leaders), stock=None
        )
        if couriers is not None:
            return live_replan(
                world,
                LiveState(couriers=tuple(couriers)),
                orders,
                at_s=at_s,
                settings=settings,
                params=params,
            )
        return Planner(world, settings, scale=self.scale).plan(
            orders, at_s=at_s, params=params, rejected=rejected, returns=returns
        )

    def replan(
        self,
        plan_id: int,
        *,
        at_s: float,
        couriers: Sequence[CourierState] = (),
        params: SolveParams | None = None,
        label: str | None = None,
    ) -> PlanRecord:
        """Re-plan a stored plan's courier deliveries at ``at_s`` with what the couriers
        already do locked (:func:`dispatch.live.replan`), and store the new plan.

        The orders re-planned are the plan's instant, multi-store and scheduled orders
        still planned (not cancelled or fulfilled) and every pending order of those
        flows.  ``couriers`` say where couriers are and what they carry or ride to
        (:class:`dispatch.live.CourierState`); those orders stay on their courier.
        Orders the new plan serves move to it; orders it leaves unassigned become
        pending again.  The courier states are stored with the inputs, so
        :meth:`replay` repeats the re-plan.

        Raises:
            InvalidInputError: unknown plan id, a bad ``at_s``, and every rule of
                :func:`dispatch.live.replan` (unknown courier, an order locked to two
                couriers, a locked order that is not among the re-planned orders...).
        """
        self.stored_plan(plan_id)
        params = params or SolveParams(workers=1)
        modes = list(PROMISE_RULES)
        previous = self.store.orders(status=OrderStatus.PLANNED, modes=modes, plan_id=plan_id)
        pending = self.store.orders(status=OrderStatus.PENDING, modes=modes)
        orders = [s.order for s in (*previous, *pending)]
        members = [self.member(mid) for mid in sorted({o.member_id for o in orders})]
        leaders = self.store.leaders()
        states = tuple(couriers)
        inputs = {
            "at_s": float(at_s),
            "orders": [order_payload(o) for o in orders],
            "members": [member_payload(m) for m in members],
            "leaders": [leader_payload(leader) for leader in leaders],
            "settings": _settings_json(self.settings),
            "params": _params_json(params),
            "replan_of": plan_id,
            "couriers": [courier_state_json(c) for c in states],
        }
        plan = self._plan(
            orders=orders,
            members=members,
            leaders=leaders,
            at_s=at_s,
            settings=self.settings,
            params=params,
            couriers=states,
        )
        served = plan.served_order_ids()
        new_id = self.store.record_plan(
            label=label or f"replan of {plan_id}",
            at_s=at_s,
            inputs=inputs,
            plan=plan.to_json(),
            served=sorted(served),
            assignments={},
            released=[s.order.id for s in previous if s.order.id not in served],
            replan=True,
        )
        self._learn_delays(plan, orders)
        return PlanRecord(new_id, plan)

    def stored_plan(self, plan_id: int) -> StoredPlan:
        """A stored plan with its inputs.

        Raises:
            InvalidInputError: unknown plan id.
        """
        stored = self.store.plan(plan_id)
        if stored is None:
            raise InvalidInputError("plan_id", f"unknown plan {plan_id!r}")
        return stored

    def replay(self, plan_id: int, params: SolveParams | None = None) -> Plan:
        """Plan a stored plan's inputs again (same orders, members, leaders, settings and,
        unless given, solver parameters) in this engine's world; nothing is stored.

        Raises:
            InvalidInputError: unknown plan id.
        """
        inputs = self.stored_plan(plan_id).inputs
        return self._plan(
            orders=[parse_order(o) for o in inputs["orders"]],
            members=[parse_member(m) for m in inputs["members"]],
            leaders=[parse_leader(x) for x in inputs["leaders"]],
            at_s=float(inputs["at_s"]),
            settings=_settings_from_json(inputs["settings"]),
            params=params or _params_from_json(inputs["params"]),
            rejected=[UnassignedOrder.from_json(u) for u in inputs.get("rejected", ())],
            returns=[parse_return(r) for r in inputs.get("returns", ())],
            couriers=(
                [courier_state_from_json(c) for c in inputs["couriers"]]
                if "replan_of" in inputs
                else None
            ),
        )


def _require_at_s(at_s: object) -> None:
    if not (
        isinstance(at_s, int | float)
        and not isinstance(at_s, bool)
        and math.isfinite(at_s)
        and 0 <= at_s <= MAX_CLOCK_S
    ):
        raise InvalidInputError(
            "at_s",
            f"must be a number of seconds in [0, {MAX_CLOCK_S:.0f}] (the planning horizon), "
            f"got {at_s!r}",
        )


def _modes(modes: object) -> list[FulfilmentMode] | None:
    """Flows from enum members or their names (``"instant"``)."""
    if modes is None:
        return None
    if isinstance(modes, str | bytes) or not isinstance(modes, Iterable):
        raise InvalidInputError("modes", f"must be a list of fulfilment modes, got {modes!r}")
    known = ", ".join(m.value for m in FulfilmentMode)
    out: list[FulfilmentMode] = []
    for k, mode in enumerate(modes):
        if isinstance(mode, FulfilmentMode):
            out.append(mode)
        elif isinstance(mode, str) and mode in tuple(FulfilmentMode):
            out.append(FulfilmentMode(mode))
        else:
            raise InvalidInputError(f"modes[{k}]", f"must be one of {known}, got {mode!r}")
    return out


def _rejected(
    order_id: str, mode: FulfilmentMode, problems: Sequence[tuple[str, str]]
) -> UnassignedOrder:
    listed = "; ".join(f"{path}: {rule}" for path, rule in problems)
    return UnassignedOrder(
        order_id,
        mode,
        UnassignedOrderReason.INVALID_INPUT,
        shorten(f"cannot be planned: {listed}", 500),
    )


def _meaning_hash_of(stored_payload: str) -> str | None:
    """The meaning hash of a stored order payload (None if it cannot be read)."""
    try:
        return content_hash(order_meaning(json.loads(stored_payload)))
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return None


def courier_state_json(state: CourierState) -> dict[str, Any]:
    """A courier's live state as a JSON-ready dict (stored with a re-plan's inputs)."""
    return dataclasses.asdict(state)


def courier_state_from_json(data: Mapping[str, Any]) -> CourierState:
    """The inverse of :func:`courier_state_json`."""
    nxt = data.get("next_stop")
    return CourierState(
        courier_id=data["courier_id"],
        lon=float(data["lon"]),
        lat=float(data["lat"]),
        on_board=tuple(
            OnBoard(b["order_id"], float(b["picked_up_at_s"])) for b in data["on_board"]
        ),
        next_stop=None if nxt is None else CommittedStop(nxt["order_id"], int(nxt["stop_index"])),
        left_at_s=None if data.get("left_at_s") is None else float(data["left_at_s"]),
        partly_picked=tuple(
            PartlyPicked(p["order_id"], tuple(p["stores_done"]), float(p["picked_up_at_s"]))
            for p in data.get("partly_picked", ())
        ),
    )


def _lines(basket: Sequence[OrderLine | Mapping[str, Any]]) -> list[OrderLine]:
    if isinstance(basket, str | bytes) or not isinstance(basket, Sequence):
        raise InvalidInputError("basket", f"must be a list of order lines, got {basket!r}")
    return parse_lines(basket, source="basket")
