"""Build an OR-Tools routing model from a RoutingProblem, in the samples' fixed order.

Nodes: one start and one end node per vehicle (an open route's end node is free to
reach), then one node per task stop still to serve (on-board tasks keep only their
delivery).  Integer indices exist only here and in :mod:`solvers.ortools.search`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp

from solvers.ortools.scaling import (
    COST_SCALE,
    MAX_HORIZON,
    REQUIRED_PENALTY,
    scaled,
    scaled_cost,
    scaled_time,
    scaled_up,
)
from solvers.problem import RoutingProblem

TIME = "time"
DISTANCE = "distance"


@dataclass
class BuiltModel:
    """The OR-Tools objects plus the node <-> (task, stop) translation."""

    manager: Any
    routing: Any
    time_dim: Any
    scale: int
    node_visit: dict[int, tuple[str, int]]  # node -> (task id, stop index)
    task_nodes: dict[str, list[int]] = field(default_factory=dict)
    callbacks: list[Any] = field(default_factory=list)  # keep Python callbacks alive


def build_model(problem: RoutingProblem, scale: int) -> BuiltModel:
    """Translate ``problem`` into a RoutingModel (nothing is solved here)."""
    vehicles = problem.vehicles
    n_v = len(vehicles)
    on_board = {tid: lock.vehicle_id for lock in problem.locks for tid in lock.on_board}
    # Node locations: starts, ends (-1 = open end), then stops.
    locations: list[int] = [v.start for v in vehicles] + [
        v.end if v.end is not None else -1 for v in vehicles
    ]
    service_s: list[float] = [0.0] * (2 * n_v)
    node_visit: dict[int, tuple[str, int]] = {}
    task_nodes: dict[str, list[int]] = {}
    for task in problem.tasks:
        first = len(task.pickups) if task.id in on_board else 0
        for index in range(first, len(task.pickups) + 1):
            stop = task.stops[index]
            node = len(locations)
            locations.append(stop.location)
            service_s.append(stop.service_s)
            node_visit[node] = (task.id, index)
            task_nodes.setdefault(task.id, []).append(node)
    n_nodes = len(locations)
    manager = pywrapcp.RoutingIndexManager(
        n_nodes, n_v, list(range(n_v)), list(range(n_v, 2 * n_v))
    )
    routing = pywrapcp.RoutingModel(manager)
    built = BuiltModel(manager, routing, None, scale, node_visit, task_nodes)
    loc = np.array(locations, dtype=np.int64)
    open_end = loc < 0
    service_int = scaled_up(service_s, scale)

    # Travel per profile as node x node integer matrices (open ends cost nothing).
    def node_matrix(values: np.ndarray, up: bool) -> np.ndarray:
        m = (scaled_up if up else scaled)(
            values[np.ix_(np.maximum(loc, 0), np.maximum(loc, 0))], scale
        )
        m[:, open_end] = 0
        m[open_end, :] = 0
        return m

    time_cb: dict[str, int] = {}
    dist_cb: dict[str, int] = {}
    dist_int: dict[str, np.ndarray] = {}
    for profile in {v.profile for v in vehicles}:
        mats = problem.matrices[profile]
        t = node_matrix(mats.duration_s, up=True) + service_int[:, None]
        d = node_matrix(mats.distance_m, up=False)
        dist_int[profile] = d
        time_cb[profile] = _register(built, t)
        dist_cb[profile] = _register(built, d)

    # Arc costs: distance at each vehicle's price per km (per distinct price and profile).
    arc_cb: dict[tuple[str, float], int] = {}
    for v_index, v in enumerate(vehicles):
        key = (v.profile, v.cost_per_km)
        if key not in arc_cb:
            per_unit = v.cost_per_km / 1000.0 * COST_SCALE / scale
            arc_cb[key] = _register(built, np.rint(dist_int[v.profile] * per_unit).astype(np.int64))
        routing.SetArcCostEvaluatorOfVehicle(arc_cb[key], v_index)
        routing.SetFixedCostOfVehicle(scaled_cost(v.fixed_cost), v_index)

    # Time: cumul = start of service; slack = waiting.
    routing.AddDimensionWithVehicleTransits(
        [time_cb[v.profile] for v in vehicles], MAX_HORIZON, MAX_HORIZON, False, TIME
    )
    time_dim = routing.GetDimensionOrDie(TIME)
    built.time_dim = time_dim
    for v_index, v in enumerate(vehicles):
        start_lo = scaled_time(v.shift.start_s, scale, up=True)
        end_hi = scaled_time(v.shift.end_s, scale, up=False)
        time_dim.CumulVar(routing.Start(v_index)).SetRange(start_lo, end_hi)
        time_dim.CumulVar(routing.End(v_index)).SetRange(start_lo, end_hi)
        per_unit = v.cost_per_hour / 3600.0 * COST_SCALE / scale
        if per_unit > 0:
            time_dim.SetSpanCostCoefficientForVehicle(max(1, round(per_unit)), v_index)
        if v.max_duration_s is not None:
            time_dim.SetSpanUpperBoundForVehicle(
                scaled_time(v.max_duration_s, scale, up=False), v_index
            )
    for node, (task_id, index) in node_visit.items():
        stop = problem.task(task_id).stops[index]
        cumul = time_dim.CumulVar(manager.NodeToIndex(node))
        lo = scaled_time(stop.windows[0].start_s, scale, up=True)
        hi = scaled_time(stop.windows[-1].end_s + stop.max_lateness_s, scale, up=False)
        cumul.SetRange(lo, max(lo, hi))
        for before, after in zip(stop.windows, stop.windows[1:], strict=False):
            gap_lo = scaled_time(before.end_s, scale, up=False) + 1
            gap_hi = scaled_time(after.start_s, scale, up=True) - 1
            if gap_lo <= gap_hi:
                cumul.RemoveInterval(gap_lo, gap_hi)
        if stop.max_lateness_s > 0 and stop.lateness_cost_per_s > 0:
            coef = max(1, round(stop.lateness_cost_per_s * COST_SCALE / scale))
            time_dim.SetCumulVarSoftUpperBound(
                manager.NodeToIndex(node),
                scaled_time(stop.windows[-1].end_s, scale, up=False),
                coef,
            )

    # Capacity, one dimension per component; on-board load fixed at the start.
    for k in range(problem.dimensions):
        demand = np.zeros(n_nodes)
        for node, (task_id, index) in node_visit.items():
            task = problem.task(task_id)
            if index == len(task.pickups):
                demand[node] = -task.demand[k]
            else:
                demand[node] = task.pickup_demand(index)[k]
        demand_int = scaled(demand, 1000)
        cb = routing.RegisterUnaryTransitCallback(
            lambda i, d=demand_int: int(d[manager.IndexToNode(i)])
        )
        built.callbacks.append(cb)
        caps = [int(np.floor(v.capacity[k] * 1000 + 1e-6)) for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, False, f"capacity{k}")
        dim = routing.GetDimensionOrDie(f"capacity{k}")
        for v_index, v in enumerate(vehicles):
            lock = problem.lock_of(v.id)
            load = sum(problem.task(t).demand[k] for t in lock.on_board) if lock else 0.0
            dim.CumulVar(routing.Start(v_index)).SetValue(int(scaled([load], 1000)[0]))

    if any(v.max_distance_m is not None for v in vehicles):
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [dist_cb[v.profile] for v in vehicles],
            0,
            [
                scaled_time(v.max_distance_m, scale, up=False)
                if v.max_distance_m is not None
                else MAX_HORIZON
                for v in vehicles
            ],
            True,
            DISTANCE,
        )

    _add_task_constraints(problem, built)
    return built


def _register(built: BuiltModel, matrix: np.ndarray) -> int:
    """Register a node x node integer matrix as a transit callback."""
    manager = built.manager
    rows = matrix.tolist()

    def transit(i: int, j: int) -> int:
        return rows[manager.IndexToNode(i)][manager.IndexToNode(j)]  # type: ignore[no-any-return]

    built.callbacks.append(transit)
    return int(built.routing.RegisterTransitCallback(transit))


def _add_task_constraints(problem: RoutingProblem, built: BuiltModel) -> None:
    routing, manager, time_dim = built.routing, built.manager, built.time_dim
    solver = routing.solver()
    on_board = {tid: lock.vehicle_id for lock in problem.locks for tid in lock.on_board}
    prefix_of = {visit: lock.vehicle_id for lock in problem.locks for visit in lock.fixed_prefix}
    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    for task in problem.tasks:
        nodes = built.task_nodes[task.id]
        indices = [manager.NodeToIndex(n) for n in nodes]
        delivery = indices[-1]
        pickups = indices[:-1]
        allowed = [i for i, v in enumerate(problem.vehicles) if task.skills <= v.skills]
        in_prefix = any(tid == task.id for tid, _ in prefix_of)
        forced = on_board.get(task.id) or problem.pinned.get(task.id)
        if forced is None and in_prefix:
            forced = next(vid for (tid, _), vid in prefix_of.items() if tid == task.id)
        if forced is not None:
            allowed = [i for i in allowed if i == vehicle_index[forced]]
        for index in indices:
            if not allowed:
                routing.ActiveVar(index).SetValue(0)
            elif len(allowed) < len(problem.vehicles):
                routing.VehicleVar(index).SetValues([-1, *allowed])  # -1: unperformed
        # Locked work is kept whatever it costs: on-board items and the started prefix.
        required = task.required or task.id in on_board or in_prefix
        penalty = REQUIRED_PENALTY if required else scaled_cost(task.drop_penalty or 0.0)
        # One disjunction per node, the penalty shared out; one pickup-and-delivery pair
        # per pickup, all with the one delivery.  The pairs make the stops all-or-nothing,
        # on one vehicle, pickups first, and keep OR-Tools' insertion heuristics and
        # pair moves working (explicit ActiveVar constraints defeat them).
        share = -(-penalty // len(indices))
        routing.AddDisjunction([delivery], share)
        for p in pickups:
            routing.AddDisjunction([p], share)
            routing.AddPickupAndDelivery(p, delivery)
        if task.max_ride_s is not None:
            limit = scaled_time(task.max_ride_s, built.scale, up=False)
            for p in pickups:
                solver.Add(time_dim.CumulVar(delivery) - time_dim.CumulVar(p) <= limit)
            if task.id in on_board:
                lock = problem.lock_of(on_board[task.id])
                began = lock.picked_up_at_s.get(task.id) if lock else None
                if began is not None:
                    time_dim.CumulVar(delivery).SetMax(
                        scaled_time(began + task.max_ride_s, built.scale, up=False)
                    )
    for lock in problem.locks:
        v_index = vehicle_index[lock.vehicle_id]
        previous = routing.Start(v_index)
        for task_id, index in lock.fixed_prefix:
            node = next(
                n for n in built.task_nodes[task_id] if built.node_visit[n] == (task_id, index)
            )
            current = manager.NodeToIndex(node)
            solver.Add(routing.NextVar(previous) == current)
            previous = current
