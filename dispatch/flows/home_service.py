"""Home services (家政, 维修): technicians with skills and shifts visit homes.

A booking is one visit at its building: ``service_duration_s`` long, starting inside
its ``promised`` window (soft up to ``home_service_max_lateness_s``, 0 by default), by
a technician who has every one of its ``required_skills``.  Nothing is carried: a
visit is a routing task with no pickup and zero load.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.clock import format_clock
from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.flows.routing import (
    FlowOutcome,
    PlanContext,
    TaskOrigin,
    build_problem,
    build_tasks,
    no_courier,
    solve_flow,
    with_unassigned,
)
from dispatch.loads import ZERO
from dispatch.locations import LocationTable
from dispatch.plan import StopAction
from dispatch.settings import PlannerSettings
from dispatch.world import World
from solvers.problem import Stop, Task


def visit_task(
    order: Order, world: World, table: LocationTable, settings: PlannerSettings
) -> tuple[Task, TaskOrigin]:
    """The routing task of one booking."""
    assert order.building_id is not None and order.promised is not None  # Order's rules
    paid = world.member(order.member_id).is_paid
    factor = settings.priority_factor(paid)
    building = world.building(order.building_id)
    visit = Stop(
        table.place(building),
        service_s=order.service_duration_s,
        windows=order.promised_windows,
        max_lateness_s=settings.home_service_max_lateness_s,
        lateness_cost_per_s=settings.lateness_cost_per_s * factor,
    )
    task = Task(
        id=order.id,
        pickups=(),
        delivery=visit,
        demand=ZERO,
        skills=order.required_skills,
        drop_penalty=settings.drop_penalty * factor,
    )
    return task, TaskOrigin((order.id,), (), building.id, StopAction.VISIT)


def plan_home_service(
    orders: Sequence[Order],
    technicians: Sequence[Courier],
    ctx: PlanContext,
) -> FlowOutcome:
    """Route home-service visits with these technicians."""
    flow = FulfilmentMode.HOME_SERVICE
    if not orders:
        return FlowOutcome()
    if not technicians:
        why = f"no technician is on shift at {format_clock(ctx.at_s)}"
        return FlowOutcome(unassigned=tuple(no_courier(flow, [o.id for o in orders], why)))
    table = LocationTable()
    for technician in technicians:
        table.courier(technician)
    tasks, invalid = build_tasks(
        orders, lambda order: visit_task(order, ctx.world, table, ctx.settings)
    )
    if not tasks:
        return FlowOutcome(unassigned=tuple(invalid))
    solved = solve_flow(build_problem(flow, technicians, tasks, table, ctx), ctx.solve_params())
    return with_unassigned(solved.outcome(flow), invalid)
