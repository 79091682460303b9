"""Build an OR-Tools routing model from a RoutingProblem, in the samples' fixed order.

Nodes: one start node per distinct start location and one end node per distinct end
location (plus one for open routes, free to reach), each shared by the vehicles there,
then the task nodes: one per stop still to serve, except that the pickups of a
task with several pickups still to do become one *pickup tour* node per candidate
order (:mod:`solvers.tours`), paired with the delivery.  On-board tasks keep
only their delivery, partly picked tasks their remaining pickups (with their original
indices) and delivery.  Integer indices exist only here and in
:mod:`solvers.ortools.search`.  Travel and demand go to OR-Tools as native matrices
and vectors, not Python callbacks, so the search spends its time searching.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp

from solvers.evaluate import Visit
from solvers.ortools.balance import add_balance
from solvers.ortools.breaks import add_breaks
from solvers.problem import RoutingProblem, Task, Vehicle
from solvers.scaling import (
    COST_SCALE,
    MAX_HORIZON,
    REQUIRED_PENALTY,
    objective_rate,
    positive_coefficient,
    priced,
    scaled,
    scaled_capacity,
    scaled_cost,
    scaled_demand,
    scaled_time,
    scaled_up,
)
from solvers.tours import PickupTour, pickup_tours

TIME = "time"
DISTANCE = "distance"


@dataclass(frozen=True)
class NodeSpec:
    """What one routing node stands for.

    Attributes:
        visits: the task stops it serves, in order (empty for start and end nodes).
        first: location where the node is entered (-1: an open route's end).
        last: location where it is left.
        tour: for a pickup tour, its order, timing and windows; None otherwise.
        profile: the travel profile a pickup tour was built for (None otherwise).
        part: for a copy of an interleaved task's delivery, the pickup whose load it
            drops (None otherwise).
        share: the delivery's service time is divided among this many copies.
    """

    visits: tuple[Visit, ...]
    first: int
    last: int
    tour: PickupTour | None = None
    profile: str | None = None
    part: int | None = None
    share: int = 1


@dataclass
class BuiltModel:
    """The OR-Tools objects plus the node <-> (task, stop) translation."""

    manager: Any
    routing: Any
    time_dim: Any
    scale: int
    nodes: list[NodeSpec]
    task_nodes: dict[str, list[int]] = field(default_factory=dict)  # single-stop nodes
    task_tours: dict[str, list[int]] = field(default_factory=dict)  # tour alternatives
    stop_node: dict[Visit, int] = field(default_factory=dict)
    task_pairs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # interleaved
    # Vehicles whose shift holds no integer time (shorter than 1 / scale): serve nothing.
    unusable: set[int] = field(default_factory=set)


def _end(end: int | None) -> int:
    """A vehicle's end location, -1 for an open route (which ends anywhere, at no cost)."""
    return -1 if end is None else end


def _interleaved(problem: RoutingProblem, task: Task) -> bool:
    """Whether an interleaving model gives ``task`` one node per pickup and per copy:
    never for a task a vehicle carries (on board or partly picked) or has in its prefix."""
    return (
        len(task.pickups) > 1
        and problem.carrier(task.id) is None
        and not any(tid == task.id for lock in problem.locks for tid, _ in lock.fixed_prefix)
    )


def _task_nodes(
    problem: RoutingProblem, task: Task, scale: int, interleave: bool
) -> list[NodeSpec]:
    """The nodes of one task: locked or single pickups alone, the rest as tours.

    With ``interleave``, a task with several free pickups instead gets one node per
    pickup and one copy of its delivery per pickup (pickup i pairs with copy i); the
    copies are merged into one delivery after the search (:mod:`solvers.repair`).
    """
    k = len(task.pickups)
    delivery = task.delivery.location
    if interleave and _interleaved(problem, task):
        pickups = [
            NodeSpec(((task.id, i),), s.location, s.location) for i, s in enumerate(task.pickups)
        ]
        copies = [NodeSpec(((task.id, k),), delivery, delivery, part=i, share=k) for i in range(k)]
        return [*pickups, *copies]
    locked = {i for lock in problem.locks for tid, i in lock.fixed_prefix if tid == task.id}
    pickups_left = list(problem.stops_left(task.id)[:-1])
    free = [i for i in pickups_left if i not in locked]
    specs = [
        NodeSpec(((task.id, i),), task.pickups[i].location, task.pickups[i].location)
        for i in pickups_left
        if i in locked or len(free) == 1
    ]
    if len(free) > 1:
        for profile in sorted({v.profile for v in problem.vehicles}):
            mats = problem.matrices[profile]
            for tour in pickup_tours(task, free, mats.duration_s, mats.distance_m, scale):
                first = task.pickups[tour.order[0]].location
                last = task.pickups[tour.order[-1]].location
                visits = tuple((task.id, i) for i in tour.order)
                specs.append(NodeSpec(visits, first, last, tour, profile))
    specs.append(NodeSpec(((task.id, k),), delivery, delivery))
    return specs


def _no_check() -> None:
    return None


def build_model(
    problem: RoutingProblem,
    scale: int,
    *,
    interleave: bool = False,
    check: Callable[[], None] = _no_check,
) -> BuiltModel:
    """Translate ``problem`` into a RoutingModel (nothing is solved here).

    ``interleave`` selects the model for multi-pickup tasks: pickup tours (False, every
    solution is whole) or one node per stop (True, pickups of several tasks may
    interleave; the solution needs :func:`solvers.repair.repair_routes`).  ``check`` is
    called between the build's steps (per task, per profile, per node) so a caller can
    stop a build that outlasts its deadline: whatever it raises ends the build.
    """
    vehicles = problem.vehicles
    # One start node per distinct start location and one end node per distinct end
    # (an open end is one more), shared by the vehicles there: OR-Tools tells vehicles
    # apart by their start and end *nodes*, so a node per vehicle made every vehicle its
    # own vehicle class and type, and the search treated 25 identical empty vehicles as
    # 25 different ones: each solution cost twice the CPU and the search went elsewhere
    # (Solomon C103, 500 solutions: 11 vehicles / 926.97 in 16 CPU s with a node per
    # vehicle, 10 / 892.42 in 7.5 s shared; plain OR-Tools 10 / 871.44 in 8.8 s).
    start_node = {loc: i for i, loc in enumerate(dict.fromkeys(v.start for v in vehicles))}
    ends = dict.fromkeys(_end(v.end) for v in vehicles)
    end_node = {loc: len(start_node) + i for i, loc in enumerate(ends)}
    nodes = [NodeSpec((), s, s) for s in start_node] + [NodeSpec((), e, e) for e in end_node]
    built_task_nodes: dict[str, list[int]] = {}
    built_task_tours: dict[str, list[int]] = {}
    stop_node: dict[Visit, int] = {}
    task_pairs: dict[str, list[tuple[int, int]]] = {}
    for task in problem.tasks:
        check()
        built_task_nodes[task.id] = []
        built_task_tours[task.id] = []
        first_node = len(nodes)
        specs = _task_nodes(problem, task, scale, interleave)
        if any(spec.part is not None for spec in specs):
            k = len(task.pickups)
            task_pairs[task.id] = [(first_node + i, first_node + k + i) for i in range(k)]
        for spec in specs:
            if spec.tour is None:
                built_task_nodes[task.id].append(len(nodes))
                stop_node[spec.visits[0]] = len(nodes)
            else:
                built_task_tours[task.id].append(len(nodes))
            nodes.append(spec)
    n_nodes = len(nodes)
    manager = pywrapcp.RoutingIndexManager(
        n_nodes,
        len(vehicles),
        [start_node[v.start] for v in vehicles],
        [end_node[_end(v.end)] for v in vehicles],
    )
    routing = pywrapcp.RoutingModel(manager)
    built = BuiltModel(
        manager,
        routing,
        None,
        scale,
        nodes,
        built_task_nodes,
        built_task_tours,
        stop_node,
        task_pairs,
    )
    first = np.array([n.first for n in nodes], dtype=np.int64)
    last = np.array([n.last for n in nodes], dtype=np.int64)
    open_end = first < 0
    service_int = np.zeros(n_nodes, dtype=np.int64)
    for node, spec in enumerate(nodes):
        check()
        if spec.tour is None and spec.visits:
            task_id, index = spec.visits[0]
            service = problem.task(task_id).stops[index].service_s / spec.share
            field = f"{_stop_name(problem, task_id, index)}: service_s"
            service_int[node] = scaled_up([service], scale, field=field)[0]

    # Travel per profile as node x node integer matrices: from where a node is left to
    # where the next is entered (open ends cost nothing), plus what happens inside it.
    def node_matrix(values: np.ndarray, up: bool, field: str) -> np.ndarray:
        check()
        m = (scaled_up if up else scaled)(
            values[np.ix_(np.maximum(last, 0), np.maximum(first, 0))], scale, field=field
        )
        m[:, open_end] = 0
        m[open_end, :] = 0
        return m

    time_cb: dict[str, int] = {}
    dist_cb: dict[str, int] = {}
    dist_int: dict[str, np.ndarray] = {}
    time_int: dict[str, np.ndarray] = {}
    for profile in {v.profile for v in vehicles}:
        check()
        mats = problem.matrices[profile]
        inside_t = service_int.copy()
        inside_d = np.zeros(n_nodes, dtype=np.int64)
        for node, spec in enumerate(nodes):
            if spec.tour is not None:
                # A tour built for another profile never runs on these vehicles.
                inside_t[node] = spec.tour.duration
                inside_d[node] = spec.tour.distance
        t = node_matrix(mats.duration_s, True, f"matrices[{profile!r}].duration_s")
        t += inside_t[:, None]
        d = node_matrix(mats.distance_m, False, f"matrices[{profile!r}].distance_m")
        d += inside_d[:, None]
        dist_int[profile] = d
        time_int[profile] = t
        time_cb[profile] = _register(built, t)
        check()
        dist_cb[profile] = _register(built, d)

    # Arc costs: distance at each vehicle's price per km (per distinct price and profile).
    arc_cb: dict[tuple[str, float], int] = {}
    for v_index, v in enumerate(vehicles):
        check()
        key = (v.profile, v.cost_per_km)
        if key not in arc_cb:
            per_unit = objective_rate(v.cost_per_km, 1000.0, scale)
            field = f"Vehicle {v.id!r}: cost_per_km"
            arc_cb[key] = _register(built, priced(dist_int[v.profile], per_unit, field=field))
        routing.SetArcCostEvaluatorOfVehicle(arc_cb[key], v_index)
        fixed = scaled_cost(v.fixed_cost, field=f"Vehicle {v.id!r}: fixed_cost")
        routing.SetFixedCostOfVehicle(fixed, v_index)

    # Time: cumul = start of service; slack = waiting.
    routing.AddDimensionWithVehicleTransits(
        [time_cb[v.profile] for v in vehicles], MAX_HORIZON, MAX_HORIZON, False, TIME
    )
    time_dim = routing.GetDimensionOrDie(TIME)
    built.time_dim = time_dim
    overtime_ends: dict[int, int] = {}  # rel16: vehicle index -> shift end (integer)
    for v_index, v in enumerate(vehicles):
        shift = f"Vehicle {v.id!r}: shift"
        # The time dimension starts at 0 (a shift may start before; Vehicle ends it after).
        start_lo = max(0, scaled_time(v.shift.start_s, scale, up=True, field=shift))
        end_hi = scaled_time(v.shift.end_s, scale, up=False, field=shift)
        v_first, v_last = start_node[v.start], end_node[_end(v.end)]
        direct_t = int(time_int[v.profile][v_first, v_last])
        limit_t = (
            MAX_HORIZON
            if v.max_duration_s is None
            else scaled_time(
                v.max_duration_s, scale, up=False, field=f"Vehicle {v.id!r}: max_duration_s"
            )
        )
        limit_d = (
            MAX_HORIZON
            if v.max_distance_m is None
            else scaled_time(
                v.max_distance_m, scale, up=False, field=f"Vehicle {v.id!r}: max_distance_m"
            )
        )
        overtime = _carries(problem, v.id)  # rel16: may end late to deliver its goods
        if not overtime and (  # rel16: nor do a carrier's route limits make it unusable
            end_hi < start_lo + direct_t
            or limit_t < direct_t
            or limit_d < int(dist_int[v.profile][v_first, v_last])
        ):
            # Not even the empty route fits (a shift with no integer time, or too short
            # to drive from start to end): OR-Tools would find no solution at all for
            # the whole problem.  The vehicle serves nothing; its empty route is free.
            built.unusable.add(v_index)
            end_hi = MAX_HORIZON
        time_dim.CumulVar(routing.Start(v_index)).SetRange(start_lo, max(start_lo, end_hi))
        if overtime and v_index not in built.unusable:
            overtime_ends[v_index] = max(start_lo, end_hi)
            end_hi = MAX_HORIZON
        time_dim.CumulVar(routing.End(v_index)).SetRange(start_lo, max(start_lo, end_hi))
        per_unit = objective_rate(v.cost_per_hour, 3600.0, scale)
        if per_unit > 0:
            coefficient = positive_coefficient(per_unit, field=f"Vehicle {v.id!r}: cost_per_hour")
            time_dim.SetSpanCostCoefficientForVehicle(coefficient, v_index)
        if v.max_duration_s is not None and v_index not in built.unusable and not overtime:
            time_dim.SetSpanUpperBoundForVehicle(limit_t, v_index)
    for node, spec in enumerate(nodes):
        check()
        if not spec.visits:
            continue
        cumul = time_dim.CumulVar(manager.NodeToIndex(node))
        if spec.tour is not None:
            _within_windows(routing.solver(), cumul, list(spec.tour.windows))
            continue
        task_id, index = spec.visits[0]
        stop = problem.task(task_id).stops[index]
        name = _stop_name(problem, task_id, index)
        windows_field = f"{name}: windows"
        carried = problem.carrier(task_id) is not None
        intervals = _integer_windows(problem, task_id, index, scale, carried)
        if not intervals:
            # No integer time fits any window (narrower than 1 / scale): no start of
            # service exists in the model.  Left out (its reason comes from the
            # diagnosis); removing every gap would empty the domain, which OR-Tools
            # answers with an abort of the whole process.
            routing.ActiveVar(manager.NodeToIndex(node)).SetValue(0)
            continue
        _within_windows(routing.solver(), cumul, intervals)
        if carried:
            # Goods on board are delivered late rather than not at all: past its last
            # window (and allowance) or its ride limit, a carried task's stop costs
            # LATE_CARRIED_COST per unit instead of being dropped with the goods.
            due = scaled_time(
                stop.windows[-1].end_s + stop.allowance_s(len(stop.windows) - 1),
                scale,
                up=False,
                field=f"{name}: max_lateness_s",
            )
            time_dim.SetCumulVarSoftUpperBound(
                manager.NodeToIndex(node),
                max(intervals[0][0], min(due, _ride_deadline(problem, task_id, index, scale))),
                LATE_CARRIED_COST,
            )
        # real13: the model prices lateness past the last window only; lateness after
        # an earlier soft window is allowed by the domain and priced by the evaluation.
        soft_last = stop.soft_window(len(stop.windows) - 1)
        if stop.max_lateness_s > 0 and stop.lateness_cost_per_s > 0 and soft_last and not carried:
            coef = positive_coefficient(
                objective_rate(stop.lateness_cost_per_s, 1.0, scale),
                field=f"{name}: lateness_cost_per_s",
            )
            time_dim.SetCumulVarSoftUpperBound(
                manager.NodeToIndex(node),
                scaled_time(stop.windows[-1].end_s, scale, up=False, field=windows_field),
                coef,
            )

    _allow_overtime(problem, built, overtime_ends, service_int)  # rel16
    check()
    _add_capacity(problem, built)
    check()

    if any(v.max_distance_m is not None for v in vehicles):
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [dist_cb[v.profile] for v in vehicles],
            0,
            [
                scaled_time(
                    v.max_distance_m, scale, up=False, field=f"Vehicle {v.id!r}: max_distance_m"
                )
                if v.max_distance_m is not None
                and i not in built.unusable
                and not _carries(problem, v.id)  # rel16: see _relax_route_limits
                else MAX_HORIZON
                for i, v in enumerate(vehicles)
            ],
            True,
            DISTANCE,
        )

    _relax_route_limits(problem, built, service_int)  # rel16
    _add_task_constraints(problem, built)
    add_balance(problem, built, [time_cb[v.profile] for v in vehicles])  # fleet13
    add_breaks(problem, built, service_int)  # fleet13
    check()
    return built


def _add_capacity(problem: RoutingProblem, built: BuiltModel) -> None:
    """One capacity dimension per component.

    Three formulations, the simplest that is exact for the problem:
    - nothing is picked up on the way (every task loaded at the start or on board):
      the classical VRP one, cumul = load delivered so far, which never exceeds the
      load at departure;
    - pickups on the way and nothing loaded at the start except on-board items: cumul
      = load on board, fixed at the start to the on-board load;
    - both: cumul = load on board, free at the start and zero at the end, so the start
      load is exactly what the route delivers without picking it up.
    A tour only picks up, so the load after it bounds every stop inside it.
    """
    routing, nodes = built.routing, built.nodes
    vehicles = problem.vehicles
    picks_up = any(
        index < len(problem.task(task_id).pickups)
        for spec in nodes
        for task_id, index in spec.visits
    )
    loads_at_start = any(not task.pickups for task in problem.tasks)
    for k in range(problem.dimensions):
        demand = np.zeros(len(nodes))
        for node, spec in enumerate(nodes):
            for task_id, index in spec.visits:
                task = problem.task(task_id)
                if index == len(task.pickups):
                    dropped = (
                        task.demand[k] if spec.part is None else task.pickup_demand(spec.part)[k]
                    )
                    demand[node] += dropped if not picks_up else -dropped
                else:
                    demand[node] += task.pickup_demand(index)[k]
        for node, spec in enumerate(nodes):
            if spec.visits:  # named per task: the vector below is checked as a whole
                scaled_demand([demand[node]], field=f"Task {spec.visits[0][0]!r}: demand[{k}]")
        cb = routing.RegisterUnaryTransitVector(scaled_demand(demand).tolist())
        caps = [
            scaled_capacity(
                _model_capacity(problem, v, k), field=f"Vehicle {v.id!r}: capacity[{k}]"
            )
            for v in vehicles
        ]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, False, f"capacity{k}")
        dim = routing.GetDimensionOrDie(f"capacity{k}")
        for v_index, v in enumerate(vehicles):
            start = dim.CumulVar(routing.Start(v_index))
            if not picks_up:
                start.SetValue(0)
            elif loads_at_start:
                dim.CumulVar(routing.End(v_index)).SetValue(0)
            else:
                lock = problem.lock_of(v.id)
                carried = sorted({*lock.on_board, *lock.pickups_done}) if lock else []
                load = sum(problem.done_load(t)[k] for t in carried)
                field = f"VehicleLock {v.id!r}: load on board[{k}]"
                start.SetValue(int(scaled_demand([load], field=field)[0]))


# Objective units per integer time unit a carried task's stop starts past its deadline
# (window end plus allowance, or the end of its ride limit): one unit of money per
# millisecond at the default scale, far above any route cost, so it is late only when it
# cannot be on time.
LATE_CARRIED_COST = COST_SCALE


# --- rel16: goods on board past the shift end ------------------------------------------
def _carries(problem: RoutingProblem, vehicle_id: str) -> bool:
    """Whether the vehicle has goods on board (on-board or partly picked tasks)."""
    lock = problem.lock_of(vehicle_id)
    return lock is not None and bool(lock.on_board or lock.pickups_done)


def _allow_overtime(
    problem: RoutingProblem, built: BuiltModel, ends: dict[int, int], service_int: np.ndarray
) -> None:
    """Vehicles with goods on board (``ends``: vehicle index -> integer shift end) deliver
    them even past their shift end: their routes may end later at LATE_CARRIED_COST per
    unit past it (as :mod:`solvers.evaluate` and the checker count it), while every node
    of work such a vehicle does not carry must still be left by the shift end if it
    serves it."""
    routing, manager, time_dim = built.routing, built.manager, built.time_dim
    solver = routing.solver()
    for v_index, end_hi in ends.items():
        time_dim.SetCumulVarSoftUpperBound(routing.End(v_index), end_hi, LATE_CARRIED_COST)
        vehicle_id = problem.vehicles[v_index].id
        for node, spec in enumerate(built.nodes):
            if not spec.visits or problem.carrier(spec.visits[0][0]) == vehicle_id:
                continue
            index = manager.NodeToIndex(node)
            inside = spec.tour.duration if spec.tour is not None else int(service_int[node])
            cumul = time_dim.CumulVar(index)
            if cumul.Max() + inside <= end_hi:
                continue  # always left in time
            served_here = solver.IsEqualCstVar(routing.VehicleVar(index), v_index)
            solver.Add(cumul + inside <= end_hi + MAX_HORIZON * (1 - served_here))


def _relax_route_limits(
    problem: RoutingProblem, built: BuiltModel, service_int: np.ndarray
) -> None:
    """Vehicles with goods on board run past their max duration and max distance to
    deliver them: the limits become soft at LATE_CARRIED_COST per unit past them (as
    :mod:`solvers.evaluate` ranks and the checker allows them), while every node of work
    such a vehicle does not carry must end within the max duration of its departure and
    be reached within the max distance, if it serves it."""
    routing, manager, time_dim = built.routing, built.manager, built.time_dim
    solver = routing.solver()
    has_distance = any(v.max_distance_m is not None for v in problem.vehicles)  # as built
    distance_dim = routing.GetDimensionOrDie(DISTANCE) if has_distance else None
    for v_index, v in enumerate(problem.vehicles):
        if not _carries(problem, v.id) or v_index in built.unusable:
            continue
        limit_t = limit_d = None
        if v.max_duration_s is not None:
            limit_t = scaled_time(
                v.max_duration_s, built.scale, up=False, field=f"Vehicle {v.id!r}: max_duration_s"
            )
            bound = pywrapcp.BoundCost(limit_t, LATE_CARRIED_COST)
            time_dim.SetSoftSpanUpperBoundForVehicle(bound, v_index)
        if v.max_distance_m is not None and distance_dim is not None:
            limit_d = scaled_time(
                v.max_distance_m, built.scale, up=False, field=f"Vehicle {v.id!r}: max_distance_m"
            )
            distance_dim.SetCumulVarSoftUpperBound(routing.End(v_index), limit_d, LATE_CARRIED_COST)
        if limit_t is None and limit_d is None:
            continue
        departure = time_dim.CumulVar(routing.Start(v_index))
        for node, spec in enumerate(built.nodes):
            if not spec.visits or problem.carrier(spec.visits[0][0]) == v.id:
                continue
            index = manager.NodeToIndex(node)
            served_here = solver.IsEqualCstVar(routing.VehicleVar(index), v_index)
            if limit_t is not None:
                inside = spec.tour.duration if spec.tour is not None else int(service_int[node])
                solver.Add(
                    time_dim.CumulVar(index) + inside
                    <= departure + limit_t + MAX_HORIZON * (1 - served_here)
                )
            if limit_d is not None and distance_dim is not None:
                solver.Add(
                    distance_dim.CumulVar(index) <= limit_d + MAX_HORIZON * (1 - served_here)
                )


# --- end rel16 -------------------------------------------------------------------------


def _within_windows(
    solver: pywrapcp.Solver, cumul: pywrapcp.IntVar, intervals: list[tuple[int, int]]
) -> None:
    """Keep ``cumul`` inside one of ``intervals`` (sorted, disjoint integer intervals).

    One window is a range.  Several are a choice of window (an index variable) with
    its bounds by ``Element``, not holes in the domain: ``RemoveInterval`` on times at
    1000 units per second makes OR-Tools walk a bitset as wide as the gap (0.4 s for a
    two-hour lunch gap, per stop) and, past 2**32 units, allocate one that size.
    """
    lo, hi = intervals[0][0], intervals[-1][1]
    cumul.SetRange(lo, hi)
    if len(intervals) < 2:
        return
    pick = solver.IntVar(0, len(intervals) - 1, "")
    solver.Add(cumul >= solver.Element([a for a, _ in intervals], pick))
    solver.Add(cumul <= solver.Element([b for _, b in intervals], pick))


def _integer_windows(
    problem: RoutingProblem, task_id: str, index: int, scale: int, carried: bool
) -> list[tuple[int, int]]:
    """The stop's windows as integer intervals that hold an integer (openings rounded up,
    closings down), each soft one extended by the lateness allowance (real13:
    :meth:`Stop.allowance_s`), the last to the horizon for a carried task's stop (see
    LATE_CARRIED_COST); in time order, maybe none."""
    stop = problem.task(task_id).stops[index]
    field = f"{_stop_name(problem, task_id, index)}: windows"
    out: list[tuple[int, int]] = []
    last = len(stop.windows) - 1
    earliest_s = _earliest_start_s(problem, task_id)  # rel16
    for i, window in enumerate(stop.windows):
        lo = scaled_time(window.start_s, scale, up=True, field=field)
        end_s = window.end_s + stop.allowance_s(i)  # real13: each window soft or hard
        if end_s < earliest_s and not (carried and i == last):
            continue  # rel16: closed before any vehicle that may serve it sets out
        hi = (
            MAX_HORIZON
            if carried and i == last
            else scaled_time(end_s, scale, up=False, field=field)
        )
        lo = max(lo, 0)  # the time dimension starts at 0: earlier times do not exist
        if lo <= hi:
            if out and lo <= out[-1][1] + 1:  # touching in integers: one interval
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
    if carried and not out:
        lo = scaled_time(stop.windows[0].start_s, scale, up=True, field=field)
        out.append((max(lo, 0), MAX_HORIZON))
    return out


def _earliest_start_s(problem: RoutingProblem, task_id: str) -> float:
    """rel16: the earliest shift start of the vehicles that may serve the task (its
    carrier's, else any vehicle's).  A window closing before it can never be used, and
    leaving it out keeps the domain free of a hole: a domain with holes is a bitset over
    its whole span in OR-Tools (seen: two windows, the last one open, 10 s and no
    solution for 4 tasks)."""
    carrier = problem.carrier(task_id)
    if carrier is not None:
        return problem.vehicle(carrier).shift.start_s
    return min((v.shift.start_s for v in problem.vehicles), default=-math.inf)


def _ride_deadline(problem: RoutingProblem, task_id: str, index: int, scale: int) -> int:
    """For a carried task's delivery, the end of its ride limit (integer units) counted
    from when its first pickup began; MAX_HORIZON otherwise."""
    task = problem.task(task_id)
    began = problem.ride_began_s(task_id)
    if index != len(task.pickups) or task.max_ride_s is None or began is None:
        return MAX_HORIZON
    field = f"VehicleLock {problem.carrier(task_id)!r}: picked_up_at_s[{task_id!r}]"
    return scaled_time(began + task.max_ride_s, scale, up=False, field=field)


def _stop_name(problem: RoutingProblem, task_id: str, index: int) -> str:
    """``Task 't7' delivery`` or ``Task 't7' pickup 0``: the owner named in errors."""
    kind = "delivery" if index == len(problem.task(task_id).pickups) else f"pickup {index}"
    return f"Task {task_id!r} {kind}"


def _model_capacity(problem: RoutingProblem, vehicle: Vehicle, k: int) -> float:
    """The vehicle's capacity in dimension ``k``, or for an overloaded vehicle
    (:meth:`RoutingProblem.overloaded`: it serves only its locked work) the whole demand
    of that work, which its load can never exceed: the lock is kept, not refused."""
    if problem.overloaded(vehicle.id) is None:
        return vehicle.capacity[k]
    locked = [t for t in problem.tasks if problem.locked_to(t.id) == vehicle.id]
    # Plus a unit per task: demands are rounded to the nearest integer unit, capacities down.
    return max(vehicle.capacity[k], sum(t.demand[k] for t in locked) + len(locked) + 1.0)


def _register(built: BuiltModel, matrix: np.ndarray) -> int:
    """Register a node x node integer matrix as a native transit matrix."""
    return int(built.routing.RegisterTransitMatrix(matrix.tolist()))


def _allowed_vehicles(problem: RoutingProblem, task: Task) -> list[int]:
    """Vehicle positions that may serve ``task``: skills, then carrier (on board or
    partly picked), pin or prefix; an overloaded vehicle only its locked work."""
    locked_to = problem.locked_to(task.id)
    carrier = problem.carrier(task.id)
    if carrier is not None:  # on board: its vehicle has it, skills or not
        return [i for i, v in enumerate(problem.vehicles) if v.id == carrier]
    allowed = [
        i
        for i, v in enumerate(problem.vehicles)
        if task.skills <= v.skills and (locked_to == v.id or problem.overloaded(v.id) is None)
    ]
    forced = problem.forced_vehicle(task.id)
    if forced is not None:
        allowed = [i for i in allowed if problem.vehicles[i].id == forced]
    return allowed


def _add_task_constraints(problem: RoutingProblem, built: BuiltModel) -> None:
    routing, manager = built.routing, built.manager
    solver = routing.solver()
    n_vehicles = len(problem.vehicles)
    prefix_visits = {visit for lock in problem.locks for visit in lock.fixed_prefix}
    for task in problem.tasks:
        allowed = [i for i in _allowed_vehicles(problem, task) if i not in built.unusable]
        required = problem.must_serve(task.id)
        penalty = (
            REQUIRED_PENALTY
            if required
            else scaled_cost(task.drop_penalty or 0.0, field=f"Task {task.id!r}: drop_penalty")
        )
        if task.id in built.task_pairs:
            _add_interleaved_task(problem, built, task, allowed, penalty)
            continue
        singles = [manager.NodeToIndex(n) for n in built.task_nodes[task.id]]
        tours = [manager.NodeToIndex(n) for n in built.task_tours[task.id]]
        delivery = singles[-1]
        # One disjunction per single node and one over the tour alternatives (at most
        # one of them is served), the penalty shared out among them.
        groups = [[i] for i in singles] + ([tours] if tours else [])
        share = -(-penalty // len(groups))
        disjunctions = [routing.AddDisjunction(group, share, 1) for group in groups]
        # Several free pickups and no order that fits their windows: nothing can serve it.
        no_tour = _needs_tour(problem, task, built) and not tours
        for index in [*singles, *tours]:
            vehicles = allowed
            node = built.nodes[manager.IndexToNode(index)]
            if node.profile is not None:
                vehicles = [i for i in allowed if problem.vehicles[i].profile == node.profile]
            if not vehicles or no_tour:
                routing.ActiveVar(index).SetValue(0)
            elif len(vehicles) < n_vehicles:
                routing.VehicleVar(index).SetValues([-1, *vehicles])  # -1: unperformed
        # Pickups still to do precede the delivery on its vehicle: the one free pickup
        # or the tour forms a pair with it; pickups in a locked prefix come first anyway.
        free_singles = [
            i
            for i, n in zip(singles[:-1], built.task_nodes[task.id][:-1], strict=True)
            if built.nodes[n].visits[0] not in prefix_visits
        ]
        if tours:
            routing.AddPickupAndDeliverySets(disjunctions[-1], disjunctions[len(singles) - 1])
        elif free_singles:
            routing.AddPickupAndDelivery(free_singles[0], delivery)
        if task.max_ride_s is not None:
            _limit_ride_time(problem, built, task, [*singles[:-1], *tours], delivery)
            if not task.pickups and problem.carrier(task.id) is None:
                _limit_ride_from_departure(built, task, delivery, allowed)
    for lock in problem.locks:
        v_index = next(i for i, v in enumerate(problem.vehicles) if v.id == lock.vehicle_id)
        previous = routing.Start(v_index)
        for visit in lock.fixed_prefix:
            current = manager.NodeToIndex(built.stop_node[visit])
            solver.Add(routing.NextVar(previous) == current)
            previous = current


def _needs_tour(problem: RoutingProblem, task: Task, built: BuiltModel) -> bool:
    """Whether the task has several free pickups (so only a tour can serve them)."""
    singles = built.task_nodes[task.id][:-1]
    free = len(problem.stops_left(task.id)) - 1 - len(singles)
    return free > 1


# Cost of each extra vehicle an interleaved required task is spread over: far above any
# route cost, below the penalty of dropping a required task.
SPLIT_COST = REQUIRED_PENALTY >> 8


def _add_interleaved_task(
    problem: RoutingProblem, built: BuiltModel, task: Task, allowed: list[int], penalty: int
) -> None:
    """Pickup i pairs with delivery copy i; one vehicle for all of them is a soft goal.

    Hard constraints across the pairs would defeat OR-Tools' pair-at-a-time insertion,
    so splitting a task over vehicles costs :data:`SPLIT_COST` (or its drop penalty, for
    an optional task) per extra vehicle, and the repair after the search removes and
    re-inserts any task still split or partly served.
    """
    routing, manager, time_dim = built.routing, built.manager, built.time_dim
    solver = routing.solver()
    pairs = [(manager.NodeToIndex(p), manager.NodeToIndex(d)) for p, d in built.task_pairs[task.id]]
    indices = [i for pair in pairs for i in pair]
    share = -(-penalty // len(indices))
    for index in indices:
        routing.AddDisjunction([index], share)
        if not allowed:
            routing.ActiveVar(index).SetValue(0)
        elif len(allowed) < len(problem.vehicles):
            routing.VehicleVar(index).SetValues([-1, *allowed])
    for pickup, delivery in pairs:
        routing.AddPickupAndDelivery(pickup, delivery)
    split = SPLIT_COST if task.required else max(1, penalty)
    routing.AddSoftSameVehicleConstraint(indices, split)
    if task.max_ride_s is not None:
        field = f"Task {task.id!r}: max_ride_s"
        limit = scaled_time(task.max_ride_s, built.scale, up=False, field=field)
        for pickup, _ in pairs:
            for _, delivery in pairs:
                solver.Add(time_dim.CumulVar(delivery) - time_dim.CumulVar(pickup) <= limit)


def _limit_ride_from_departure(
    built: BuiltModel, task: Task, delivery: int, vehicles: list[int]
) -> None:
    """A task loaded at the start rides from its vehicle's departure to its delivery."""
    assert task.max_ride_s is not None
    routing, time_dim = built.routing, built.time_dim
    solver = routing.solver()
    field = f"Task {task.id!r}: max_ride_s"
    limit = scaled_time(task.max_ride_s, built.scale, up=False, field=field)
    for v in vehicles:
        # Binding only on the vehicle that serves it.
        elsewhere = solver.IsDifferentCstVar(routing.VehicleVar(delivery), v)
        solver.Add(
            time_dim.CumulVar(delivery) - time_dim.CumulVar(routing.Start(v))
            <= limit + elsewhere * MAX_HORIZON
        )


def _limit_ride_time(
    problem: RoutingProblem, built: BuiltModel, task: Task, firsts: list[int], delivery: int
) -> None:
    """Delivery within ``max_ride_s`` of the start of service at every pickup (node).

    Not for a carried task: its ride limit is a soft deadline (see LATE_CARRIED_COST)."""
    assert task.max_ride_s is not None
    if problem.carrier(task.id) is not None:
        return
    routing, time_dim = built.routing, built.time_dim
    solver = routing.solver()
    field = f"Task {task.id!r}: max_ride_s"
    limit = scaled_time(task.max_ride_s, built.scale, up=False, field=field)
    for first in firsts:
        if len(firsts) == 1:
            solver.Add(time_dim.CumulVar(delivery) - time_dim.CumulVar(first) <= limit)
        else:
            # An unserved alternative's start time is free: it must not bind.
            slack = routing.ActiveVar(first) * -MAX_HORIZON + MAX_HORIZON
            solver.Add(time_dim.CumulVar(delivery) - time_dim.CumulVar(first) <= limit + slack)
