"""Courier delivery of an order: a pickup at each of its stores, one delivery to its building.

Shared by the instant, multi-store and scheduled flows, which differ only in the
delivery window (:class:`DeliveryPromise`).  Each pickup opens when the store has
prepared its part (order creation + the store's ``prep_duration_s``, or the
micro-warehouse's ``pick_duration_s``); the order's lines from that store are its load
there.  The whole order is served by one courier or not at all, within the tightest
ride-time limit of its temperature classes.  A paid member's order weighs
``paid_priority_factor`` times more in the drop penalty and lateness cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dispatch.clock import format_clock
from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.flows.returns import no_courier_returns, return_tasks, split_outcome
from dispatch.flows.routing import (
    FlowOutcome,
    PlanContext,
    TaskOrigin,
    build_problem,
    build_tasks,
    infinite_window,
    no_courier,
    solve_flow,
    with_unassigned,
)
from dispatch.loads import add, demand
from dispatch.locations import LocationTable
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.places import MicroWarehouse
from solvers.problem import Stop, Task, TimeWindow


@dataclass(frozen=True, slots=True)
class DeliveryPromise:
    """When an order is due at the door: windows for the start of the handover, and
    how late it may be at most (lateness costs per second in between)."""

    windows: tuple[TimeWindow, ...]
    max_lateness_s: float


PromiseRule = Callable[[Order, World, PlannerSettings], DeliveryPromise]


def delivery_task(
    order: Order,
    promise: DeliveryPromise,
    world: World,
    table: LocationTable,
    settings: PlannerSettings,
) -> tuple[Task, TaskOrigin]:
    """The routing task of one order and what its stops stand for."""
    paid = world.member(order.member_id).is_paid
    factor = settings.priority_factor(paid)
    pickups: list[Stop] = []
    shares = []
    total = (0.0, 0.0, 0.0)
    for store_id in order.store_ids:
        source = world.source(store_id)
        prep_s = (
            source.pick_duration_s if isinstance(source, MicroWarehouse) else source.prep_duration_s
        )
        pickups.append(
            Stop(
                table.place(source),
                service_s=settings.pickup_service_s,
                windows=infinite_window(order.created_at_s + prep_s),
            )
        )
        share = demand(
            (line for line in order.lines if line.store_id == store_id),
            settings.cold_box_volume_l,
        )
        shares.append(share)
        total = add(total, share)
    assert order.building_id is not None  # validated by Order for every courier flow
    building = world.building(order.building_id)
    delivery = Stop(
        table.place(building),
        service_s=order.service_duration_s,
        windows=promise.windows,
        max_lateness_s=promise.max_lateness_s,
        lateness_cost_per_s=settings.lateness_cost_per_s * factor,
    )
    task = Task(
        id=order.id,
        pickups=tuple(pickups),
        delivery=delivery,
        demand=total,
        pickup_demands=tuple(shares) if len(shares) > 1 else None,
        max_ride_s=settings.max_ride_s(order.temperatures),
        drop_penalty=settings.drop_penalty * factor,
    )
    return task, TaskOrigin((order.id,), order.store_ids, building.id)


def route_deliveries(
    flow: FulfilmentMode,
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    promise_rule: PromiseRule,
    ctx: PlanContext,
) -> FlowOutcome:
    """Route a delivery flow's orders with its couriers (and ``ctx.returns``, the
    returns riding in this flow's problem: :mod:`dispatch.flows.returns`)."""
    world, settings = ctx.world, ctx.settings
    if not orders and not ctx.returns:
        return FlowOutcome()
    if not couriers:
        return FlowOutcome(
            unassigned=tuple(
                no_courier(
                    flow,
                    [o.id for o in orders],
                    f"no courier on shift is left for {flow.value} orders "
                    f"at {format_clock(ctx.at_s)}",
                )
            ),
            returns=no_courier_returns(ctx.returns, ctx),
        )
    table = LocationTable()
    for courier in couriers:
        table.courier(courier)
    tasks, invalid = build_tasks(
        orders,
        lambda order: delivery_task(
            order, promise_rule(order, world, settings), world, table, settings
        ),
    )
    riders, invalid_returns = return_tasks(ctx.returns, ctx, table)
    if not tasks and not riders:
        return FlowOutcome(unassigned=tuple(invalid), returns=tuple(invalid_returns))
    flow_problem = build_problem(flow, couriers, [*tasks, *riders], table, ctx)
    solved = solve_flow(flow_problem, ctx.solve_params())
    outcome = split_outcome(solved, flow, ctx.returns, invalid_returns)
    return with_unassigned(outcome, invalid)


def single_micro_warehouse(order: Order, world: World) -> MicroWarehouse | None:
    """The order's micro-warehouse, when all its lines come from one."""
    if len(order.store_ids) != 1:
        return None
    source = world.source(order.store_ids[0])
    return source if isinstance(source, MicroWarehouse) else None
