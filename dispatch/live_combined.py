"""Live re-planning of couriers shared by several delivery flows: one routing model.

Issue 13 (one courier, several flows) for :func:`dispatch.live.replan`: when a courier
of the re-plan may work two or more delivery flows that have orders (a *shared*
courier, :mod:`dispatch.fleet`), the flows are not planned in turn but in one routing
model, as the batch planner does (:mod:`dispatch.flows.combined_delivery`): each order's
task keeps what its flow builds (its promise, locks and ride limit) and gets the skill
:func:`~dispatch.flows.combined_delivery.flow_skill` of its flow, and each courier the
flow skills of the flows it may serve: a shared courier its declared delivery flows, a
courier dedicated to a flow that flow, a pool courier every delivery flow, and every
courier the flows of the orders locked to it (carried, partly picked, ridden to), so
locks are honoured whatever it declares.  The outcome is split back by flow: each route
is filed under the most urgent flow among its orders (instant, then multi-store, then
scheduled), the solver run and the returns under the first flow with orders.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.fleet import DELIVERY_FLOWS
from dispatch.flows.combined_delivery import flow_skill
from dispatch.flows.routing import FlowOutcome, FlowProblem
from dispatch.plan import PlannedRoute


def combines(orders: Sequence[Order], shared: Mapping[str, frozenset[FulfilmentMode]]) -> bool:
    """Whether some shared courier may work two or more flows that have orders here."""
    flows = {o.mode for o in orders} & set(DELIVERY_FLOWS)
    return any(len(allowed & flows) > 1 for allowed in shared.values())


def allowed_flows(
    couriers: Sequence[Courier],
    orders: Sequence[Order],
    *,
    shared: Mapping[str, frozenset[FulfilmentMode]],
    declared: Mapping[str, FulfilmentMode],
    owner: Mapping[str, str],
) -> dict[str, frozenset[FulfilmentMode]]:
    """The delivery flows each courier may serve in the combined model (module doc)."""
    locked: dict[str, set[FulfilmentMode]] = {}
    for order in orders:
        if order.id in owner:
            locked.setdefault(owner[order.id], set()).add(order.mode)
    out: dict[str, frozenset[FulfilmentMode]] = {}
    for courier in couriers:
        if courier.id in shared:
            base = set(shared[courier.id])
        elif courier.id in declared:
            base = {declared[courier.id]}
        else:
            base = set(DELIVERY_FLOWS)
        out[courier.id] = frozenset(base | locked.get(courier.id, set()))
    return out


def with_flow_skills(
    flow_problem: FlowProblem,
    mode_of: Mapping[str, FulfilmentMode],
    allowed: Mapping[str, frozenset[FulfilmentMode]],
) -> FlowProblem:
    """The problem with each order's task marked by its flow's skill and each vehicle
    given the skills of the flows it may serve (tasks of returns stay unmarked)."""
    problem = flow_problem.problem
    tasks = tuple(
        dataclasses.replace(t, skills=t.skills | {flow_skill(mode_of[t.id])})
        if t.id in mode_of
        else t
        for t in problem.tasks
    )
    vehicles = tuple(
        dataclasses.replace(v, skills=v.skills | {flow_skill(f) for f in allowed[v.id]})
        for v in problem.vehicles
    )
    combined = dataclasses.replace(problem, tasks=tasks, vehicles=vehicles)
    return FlowProblem(flow_problem.flow, combined, flow_problem.origins)


def split_by_flow(
    outcome: FlowOutcome, mode_of: Mapping[str, FulfilmentMode]
) -> dict[FulfilmentMode, FlowOutcome]:
    """The combined outcome back by flow (module doc); every flow with orders has one."""
    flows = [f for f in DELIVERY_FLOWS if f in set(mode_of.values())]
    first = flows[0]
    routes: dict[FulfilmentMode, list[PlannedRoute]] = {f: [] for f in flows}
    for route in outcome.routes:
        modes = {mode_of[o] for stop in route.stops for o in stop.order_ids if o in mode_of}
        label = next((f for f in DELIVERY_FLOWS if f in modes), first)
        routes[label].append(dataclasses.replace(route, flow=label))
    out: dict[FulfilmentMode, FlowOutcome] = {}
    for flow in flows:
        ids = frozenset(o for o, m in mode_of.items() if m is flow)
        out[flow] = FlowOutcome(
            routes=tuple(routes[flow]),
            unassigned=tuple(
                dataclasses.replace(u, flow=flow) for u in outcome.unassigned if u.order_id in ids
            ),
            served=outcome.served & ids,
            on_time=outcome.on_time & ids,
            runs=outcome.runs if flow is first else (),
            returns=outcome.returns if flow is first else (),
        )
    return out
