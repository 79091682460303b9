"""Make routes from the interleaving model whole again, in exact arithmetic.

The interleaving model (``build_model(..., interleave=True)``) gives each pickup of a
multi-pickup task its own copy of the delivery and only discourages splitting the task
over vehicles.  Here, per route, a task's delivery copies merge into one delivery at the
last copy (removing a visit never makes later stops later when travel obeys the
triangle inequality); then every task that is spread over vehicles or partly served,
and every task of a route that the merge left infeasible, is taken out and inserted
again whole where it fits best, or left unassigned for the diagnosis to explain.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from solvers.evaluate import Visit, evaluate_route
from solvers.problem import RoutingProblem, Task
from solvers.reasons import candidate_visits, own_visits, stop_insertions


def _merge_copies(problem: RoutingProblem, visits: list[Visit]) -> list[Visit]:
    """Keep only the last delivery of each task on the route."""
    seen: set[str] = set()
    kept: list[Visit] = []
    for task_id, index in reversed(visits):
        if index == len(problem.task(task_id).pickups):
            if task_id in seen:
                continue
            seen.add(task_id)
        kept.append((task_id, index))
    return kept[::-1]


def _insert(
    problem: RoutingProblem,
    task: Task,
    routes: dict[str, list[Visit]],
    starts: Mapping[str, float],
    deadline: float,
) -> bool:
    """Insert ``task`` whole at its cheapest feasible place; whether it was."""
    sequences = candidate_visits(problem, task)
    best: tuple[float, str, list[Visit]] | None = None
    forced = problem.forced_vehicle(task.id)
    for vehicle in problem.vehicles:
        if not task.skills <= vehicle.skills:
            continue
        if forced is not None and forced != vehicle.id:
            continue
        route = routes.get(vehicle.id, [])
        start = starts.get(vehicle.id, vehicle.shift.start_s)
        before = evaluate_route(problem, vehicle, route, start).feasible_cost if route else 0.0
        lock = problem.lock_of(vehicle.id)
        prefix = list(lock.fixed_prefix) if lock is not None else []
        for candidate in (c for own in sequences for c in stop_insertions(route, own)):
            if time.perf_counter() > deadline:
                break
            if candidate[: len(prefix)] != prefix:
                continue  # nothing goes before a locked prefix
            extra = evaluate_route(problem, vehicle, candidate, start).feasible_cost - before
            if extra < float("inf") and (best is None or extra < best[0]):
                best = (extra, vehicle.id, candidate)
    if best is None:
        return False
    if not problem.must_serve(task.id) and best[0] > (task.drop_penalty or 0.0):
        return False
    routes[best[1]] = best[2]
    return True


def repair_routes(
    problem: RoutingProblem,
    routes: Mapping[str, list[Visit]],
    starts: Mapping[str, float],
    deadline: float,
) -> dict[str, list[Visit]]:
    """Whole, feasible routes from interleaved ones (vehicle id -> visits).

    ``starts`` are the vehicles' departures; insertion attempts stop at ``deadline``
    (``time.perf_counter()`` seconds), leaving what is not inserted by then unserved.
    """
    merged = {vid: _merge_copies(problem, list(v)) for vid, v in routes.items()}
    on: dict[str, set[str]] = {}
    count: dict[str, int] = {}
    for vid, visits in merged.items():
        for task_id, _ in visits:
            on.setdefault(task_id, set()).add(vid)
            count[task_id] = count.get(task_id, 0) + 1
    broken = {
        tid
        for tid, vehicles in on.items()
        if len(vehicles) > 1 or count[tid] != len(own_visits(problem, problem.task(tid)))
    }
    # Locked tasks (carried, or in a locked prefix) are whole and where their locks put
    # them (the model never interleaves them): taking them out could break the lock.
    locked = {tid for lock in problem.locks for tid, _ in lock.fixed_prefix}
    for vid, visits in merged.items():
        if not evaluate_route(problem, problem.vehicle(vid), visits, starts[vid]).feasible:
            broken |= {
                tid
                for tid, _ in visits
                if len(problem.task(tid).pickups) > 1
                and tid not in locked
                and problem.carrier(tid) is None
            }
    repaired = {vid: [v for v in visits if v[0] not in broken] for vid, visits in merged.items()}
    for task in problem.tasks:
        if task.id in broken:
            _insert(problem, task, repaired, starts, deadline)
    return {vid: visits for vid, visits in repaired.items() if visits}


def complete_partial_tasks(
    problem: RoutingProblem,
    routes: Mapping[str, list[Visit]],
    starts: Mapping[str, float],
    deadline: float,
) -> dict[str, list[Visit]]:
    """Routes in which every task visited has all its stops still to serve.

    A first solution cut off by its time limit keeps what the model forces (a locked
    prefix: the store a courier rides to) but may leave out the rest of that task (its
    delivery, which only a drop penalty ties to the prefix).  Such a task's free visits
    are taken out; a task with visits in a locked prefix gets the rest of its stops at
    the end of that route (a locked order is delivered whatever happens), any other is
    inserted again whole where it fits best, or left unassigned for the diagnosis.
    """
    out = {vid: list(visits) for vid, visits in routes.items()}
    seen: dict[str, list[Visit]] = {}
    for visits in out.values():
        for visit in visits:
            seen.setdefault(visit[0], []).append(visit)
    partial = {
        tid for tid, got in seen.items() if sorted(got) != own_visits(problem, problem.task(tid))
    }
    if not partial:
        return out
    prefix_of = {visit: lock.vehicle_id for lock in problem.locks for visit in lock.fixed_prefix}
    kept = {
        vid: [v for v in visits if v[0] not in partial or v in prefix_of]
        for vid, visits in out.items()
    }
    loose = []
    for task in problem.tasks:
        if task.id not in partial:
            continue
        locked = [v for v in own_visits(problem, task) if v in prefix_of]
        if locked:
            vid = prefix_of[locked[0]]
            kept.setdefault(vid, []).extend(v for v in own_visits(problem, task) if v not in locked)
        else:
            loose.append(task)
    for task in loose:
        _insert(problem, task, kept, starts, deadline)
    return {vid: visits for vid, visits in kept.items() if visits}
