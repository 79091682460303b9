"""Live dispatch: re-plan the delivery flows at time ``t`` with what couriers already do locked.

``replan(world, state, orders, at_s=..., settings=..., params=...) -> Plan`` plans the open
courier-delivery orders (instant, multi-store, scheduled) from the couriers' positions
at ``at_s``:

* an order a courier carries (:class:`OnBoard`) stays on that courier: its pickups are
  done (``VehicleLock.on_board``, with the pickup time for the ride-time limit) and only
  its delivery is planned;
* a courier's committed next stop (:class:`CommittedStop`, the stop it is riding to) is
  the first stop of its route (``VehicleLock.fixed_prefix``), so nobody is redirected;
* every other open order (new, or planned before but not yet started) is planned afresh;
* an order keeps the promise it was given (``LiveState.promises``, e.g. from the first
  plan that quoted it); orders without one get their flow's promise rule.  Where the
  promise can no longer be held, locked orders are still delivered (late, without the
  lateness cap), others may be planned late within the cap or left unassigned.

Couriers that carry or ride to something plan in the flow of those orders; the others
form a pool used by the flows in the planner's order (instant, multi-store, scheduled).
Orders of the other flows (next-day pickup, home services) are refused: they are planned
in batches by :class:`dispatch.Planner`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.fleet import DELIVERY_FLOWS
from dispatch.flows.delivery import DeliveryPromise, PromiseRule, delivery_task
from dispatch.flows.instant import instant_promise
from dispatch.flows.multi_store import multi_store_promise
from dispatch.flows.routing import (
    FlowOutcome,
    FlowProblem,
    PlanContext,
    build_problem,
    order_reason,
    solve_flow,
)
from dispatch.flows.scheduled import slot_promise
from dispatch.kpis import plan_kpis
from dispatch.locations import LocationTable
from dispatch.plan import Plan, UnassignedOrder, UnassignedOrderReason
from dispatch.settings import PlannerSettings
from dispatch.validation import validate_orders
from dispatch.world import World
from dispatch.zones import split_into_zones
from solvers import SolveParams
from solvers.errors import EngineError, InvalidInputError
from solvers.problem import TimeWindow as SolverWindow
from solvers.problem import VehicleLock

# A locked order is delivered however late it gets; the solver needs a finite cap.
_LOCKED_MAX_LATENESS_S = 24 * 3600.0

PROMISE_RULES: Mapping[FulfilmentMode, PromiseRule] = {
    FulfilmentMode.INSTANT: instant_promise,
    FulfilmentMode.MULTI_STORE: multi_store_promise,
    FulfilmentMode.SCHEDULED: slot_promise,
}


# The least search time a zone's solve gets when a re-plan is split, seconds.
MIN_ZONE_TIME_LIMIT_S = 0.05

_Outcomes = dict[FulfilmentMode, FlowOutcome]


@dataclass(frozen=True)
class OnBoard:
    """An order a courier carries: all its pickups done, the first at ``picked_up_at_s``."""

    order_id: str
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
    """

    courier_id: str
    lon: float
    lat: float
    on_board: tuple[OnBoard, ...] = ()
    next_stop: CommittedStop | None = None
    left_at_s: float | None = None


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
        locked = [b.order_id for b in cs.on_board]
        if cs.next_stop is not None:
            target = by_id.get(cs.next_stop.order_id)
            if target is not None and not 0 <= cs.next_stop.stop_index <= len(target.store_ids):
                raise InvalidInputError(
                    f"{label}: next_stop",
                    f"stop_index must be 0..{len(target.store_ids)}, got {cs.next_stop.stop_index}",
                )
            if cs.next_stop.order_id not in locked:
                locked.append(cs.next_stop.order_id)
        for order_id in locked:
            if order_id not in by_id:
                raise InvalidInputError(label, f"order {order_id!r} is not among the orders")
            if order_id in owner and owner[order_id] != cs.courier_id:
                raise InvalidInputError(
                    label, f"order {order_id!r} is also with courier {owner[order_id]!r}"
                )
            owner[order_id] = cs.courier_id
    return by_id, owner


def replan(
    world: World,
    state: LiveState,
    orders: Sequence[Order],
    *,
    at_s: float,
    settings: PlannerSettings | None = None,
    params: SolveParams | None = None,
    zones_from_couriers: int | None = None,
) -> Plan:
    """Re-plan the open delivery orders at ``at_s`` with the couriers' commitments locked.

    ``orders`` are every order still to be delivered: those on board, those a courier
    rides to, those planned before but not started, and new ones.  Every order is served
    exactly once or unassigned with a reason; on-board and committed orders stay with
    their courier.

    With ``zones_from_couriers`` set and at least that many couriers in a world of two or
    more micro-warehouses, the re-plan is split by zone (:mod:`dispatch.zones`): each
    zone's flows are solved with its couriers and a share of ``params.time_limit_s`` in
    proportion to its orders (at least ``MIN_ZONE_TIME_LIMIT_S``), and the orders a zone
    leaves out are tried once more with the couriers no zone used.

    Raises:
        InvalidInputError: an order of a flow other than courier delivery, an unknown
            courier or order in the state, an order locked to two couriers, a committed
            stop index out of range, or an order the world cannot serve.
    """
    if not (isinstance(at_s, int | float) and math.isfinite(at_s) and at_s >= 0):
        raise InvalidInputError("replan: at_s", f"must be a finite number >= 0, got {at_s!r}")
    settings = settings or PlannerSettings()
    params = params or SolveParams()
    orders = tuple(orders)
    by_id, owner = _validate(world, state, orders)
    validate_orders(orders, world, settings)
    states = {cs.courier_id: cs for cs in state.couriers}
    couriers = [
        dataclasses.replace(c, lon=states[c.id].lon, lat=states[c.id].lat) if c.id in states else c
        for c in world.couriers
    ]
    ctx = PlanContext(world, settings, at_s, params)
    # Couriers with commitments plan in the flow of their first locked order.
    locked_by: dict[str, list[str]] = {}
    for cs in state.couriers:
        locked = [b.order_id for b in cs.on_board]
        if cs.next_stop is not None and cs.next_stop.order_id not in locked:
            locked.append(cs.next_stop.order_id)
        if locked:
            locked_by[cs.courier_id] = locked
    courier_flow = {cid: by_id[locked[0]].mode for cid, locked in locked_by.items()}
    order_flow = {o.id: courier_flow[owner[o.id]] if o.id in owner else o.mode for o in orders}

    def plan_part(part_orders: Sequence[Order], part_couriers: Sequence[Courier]) -> _Outcomes:
        share = len(part_orders) / len(orders)
        part_params = dataclasses.replace(
            params, time_limit_s=max(MIN_ZONE_TIME_LIMIT_S, params.time_limit_s * share)
        )
        return _plan_flows(
            part_orders,
            part_couriers,
            courier_flow=courier_flow,
            order_flow=order_flow,
            states=states,
            owner=owner,
            state=state,
            ctx=dataclasses.replace(ctx, params=part_params),
        )

    zones = (
        split_into_zones(world, orders, couriers, locked_by)
        if zones_from_couriers is not None and len(couriers) >= zones_from_couriers and orders
        else ()
    )
    if len(zones) < 2:
        outcomes = _plan_flows(
            orders,
            couriers,
            courier_flow=courier_flow,
            order_flow=order_flow,
            states=states,
            owner=owner,
            state=state,
            ctx=ctx,
        )
    else:
        by_courier = {c.id: c for c in couriers}
        outcomes = {}
        for zone in zones:
            part = plan_part(
                [by_id[o] for o in zone.order_ids], [by_courier[c] for c in zone.courier_ids]
            )
            outcomes = _merge(outcomes, part)
        # Orders a zone could not serve get a second chance with the couriers no zone
        # used, wherever they are.
        left = {u.order_id for o in outcomes.values() for u in o.unassigned} - set(owner)
        busy = {r.courier_id for o in outcomes.values() for r in o.routes} | set(locked_by)
        idle = [c for c in couriers if c.id not in busy]
        if left and idle:
            spill = plan_part([o for o in orders if o.id in left], idle)
            kept = {
                flow: dataclasses.replace(
                    o, unassigned=tuple(u for u in o.unassigned if u.order_id not in left)
                )
                for flow, o in outcomes.items()
            }
            outcomes = _merge(kept, spill)
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
    return plan


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
) -> _Outcomes:
    """Each delivery flow in the planner's order: a courier committed to a flow plans in
    it; the others form a pool, and whoever a flow routes is gone for the next flows."""
    outcomes: _Outcomes = {}
    pool = [c for c in couriers if c.id not in courier_flow]
    for flow in DELIVERY_FLOWS:
        flow_orders = [o for o in orders if order_flow[o.id] is flow]
        if not flow_orders:
            continue
        flow_couriers = [c for c in couriers if courier_flow.get(c.id) is flow] + pool
        outcome = _plan_flow(
            flow,
            orders=flow_orders,
            couriers=flow_couriers,
            states=states,
            owner=owner,
            state=state,
            ctx=ctx,
        )
        outcomes[flow] = outcome
        used = {r.courier_id for r in outcome.routes}
        pool = [c for c in pool if c.id not in used]
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
) -> FlowOutcome:
    world, settings = ctx.world, ctx.settings
    if not couriers:
        return FlowOutcome(
            unassigned=tuple(
                UnassignedOrder(
                    o.id,
                    flow,
                    UnassignedOrderReason.NO_COURIER,
                    f"no courier on shift is left for {flow.value} orders at {ctx.at_s:g} s",
                )
                for o in orders
            )
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
    flow_problem = build_problem(flow, couriers, tasks, table, ctx)
    locks = []
    for courier in couriers:
        cs = states.get(courier.id)
        if cs is None or (not cs.on_board and cs.next_stop is None):
            continue
        prefix = (
            ((cs.next_stop.order_id, cs.next_stop.stop_index),) if cs.next_stop is not None else ()
        )
        locks.append(
            VehicleLock(
                courier.id,
                fixed_prefix=prefix,
                on_board=tuple(b.order_id for b in cs.on_board),
                picked_up_at_s={b.order_id: b.picked_up_at_s for b in cs.on_board},
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
                planned, shift=SolverWindow(begin, max(begin, planned.shift.end_s))
            )
        vehicles.append(planned)
    problem = dataclasses.replace(
        flow_problem.problem, vehicles=tuple(vehicles), locks=tuple(locks)
    )
    solved = solve_flow(FlowProblem(flow, problem, flow_problem.origins), ctx.params)
    return FlowOutcome(
        routes=solved.routes,
        unassigned=tuple(
            UnassignedOrder(task_id, flow, order_reason(u.reason), u.detail)
            for task_id, u in solved.unassigned.items()
        ),
        served=solved.served_tasks,
        on_time=solved.served_tasks - solved.late_tasks,
        runs=(solved.run,),
    )
