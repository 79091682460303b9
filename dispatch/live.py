"""Live dispatch: re-plan the delivery flows at time ``t`` with what couriers already do locked.

``replan(world, state, orders, at_s=..., settings=..., params=...) -> Plan`` plans the open
courier-delivery orders (instant, multi-store, scheduled) from the couriers' positions
at ``at_s``:

* an order a courier carries (:class:`OnBoard`) stays on that courier: its pickups are
  done (``VehicleLock.on_board``, with the pickup time for the ride-time limit) and only
  its delivery is planned;
* a multi-store order a courier has collected from some of its stores
  (:class:`PartlyPicked`) stays on that courier too: the collected stores are not
  visited again, their goods are on board, and only its other stores and its delivery
  are planned (``VehicleLock.pickups_done``, with the first pickup's time);
* a courier's committed next stop (:class:`CommittedStop`, the stop it is riding to) is
  the first stop of its route (``VehicleLock.fixed_prefix``), so nobody is redirected;
* every other open order (new, or planned before but not yet started) is planned afresh;
* an order keeps the promise it was given (``LiveState.promises``, e.g. from the first
  plan that quoted it); orders without one get their flow's promise rule.  Where the
  promise can no longer be held, locked orders are still delivered (late, without the
  lateness cap), others may be planned late within the cap or left unassigned.

Couriers are on shift and paid by the hour during the day, so a re-plan leaves out the
fixed cost of using a courier (``CourierCost.fixed_cost``, which batch plans charge).

The couriers who deliver are chosen by the planner's rule (:mod:`dispatch.fleet`): not
off shift, not vans (next-day trunk routes) or technicians (home services), and a courier
declaring flows works the first declared one with orders; a courier with commitments
always delivers them.  Couriers that carry or ride to something plan in the flow of those
orders, declared couriers in theirs; the others form a pool used by the flows in the
planner's order (instant, multi-store, scheduled).
Orders of the other flows (next-day pickup, home services) are refused: they are planned
in batches by :class:`dispatch.Planner`.

With ``settings.live.instant == "dispatcher"`` (the default) instant micro-warehouse
orders are first served by the instant dispatcher (:mod:`dispatch.live_instant`), and
the other orders are routed as above with the couriers it leaves.  Couriers shared by
two or more delivery flows with orders plan those flows in one routing model
(:mod:`dispatch.live_combined`), except in a re-plan split into zones.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from types import MappingProxyType

from dispatch.clock import format_clock
from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.fleet import DELIVERY_FLOWS, allocate_fleet
from dispatch.flows.delivery import DeliveryPromise, PromiseRule, delivery_task
from dispatch.flows.instant import instant_promise
from dispatch.flows.multi_store import multi_store_promise
from dispatch.flows.returns import (
    CarriedReturn,
    carried_tasks,
    live_returns_by_flow,
    no_courier_returns,
    return_tasks,
    split_outcome,
    with_returns,
)
from dispatch.flows.routing import (
    FlowOutcome,
    FlowProblem,
    PlanContext,
    build_problem,
    solve_flow,
    solved_flow,
)
from dispatch.flows.scheduled import slot_promise
from dispatch.kpis import plan_kpis
from dispatch.live_combined import allowed_flows, combines, split_by_flow, with_flow_skills
from dispatch.live_instant import dispatch_problem, dispatcher_share
from dispatch.locations import LocationTable
from dispatch.plan import Plan, UnassignedOrder, UnassignedOrderReason
from dispatch.returns import PlannedReturn, ReturnRequest
from dispatch.settings import LiveInstant, PlannerSettings
from dispatch.validation import validate_orders
from dispatch.world import World
from dispatch.zones import split_into_zones
from solvers import SolveParams
from solvers.budget import MIN_PART_S, Budget
from solvers.errors import EngineError, InvalidInputError
from solvers.executor import ExecutorSpec, run_jobs
from solvers.instant_dispatch import InstantPolicy
from solvers.parts import PartJob, solve_part
from solvers.problem import TimeWindow, VehicleLock
from solvers.rr import before_budget as search_before_budget
from solvers.rr import load_within as search_load_within

# A locked order is delivered however late it gets; the solver needs a finite cap.
_LOCKED_MAX_LATENESS_S = 24 * 3600.0

PROMISE_RULES: Mapping[FulfilmentMode, PromiseRule] = {
    FulfilmentMode.INSTANT: instant_promise,
    FulfilmentMode.MULTI_STORE: multi_store_promise,
    FulfilmentMode.SCHEDULED: slot_promise,
}


# The weight of the second chance for orders the zones left out (see ``replan``), as a
# share of the orders: the budget rule keeps this much of the re-plan's time for it.
SPILL_SHARE = 0.1

_Outcomes = dict[FulfilmentMode, FlowOutcome]


@dataclass(frozen=True)
class OnBoard:
    """An order a courier carries: all its pickups done, the first at ``picked_up_at_s``."""

    order_id: str
    picked_up_at_s: float


@dataclass(frozen=True)
class PartlyPicked:
    """A multi-store order a courier has collected from some of its stores only.

    ``stores_done`` are the stores already collected (ids among ``Order.store_ids``, at
    least one, not all), the first of them at ``picked_up_at_s``.  Their goods are on
    the courier's bike; the order's other stores and its delivery stay with this courier,
    and the collected stores are not visited again.  Once every store is collected the
    order is :class:`OnBoard` (with the same ``picked_up_at_s``).
    """

    order_id: str
    stores_done: tuple[str, ...]
    picked_up_at_s: float


@dataclass(frozen=True)
class CommittedStop:
    """The stop a courier is riding to: ``stop_index`` 0.. for the order's stores (in
    ``Order.store_ids`` order), ``len(store_ids)`` for the delivery."""

    order_id: str
    stop_index: int


@dataclass(frozen=True)
class CourierState:
    """Where a courier is and what it is committed to.

    ``(lon, lat)`` is where the courier was last (the place of its last stop done), and
    ``left_at_s`` when it left there; None means it is there, free, at the re-plan time.
    A courier riding to its committed next stop is re-planned from where and when it
    set off, so that the stop keeps its time instead of moving with every re-plan.
    ``on_board`` are the orders it carries whole, ``partly_picked`` the multi-store
    orders it has collected from some stores only; ``next_stop`` may be one of the
    latter's stores still to collect, not one already collected.
    """

    courier_id: str
    lon: float
    lat: float
    on_board: tuple[OnBoard, ...] = ()
    next_stop: CommittedStop | None = None
    left_at_s: float | None = None
    partly_picked: tuple[PartlyPicked, ...] = ()

    def locked_order_ids(self) -> list[str]:
        """The orders this courier keeps: carried, partly picked, then the one it rides
        to (each once, in that order)."""
        locked = [b.order_id for b in self.on_board]
        locked += [p.order_id for p in self.partly_picked if p.order_id not in locked]
        if self.next_stop is not None and self.next_stop.order_id not in locked:
            locked.append(self.next_stop.order_id)
        return locked


@dataclass(frozen=True)
class LiveState:
    """The fleet's state at a re-plan, and the promises already given (order id -> promise).

    Couriers of the world without a state are where the world puts them, carrying nothing.
    """

    couriers: tuple[CourierState, ...] = ()
    promises: Mapping[str, DeliveryPromise] = field(default_factory=dict)


def delivery_promise(order: Order, world: World, settings: PlannerSettings) -> DeliveryPromise:
    """The promise an order gets from its flow's rule (what a first plan quotes)."""
    rule = PROMISE_RULES.get(order.mode)
    if rule is None:
        raise InvalidInputError(
            f"Order {order.id!r}: mode",
            f"live re-planning covers courier deliveries only, got {order.mode.value!r}",
        )
    return rule(order, world, settings)


def _validate(
    world: World, state: LiveState, orders: Sequence[Order]
) -> tuple[dict[str, Order], dict[str, str]]:
    """Orders by id, and the courier each locked order belongs to."""
    by_id: dict[str, Order] = {}
    for order in orders:
        if order.mode not in PROMISE_RULES:
            raise InvalidInputError(
                f"Order {order.id!r}: mode",
                f"live re-planning covers courier deliveries only, got {order.mode.value!r}",
            )
        if order.id in by_id:
            raise InvalidInputError(f"Order {order.id!r}", "appears twice")
        by_id[order.id] = order
    known = {c.id for c in world.couriers}
    owner: dict[str, str] = {}
    seen: set[str] = set()
    for cs in state.couriers:
        label = f"LiveState courier {cs.courier_id!r}"
        if cs.courier_id not in known:
            raise InvalidInputError(label, "unknown courier")
        if cs.courier_id in seen:
            raise InvalidInputError(label, "appears twice")
        seen.add(cs.courier_id)
        locked = cs.locked_order_ids()
        collected = _validate_pickups(label, cs, by_id)
        if cs.next_stop is not None:
            target = by_id.get(cs.next_stop.order_id)
            index = cs.next_stop.stop_index
            if target is not None and not 0 <= index <= len(target.store_ids):
                raise InvalidInputError(
                    f"{label}: next_stop",
                    f"stop_index must be 0..{len(target.store_ids)}, got {index}",
                )
            if target is not None and index < len(target.store_ids):
                store = target.store_ids[index]
                if store in collected.get(target.id, ()):
                    raise InvalidInputError(
                        f"{label}: next_stop",
                        f"store {store!r} of order {target.id!r} is already collected",
                    )
        for order_id in locked:
            if order_id not in by_id:
                raise InvalidInputError(label, f"order {order_id!r} is not among the orders")
            if order_id in owner and owner[order_id] != cs.courier_id:
                raise InvalidInputError(
                    label, f"order {order_id!r} is also with courier {owner[order_id]!r}"
                )
            owner[order_id] = cs.courier_id
    return by_id, owner


def _validate_pickups(
    label: str, cs: CourierState, by_id: Mapping[str, Order]
) -> dict[str, tuple[str, ...]]:
    """Check a courier's on-board and partly picked orders; the stores each has collected."""
    collected: dict[str, tuple[str, ...]] = {}
    for carried in cs.on_board:
        order = by_id.get(carried.order_id)
        if carried.order_id in collected:
            raise InvalidInputError(f"{label}: on_board", f"lists order {carried.order_id!r} twice")
        collected[carried.order_id] = order.store_ids if order is not None else ()
    for part in cs.partly_picked:
        owner = f"{label}: partly_picked {part.order_id!r}"
        if part.order_id in collected:
            what = "on board" if part.order_id in {b.order_id for b in cs.on_board} else "listed"
            raise InvalidInputError(owner, f"the order is already {what}")
        order = by_id.get(part.order_id)
        if order is None:
            raise InvalidInputError(label, f"order {part.order_id!r} is not among the orders")
        stores = tuple(part.stores_done)
        for store in stores:
            if store not in order.store_ids:
                raise InvalidInputError(
                    f"{owner}: stores_done",
                    f"{store!r} is not a store of the order (stores: {list(order.store_ids)})",
                )
        if len(set(stores)) != len(stores):
            raise InvalidInputError(f"{owner}: stores_done", "must not repeat a store")
        if not stores:
            raise InvalidInputError(
                f"{owner}: stores_done", "must name at least one collected store"
            )
        if len(stores) == len(order.store_ids):
            raise InvalidInputError(
                f"{owner}: stores_done",
                "names every store of the order: it is on board (use OnBoard)",
            )
        if not (
            isinstance(part.picked_up_at_s, int | float) and math.isfinite(part.picked_up_at_s)
        ):
            raise InvalidInputError(
                f"{owner}: picked_up_at_s", f"must be a finite number, got {part.picked_up_at_s!r}"
            )
        collected[part.order_id] = stores
    return collected


def replan(
    world: World,
    state: LiveState,
    orders: Sequence[Order],
    *,
    at_s: float,
    settings: PlannerSettings | None = None,
    params: SolveParams | None = None,
    zones_from_couriers: int | None = None,
    executor: ExecutorSpec | None = None,
    returns: Sequence[ReturnRequest] = (),
    carried_returns: Sequence[CarriedReturn] = (),
) -> Plan:
    """Re-plan the open delivery orders at ``at_s`` with the couriers' commitments locked.

    ``returns`` (not yet collected) ride with the deliveries as in the planner, and
    ``carried_returns`` (collected, not yet dropped) stay on their courier
    (:mod:`dispatch.flows.returns`); every one is in ``Plan.returns``.  A split re-plan
    is not split while couriers carry returns; open returns go to its second chance.

    ``orders`` are every order still to be delivered: those on board, those a courier
    rides to, those planned before but not started, and new ones.  Every order is served
    exactly once or unassigned with a reason; on-board and committed orders stay with
    their courier.

    With ``zones_from_couriers`` set and at least that many couriers in a world of two or
    more micro-warehouses, the re-plan is split by zone (:mod:`dispatch.zones`): each
    zone's flows are solved with its couriers, and the orders a zone leaves out are tried
    once more with the couriers no zone used.  The zones' problems are solved in
    parallel by ``executor`` (:mod:`solvers.executor`: in-process, local processes (the
    default) or Ray), flow by flow: every zone's instant problem, then every zone's
    multi-store problem with the couriers its instant routes left, then scheduled.

    ``params.time_limit_s`` is the budget of the whole re-plan, shared out by the budget
    rule (:mod:`solvers.budget`): without zones, the flows in turn in proportion to their
    orders; with zones, the flow stages in turn in proportion to their orders, keeping
    ``SPILL_SHARE`` of the orders' weight for the second chance, and within a stage each
    zone's job gets the stage's time times the executor's slots times its share of the
    stage's orders (at most the stage's time).

    Raises:
        InvalidInputError: an order of a flow other than courier delivery, an unknown
            courier or order in the state, an order locked to two couriers, a committed
            stop index out of range or at a store already collected, a partly picked
            order naming a store not its own, none or all of its stores, or an order the
            world cannot serve.
    """
    if not (isinstance(at_s, int | float) and math.isfinite(at_s) and at_s >= 0):
        raise InvalidInputError("replan: at_s", f"must be a finite number >= 0, got {at_s!r}")
    settings = settings or PlannerSettings()
    params = params or SolveParams()
    search_before_budget(params.iterations)  # own search's kernels (solvers.rr)
    budget = Budget.start(params.time_limit_s)
    # search18: loaded from the whole call's time, not from its first flow's share
    search_load_within(budget.remaining_s())
    orders = tuple(orders)
    by_id, owner = _validate(world, state, orders)
    validate_orders(orders, world, settings)
    states = {cs.courier_id: cs for cs in state.couriers}
    couriers = [
        dataclasses.replace(c, lon=states[c.id].lon, lat=states[c.id].lat) if c.id in states else c
        for c in world.couriers
    ]
    ctx = PlanContext(world, settings, at_s, params, budget)
    # Couriers with commitments plan in the flow of their first locked order.
    locked_by: dict[str, list[str]] = {}
    for cs in state.couriers:
        locked = cs.locked_order_ids()
        if locked:
            locked_by[cs.courier_id] = locked
    # Who may deliver: the planner's rule (dispatch.fleet): on shift, not a van or a
    # technician, and in the flows a courier declares; couriers with commitments always.
    fleet = allocate_fleet(couriers, {o.mode for o in orders}, at_s)
    declared = {c.id: flow for flow in DELIVERY_FLOWS for c in fleet.of(flow)}
    delivering = (
        {c.id for c in fleet.pool}
        | set(declared)
        | set(locked_by)
        | {r.courier_id for r in carried_returns}
    )
    delivering |= {c.id for c, _ in fleet.shared}
    # Issue 13: shared couriers plan their flows in one model (dispatch.live_combined).
    shared = {c.id: flows for c, flows in fleet.shared}
    couriers = [c for c in couriers if c.id in delivering]
    courier_flow = {
        **declared,
        **{cid: by_id[locked[0]].mode for cid, locked in locked_by.items()},
    }
    order_flow = {o.id: courier_flow[owner[o.id]] if o.id in owner else o.mode for o in orders}
    all_orders = orders
    # live15eng: instant micro-warehouse orders by the instant dispatcher (settings.live).
    dispatched, orders, couriers, ctx = _dispatch_instant(
        orders,
        couriers,
        courier_flow=courier_flow,
        states=states,
        owner=owner,
        state=state,
        ctx=ctx,
        carrying_returns={r.courier_id for r in carried_returns},
    )
    locked_by = {cid: ids for cid, ids in locked_by.items() if cid in {c.id for c in couriers}}

    def plan_part(
        part_orders: Sequence[Order],
        part_couriers: Sequence[Courier],
        part_ctx: PlanContext,
        part_returns: Sequence[ReturnRequest] = (),
    ) -> _Outcomes:
        """The flows of some of the orders with some couriers, in ``part_ctx``'s budget
        (with ``part_returns`` and the returns its couriers carry)."""
        ids = {c.id for c in part_couriers}
        riders = live_returns_by_flow(
            [f for f in DELIVERY_FLOWS if any(order_flow[o.id] is f for o in part_orders)],
            DELIVERY_FLOWS,
            part_returns,
            [r for r in carried_returns if r.courier_id in ids],
            courier_flow,
        )
        # Issue 13: couriers shared by several flows with orders: the flows in one model.
        part_shared = {c.id: shared[c.id] for c in part_couriers if c.id in shared}
        if combines(part_orders, part_shared):
            allowed = allowed_flows(
                part_couriers, part_orders, shared=part_shared, declared=declared, owner=owner
            )
            return _plan_combined(
                part_orders,
                part_couriers,
                allowed=allowed,
                states=states,
                owner=owner,
                state=state,
                ctx=part_ctx,
                riders=riders,
            )
        return _plan_flows(
            part_orders,
            part_couriers,
            courier_flow=courier_flow,
            order_flow=order_flow,
            states=states,
            owner=owner,
            state=state,
            ctx=part_ctx,
            riders=riders,
        )

    zones = (
        split_into_zones(world, orders, couriers, locked_by)
        # A split re-plan's zones carry no returns: with returns on board it is not split.
        if zones_from_couriers is not None
        and len(couriers) >= zones_from_couriers
        and orders
        and not carried_returns
        else ()
    )
    if len(zones) < 2:
        outcomes = plan_part(orders, couriers, ctx, returns)
    else:
        by_courier = {c.id: c for c in couriers}
        outcomes = {}
        zone_parts = [
            ([by_id[o] for o in z.order_ids], [by_courier[c] for c in z.courier_ids]) for z in zones
        ]
        # The zones' flows stage by stage (each stage's zones in parallel through the
        # executor), each stage by its orders, then the second chance by SPILL_SHARE.
        stage_orders = [
            sum(1 for zone_orders, _ in zone_parts for o in zone_orders if order_flow[o.id] is f)
            for f in DELIVERY_FLOWS
        ]
        parts = ctx.parts([*(n for n in stage_orders if n), SPILL_SHARE * len(orders)])
        for part in _plan_zones(
            zone_parts,
            executor=executor or ExecutorSpec(),
            stages=parts,
            courier_flow=courier_flow,
            order_flow=order_flow,
            states=states,
            owner=owner,
            state=state,
        ):
            outcomes = _merge(outcomes, part)
        # Orders a zone could not serve get a second chance with the couriers no zone
        # used, wherever they are.
        left = {u.order_id for o in outcomes.values() for u in o.unassigned} - set(owner)
        busy = {r.courier_id for o in outcomes.values() for r in o.routes} | set(locked_by)
        idle = [c for c in couriers if c.id not in busy]
        if (left or returns) and idle:
            spill = plan_part([o for o in orders if o.id in left], idle, next(parts), returns)
            kept = {
                flow: dataclasses.replace(
                    o, unassigned=tuple(u for u in o.unassigned if u.order_id not in left)
                )
                for flow, o in outcomes.items()
            }
            outcomes = _merge(kept, spill)
        elif returns:
            outcomes = _merge(
                outcomes, {DELIVERY_FLOWS[0]: FlowOutcome(returns=no_courier_returns(returns, ctx))}
            )
    outcomes = _merge(outcomes, dispatched)
    orders = all_orders
    plan = Plan(
        at_s=at_s,
        routes=tuple(
            r
            for f in DELIVERY_FLOWS
            if f in outcomes
            for r in sorted(outcomes[f].routes, key=lambda r: r.courier_id)
        ),
        pickup_assignments=(),
        pick_lists=(),
        commissions=(),
        unassigned=tuple(
            sorted((u for o in outcomes.values() for u in o.unassigned), key=lambda u: u.order_id)
        ),
        kpis=plan_kpis(orders, outcomes),
        solver_runs=tuple(run for o in outcomes.values() for run in o.runs),
    )
    served = plan.served_order_ids()
    unassigned = {u.order_id for u in plan.unassigned}
    if served & unassigned or served | unassigned != set(by_id):
        raise EngineError("replan coverage broken: every order must be served or unassigned once")
    return with_returns(plan, [*returns, *(r.request for r in carried_returns)], outcomes.values())


def _plan_combined(
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    *,
    allowed: Mapping[str, frozenset[FulfilmentMode]],
    states: Mapping[str, CourierState],
    owner: Mapping[str, str],
    state: LiveState,
    ctx: PlanContext,
    riders: Mapping[FulfilmentMode, tuple[tuple[ReturnRequest, ...], tuple[CarriedReturn, ...]]],
) -> _Outcomes:
    """Issue 13: the delivery flows of these orders in one routing model, with locks,
    the returns every flow carries, and flow skills (:mod:`dispatch.live_combined`)."""
    open_returns = tuple(r for rs, _ in riders.values() for r in rs)
    carried = tuple(c for _, cs in riders.values() for c in cs)
    mode_of = {o.id: o.mode for o in orders}
    first = next(f for f in DELIVERY_FLOWS if f in set(mode_of.values()))
    built = _flow_problem(
        first,
        orders=orders,
        couriers=couriers,
        states=states,
        owner=owner,
        state=state,
        ctx=dataclasses.replace(ctx, returns=open_returns),
        carried=carried,
    )
    if isinstance(built, FlowOutcome):
        return split_by_flow(built, mode_of)
    flow_problem, invalid_returns = built
    solved = solve_flow(with_flow_skills(flow_problem, mode_of, allowed), ctx.solve_params())
    outcome = split_outcome(
        solved,
        first,
        [*open_returns, *(r.request for r in carried)],
        invalid_returns,
        collected_before={r.request.id: r.collected_s for r in carried},
    )
    return split_by_flow(outcome, mode_of)


def _dispatch_instant(
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    *,
    courier_flow: Mapping[str, FulfilmentMode],
    states: Mapping[str, CourierState],
    owner: Mapping[str, str],
    state: LiveState,
    ctx: PlanContext,
    carrying_returns: set[str],
) -> tuple[_Outcomes, tuple[Order, ...], list[Courier], PlanContext]:
    """live15eng: with ``settings.live.instant == "dispatcher"``, the instant dispatcher's
    outcome (:mod:`dispatch.live_instant`), and the orders, couriers and context left to
    the routing re-plan (its budget share by orders: the dispatcher's, then the rest's).
    With ``"routing"`` (or nothing to dispatch): no outcome, everything left."""
    if ctx.settings.live.instant is not LiveInstant.DISPATCHER:
        return {}, tuple(orders), list(couriers), ctx
    share = dispatcher_share(
        ctx.world,
        orders,
        couriers,
        at_s=ctx.at_s,
        owner=owner,
        courier_flow=courier_flow,
        carrying_returns=carrying_returns,
    )
    mine = [o for o in orders if o.id in share.order_ids]
    if not mine:
        return {}, tuple(orders), list(couriers), ctx
    rest = tuple(o for o in orders if o.id not in share.order_ids)
    parts = ctx.parts([len(mine), max(1, len(rest))])
    own_ctx, rest_ctx = next(parts), next(parts)
    flow = FulfilmentMode.INSTANT
    built = _flow_problem(
        flow,
        orders=mine,
        couriers=[c for c in couriers if c.id in share.courier_ids],
        states=states,
        owner=owner,
        state=state,
        ctx=own_ctx,
    )
    if isinstance(built, FlowOutcome):
        return {flow: built}, rest, list(couriers), rest_ctx
    flow_problem, _ = built
    # The dispatcher's policy (solvers.instant_dispatch): its defaults but the bundle
    # size, with a wave's search no longer than this part's budget.
    default = InstantPolicy()
    policy = dataclasses.replace(
        default,
        max_bundle=ctx.settings.live.max_bundle,
        wave_search_s=max(MIN_PART_S, min(default.wave_search_s, own_ctx.budget.remaining_s())),
    )
    solution = dispatch_problem(
        flow_problem.problem,
        at_s=ctx.at_s,
        placement_s={o.id: o.created_at_s for o in mine},
        policy=policy,
        seed=ctx.params.seed,
    )
    solved = (
        solved_flow(flow_problem, solution)
        if solution is not None
        # Rejected by the checker (never seen so far): the routing search serves the share.
        else solve_flow(flow_problem, own_ctx.solve_params())
    )
    outcome = solved.outcome(flow)
    used = {r.courier_id for r in outcome.routes}
    return {flow: outcome}, rest, [c for c in couriers if c.id not in used], rest_ctx


def _plan_flows(
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    *,
    courier_flow: Mapping[str, FulfilmentMode],
    order_flow: Mapping[str, FulfilmentMode],
    states: Mapping[str, CourierState],
    owner: Mapping[str, str],
    state: LiveState,
    ctx: PlanContext,
    riders: Mapping[
        FulfilmentMode, tuple[tuple[ReturnRequest, ...], tuple[CarriedReturn, ...]]
    ] = MappingProxyType({}),
) -> _Outcomes:
    """Each delivery flow in the planner's order: a courier committed to a flow plans in
    it; the others form a pool, and whoever a flow routes is gone for the next flows.
    ``riders``: the returns (open, carried) each flow's problem carries."""
    outcomes: _Outcomes = {}
    pool = [c for c in couriers if c.id not in courier_flow]
    by_flow = {f: [o for o in orders if order_flow[o.id] is f] for f in DELIVERY_FLOWS}
    # The budget rule: each flow with work gets the time left in proportion to it.
    work = {
        f: len(by_flow[f]) + sum(len(x) for x in riders.get(f, ((), ()))) for f in DELIVERY_FLOWS
    }
    flow_ctxs = ctx.parts([work[f] for f in DELIVERY_FLOWS if work[f]])
    for flow in DELIVERY_FLOWS:
        flow_orders = by_flow[flow]
        if not work[flow]:
            continue
        flow_couriers = [c for c in couriers if courier_flow.get(c.id) is flow] + pool
        outcome = _plan_flow(
            flow,
            orders=flow_orders,
            couriers=flow_couriers,
            states=states,
            owner=owner,
            state=state,
            ctx=dataclasses.replace(next(flow_ctxs), returns=riders.get(flow, ((), ()))[0]),
            carried=riders.get(flow, ((), ()))[1],
        )
        outcomes[flow] = outcome
        used = {r.courier_id for r in outcome.routes}
        pool = [c for c in pool if c.id not in used]
    return outcomes


def _plan_zones(
    zone_parts: Sequence[tuple[Sequence[Order], Sequence[Courier]]],
    *,
    executor: ExecutorSpec,
    stages: Iterator[PlanContext],
    courier_flow: Mapping[str, FulfilmentMode],
    order_flow: Mapping[str, FulfilmentMode],
    states: Mapping[str, CourierState],
    owner: Mapping[str, str],
    state: LiveState,
) -> list[_Outcomes]:
    """Each zone's flows, as :func:`_plan_flows` plans one zone, with every zone's
    problem of a flow solved in parallel (one :func:`solvers.parts.solve_part` job per
    zone, one search each, so every engine gives the same plan)."""
    pools = [[c for c in couriers if c.id not in courier_flow] for _, couriers in zone_parts]
    outcomes: list[_Outcomes] = [{} for _ in zone_parts]
    for flow in DELIVERY_FLOWS:
        work = [
            (z, [o for o in zone_orders if order_flow[o.id] is flow])
            for z, (zone_orders, _) in enumerate(zone_parts)
        ]
        work = [(z, flow_orders) for z, flow_orders in work if flow_orders]
        if not work:
            continue
        stage = next(stages)
        built: list[tuple[int, FlowProblem]] = []
        for z, flow_orders in work:
            zone_couriers = zone_parts[z][1]
            problem = _flow_problem(
                flow,
                orders=flow_orders,
                couriers=[c for c in zone_couriers if courier_flow.get(c.id) is flow] + pools[z],
                states=states,
                owner=owner,
                state=state,
                ctx=stage,
            )
            if isinstance(problem, FlowOutcome):
                outcomes[z][flow] = problem
            else:  # zones carry no returns (replan keeps them out of split re-plans)
                built.append((z, problem[0]))
        total = max(1, sum(len(fp.problem.tasks) for _, fp in built))
        engine = executor.for_work(total)
        budget_s = stage.budget.remaining_s()
        slots = engine.slots()
        # A zone queued behind others stops by the stage's deadline on this machine.
        deadline_s = perf_counter() + budget_s if engine.same_clock() else None
        jobs = [
            PartJob(
                fp.problem,
                dataclasses.replace(
                    stage.params,
                    workers=1,
                    time_limit_s=max(
                        MIN_PART_S,
                        min(budget_s, budget_s * slots * len(fp.problem.tasks) / total),
                    ),
                ),
                deadline_s,
            )
            for _, fp in built
        ]
        answers = run_jobs(solve_part, jobs, engine)
        for (z, fp), answer in zip(built, answers, strict=True):
            outcome = solved_flow(fp, answer.solution).outcome(flow)
            outcomes[z][flow] = outcome
            used = {r.courier_id for r in outcome.routes}
            pools[z] = [c for c in pools[z] if c.id not in used]
    return outcomes


def _merge(first: _Outcomes, second: _Outcomes) -> _Outcomes:
    """The outcomes of two parts with disjoint orders and couriers, flow by flow."""
    merged = dict(first)
    for flow, outcome in second.items():
        have = merged.get(flow)
        merged[flow] = (
            outcome
            if have is None
            else FlowOutcome(
                routes=have.routes + outcome.routes,
                unassigned=have.unassigned + outcome.unassigned,
                served=have.served | outcome.served,
                on_time=have.on_time | outcome.on_time,
                runs=have.runs + outcome.runs,
                returns=have.returns + outcome.returns,
            )
        )
    return merged


def _plan_flow(
    flow: FulfilmentMode,
    *,
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    states: Mapping[str, CourierState],
    owner: Mapping[str, str],
    state: LiveState,
    ctx: PlanContext,
    carried: Sequence[CarriedReturn] = (),
) -> FlowOutcome:
    built = _flow_problem(
        flow,
        orders=orders,
        couriers=couriers,
        states=states,
        owner=owner,
        state=state,
        ctx=ctx,
        carried=carried,
    )
    if isinstance(built, FlowOutcome):
        return built
    flow_problem, invalid_returns = built
    return split_outcome(
        solve_flow(flow_problem, ctx.solve_params()),
        flow,
        [*ctx.returns, *(r.request for r in carried)],
        invalid_returns,
        collected_before={r.request.id: r.collected_s for r in carried},
    )


def _flow_problem(
    flow: FulfilmentMode,
    *,
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    states: Mapping[str, CourierState],
    owner: Mapping[str, str],
    state: LiveState,
    ctx: PlanContext,
    carried: Sequence[CarriedReturn] = (),
) -> tuple[FlowProblem, list[PlannedReturn]] | FlowOutcome:
    """A flow's re-plan problem with its locks (and the returns it cannot carry), or its
    outcome when it has no courier.  ``ctx.returns`` and ``carried`` ride in it."""
    world, settings = ctx.world, ctx.settings
    if not couriers:
        return FlowOutcome(
            returns=no_courier_returns([*ctx.returns, *(r.request for r in carried)], ctx),
            unassigned=tuple(
                UnassignedOrder(
                    o.id,
                    flow,
                    UnassignedOrderReason.NO_COURIER,
                    f"no courier on shift is left for {flow.value} orders "
                    f"at {format_clock(ctx.at_s)}",
                )
                for o in orders
            ),
        )
    table = LocationTable()
    for courier in couriers:
        table.courier(courier)
    tasks = []
    for order in orders:
        promise = state.promises.get(order.id) or delivery_promise(order, world, settings)
        task, origin = delivery_task(order, promise, world, table, settings)
        if order.id in owner:
            # A locked order is delivered whatever happens: a day's lateness, no ride limit.
            task = dataclasses.replace(
                task,
                delivery=dataclasses.replace(task.delivery, max_lateness_s=_LOCKED_MAX_LATENESS_S),
                max_ride_s=None,
            )
        tasks.append((task, origin))
    riders, invalid_returns = return_tasks(ctx.returns, ctx, table)
    carried_riders, carried_locks = carried_tasks(carried, ctx, table)
    tasks += [*riders, *carried_riders]
    flow_problem = build_problem(flow, couriers, tasks, table, ctx)
    by_id = {o.id: o for o in orders}
    locks = []
    for courier in couriers:
        cs = states.get(courier.id)
        if courier.id in carried_locks and (cs is None or not cs.locked_order_ids()):
            ids, collected = carried_locks[courier.id]
            locks.append(VehicleLock(courier.id, on_board=tuple(ids), picked_up_at_s=collected))
            continue
        if cs is None or not cs.locked_order_ids():
            continue
        carried_ids, carried_at = carried_locks.get(courier.id, ([], {}))
        prefix = (
            ((cs.next_stop.order_id, cs.next_stop.stop_index),) if cs.next_stop is not None else ()
        )
        locks.append(
            VehicleLock(
                courier.id,
                fixed_prefix=prefix,
                on_board=(*(b.order_id for b in cs.on_board), *carried_ids),
                picked_up_at_s={
                    **{b.order_id: b.picked_up_at_s for b in cs.on_board},
                    **{p.order_id: p.picked_up_at_s for p in cs.partly_picked},
                    **carried_at,
                },
                # Collected stores by their index in the order (the task's pickup index).
                pickups_done={
                    p.order_id: tuple(
                        sorted(by_id[p.order_id].store_ids.index(s) for s in p.stores_done)
                    )
                    for p in cs.partly_picked
                },
            )
        )
    vehicles = []
    shift_start = {c.id: c.shift.start_s for c in couriers}
    for planned in flow_problem.problem.vehicles:
        cs = states.get(planned.id)
        if cs is not None and cs.left_at_s is not None and cs.left_at_s < planned.shift.start_s:
            # Under way since left_at_s: the route starts when the courier set off.
            begin = max(cs.left_at_s, shift_start[planned.id])
            planned = dataclasses.replace(  # noqa: PLW2901
                planned, shift=TimeWindow(begin, max(begin, planned.shift.end_s))
            )
        # On shift and paid by the hour already: the fixed cost of using a courier in a
        # plan is sunk during the day.  Charged at every wave it made the search pile
        # orders on busy couriers, late, while others stood idle (5,000-order day: 70%
        # on time with it, 78% without).
        vehicles.append(dataclasses.replace(planned, fixed_cost=0.0))
    problem = dataclasses.replace(
        flow_problem.problem, vehicles=tuple(vehicles), locks=tuple(locks)
    )
    return FlowProblem(flow, problem, flow_problem.origins), invalid_returns
