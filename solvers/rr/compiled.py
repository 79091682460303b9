"""A :class:`RoutingProblem` as flat numpy arrays for the compiled search.

Stops are the tasks' stops still to serve (``RoutingProblem.stops_left``), numbered
task by task: a task's pickups first (in the order the search inserts them as a block),
its delivery last.  Ids stay outside: :class:`Compiled` keeps the maps back to
(task id, stop index) visits and vehicle ids.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from solvers.evaluate import LATE_CARRIED_PER_S, Visit
from solvers.problem import RoutingProblem, Vehicle
from solvers.reasons import candidate_visits

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
# Neighbours kept per task for SISR's adjacent string removal.
NEIGHBOURS = 40


@dataclass(frozen=True)
class Compiled:
    """The problem's arrays (``arrays``, the tuple the kernels index by the constants of
    :mod:`solvers.rr.kernels`) and the maps between visits and stop numbers.

    Attributes:
        arrays: the kernels' problem tuple.
        visits: stop number -> (task id, stop index).
        stop_of: (task id, stop index) -> stop number.
        task_ids: task number -> id.
        prefixes: per vehicle, its locked prefix as stop numbers.
        must_penalty: the penalty standing for a task that must be served (larger than
            any route plan's cost, so it acts first, as in ``solve``'s plan key).
        mean_arc_cost: mean cost of an arc between two task locations, money (the
            annealing temperature's unit).
    """

    arrays: tuple[Any, ...]
    visits: tuple[Visit, ...]
    stop_of: Mapping[Visit, int]
    task_ids: tuple[str, ...]
    prefixes: tuple[tuple[int, ...], ...]
    must_penalty: float
    mean_arc_cost: float


def _vehicle_key(problem: RoutingProblem, v: Vehicle) -> tuple[Any, ...]:
    """Vehicles with equal keys are interchangeable when empty."""
    return (
        v.start,
        v.end,
        v.shift,
        v.capacity,
        v.profile,
        v.fixed_cost,
        v.cost_per_km,
        v.cost_per_hour,
        v.skills,
        v.max_duration_s,
        v.max_distance_m,
        problem.lock_of(v.id) is not None,
        v.id if problem.lock_of(v.id) is not None else "",
    )


def _pickup_order(problem: RoutingProblem, task_id: str) -> list[int]:
    """The pickups still to do, in the first order that fits their windows back to back
    (:func:`solvers.reasons.candidate_visits`), else as given."""
    orders = candidate_visits(problem, problem.task(task_id))
    chosen = orders[1] if len(orders) > 1 else orders[0]
    return [index for _, index in chosen[:-1]]


def _late_carried_bound(problem: RoutingProblem) -> float:
    """More than goods on board can cost late (:data:`LATE_CARRIED_PER_S` per second
    past a window or ride limit, and a carrier's overtime past its shift end, up to the
    end of the longest route possible after the last shift's end), so that the search
    never leaves them unserved to save that cost: 0 without such goods."""
    carried = [t for t in problem.tasks if problem.carrier(t.id) is not None]
    if not carried:
        return 0.0
    ends = [v.shift.end_s for v in problem.vehicles if math.isfinite(v.shift.end_s)]
    horizon = max(ends) if ends else max(v.shift.start_s for v in problem.vehicles) + 1e7
    # A carrier may run past its shift end (issue 16): by at most a route through every
    # stop, each leg no longer than the longest travel time, each service included.
    stops = [s for t in problem.tasks for s in t.stops]
    longest_leg = max(float(np.max(m.duration_s)) for m in problem.matrices.values())
    horizon += longest_leg * (len(stops) + 1) + sum(s.service_s for s in stops)
    earliest = min(
        [w.end_s for t in carried for s in t.stops for w in s.windows[-1:]]
        + [when for lock in problem.locks for when in lock.picked_up_at_s.values()]
        + [v.shift.start_s for v in problem.vehicles]
    )
    return LATE_CARRIED_PER_S * 2.0 * sum(len(t.stops) for t in carried) * (horizon - earliest)


def compile_problem(problem: RoutingProblem) -> Compiled:
    """The arrays of ``problem``; see the kernels' index constants for the layout."""
    tasks = problem.tasks
    vehicles = problem.vehicles
    n_tasks, n_veh = len(tasks), len(vehicles)
    dims = problem.dimensions
    vindex = {v.id: i for i, v in enumerate(vehicles)}
    profiles = sorted(problem.matrices)
    pindex = {name: i for i, name in enumerate(profiles)}
    dist = np.stack([np.asarray(problem.matrices[p].distance_m) for p in profiles])
    dur = np.stack([np.asarray(problem.matrices[p].duration_s) for p in profiles])

    visits: list[Visit] = []
    stop_loc: list[int] = []
    stop_service: list[float] = []
    stop_task: list[int] = []
    stop_is_del: list[bool] = []
    win_off: list[int] = []
    win_cnt: list[int] = []
    win_s: list[float] = []
    win_e: list[float] = []
    max_late: list[float] = []
    late_cost: list[float] = []
    stop_demand: list[tuple[float, ...]] = []
    task_first = np.zeros(n_tasks, dtype=np.int64)
    task_nstops = np.zeros(n_tasks, dtype=np.int64)
    for ti, task in enumerate(tasks):
        left = problem.stops_left(task.id)
        pickups = [i for i in left if i < len(task.pickups)]
        if len(pickups) > 1:
            pickups = _pickup_order(problem, task.id)
        task_first[ti] = len(visits)
        task_nstops[ti] = len(pickups) + 1
        for index in (*pickups, len(task.pickups)):
            stop = task.stops[index]
            is_del = index == len(task.pickups)
            visits.append((task.id, index))
            stop_loc.append(stop.location)
            stop_service.append(stop.service_s)
            stop_task.append(ti)
            stop_is_del.append(is_del)
            win_off.append(len(win_s))
            win_cnt.append(len(stop.windows))
            for w in stop.windows:
                win_s.append(w.start_s)
                win_e.append(w.end_s)
            max_late.append(stop.max_lateness_s)
            late_cost.append(stop.lateness_cost_per_s)
            stop_demand.append(
                tuple(-d for d in task.demand) if is_del else task.pickup_demand(index)
            )
    stop_of = {visit: s for s, visit in enumerate(visits)}

    task_demand = np.array([t.demand for t in tasks], dtype=np.float64).reshape(n_tasks, dims)
    carrier = np.array([vindex.get(problem.carrier(t.id) or "", -1) for t in tasks], dtype=np.int64)
    began = np.zeros(n_tasks)
    began_veh = np.full(n_tasks, -1, dtype=np.int64)
    for lock in problem.locks:
        for tid, when in lock.picked_up_at_s.items():
            ti = next(i for i, t in enumerate(tasks) if t.id == tid)
            if began_veh[ti] < 0:
                began[ti] = when
                began_veh[ti] = vindex[lock.vehicle_id]
    skill_ok = np.array(
        [[t.skills <= v.skills for v in vehicles] for t in tasks], dtype=np.bool_
    ).reshape(n_tasks, n_veh)
    compat = skill_ok.copy()
    overloaded = np.array([problem.overloaded(v.id) is not None for v in vehicles], dtype=np.bool_)
    locked_to = np.array(
        [vindex.get(problem.locked_to(t.id) or "", -1) for t in tasks], dtype=np.int64
    ).reshape(n_tasks)
    for ti, task in enumerate(tasks):
        forced = problem.forced_vehicle(task.id)
        if forced is not None:
            keep = vindex[forced]
            # Goods on board go with their carrier whatever its skills (evaluate_route).
            allowed = compat[ti, keep] or carrier[ti] == keep
            compat[ti, :] = False
            compat[ti, keep] = allowed
        # An overloaded vehicle keeps its locked work and takes nothing else.
        compat[ti, overloaded & (np.arange(n_veh) != locked_to[ti])] = False
    fixed = np.zeros(n_tasks, dtype=np.bool_)
    prefixes: list[tuple[int, ...]] = []
    tindex = {t.id: i for i, t in enumerate(tasks)}
    for v in vehicles:
        own = problem.lock_of(v.id)
        prefix = tuple(stop_of[visit] for visit in own.fixed_prefix) if own else ()
        for tid, _ in own.fixed_prefix if own else ():
            fixed[tindex[tid]] = True
        prefixes.append(prefix)

    # Issue 16: a vehicle with goods on board (or partly picked) may run past its shift
    # end to deliver them (evaluate_route's rule), so it is flagged for the kernels.
    carries = np.array(
        [
            (carrier_lock := problem.lock_of(v.id)) is not None
            and bool(carrier_lock.on_board or carrier_lock.pickups_done)
            for v in vehicles
        ],
        dtype=np.bool_,
    )
    init_load = np.zeros((n_veh, dims))
    for vi, v in enumerate(vehicles):
        held = problem.lock_of(v.id)
        if held is not None:
            for tid in sorted({*held.on_board, *held.pickups_done}):
                init_load[vi] += np.array(problem.done_load(tid), dtype=np.float64)

    keys: dict[tuple[Any, ...], int] = {}
    vclass = np.array(
        [keys.setdefault(_vehicle_key(problem, v), len(keys)) for v in vehicles], dtype=np.int64
    )

    # Costs and neighbourhoods on the first vehicle's profile (the common case: one).
    base_profile = pindex[vehicles[0].profile] if vehicles else 0
    base_rate = vehicles[0].cost_per_km / 1000.0 if vehicles else 1.0
    d0 = dist[base_profile]
    deliveries = np.array([stop_loc[task_first[i] + task_nstops[i] - 1] for i in range(n_tasks)])
    firsts = np.array([stop_loc[task_first[i]] for i in range(n_tasks)])
    locations = np.unique(np.concatenate([deliveries, firsts]))
    sub = d0[np.ix_(locations, locations)]
    mean_arc = float(sub.mean()) * base_rate if sub.size > 1 else 1.0
    mean_arc_cost = mean_arc if mean_arc > 0 else 1.0
    k = min(NEIGHBOURS, max(0, n_tasks - 1))
    neighbours = np.full((n_tasks, max(1, k)), -1, dtype=np.int64)
    for lo in range(0, n_tasks, 256):
        hi = min(n_tasks, lo + 256)
        rows = 0.5 * (d0[np.ix_(deliveries[lo:hi], deliveries)] + d0[np.ix_(firsts[lo:hi], firsts)])
        for r in range(hi - lo):
            rows[r, lo + r] = math.inf
        order = np.argsort(rows, axis=1, kind="stable")[:, :k]
        neighbours[lo:hi, :k] = order
    depot = vehicles[0].start if vehicles else 0
    far = np.array([d0[depot, loc] for loc in deliveries], dtype=np.float64).reshape(n_tasks)
    size = task_demand.sum(axis=1) if dims else np.zeros(n_tasks)

    upper = sum((v.fixed_cost if v.fixed_cost else 0.0) for v in vehicles) + float(
        np.max(d0)
    ) * base_rate * 2.0 * (len(visits) + n_veh)
    must_penalty = max(1e6, 1000.0 * upper) + _late_carried_bound(problem)
    penalty = np.array(
        [must_penalty if problem.must_serve(t.id) else float(t.drop_penalty or 0.0) for t in tasks],
        dtype=np.float64,
    ).reshape(n_tasks)

    def f(values: Sequence[float]) -> FloatArray:
        return np.array(values, dtype=np.float64)

    def i64(values: Sequence[int]) -> IntArray:
        return np.array(values, dtype=np.int64)

    inf = math.inf
    arrays = (
        i64(stop_loc),
        f(stop_service),
        i64(stop_task),
        np.array(stop_is_del, dtype=np.bool_),
        i64(win_off),
        i64(win_cnt),
        f(win_s),
        f(win_e),
        f(max_late),
        f(late_cost),
        np.array(stop_demand, dtype=np.float64).reshape(len(visits), dims),
        task_first,
        task_nstops,
        f([t.max_ride_s if t.max_ride_s is not None else inf for t in tasks]),
        penalty,
        np.array([not t.pickups for t in tasks], dtype=np.bool_),
        fixed,
        task_demand,
        carrier,
        began,
        began_veh,
        skill_ok,
        compat,
        i64([v.start for v in vehicles]),
        i64([v.end if v.end is not None else -1 for v in vehicles]),
        f([v.shift.start_s for v in vehicles]),
        f([v.shift.end_s for v in vehicles]),
        np.array([v.capacity for v in vehicles], dtype=np.float64).reshape(n_veh, dims),
        i64([pindex[v.profile] for v in vehicles]),
        f([v.fixed_cost for v in vehicles]),
        f([v.cost_per_km for v in vehicles]),
        f([v.cost_per_hour for v in vehicles]),
        f([v.max_duration_s if v.max_duration_s is not None else inf for v in vehicles]),
        f([v.max_distance_m if v.max_distance_m is not None else inf for v in vehicles]),
        init_load,
        vclass,
        np.ascontiguousarray(dist),
        np.ascontiguousarray(dur),
        neighbours,
        far,
        np.asarray(size, dtype=np.float64).reshape(n_tasks),
        overloaded.reshape(n_veh),
        locked_to,
        carries.reshape(n_veh),
    )
    return Compiled(
        arrays=arrays,
        visits=tuple(visits),
        stop_of=stop_of,
        task_ids=tuple(t.id for t in tasks),
        prefixes=tuple(prefixes),
        must_penalty=must_penalty,
        mean_arc_cost=mean_arc_cost,
    )
