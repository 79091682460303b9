"""Returns ride with the deliveries: a collection at the door, a drop at the store.

A return (:class:`dispatch.returns.ReturnRequest`) becomes one routing task in the same
problem as the courier deliveries of the flow that hosts it (:func:`returns_host`: the
first courier-delivery flow with orders, instant before multi-store before scheduled),
so a courier riding past collects it between two drops:

* the pickup (action ``collect``) is at the resident's building or the pickup point;
  its start lies in the return's window, soft up to
  :data:`dispatch.returns.RETURN_MAX_LATENESS_S` at the planner's lateness cost;
* the delivery (action ``return``) is at ``to`` (store, micro-warehouse or depot), any
  time after the collection;
* its demand (weight, volume, cold boxes of its lines) is on board between the two, so
  load rises after the collection and capacity and cold boxes are counted;
* no ride-time limit (returned goods are not eaten) and the planner's drop penalty:
  a return not worth its detour, or one no courier can reach in time, is unassigned
  with the solver's reason like an order.

:func:`split_outcome` separates the returns from the host flow's orders after the solve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from dispatch.clock import format_clock
from dispatch.domain import FulfilmentMode
from dispatch.flows.routing import (
    FlowOutcome,
    PlanContext,
    SolvedFlow,
    TaskOrigin,
    infinite_window,
    order_reason,
)
from dispatch.loads import demand
from dispatch.locations import LocationTable
from dispatch.plan import Plan, StopAction, UnassignedOrderReason
from dispatch.returns import (
    RETURN_MAX_LATENESS_S,
    TASK_PREFIX,
    PlannedReturn,
    ReturnRequest,
    ReturnStatus,
    return_kpis,
)
from solvers.errors import EngineError, InvalidInputError
from solvers.problem import Stop, Task


def returns_host(
    orders_by_flow: dict[FulfilmentMode, int],
    delivery_flows: Sequence[FulfilmentMode],
    *,
    returns: int = 0,
    whole_up_to: int | None = None,
) -> FulfilmentMode:
    """The courier-delivery flow whose routing problem carries the returns.

    The first flow with orders that is planned whole (with the ``returns`` it would
    carry, at most ``whole_up_to`` orders: the part size of :mod:`dispatch.decompose`,
    None for no limit), so a return rides in one problem with the deliveries near it;
    else the first flow without orders (the returns alone, with the couriers the other
    flows leave); else the flow with the fewest orders, planned whole.
    """
    fits = [
        f
        for f in delivery_flows
        if orders_by_flow.get(f)
        and (whole_up_to is None or orders_by_flow[f] + returns <= whole_up_to)
    ]
    if fits:
        return fits[0]
    empty = [f for f in delivery_flows if not orders_by_flow.get(f)]
    if empty:
        return empty[0]
    return min(delivery_flows, key=lambda f: orders_by_flow.get(f, 0))


def return_task(
    request: ReturnRequest, ctx: PlanContext, table: LocationTable
) -> tuple[Task, TaskOrigin]:
    """The routing task of one return and what its stops stand for.

    Raises:
        InvalidInputError: a place it names is not in the world, or a number the
            routing problem refuses.
    """
    world, settings = ctx.world, ctx.settings
    door = world.place(request.door_place_id)
    to = world.place(request.to_place_id)
    collect = Stop(
        table.place(door),
        service_s=request.service_duration_s,
        windows=(request.window,),
        max_lateness_s=RETURN_MAX_LATENESS_S,
        lateness_cost_per_s=settings.lateness_cost_per_s,
    )
    drop = Stop(
        table.place(to),
        service_s=settings.pickup_service_s,
        windows=infinite_window(request.window.start_s),
    )
    task = Task(
        id=request.task_id,
        pickups=(collect,),
        delivery=drop,
        demand=demand(request.lines, settings.cold_box_volume_l),
        drop_penalty=settings.drop_penalty,
    )
    origin = TaskOrigin(
        (request.id,),
        (door.id,),
        to.id,
        delivery_action=StopAction.RETURN,
        pickup_action=StopAction.COLLECT,
    )
    return task, origin


def return_tasks(
    returns: Sequence[ReturnRequest], ctx: PlanContext, table: LocationTable
) -> tuple[list[tuple[Task, TaskOrigin]], list[PlannedReturn]]:
    """Each return's task; one whose task cannot be built is unassigned
    ``invalid_input`` (it cannot sink the flow)."""
    built: list[tuple[Task, TaskOrigin]] = []
    invalid: list[PlannedReturn] = []
    for request in returns:
        try:
            built.append(return_task(request, ctx, table))
        except InvalidInputError as error:
            invalid.append(
                _unassigned(
                    request,
                    UnassignedOrderReason.INVALID_INPUT,
                    f"cannot be planned: {error.field}: {error.rule}"[:400],
                )
            )
    return built, invalid


def _unassigned(
    request: ReturnRequest, reason: UnassignedOrderReason, detail: str
) -> PlannedReturn:
    return PlannedReturn(
        request.id,
        request.order_id,
        request.to_place_id,
        ReturnStatus.UNASSIGNED,
        reason=reason.value,
        detail=detail,
    )


def no_courier_returns(
    returns: Sequence[ReturnRequest], ctx: PlanContext
) -> tuple[PlannedReturn, ...]:
    """Returns the host flow cannot route because it has no courier."""
    why = f"no courier on shift is left to collect returns at {format_clock(ctx.at_s)}"
    return tuple(_unassigned(r, UnassignedOrderReason.NO_COURIER, why) for r in returns)


def split_outcome(
    solved: SolvedFlow,
    flow: FulfilmentMode,
    returns: Sequence[ReturnRequest],
    invalid: Sequence[PlannedReturn] = (),
    *,
    collected_before: Mapping[str, float] = MappingProxyType({}),
) -> FlowOutcome:
    """The flow's outcome with the returns' tasks taken out of its orders (served,
    on time, unassigned) and reported as :class:`PlannedReturn`\\ s.
    ``collected_before``: returns on board already (live re-planning), by id, with when
    they were collected (their route has only the drop)."""
    outcome = solved.outcome(flow)
    if not returns and not invalid:
        return outcome
    by_task = {r.task_id: r for r in returns}
    planned: list[PlannedReturn] = list(invalid)
    collected: dict[str, PlannedReturn] = {}
    for route in solved.routes:
        collect_at: dict[str, tuple[float, float]] = {}
        for stop in route.stops:
            if stop.action is StopAction.COLLECT:
                collect_at[stop.order_ids[0]] = (stop.start_s, stop.lateness_s)
            elif stop.action is StopAction.RETURN:
                return_id = stop.order_ids[0]
                start_s, lateness_s = collect_at.get(
                    return_id, (collected_before.get(return_id, stop.start_s), 0.0)
                )
                request = by_task[TASK_PREFIX + return_id]
                collected[return_id] = PlannedReturn(
                    request.id,
                    request.order_id,
                    request.to_place_id,
                    ReturnStatus.COLLECTED,
                    courier_id=route.courier_id,
                    collected_s=start_s,
                    lateness_s=lateness_s,
                    reached_s=stop.start_s,
                )
    planned.extend(collected.values())
    for task_id, unassigned in solved.unassigned.items():
        left = by_task.get(task_id)
        if left is not None:
            planned.append(_unassigned(left, order_reason(unassigned.reason), unassigned.detail))
    return dataclasses.replace(
        outcome,
        served=frozenset(t for t in outcome.served if t not in by_task),
        on_time=frozenset(t for t in outcome.on_time if t not in by_task),
        unassigned=tuple(u for u in outcome.unassigned if u.order_id not in by_task),
        returns=tuple(sorted(planned, key=lambda p: p.return_id)),
    )


def with_returns(
    plan: Plan, returns: Sequence[ReturnRequest], outcomes: Iterable[FlowOutcome]
) -> Plan:
    """The plan with its returns (every one exactly once, by id) and their figures.

    Raises:
        EngineError: a return is missing from the flows' outcomes or reported twice (an
            internal invariant, like the orders' coverage).
    """
    planned = sorted((p for o in outcomes for p in o.returns), key=lambda p: p.return_id)
    ids = [p.return_id for p in planned]
    if len(ids) != len(set(ids)) or set(ids) != {r.id for r in returns}:
        raise EngineError(
            "plan coverage broken: every return must be collected once or unassigned once "
            f"(planned {ids}, returns {sorted(r.id for r in returns)})"
        )
    if not planned:
        return plan
    kpis = dataclasses.replace(plan.kpis, returns=return_kpis(planned))
    return dataclasses.replace(plan, returns=tuple(planned), kpis=kpis)


# --- live re-planning (dispatch.live) ----------------------------------------------------


@dataclass(frozen=True)
class CarriedReturn:
    """A return a courier has collected (at ``collected_s``) and not yet brought to its
    ``to``: at a re-plan only its drop remains, locked on that courier."""

    request: ReturnRequest
    courier_id: str
    collected_s: float


def carried_tasks(
    carried: Sequence[CarriedReturn], ctx: PlanContext, table: LocationTable
) -> tuple[list[tuple[Task, TaskOrigin]], dict[str, tuple[list[str], dict[str, float]]]]:
    """The tasks of carried returns (their drop is due however late: no window end) and,
    per courier, the task ids on board and when each was collected (for its lock)."""
    tasks: list[tuple[Task, TaskOrigin]] = []
    locks: dict[str, tuple[list[str], dict[str, float]]] = {}
    for item in carried:
        task, origin = return_task(item.request, ctx, table)
        task = dataclasses.replace(
            task,
            pickups=(dataclasses.replace(task.pickups[0], windows=infinite_window(0.0)),),
            delivery=dataclasses.replace(task.delivery, windows=infinite_window(0.0)),
        )
        tasks.append((task, origin))
        ids, collected = locks.setdefault(item.courier_id, ([], {}))
        ids.append(task.id)
        collected[task.id] = item.collected_s
    return tasks, locks


def live_returns_by_flow(
    flows_with_orders: Sequence[FulfilmentMode],
    delivery_flows: Sequence[FulfilmentMode],
    returns: Sequence[ReturnRequest],
    carried: Sequence[CarriedReturn],
    courier_flow: Mapping[str, FulfilmentMode],
) -> dict[FulfilmentMode, tuple[tuple[ReturnRequest, ...], tuple[CarriedReturn, ...]]]:
    """Which flow's problem carries which returns at a re-plan: open ones ride with the
    host flow (:func:`returns_host`), carried ones with their courier's flow (a pool
    courier's: the host, the first flow its pool serves)."""
    host = returns_host(dict.fromkeys(flows_with_orders, 1), delivery_flows)
    out: dict[FulfilmentMode, tuple[list[ReturnRequest], list[CarriedReturn]]] = {}
    if returns:
        out.setdefault(host, ([], []))[0].extend(returns)
    for item in carried:
        flow = courier_flow.get(item.courier_id, host)
        out.setdefault(flow, ([], []))[1].append(item)
    return {f: (tuple(r), tuple(c)) for f, (r, c) in out.items()}
