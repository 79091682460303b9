"""One courier, several flows: the courier delivery flows planned in one routing model.

When a courier may work two or more of the delivery flows (instant, multi-store,
scheduled: :mod:`dispatch.fleet`), planning the flows in turn would give it one flow
per plan, so the orders of every delivery flow with orders go into one
:class:`solvers.RoutingProblem`: each order's task as its own flow builds it
(:func:`dispatch.flows.delivery.delivery_task` with the flow's promise), marked with the
skill :func:`flow_skill` of its flow, and each courier as a vehicle with the flow skills
of the flows it may serve.  A route may then mix instant orders, multi-store baskets and
scheduled deliveries; the fleet rules stay (a courier dedicated to one flow serves only
that flow's orders).

Orders of a flow no courier of the model may serve are unassigned ``no_courier`` up
front.  The batch's returns (``ctx.returns``, :mod:`dispatch.flows.returns`) ride in the
same model, collected by any courier of it; they are reported under the first flow.
The outcome is split back by flow: each route is filed under the most urgent flow among
its orders (instant, then multi-store, then scheduled), and the solver run
under the first flow with orders.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from dispatch.clock import format_clock
from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.fleet import DELIVERY_FLOWS
from dispatch.flows.delivery import PromiseRule, delivery_task
from dispatch.flows.instant import instant_promise
from dispatch.flows.multi_store import multi_store_promise
from dispatch.flows.returns import no_courier_returns, return_tasks, split_outcome
from dispatch.flows.routing import (
    FlowOutcome,
    FlowProblem,
    PlanContext,
    TaskOrigin,
    build_tasks,
    courier_vehicle,
    no_courier,
    order_reason,
    solve_flow,
)
from dispatch.flows.scheduled import slot_promise
from dispatch.locations import LocationTable
from dispatch.plan import PlannedRoute, UnassignedOrder
from dispatch.speed import solver_speed_profiles
from solvers.balance import with_dominant_penalties
from solvers.problem import RoutingProblem, Task

PROMISES: Mapping[FulfilmentMode, PromiseRule] = {
    FulfilmentMode.INSTANT: instant_promise,
    FulfilmentMode.MULTI_STORE: multi_store_promise,
    FulfilmentMode.SCHEDULED: slot_promise,
}


def flow_skill(flow: FulfilmentMode) -> str:
    """The routing skill that marks a task of ``flow`` (``flow:instant``...): only
    vehicles that may serve the flow have it."""
    return f"flow:{flow.value}"


def plan_combined_delivery(
    orders_by_flow: Mapping[FulfilmentMode, Sequence[Order]],
    couriers: Sequence[tuple[Courier, frozenset[FulfilmentMode]]],
    ctx: PlanContext,
) -> dict[FulfilmentMode, FlowOutcome]:
    """Route the delivery flows' orders in one model; couriers with the delivery flows
    each may serve.  Returns an outcome for every delivery flow with orders."""
    flows = [f for f in DELIVERY_FLOWS if orders_by_flow.get(f)]
    if not flows and ctx.returns:
        flows = [DELIVERY_FLOWS[0]]  # returns alone: reported under instant
    if not flows:
        return {}
    world, settings = ctx.world, ctx.settings
    served_flows = frozenset(f for _, allowed in couriers for f in allowed)
    unassigned: dict[FulfilmentMode, list[UnassignedOrder]] = {f: [] for f in flows}
    routable: list[Order] = []
    for flow in flows:
        if flow in served_flows:
            routable.extend(orders_by_flow[flow])
        else:
            unassigned[flow].extend(
                no_courier(
                    flow,
                    [o.id for o in orders_by_flow[flow]],
                    f"no courier on shift may work {flow.value} orders at {format_clock(ctx.at_s)}",
                )
            )
    table = LocationTable()
    for courier, _ in couriers:
        table.courier(courier)

    def task_of(order: Order) -> tuple[Task, TaskOrigin]:
        task, origin = delivery_task(
            order, PROMISES[order.mode](order, world, settings), world, table, settings
        )
        skilled = dataclasses.replace(task, skills=task.skills | {flow_skill(order.mode)})
        return skilled, origin

    built, invalid = build_tasks(routable, task_of)
    for bad in invalid:
        unassigned[bad.flow].append(bad)
    riders, invalid_returns = return_tasks(ctx.returns, ctx, table) if couriers else ([], [])
    outcomes: dict[FulfilmentMode, FlowOutcome] = {f: FlowOutcome() for f in flows}
    if not couriers:
        outcomes[flows[0]] = FlowOutcome(returns=no_courier_returns(ctx.returns, ctx))
    elif not (built or riders):
        outcomes[flows[0]] = FlowOutcome(returns=tuple(invalid_returns))
    if couriers and (built or riders):
        vehicles = [
            dataclasses.replace(
                courier_vehicle(c, table, ctx.at_s, settings),
                skills=c.skills | {flow_skill(f) for f in allowed},
            )
            for c, allowed in couriers
        ]
        profiles = {v.profile for v in vehicles} or {"e_bike"}
        everything = [*built, *riders]
        problem = RoutingProblem(
            vehicles=tuple(vehicles),
            tasks=tuple(task for task, _ in everything),
            matrices=table.matrices(world, profiles),
            speed_profiles=solver_speed_profiles(world.speed_profiles, profiles),
            balance=settings.problem_balance(),
        )
        problem = with_dominant_penalties(problem)  # real13: drops never pay for balance
        flow_problem = FlowProblem(
            flows[0], problem, {task.id: origin for task, origin in everything}
        )
        solved = solve_flow(flow_problem, ctx.solve_params())
        returned = split_outcome(solved, flows[0], ctx.returns, invalid_returns)
        mode = {o.id: o.mode for o in routable}
        routes_by_flow: dict[FulfilmentMode, list[PlannedRoute]] = {f: [] for f in flows}
        for route in solved.routes:
            modes = {mode[oid] for stop in route.stops for oid in stop.order_ids if oid in mode}
            label = next((f for f in DELIVERY_FLOWS if f in modes), flows[0])  # or returns only
            routes_by_flow[label].append(dataclasses.replace(route, flow=label))
        for task_id, left in solved.unassigned.items():
            if task_id not in mode:  # a return's task: in ``returned``
                continue
            unassigned[mode[task_id]].append(
                UnassignedOrder(task_id, mode[task_id], order_reason(left.reason), left.detail)
            )
        for flow in flows:
            ids = frozenset(o.id for o in orders_by_flow.get(flow, ()))
            served = solved.served_tasks & ids
            outcomes[flow] = FlowOutcome(
                routes=tuple(routes_by_flow[flow]),
                served=served,
                on_time=served - solved.late_tasks,
                runs=(solved.run,) if flow is flows[0] else (),
                returns=returned.returns if flow is flows[0] else (),
            )
    return {
        flow: dataclasses.replace(
            outcome, unassigned=tuple(sorted(unassigned[flow], key=lambda x: x.order_id))
        )
        for flow, outcome in outcomes.items()
    }
