"""Replay of a scenario's day: orders arrive, the live dispatcher re-plans every wave.

``replay_day(world, orders, settings=..., policy=..., progress=None) -> DayReplay``
(``replay_scenario(scenario, policy)`` for a loaded scenario file) is an event-driven
simulation on the plan clock:

* every ``policy.wave_s`` seconds from the first order's creation, the orders created
  since the last wave join the open orders and :func:`dispatch.live.replan` re-plans
  every open courier-delivery order (instant, multi-store, scheduled) with what the
  couriers carry and the stop they ride to locked;
* between two waves the couriers follow the last plan: every stop whose service has
  ended by the next wave is done (a pickup puts the order on board once all its stores
  are collected, and partly picked up before that; a delivery records it with its time
  and lateness); the first stop not yet done, when the courier has
  set off for it, is its committed next stop; a courier under way is re-planned from the
  place of its last stop done and the time it left it, so its committed stop keeps its
  time;
* an order still unassigned ``policy.give_up_s`` after its creation is dropped with the
  planner's last reason, and one still unassigned after its promise and lateness cap
  have passed (no plan can serve it any more) is dropped then, with ``time_window``;
  after the last order the waves go on until every open order is delivered or dropped
  (at most ``policy.drain_s``);
* a world with stock (:mod:`dispatch.stock`) gives it to the day's instant,
  multi-store and scheduled orders by creation time before the first wave; an order
  its places cannot give is unassigned ``out_of_stock``;
* return requests (``replay_day(..., returns=...)``, a scenario's ``returns``) arrive at
  their ``created_at`` and ride in every wave's re-plan with the deliveries
  (:mod:`dispatch.flows.returns`); a collected return stays on its courier
  (``CarriedReturn``) until its drop at the store; one not collected by its window's
  end plus :data:`dispatch.returns.RETURN_MAX_LATENESS_S` is dropped with its last
  reason.  A courier riding to a return's stop is not committed to it.  The day's
  ``kpis["returns"]`` and ``DayReplay.returns`` say what became of each;
* next-day pickup and home-service orders are planned once, as one batch of the
  :class:`dispatch.Planner` at the time of the last of them: next-day orders assigned to
  a pickup point count as collected, visits as delivered.

Conservation is checked at the end of every replay: every order is exactly one of
delivered, collected at a pickup point or unassigned with a reason
(:func:`check_conservation`; a broken invariant raises :class:`EngineError`).

Ctrl-C (``KeyboardInterrupt``) ends the replay early with ``complete=False``; the orders
not finished are unassigned with reason ``interrupted``, so partial KPIs can be written.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from core.limits import (
    DAY_S,
    MAX_COURIERS,
    MAX_DURATION_S,
    MAX_ITERATIONS,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_WORKERS,
    MIN_WAVE_S,
)
from dispatch import Planner
from dispatch.decompose import ScaleSettings
from dispatch.domain import FulfilmentMode, Order
from dispatch.flows.delivery import DeliveryPromise
from dispatch.flows.returns import CarriedReturn
from dispatch.live import (
    PROMISE_RULES,
    CommittedStop,
    CourierState,
    LiveState,
    OnBoard,
    PartlyPicked,
    delivery_promise,
    replan,
)
from dispatch.plan import Plan, PlanStop, StopAction, UnassignedOrderReason
from dispatch.returns import RETURN_MAX_LATENESS_S, ReturnRequest, validate_returns
from dispatch.settings import PlannerSettings
from dispatch.stock import out_of_stock
from dispatch.world import World
from scenarios.policy_json import bounded, check_bounds, numeric_policy_from_json
from scenarios.scenario_build import Scenario
from solvers import SolveParams
from solvers.errors import EngineError, InvalidInputError
from solvers.params import DEFAULT_TIME_LIMIT_S


class ReplayReason(StrEnum):
    """Why the replay itself left an order unassigned (the plans' reasons are
    :class:`dispatch.plan.UnassignedOrderReason`)."""

    INTERRUPTED = "interrupted"  # the replay was stopped before the order was settled
    NOT_FINISHED = "not_finished"  # the waves ended before it was delivered or dropped


@dataclass(frozen=True)
class ReplayPolicy:
    """How a day is replayed.

    Attributes:
        wave_s: seconds between re-plans.
        give_up_s: an order still unassigned this long after creation is dropped.
        drain_s: after the last order, waves go on at most this long.
        time_limit_s: the wall-clock budget of each wave's re-plan (every zone and flow
            of it), seconds; the next-day batch at the cut-off gets the same.
        workers, seed: search parameters of each wave's solves.
        iterations: stop each routing search after this many local-search solutions,
            which makes the replay repeatable whatever the machine's load (None: the
            clock only); ``time_limit_s`` stays the cap.
        zones_from_couriers: with at least this many couriers (and two or more
            micro-warehouses) each wave is split by micro-warehouse zone
            (:mod:`dispatch.zones`); None never splits.
    """

    wave_s: float = bounded(120.0, ge=MIN_WAVE_S, le=DAY_S)
    give_up_s: float = bounded(3600.0, gt=0, le=MAX_DURATION_S)
    drain_s: float = bounded(4 * 3600.0, gt=0, le=MAX_DURATION_S)
    time_limit_s: float = bounded(DEFAULT_TIME_LIMIT_S, gt=0, le=MAX_TIME_LIMIT_S)
    workers: int = bounded(1, ge=1, le=MAX_WORKERS)
    seed: int = bounded(0, ge=0, le=MAX_SEED)
    iterations: int | None = bounded(None, ge=1, le=MAX_ITERATIONS)
    zones_from_couriers: int | None = bounded(40, ge=1, le=MAX_COURIERS)

    def __post_init__(self) -> None:
        # The ranges (core.limits): wave_s at least MIN_WAVE_S, or a day would be
        # millions of waves.
        check_bounds(self, "ReplayPolicy")
        zones = self.zones_from_couriers
        if zones is not None and (not isinstance(zones, int) or zones < 1):
            raise InvalidInputError(
                "ReplayPolicy.zones_from_couriers",
                f"must be an integer >= 1 or null, got {zones!r}",
            )

    @property
    def params(self) -> SolveParams:
        """The search parameters of each wave."""
        return SolveParams(
            time_limit_s=self.time_limit_s,
            workers=self.workers,
            seed=self.seed,
            iterations=self.iterations,
        )


class OutcomeStatus(StrEnum):
    """What became of an order in a replayed day."""

    DELIVERED = "delivered"
    COLLECTED = "collected"  # assigned to a pickup point
    UNASSIGNED = "unassigned"  # then the outcome's reason says why


@dataclass(frozen=True)
class OrderOutcome:
    """What became of one order.

    ``status`` is delivered, collected (assigned to a pickup point) or unassigned (then
    ``reason`` says why); times are plan-clock seconds.
    """

    order_id: str
    mode: FulfilmentMode
    status: OutcomeStatus
    created_s: float
    courier_id: str | None = None
    delivered_s: float | None = None
    late: bool = False
    reason: UnassignedOrderReason | ReplayReason | None = None


@dataclass(frozen=True)
class ReturnOutcome:
    """What became of one return request in a replayed day: collected (then brought to
    its ``to`` at ``reached_s``) or unassigned with a reason; plan-clock seconds."""

    return_id: str
    status: OutcomeStatus
    created_s: float
    courier_id: str | None = None
    collected_s: float | None = None
    reached_s: float | None = None
    late: bool = False
    reason: UnassignedOrderReason | ReplayReason | None = None


@dataclass(frozen=True)
class WavePoint:
    """One wave of a replay: when (plan clock), how many orders were open and done by
    then, and the wall-clock seconds its re-plan took (0 when nothing changed; left out
    of comparisons, so that repeated replays compare equal)."""

    at_s: float
    open_orders: int
    done_orders: int
    replan_wall_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class DayReplay:
    """A replayed day: one outcome per order, KPIs, waves, and whether it ran to the end."""

    name: str
    policy: ReplayPolicy
    outcomes: tuple[OrderOutcome, ...]
    kpis: dict[str, Any]
    waves: int
    complete: bool = True
    timeline: tuple[WavePoint, ...] = field(default=(), repr=False)
    returns: tuple[ReturnOutcome, ...] = ()

    def peak_wave(self) -> WavePoint | None:
        """The wave with the most open orders (the first of equals), if any."""
        return max(self.timeline, key=lambda w: w.open_orders, default=None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``kpis`` first, then the policy and every order's outcome."""
        return {
            "scenario": self.name,
            "complete": self.complete,
            "waves": self.waves,
            "kpis": self.kpis,
            "policy": {
                "wave_s": self.policy.wave_s,
                "give_up_s": self.policy.give_up_s,
                "drain_s": self.policy.drain_s,
                "time_limit_s": self.policy.time_limit_s,
                "workers": self.policy.workers,
                "seed": self.policy.seed,
                "iterations": self.policy.iterations,
                "zones_from_couriers": self.policy.zones_from_couriers,
            },
            "timeline": [w.__dict__ for w in self.timeline],
            "orders": [o.__dict__ for o in self.outcomes],
            **({"returns": [r.__dict__ for r in self.returns]} if self.returns else {}),
        }


@dataclass
class _Fleet:
    """The couriers' running state between waves."""

    lonlat: dict[str, tuple[float, float]]
    on_board: dict[str, dict[str, float]] = field(default_factory=dict)  # courier -> order -> s
    # Multi-store orders collected from some stores: courier -> order -> store -> start s.
    collected: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    next_stop: dict[str, CommittedStop] = field(default_factory=dict)
    left_at_s: dict[str, float] = field(default_factory=dict)
    busy_s: dict[str, float] = field(default_factory=dict)
    # Returns collected, not yet at their store: return id -> what the courier carries.
    carried: dict[str, CarriedReturn] = field(default_factory=dict)
    collect_late: dict[str, float] = field(default_factory=dict)  # return id -> s late
    # live15eng: every leg driven, (courier, from (lon, lat), to (lon, lat)), for the km.
    legs: list[tuple[str, tuple[float, float], tuple[float, float]]] = field(default_factory=list)

    def move(
        self, courier_id: str, to: tuple[float, float], departure_s: float, from_s: float
    ) -> None:
        """The courier left a stop at ``to`` at ``departure_s``: it is there, and the leg
        is counted once (a stop done before ``from_s`` was counted then)."""
        here = self.lonlat[courier_id]
        if departure_s > from_s and here != to:
            self.legs.append((courier_id, here, to))
        self.lonlat[courier_id] = to

    def state(self, promises: dict[str, DeliveryPromise]) -> LiveState:
        couriers = tuple(
            CourierState(
                cid,
                lon,
                lat,
                tuple(OnBoard(o, s) for o, s in sorted(self.on_board.get(cid, {}).items())),
                self.next_stop.get(cid),
                self.left_at_s.get(cid) if cid in self.next_stop else None,
                tuple(
                    PartlyPicked(o, tuple(stores), min(stores.values()))
                    for o, stores in sorted(self.collected.get(cid, {}).items())
                ),
            )
            for cid, (lon, lat) in sorted(self.lonlat.items())
        )
        return LiveState(couriers, dict(promises))

    def locked(self) -> set[str]:
        """Orders a courier carries, has partly picked up or rides to."""
        return (
            {o for c in self.on_board.values() for o in c}
            | {o for c in self.collected.values() for o in c}
            | {s.order_id for s in self.next_stop.values()}
        )

    def pick_up(self, courier_id: str, order: Order, store_id: str, start_s: float) -> None:
        """The courier collected ``order`` at ``store_id`` (again, when a stop done before
        is replayed: that changes nothing); with every store collected it is on board,
        since its first pickup's start."""
        carried = self.on_board.setdefault(courier_id, {})
        if order.id in carried:
            return
        stores = self.collected.setdefault(courier_id, {}).setdefault(order.id, {})
        stores.setdefault(store_id, start_s)
        if set(stores) >= set(order.store_ids):
            carried[order.id] = min(stores.values())
            del self.collected[courier_id][order.id]

    def deliver(self, courier_id: str, order_id: str) -> None:
        """The courier handed ``order_id`` over."""
        self.on_board.get(courier_id, {}).pop(order_id, None)
        self.collected.get(courier_id, {}).pop(order_id, None)


def check_conservation(orders: Sequence[Order], outcomes: Sequence[OrderOutcome]) -> None:
    """Every order exactly once: delivered, collected or unassigned with a reason.

    Raises:
        EngineError: the invariant is broken (a bug, not bad input).
    """
    ids = [o.order_id for o in outcomes]
    wanted = {o.id for o in orders}
    problems = []
    if len(ids) != len(set(ids)):
        problems.append("an order has two outcomes")
    if set(ids) != wanted:
        problems.append(
            f"missing {sorted(wanted - set(ids))[:5]}, unknown {sorted(set(ids) - wanted)[:5]}"
        )
    for o in outcomes:
        if o.status not in tuple(OutcomeStatus):
            problems.append(f"order {o.order_id!r}: status {o.status!r}")
        if o.status is OutcomeStatus.UNASSIGNED and not o.reason:
            problems.append(f"order {o.order_id!r}: unassigned without a reason")
    if problems:
        raise EngineError("replay conservation broken: " + "; ".join(problems))


def _advance(
    plan: Plan,
    *,
    from_s: float,
    until_s: float,
    world_place: Callable[[str], tuple[float, float]],
    fleet: _Fleet,
    done: dict[str, OrderOutcome],
    by_id: dict[str, Order],
    returns_done: dict[str, ReturnOutcome] | None = None,
    returns_by_id: dict[str, ReturnRequest] | None = None,
) -> None:
    """Carry out ``plan`` up to ``until_s``: stops ended by then are done (again for those
    done before ``from_s``, which changes nothing); busy time counts from ``from_s``.

    A plan made after a courier collected some stores of an order routes only the
    others, so what is collected is kept across plans (:meth:`_Fleet.pick_up`)."""
    fleet.next_stop.clear()
    for route in plan.routes:
        cid = route.courier_id
        fleet.left_at_s[cid] = route.start_s
        for stop in route.stops:
            (order_id,) = stop.order_ids
            if stop.action in (StopAction.COLLECT, StopAction.RETURN):
                if stop.departure_s > until_s:
                    break  # a return's stop is not committed: re-planned from here
                assert returns_done is not None and returns_by_id is not None
                fleet.move(cid, world_place(stop.place_id), stop.departure_s, from_s)
                fleet.left_at_s[cid] = stop.departure_s
                _return_stop(stop, cid, fleet, returns_done, returns_by_id)
                continue
            order = by_id[order_id]
            if stop.departure_s > until_s:
                if route.start_s <= until_s and order_id not in done:
                    index = (
                        order.store_ids.index(stop.place_id)
                        if stop.action is StopAction.PICKUP
                        else len(order.store_ids)
                    )
                    fleet.next_stop[cid] = CommittedStop(order_id, index)
                break
            fleet.move(cid, world_place(stop.place_id), stop.departure_s, from_s)
            fleet.left_at_s[cid] = stop.departure_s
            if stop.action is StopAction.PICKUP:
                fleet.pick_up(cid, order, stop.place_id, stop.start_s)
            else:
                fleet.deliver(cid, order_id)
                done[order_id] = OrderOutcome(
                    order_id,
                    order.mode,
                    OutcomeStatus.DELIVERED,
                    order.created_at_s,
                    courier_id=cid,
                    delivered_s=stop.start_s,
                    late=stop.lateness_s > 1e-6,
                )
        if route.stops:
            start = max(route.start_s, from_s)
            end = min(until_s, route.end_s)
            if end > start:
                fleet.busy_s[cid] = fleet.busy_s.get(cid, 0.0) + end - start


def _return_stop(
    stop: PlanStop,
    courier_id: str,
    fleet: _Fleet,
    returns_done: dict[str, ReturnOutcome],
    returns_by_id: dict[str, ReturnRequest],
) -> None:
    """A return's stop done: collected (on the courier until its drop), or dropped at
    its store (settled)."""
    (return_id,) = stop.order_ids
    request = returns_by_id[return_id]
    if stop.action is StopAction.COLLECT:
        if return_id not in returns_done:
            fleet.carried[return_id] = CarriedReturn(request, courier_id, stop.start_s)
            fleet.collect_late[return_id] = stop.lateness_s
        return
    carried = fleet.carried.pop(return_id, None)
    if return_id in returns_done:
        return
    collected_s = carried.collected_s if carried is not None else stop.start_s
    returns_done[return_id] = ReturnOutcome(
        return_id,
        OutcomeStatus.COLLECTED,
        request.created_at_s,
        courier_id=courier_id,
        collected_s=collected_s,
        reached_s=stop.start_s,
        late=fleet.collect_late.pop(return_id, 0.0) > 1e-6,
    )


def replay_scenario(
    scenario: Scenario,
    policy: ReplayPolicy | None = None,
    *,
    progress: Callable[[float, float], None] | None = None,
    scale: ScaleSettings | None = None,
    on_wave: Callable[[float, Plan], None] | None = None,
) -> DayReplay:
    """Replay a loaded scenario's orders as a day (see the module doc)."""
    return replay_day(
        scenario.world,
        scenario.orders,
        settings=scenario.settings,
        policy=policy,
        name=scenario.name,
        progress=progress,
        scale=scale,
        returns=scenario.returns,
        on_wave=on_wave,
    )


def replay_day(
    world: World,
    orders: Sequence[Order],
    *,
    settings: PlannerSettings | None = None,
    policy: ReplayPolicy | None = None,
    name: str = "day",
    progress: Callable[[float, float], None] | None = None,
    scale: ScaleSettings | None = None,
    returns: Sequence[ReturnRequest] = (),
    on_wave: Callable[[float, Plan], None] | None = None,
) -> DayReplay:
    """Replay orders (and return requests) in a world as a day (see the module doc).

    ``scale``: the engine that solves the zones of each wave and the parts of the batch
    plan (:class:`dispatch.decompose.ScaleSettings`; local processes by default).
    ``on_wave``: called with the wave's time and its plan after every re-plan (what
    was known then; reports such as ``benchmarks.quote_accuracy`` read it)."""
    policy = policy or ReplayPolicy()
    scale = scale or ScaleSettings()
    settings = settings or PlannerSettings()
    orders = tuple(sorted(orders, key=lambda o: (o.created_at_s, o.id)))
    by_id = {o.id: o for o in orders}
    requests = tuple(sorted(validate_returns(returns, world), key=lambda r: (r.created_at_s, r.id)))
    returns_by_id = {r.id: r for r in requests}
    returns_done: dict[str, ReturnOutcome] = {}
    returns_dropped: dict[str, ReturnOutcome] = {}
    return_reason: dict[str, UnassignedOrderReason] = {}
    returns_unassigned: set[str] = set()
    known_returns = 0
    live = [o for o in orders if o.mode in PROMISE_RULES]
    batch = [o for o in orders if o.mode not in PROMISE_RULES]

    def place(place_id: str) -> tuple[float, float]:
        p = world.place(place_id)
        return (p.lon, p.lat)

    fleet = _Fleet({c.id: (c.lon, c.lat) for c in world.couriers})
    done: dict[str, OrderOutcome] = {}
    dropped: dict[str, OrderOutcome] = {}
    # Stock (dispatch.stock): the day's same-day orders take it by creation time, as the
    # shop's checkout would; an order the shelf cannot give is out_of_stock from the start.
    kept, short = out_of_stock(live, world.stock)
    live = list(kept)
    for u in short:
        created_s = by_id[u.order_id].created_at_s
        dropped[u.order_id] = OrderOutcome(
            u.order_id, u.flow, OutcomeStatus.UNASSIGNED, created_s, reason=u.reason
        )
    promises: dict[str, DeliveryPromise] = {}
    last_reason: dict[str, UnassignedOrderReason] = {}
    unassigned_now: set[str] = set()
    timeline: list[WavePoint] = []
    waves = 0
    complete = True
    firsts = [*(o.created_at_s for o in live[:1]), *(r.created_at_s for r in requests[:1])]
    lasts = [*(o.created_at_s for o in live[-1:]), *(r.created_at_s for r in requests[-1:])]
    first_s = min(firsts, default=0.0)
    last_s = max(lasts, default=0.0) + policy.drain_s
    plan: Plan | None = None
    now = first_s
    previous = first_s
    known = 0
    try:
        while (live or requests) and now <= last_s:
            if plan is not None:
                _advance(
                    plan,
                    from_s=previous,
                    until_s=now,
                    world_place=place,
                    fleet=fleet,
                    done=done,
                    by_id=by_id,
                    returns_done=returns_done,
                    returns_by_id=returns_by_id,
                )
            # Returns arrive over the day; one not collected by its window's end and the
            # lateness allowed is dropped with its last reason.
            arrived_returns = known_returns
            while known_returns < len(requests) and requests[known_returns].created_at_s <= now:
                known_returns += 1
            open_returns = []
            for request in requests[:known_returns]:
                rid = request.id
                if rid in returns_done or rid in returns_dropped or rid in fleet.carried:
                    continue
                if now > request.window.end_s + RETURN_MAX_LATENESS_S:
                    returns_dropped[rid] = ReturnOutcome(
                        rid,
                        OutcomeStatus.UNASSIGNED,
                        request.created_at_s,
                        reason=return_reason.get(rid, UnassignedOrderReason.TIME_WINDOW),
                    )
                    continue
                open_returns.append(request)
            arrived = known
            while known < len(live) and live[known].created_at_s <= now:
                order = live[known]
                promises[order.id] = delivery_promise(order, world, settings)
                known += 1
            changed = (
                plan is None
                or known > arrived
                or bool(unassigned_now)
                or known_returns > arrived_returns
                or bool(returns_unassigned)
            )
            locked = fleet.locked()
            for order in live[:known]:
                if (
                    order.id in done
                    or order.id in dropped
                    or order.id in locked
                    or order.id not in unassigned_now
                ):
                    continue
                if now - order.created_at_s > policy.give_up_s:
                    reason = last_reason.get(order.id, UnassignedOrderReason.NO_COURIER)
                elif now > _latest_handover_s(promises[order.id]):
                    # Past the promise and its lateness cap: no plan can serve it any more.
                    reason = UnassignedOrderReason.TIME_WINDOW
                else:
                    continue
                changed = True
                dropped[order.id] = OrderOutcome(
                    order.id,
                    order.mode,
                    OutcomeStatus.UNASSIGNED,
                    order.created_at_s,
                    reason=reason,
                )
            open_orders = [o for o in live[:known] if o.id not in done and o.id not in dropped]
            returns_left = bool(open_returns or fleet.carried or known_returns < len(requests))
            if not open_orders and known == len(live) and not returns_left:
                timeline.append(WavePoint(now, 0, len(done)))
                break
            wall_s = 0.0
            if (open_orders or open_returns or fleet.carried) and changed:
                waves += 1
                wave_started = time.perf_counter()
                plan = replan(
                    world,
                    fleet.state(promises),
                    open_orders,
                    at_s=now,
                    settings=settings,
                    params=policy.params,
                    zones_from_couriers=policy.zones_from_couriers,
                    executor=scale.executor,
                    returns=open_returns,
                    carried_returns=tuple(fleet.carried[r] for r in sorted(fleet.carried)),
                )
                wall_s = time.perf_counter() - wave_started
                if on_wave is not None:  # real13c: the plan of each wave, for reports
                    on_wave(now, plan)
                unassigned_now = {u.order_id for u in plan.unassigned}
                for u in plan.unassigned:
                    last_reason[u.order_id] = u.reason
                returns_unassigned = set()
                for planned in plan.returns:
                    if planned.reason is not None:
                        returns_unassigned.add(planned.return_id)
                        return_reason[planned.return_id] = UnassignedOrderReason(planned.reason)
            elif not open_orders and not open_returns and not fleet.carried:
                plan = None
            timeline.append(WavePoint(now, len(open_orders), len(done), wall_s))
            if progress is not None:
                progress(now - first_s, last_s - first_s)
            previous = now
            now += policy.wave_s
        if plan is not None and complete:
            _advance(
                plan,
                from_s=previous,
                until_s=math.inf,
                world_place=place,
                fleet=fleet,
                done=done,
                by_id=by_id,
                returns_done=returns_done,
                returns_by_id=returns_by_id,
            )
    except KeyboardInterrupt:
        complete = False
    outcomes: dict[str, OrderOutcome] = {**dropped, **done}
    if complete and batch:
        at_s = max(o.created_at_s for o in batch)
        batch_plan = Planner(world, settings, scale=scale).plan(
            batch, at_s=at_s, params=policy.params
        )
        served = batch_plan.served_order_ids()
        for o in batch:
            if o.id in served:
                status = (
                    OutcomeStatus.COLLECTED
                    if o.mode is FulfilmentMode.NEXT_DAY_PICKUP
                    else OutcomeStatus.DELIVERED
                )
                outcomes[o.id] = OrderOutcome(o.id, o.mode, status, o.created_at_s)
        for u in batch_plan.unassigned:
            outcomes[u.order_id] = OrderOutcome(
                u.order_id,
                by_id[u.order_id].mode,
                OutcomeStatus.UNASSIGNED,
                by_id[u.order_id].created_at_s,
                reason=u.reason,
            )
    for o in orders:
        if o.id not in outcomes:
            unsettled: UnassignedOrderReason | ReplayReason = (
                ReplayReason.INTERRUPTED
                if not complete
                else last_reason.get(o.id, ReplayReason.NOT_FINISHED)
            )
            outcomes[o.id] = OrderOutcome(
                o.id, o.mode, OutcomeStatus.UNASSIGNED, o.created_at_s, reason=unsettled
            )
    result = tuple(outcomes[o.id] for o in orders)
    check_conservation(orders, result)
    kpis = day_kpis(result, world_courier_hours=_shift_hours(world), busy_s=fleet.busy_s)
    kpis.update(driven_kpis(world, settings, fleet.legs, fleet.busy_s, kpis["delivered"]))
    settled = {**returns_dropped, **returns_done}
    for request in requests:
        if request.id not in settled:
            why: UnassignedOrderReason | ReplayReason = (
                ReplayReason.INTERRUPTED
                if not complete
                else return_reason.get(request.id, ReplayReason.NOT_FINISHED)
            )
            settled[request.id] = ReturnOutcome(
                request.id, OutcomeStatus.UNASSIGNED, request.created_at_s, reason=why
            )
    return_outcomes = tuple(settled[r.id] for r in requests)
    if return_outcomes:
        kpis["returns"] = day_return_kpis(return_outcomes)
    return DayReplay(name, policy, result, kpis, waves, complete, tuple(timeline), return_outcomes)


def day_return_kpis(outcomes: Sequence[ReturnOutcome]) -> dict[str, Any]:
    """The returns' figures of a replayed day: collected, on time (inside the window),
    why the others were not, and minutes from request to the store."""
    collected = [o for o in outcomes if o.status is OutcomeStatus.COLLECTED]
    on_time = sum(1 for o in collected if not o.late)
    reasons: dict[str, int] = {}
    for o in outcomes:
        if o.status is OutcomeStatus.UNASSIGNED:
            key = "" if o.reason is None else o.reason.value
            reasons[key] = reasons.get(key, 0) + 1
    to_store = [(o.reached_s or 0.0) - o.created_s for o in collected]
    return {
        "returns_total": len(outcomes),
        "returns_collected": len(collected),
        "returns_on_time": on_time,
        "on_time_pct": 100.0 * on_time / len(outcomes),
        "request_to_store_mean_min": sum(to_store) / len(to_store) / 60.0 if to_store else None,
        "unassigned_by_reason": dict(sorted(reasons.items())),
    }


def driven_kpis(
    world: World,
    settings: PlannerSettings,
    legs: Sequence[tuple[str, tuple[float, float], tuple[float, float]]],
    busy_s: dict[str, float],
    delivered: int,
) -> dict[str, Any]:
    """live15eng: what the couriers' same-day work cost: kilometres driven (every leg
    between two stops done, on the world's travel of the courier's profile) and cost per
    delivered order (each courier's ``cost_per_km`` times its km plus ``cost_per_hour``
    times its busy hours, :class:`dispatch.settings.CourierCost`; no fixed cost)."""
    profiles = {c.id: c.profile for c in world.couriers}
    by_profile: dict[str, list[tuple[str, tuple[float, float], tuple[float, float]]]] = {}
    for leg in legs:
        by_profile.setdefault(profiles[leg[0]].value, []).append(leg)
    km: dict[str, float] = {}
    for name, group in sorted(by_profile.items()):
        points = sorted({p for _, a, b in group for p in (a, b)})
        index = {p: k for k, p in enumerate(points)}
        matrix = world.travel(
            name, [_LonLat(f"p{k}", lon, lat) for k, (lon, lat) in enumerate(points)]
        )
        for cid, a, b in group:
            km[cid] = km.get(cid, 0.0) + float(matrix.distance_m[index[a], index[b]]) / 1000.0
    cost = 0.0
    for courier in world.couriers:
        rate = settings.courier_costs[courier.profile]
        cost += rate.cost_per_km * km.get(courier.id, 0.0)
        cost += rate.cost_per_hour * busy_s.get(courier.id, 0.0) / 3600.0
    return {
        "distance_km": sum(km.values()),
        "courier_cost": cost,
        "cost_per_delivered": cost / delivered if delivered else None,
    }


@dataclass(frozen=True)
class _LonLat:
    """A point for :meth:`dispatch.world.World.travel`."""

    id: str
    lon: float
    lat: float


def _latest_handover_s(promise: DeliveryPromise) -> float:
    """The last moment an order can still be handed over (plan clock, seconds)."""
    return max(w.end_s for w in promise.windows) + promise.max_lateness_s


def _shift_hours(world: World) -> float:
    return sum(max(0.0, c.shift.end_s - c.shift.start_s) for c in world.couriers) / 3600.0


def day_kpis(
    outcomes: Sequence[OrderOutcome], *, world_courier_hours: float, busy_s: dict[str, float]
) -> dict[str, Any]:
    """The day's KPIs: counts, lateness, click-to-door and courier utilisation."""
    delivered = [
        o for o in outcomes if o.status is OutcomeStatus.DELIVERED and o.delivered_s is not None
    ]
    ctd = np.array([(o.delivered_s or 0.0) - o.created_s for o in delivered]) / 60.0
    reasons: dict[str, int] = {}
    for o in outcomes:
        if o.status is OutcomeStatus.UNASSIGNED:
            # Plain strings: the KPIs are JSON-ready data, whatever enum said why.
            key = "" if o.reason is None else o.reason.value
            reasons[key] = reasons.get(key, 0) + 1
    busy_h = sum(busy_s.values()) / 3600.0
    n_delivered = sum(1 for o in outcomes if o.status is OutcomeStatus.DELIVERED)
    late = sum(1 for o in delivered if o.late)
    return {
        "orders_total": len(outcomes),
        "delivered": n_delivered,
        "collected": sum(1 for o in outcomes if o.status is OutcomeStatus.COLLECTED),
        "unassigned": sum(1 for o in outcomes if o.status is OutcomeStatus.UNASSIGNED),
        "late": late,
        "on_time_pct": 100.0 * (len(delivered) - late) / len(delivered) if delivered else None,
        "click_to_door_mean_min": float(ctd.mean()) if ctd.size else None,
        "click_to_door_p90_min": float(np.percentile(ctd, 90)) if ctd.size else None,
        "unassigned_by_reason": dict(sorted(reasons.items())),
        "courier_utilisation_pct": (
            100.0 * busy_h / world_courier_hours if world_courier_hours > 0 else None
        ),
    }


def replay_policy_from_json(data: object, *, source: str = "policy") -> ReplayPolicy:
    """A policy from a JSON object of :class:`ReplayPolicy` fields (others keep defaults).

    Raises :class:`InvalidInputError` listing every unknown or ill-typed field.
    """
    return numeric_policy_from_json(ReplayPolicy, data, source=source)
