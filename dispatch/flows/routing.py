"""What every routed flow shares: couriers as vehicles, the solve, and the way back to ids.

A flow builds a :class:`FlowProblem`: a :class:`solvers.RoutingProblem` whose locations
come from one :class:`dispatch.locations.LocationTable`, plus, per task, which orders
and places its stops stand for.  :func:`solve_flow` solves it and translates routes and
unassigned tasks back into plan objects; no matrix index leaves this module.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.loads import DIMENSIONS, capacity
from dispatch.locations import LocationTable
from dispatch.plan import (
    LeaderCommission,
    PickList,
    PickupAssignment,
    PlannedBreak,
    PlannedRoute,
    PlanStop,
    RoutingRun,
    SolverRun,
    StopAction,
    UnassignedOrder,
    UnassignedOrderReason,
)
from dispatch.returns import PlannedReturn, ReturnRequest
from dispatch.settings import PlannerSettings
from dispatch.speed import solver_speed_profiles
from dispatch.world import World
from solvers import SolveParams, solve
from solvers.balance import with_dominant_penalties
from solvers.budget import Budget
from solvers.errors import InvalidInputError
from solvers.problem import RoutingProblem, Task, TimeWindow, Vehicle
from solvers.solution import RoutingSolution, UnassignedReason, UnassignedTask

T = TypeVar("T")

ON_TIME_EPS_S = 1e-6


@dataclass(frozen=True)
class PlanContext:
    """What every flow planner needs beside its orders and couriers.

    Attributes:
        world: places, members, leaders and travel.
        settings: the planner's settings.
        at_s: when the plan is made; couriers leave no earlier.
        params: search parameters (seed, workers, iterations) of every solver run; their
            ``time_limit_s`` is the whole call's, already in ``budget``.
        budget: the wall-clock budget of the part of the call this context plans (the
            whole plan, one flow, one zone); see :mod:`solvers.budget`.
        returns: returns that ride in this flow's routing problem
            (:mod:`dispatch.flows.returns`); only the host delivery flow's context has them.
    """

    world: World
    settings: PlannerSettings
    at_s: float
    params: SolveParams
    budget: Budget
    returns: tuple[ReturnRequest, ...] = ()

    def parts(self, weights: Sequence[float]) -> Iterator[PlanContext]:
        """This context for parts of its work run in turn with these weights, one per
        ``next()`` (:meth:`solvers.budget.Budget.shares`)."""
        for budget in self.budget.shares(weights):
            yield dataclasses.replace(self, budget=budget)

    def solve_params(self) -> SolveParams:
        """The parameters of a solver run that ends this context's part: all the time
        left in its budget."""
        return self.budget.params(self.params)


@dataclass(frozen=True, slots=True)
class TaskOrigin:
    """What a routing task stands for.

    Attributes:
        order_ids: the orders it carries (one; a trunk task carries a pickup point's).
        pickup_place_ids: the place of each pickup stop, in the task's order.
        delivery_place_id: the place of the delivery stop.
        delivery_action: deliver, visit, or return (a return's drop at the store).
        pickup_action: pickup, or collect (a return's collection at the door).
    """

    order_ids: tuple[str, ...]
    pickup_place_ids: tuple[str, ...]
    delivery_place_id: str
    delivery_action: StopAction = StopAction.DELIVER
    pickup_action: StopAction = StopAction.PICKUP


@dataclass(frozen=True)
class FlowProblem:
    """A flow's routing problem and the origin of each of its tasks (by task id)."""

    flow: FulfilmentMode
    problem: RoutingProblem
    origins: Mapping[str, TaskOrigin]


@dataclass(frozen=True)
class FlowOutcome:
    """What one flow contributes to the plan.

    Attributes:
        routes: the flow's courier routes.
        unassigned: its orders not served.
        on_time: served order ids delivered (or visited) within their promise.
        served: served order ids.
        runs: the solver runs behind the outcome (routing; next-day also assignment).
        assignments, pick_lists, commissions: next-day pickup only.
        utilisation: next-day pickup only: parcels / capacity per served pickup point.
        returns: the returns the flow carried, collected or not (host flow only).
    """

    routes: tuple[PlannedRoute, ...] = ()
    unassigned: tuple[UnassignedOrder, ...] = ()
    served: frozenset[str] = frozenset()
    on_time: frozenset[str] = frozenset()
    runs: tuple[SolverRun, ...] = ()
    assignments: tuple[PickupAssignment, ...] = ()
    pick_lists: tuple[PickList, ...] = ()
    commissions: tuple[LeaderCommission, ...] = ()
    utilisation: Mapping[str, float] = field(default_factory=dict)
    returns: tuple[PlannedReturn, ...] = ()


def courier_vehicle(
    courier: Courier, table: LocationTable, at_s: float, settings: PlannerSettings
) -> Vehicle:
    """The courier as a routing vehicle: starts at its position no earlier than ``at_s``,
    returns there only if it ``returns_to_start``; costs by its travel profile."""
    start = table.courier(courier)
    cost = settings.courier_costs[courier.profile]
    begin = max(courier.shift.start_s, at_s)
    return Vehicle(
        id=courier.id,
        start=start,
        end=start if courier.returns_to_start else None,
        shift=TimeWindow(begin, max(begin, courier.shift.end_s), f"courier {courier.id!r}: shift"),
        capacity=capacity(courier),
        profile=courier.profile.value,
        fixed_cost=cost.fixed_cost,
        cost_per_km=cost.cost_per_km,
        cost_per_hour=cost.cost_per_hour,
        skills=courier.skills,
        breaks=courier.breaks,  # fleet13
    )


def build_problem(
    flow: FulfilmentMode,
    couriers: Sequence[Courier],
    tasks: Sequence[tuple[Task, TaskOrigin]],
    table: LocationTable,
    ctx: PlanContext,
) -> FlowProblem:
    """The routing problem of a flow: couriers as vehicles, tasks, matrices per profile."""
    vehicles = [courier_vehicle(c, table, ctx.at_s, ctx.settings) for c in couriers]
    profiles = {v.profile for v in vehicles}
    if not profiles:  # a problem needs matrices even with no vehicle
        profiles = {"e_bike"}
    problem = RoutingProblem(
        vehicles=tuple(vehicles),
        tasks=tuple(task for task, _ in tasks),
        matrices=table.matrices(ctx.world, profiles),
        speed_profiles=solver_speed_profiles(ctx.world.speed_profiles, profiles),
        balance=ctx.settings.problem_balance(),  # fleet13: workload balance
    )
    problem = with_dominant_penalties(problem)  # real13: drops never pay for balance
    return FlowProblem(flow, problem, {task.id: origin for task, origin in tasks})


def invalid_input(order: Order, problems: Sequence[tuple[str, str]]) -> UnassignedOrder:
    """An order that cannot be modelled, unassigned (reason ``invalid_input``) with the
    fields it breaks, each ``(path, rule)``."""
    listed = "; ".join(f"{path}: {rule}" for path, rule in problems)
    if len(listed) > 400:  # long text in a reason is shortened
        listed = listed[:397] + "..."
    return UnassignedOrder(
        order.id, order.mode, UnassignedOrderReason.INVALID_INPUT, f"cannot be planned: {listed}"
    )


def build_tasks(
    orders: Sequence[Order], build: Callable[[Order], T]
) -> tuple[list[T], list[UnassignedOrder]]:
    """Each order's task, built by ``build``; an order whose task cannot be built (an
    :class:`InvalidInputError`) is set aside as ``invalid_input`` so it cannot sink the
    flow."""
    built: list[T] = []
    invalid: list[UnassignedOrder] = []
    for order in orders:
        try:
            built.append(build(order))
        except InvalidInputError as error:
            invalid.append(invalid_input(order, [(error.field, error.rule)]))
    return built, invalid


def with_unassigned(outcome: FlowOutcome, more: Sequence[UnassignedOrder]) -> FlowOutcome:
    """The outcome with more unassigned orders (by order id, as a flow reports them)."""
    if not more:
        return outcome
    joined = sorted((*outcome.unassigned, *more), key=lambda u: u.order_id)
    return dataclasses.replace(outcome, unassigned=tuple(joined))


def no_courier(flow: FulfilmentMode, order_ids: Sequence[str], why: str) -> list[UnassignedOrder]:
    """Orders a flow cannot route because it has no courier."""
    return [UnassignedOrder(oid, flow, UnassignedOrderReason.NO_COURIER, why) for oid in order_ids]


def order_reason(reason: UnassignedReason) -> UnassignedOrderReason:
    """The plan's reason for a solver reason (no vehicle means no courier for the flow)."""
    if reason is UnassignedReason.NO_VEHICLE:
        return UnassignedOrderReason.NO_COURIER
    return UnassignedOrderReason(reason.value)


@dataclass(frozen=True)
class SolvedFlow:
    """A flow's routes in plan terms and the solver's unassigned tasks (by task id)."""

    routes: tuple[PlannedRoute, ...]
    unassigned: Mapping[str, UnassignedTask]
    served_tasks: frozenset[str]
    late_tasks: frozenset[str]
    run: RoutingRun

    def outcome(self, flow: FulfilmentMode) -> FlowOutcome:
        """The flow's contribution to the plan: routes, unassigned orders with reasons."""
        return FlowOutcome(
            routes=self.routes,
            unassigned=tuple(
                UnassignedOrder(task_id, flow, order_reason(u.reason), u.detail)
                for task_id, u in self.unassigned.items()
            ),
            served=self.served_tasks,
            on_time=self.served_tasks - self.late_tasks,
            runs=(self.run,),
        )


def solve_flow(flow_problem: FlowProblem, params: SolveParams) -> SolvedFlow:
    """Solve a flow's problem and translate the routes back to ids."""
    return solved_flow(flow_problem, solve(flow_problem.problem, params))


def solved_flow(flow_problem: FlowProblem, solution: RoutingSolution) -> SolvedFlow:
    """A solution of a flow's problem (solved here or by an executor) back in ids."""
    problem = flow_problem.problem
    routes: list[PlannedRoute] = []
    served: set[str] = set()
    late: set[str] = set()
    n_dims = len(DIMENSIONS)
    for route in solution.routes:
        stops: list[PlanStop] = []
        for stop in route.stops:
            origin = flow_problem.origins[stop.task_id]
            task = problem.task(stop.task_id)
            is_delivery = stop.stop_index == len(task.pickups)
            if is_delivery:
                served.add(task.id)
                if stop.lateness_s > ON_TIME_EPS_S:
                    late.add(task.id)
            load = tuple(stop.load) + (0.0,) * (n_dims - len(stop.load))
            stops.append(
                PlanStop(
                    order_ids=origin.order_ids,
                    action=origin.delivery_action if is_delivery else origin.pickup_action,
                    place_id=(
                        origin.delivery_place_id
                        if is_delivery
                        else origin.pickup_place_ids[stop.stop_index]
                    ),
                    eta_s=stop.arrival_s,
                    start_s=stop.start_s,
                    departure_s=stop.departure_s,
                    lateness_s=stop.lateness_s,
                    load_kg=load[0],
                    load_l=load[1],
                    load_cold_boxes=load[2],
                )
            )
        routes.append(
            PlannedRoute(
                courier_id=route.vehicle_id,
                flow=flow_problem.flow,
                start_s=route.start_s,
                end_s=route.end_s,
                distance_m=route.distance_m,
                cost=route.cost.total,
                stops=tuple(stops),
                overloaded=route.overloaded,
                past_limits=route.past_limits,  # rel16
                breaks=tuple(PlannedBreak(b.after_stops, b.start_s, b.end_s) for b in route.breaks),
            )
        )
    return SolvedFlow(
        routes=tuple(routes),
        unassigned={u.task_id: u for u in solution.unassigned},
        served_tasks=frozenset(served),
        late_tasks=frozenset(late),
        run=RoutingRun(flow_problem.flow, problem, solution),
    )


def infinite_window(start_s: float) -> tuple[TimeWindow, ...]:
    """From ``start_s`` on, without end."""
    return (TimeWindow(start_s, math.inf),)
