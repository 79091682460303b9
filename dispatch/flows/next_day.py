"""Next-day pickup (次日自提, 社区团购): pickup points, trunk routes, pick lists, commissions.

1. Orders created after ``PlannerSettings.next_day_cutoff_s`` wait for the next plan
   (``after_cutoff``).
2. Each order goes to a pickup point that is open on the collection day
   (:meth:`dispatch.world.World.pickup_point_closed`): the point the member chose, or,
   when they chose none or their member account is flexible, any point within
   ``walk_limit_m`` of their home on the walk network (a flexible member's chosen
   point is preferred by ``switch_penalty_m`` walking metres; where the resident chose
   no point, each star of the point leader's rating below 5 counts as
   ``rating_walk_m`` walking metres, :func:`rating_cost_m`).  Capacities in parcels
   hold; when they are short, paid members' orders are kept first
   (:mod:`solvers.assignment`, CP-SAT), then the most orders, then the
   least walking.  Orders with no point in reach are ``no_pickup_point_in_walking_distance``,
   orders crowded out ``pickup_capacity``.
3. Vans (couriers of profile ``van``) leave loaded from where they stand (the
   warehouse or depot) and drop each used point's parcels in one stop, finished
   unloading by the point's first opening of the collection day at or after
   ``collection_from_s``.  A point the trunk routes cannot serve leaves its orders
   unassigned with the routing reason.
4. For every served point: a pick list (orders, SKU totals, totes per temperature
   class) and its leader's commission on the fulfilled GMV, exact to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from dispatch.clock import format_clock
from dispatch.domain import Courier, FulfilmentMode, Order, TemperatureClass
from dispatch.flows.routing import (
    FlowOutcome,
    PlanContext,
    TaskOrigin,
    build_problem,
    no_courier,
    order_reason,
    solve_flow,
)
from dispatch.loads import ZERO, add, containers, demand, volume_by_temperature
from dispatch.locations import LocationTable
from dispatch.plan import (
    AssignmentRun,
    LeaderCommission,
    PickItem,
    PickList,
    PickupAssignment,
    PlannedRoute,
    SolverRun,
    UnassignedOrder,
    UnassignedOrderReason,
)
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.places import Building, PickupPoint
from solvers.assignment import Candidate, Request, assign_capacitated
from solvers.problem import Stop, Task, TimeWindow

FLOW = FulfilmentMode.NEXT_DAY_PICKUP
# Reward of placing an order, in walking metres: far above any walk, so the number of
# orders (weighted by priority) comes first and walking second.
PLACEMENT_REWARD_M = 1_000_000


@dataclass(frozen=True, slots=True)
class _Option:
    point_id: str
    walk_m: float | None
    chosen: bool


def home_of(order: Order, world: World) -> Building | None:
    """The member's home building: the order's building, else the member's home."""
    building_id = order.building_id or world.member(order.member_id).home_building_id
    return world.building(building_id) if building_id is not None else None


def open_pickup_points(world: World, settings: PlannerSettings) -> list[PickupPoint]:
    """Points open at some time of the collection window and not marked closed."""
    return [
        p
        for p in world.pickup_points
        if not world.pickup_point_closed(p, settings.collection_from_s, settings.collection_until_s)
    ]


def trunk_deadline_s(point: PickupPoint, settings: PlannerSettings) -> float:
    """The point's first opening on the collection day at or after ``collection_from_s``
    (plan clock): the trunk delivery must be unloaded by then."""
    return point.next_opening_s(settings.collection_day_start_s + settings.collection_from_s)


def _options(
    orders: Sequence[Order], points: Sequence[PickupPoint], world: World, settings: PlannerSettings
) -> dict[str, list[_Option]]:
    homes: dict[str, Building] = {}
    home_by_order: dict[str, str] = {}
    for order in orders:
        home = home_of(order, world)
        if home is not None:
            homes.setdefault(home.id, home)
            home_by_order[order.id] = home.id
    home_list = list(homes.values())
    walk = world.travel("walk", home_list, points) if home_list and points else None
    row = {b.id: i for i, b in enumerate(home_list)}
    col = {p.id: j for j, p in enumerate(points)}
    # scale11c: the points within walking distance of each home, found once per home
    # with numpy (a city-scale batch has thousands of homes and hundreds of points).
    near: list[list[tuple[str, float]]] = []
    if walk is not None:
        within = walk.distance_m <= settings.walk_limit_m
        for i in range(len(home_list)):
            cols = np.flatnonzero(within[i])
            near.append([(points[j].id, float(walk.distance_m[i, j])) for j in cols.tolist()])

    def walk_m(home_id: str | None, point_id: str) -> float | None:
        if home_id is None or walk is None or point_id not in col:
            return None
        return float(walk.distance_m[row[home_id], col[point_id]])

    out: dict[str, list[_Option]] = {}
    for order in orders:
        home_id = home_by_order.get(order.id)
        options: list[_Option] = []
        chosen = order.pickup_point_id
        if chosen is not None:
            options.append(_Option(chosen, walk_m(home_id, chosen), True))
        if (chosen is None or world.member(order.member_id).flexible_pickup) and (
            home_id is not None and walk is not None
        ):
            options.extend(
                _Option(pid, distance, False)
                for pid, distance in near[row[home_id]]
                if pid != chosen
            )
        out[order.id] = options
    return out


def rating_cost_m(point_id: str, world: World, settings: PlannerSettings) -> float:
    """The leader's rating in the assignment's objective, walking metres: each star below
    5 counts as ``settings.rating_walk_m`` (only where the resident chose no point; a
    point without a leader counts as rated 5)."""
    leader = world.leader_of(point_id)
    return 0.0 if leader is None else (5.0 - leader.rating) * settings.rating_walk_m


def _request(
    order: Order, options: list[_Option], world: World, settings: PlannerSettings
) -> Request:
    factor = settings.priority_factor(world.member(order.member_id).is_paid)
    has_choice = order.pickup_point_id is not None
    candidates = []
    for option in options:
        if option.chosen:
            cost = 0.0
        elif has_choice:
            cost = (option.walk_m or 0.0) + settings.switch_penalty_m
        else:
            cost = (option.walk_m or 0.0) + rating_cost_m(option.point_id, world, settings)
        candidates.append(Candidate(option.point_id, cost))
    # Walking metres and rewards go to the assignment as they are: it counts whole metres.
    return Request(order.id, order.parcels, PLACEMENT_REWARD_M * factor, tuple(candidates))


def _crowded_out(order: Order, options: list[_Option], world: World) -> str:
    names = ", ".join(
        f"{o.point_id!r} ({world.pickup_point(o.point_id).capacity_parcels} parcels)"
        for o in options
    )
    return f"{order.parcels} parcel(s) do not fit: pickup point(s) {names} are full"


def _pick_list(point: PickupPoint, orders: Sequence[Order], settings: PlannerSettings) -> PickList:
    quantities: dict[tuple[str, str, TemperatureClass], int] = defaultdict(int)
    lines = [line for order in orders for line in order.lines]
    for line in lines:
        quantities[(line.store_id, line.sku, line.temperature)] += line.quantity
    totes = sum(
        containers(volume, settings.tote_volume_l)
        for volume in volume_by_temperature(lines).values()
    )
    return PickList(
        pickup_point_id=point.id,
        order_ids=tuple(sorted(o.id for o in orders)),
        items=tuple(
            PickItem(store, sku, temperature, quantity)
            for (store, sku, temperature), quantity in sorted(quantities.items())
        ),
        parcels=sum(o.parcels for o in orders),
        totes=totes,
        weight_kg=sum(o.weight_kg for o in orders),
        volume_l=sum(o.volume_l for o in orders),
    )


def _trunk_task(
    point: PickupPoint,
    orders: Sequence[Order],
    world: World,
    table: LocationTable,
    settings: PlannerSettings,
) -> tuple[Task, TaskOrigin]:
    load = ZERO
    penalty = 0.0
    for order in orders:
        load = add(load, demand(order.lines, settings.cold_box_volume_l))
        paid = world.member(order.member_id).is_paid
        penalty += settings.drop_penalty * settings.priority_factor(paid)
    latest_start = trunk_deadline_s(point, settings) - settings.trunk_unload_s
    drop = Stop(
        table.place(point),
        service_s=settings.trunk_unload_s,
        windows=(TimeWindow(min(0.0, latest_start), latest_start),),
    )
    task = Task(
        id=point.id,
        pickups=(),
        delivery=drop,
        demand=load,
        drop_penalty=penalty,
    )
    return task, TaskOrigin(tuple(sorted(o.id for o in orders)), (), point.id)


def plan_next_day(
    orders: Sequence[Order],
    vans: Sequence[Courier],
    ctx: PlanContext,
) -> FlowOutcome:
    """Assign next-day orders to pickup points, route the vans, list and pay."""
    world, settings, params = ctx.world, ctx.settings, ctx.params
    if not orders:
        return FlowOutcome()
    unassigned: list[UnassignedOrder] = []
    in_time: list[Order] = []
    for order in orders:
        if order.created_at_s > settings.next_day_cutoff_s:
            unassigned.append(
                UnassignedOrder(
                    order.id,
                    FLOW,
                    UnassignedOrderReason.AFTER_CUTOFF,
                    f"created at {format_clock(order.created_at_s)}, after the cut-off at "
                    f"{format_clock(settings.next_day_cutoff_s)}: it goes to the next plan",
                )
            )
        else:
            in_time.append(order)
    points = open_pickup_points(world, settings)
    options = _options(in_time, points, world, settings)
    requests = [_request(o, options[o.id], world, settings) for o in in_time]
    capacities = {p.id: p.capacity_parcels for p in world.pickup_points}
    # The budget rule: the assignment and the trunk routes share the flow's budget
    # equally; time the assignment does not use goes to the routes.
    parts = ctx.parts([1.0, 1.0])
    result = assign_capacitated(
        requests,
        capacities,
        time_limit_s=next(parts).budget.remaining_s(),
        seed=params.seed,
    )
    assignment_run = AssignmentRun(FLOW, len(requests), len(capacities), result.run)
    by_point: dict[str, list[Order]] = defaultdict(list)
    for order in in_time:
        point_id = result.assigned.get(order.id)
        if point_id is not None:
            by_point[point_id].append(order)
        elif not options[order.id]:
            home = home_of(order, world)
            unassigned.append(
                UnassignedOrder(
                    order.id,
                    FLOW,
                    UnassignedOrderReason.NO_PICKUP_POINT_IN_WALKING_DISTANCE,
                    f"no open pickup point within {settings.walk_limit_m:g} m walking of "
                    f"home building {home.id if home is not None else None!r}",
                )
            )
        else:
            unassigned.append(
                UnassignedOrder(
                    order.id,
                    FLOW,
                    UnassignedOrderReason.PICKUP_CAPACITY,
                    _crowded_out(order, options[order.id], world),
                )
            )

    point_ids = sorted(by_point)
    served_points: list[str] = []
    runs: tuple[SolverRun, ...] = (assignment_run,)
    routes: tuple[PlannedRoute, ...] = ()
    if point_ids and not vans:
        for pid in point_ids:
            unassigned.extend(
                no_courier(
                    FLOW,
                    [o.id for o in by_point[pid]],
                    f"no van is on shift to take pickup point {pid!r}'s parcels",
                )
            )
    elif point_ids:
        table = LocationTable()
        for van in vans:
            table.courier(van)
        tasks = [
            _trunk_task(world.pickup_point(pid), by_point[pid], world, table, settings)
            for pid in point_ids
        ]
        solved = solve_flow(
            build_problem(FLOW, vans, tasks, table, ctx), next(parts).solve_params()
        )
        runs, routes = (assignment_run, solved.run), solved.routes
        for pid in point_ids:
            if pid in solved.served_tasks:
                served_points.append(pid)
                continue
            why = solved.unassigned[pid]
            for order in by_point[pid]:
                unassigned.append(
                    UnassignedOrder(
                        order.id,
                        FLOW,
                        order_reason(why.reason),
                        f"the trunk delivery to pickup point {pid!r} is not planned: {why.detail}",
                    )
                )

    assignments: list[PickupAssignment] = []
    pick_lists: list[PickList] = []
    commissions: list[LeaderCommission] = []
    utilisation: dict[str, float] = {}
    for pid in served_points:
        point = world.pickup_point(pid)
        at_point = sorted(by_point[pid], key=lambda o: o.id)
        for order in at_point:
            option = next(o for o in options[order.id] if o.point_id == pid)
            assignments.append(PickupAssignment(order.id, pid, option.walk_m, option.chosen))
        pick_list = _pick_list(point, at_point, settings)
        pick_lists.append(pick_list)
        utilisation[pid] = pick_list.parcels / max(1, point.capacity_parcels)
        leader = world.leader_of(pid)
        if leader is not None:
            gmv = sum((o.gmv for o in at_point), Decimal("0"))
            commissions.append(LeaderCommission(leader.id, pid, gmv, leader.commission(gmv)))
    served = frozenset(a.order_id for a in assignments)
    return FlowOutcome(
        routes=routes,
        unassigned=tuple(unassigned),
        served=served,
        on_time=served,
        runs=runs,
        assignments=tuple(sorted(assignments, key=lambda a: a.order_id)),
        pick_lists=tuple(pick_lists),
        commissions=tuple(sorted(commissions, key=lambda c: c.leader_id)),
        utilisation=utilisation,
    )
