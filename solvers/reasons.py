"""Why a task is unassigned: try it against every vehicle and route, without OR-Tools.

First the task alone on each vehicle that may take it (a property of the task: too
heavy, windows unreachable, ride time too short...), then every insertion into the
routes as planned (the routes are full, too long, or it is not worth its penalty).
The reason names the constraint that blocks it; the detail says by how much.

The diagnosis is bounded by the call's deadline too: once it passes, the reason is
given from what was tried so far (``search_limit`` when nothing was).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence

from solvers.evaluate import Breach, BreachKind, Visit, evaluate_route
from solvers.problem import RoutingProblem, Task
from solvers.scaling import DIAGNOSIS_SCALE
from solvers.solution import UnassignedReason, UnassignedTask
from solvers.tours import pickup_orders

# When several constraints block, the most fundamental one is reported.
_PRIORITY = (
    BreachKind.SKILL,
    BreachKind.CAPACITY,
    BreachKind.RIDE_TIME,
    BreachKind.TIME_WINDOW,
    BreachKind.SHIFT,
    BreachKind.MAX_DURATION,
    BreachKind.MAX_DISTANCE,
)
# Insertion attempts per task, at most, and over all tasks of one solve: keeps the
# diagnosis of many unassigned tasks on a big instance to seconds (each attempt is a
# Python route evaluation).
MAX_ATTEMPTS = 20_000
TOTAL_ATTEMPTS = 200_000


def _first_breach(breaches: Sequence[Breach]) -> Breach:
    kinds = {b.kind for b in breaches}
    for kind in _PRIORITY:
        if kind in kinds:
            return next(b for b in breaches if b.kind is kind)
    return breaches[0]


def own_visits(problem: RoutingProblem, task: Task) -> list[Visit]:
    """The task's stops still to serve, as given: the pickups not done, then the delivery."""
    return [(task.id, i) for i in problem.stops_left(task.id)]


def candidate_visits(problem: RoutingProblem, task: Task) -> list[list[Visit]]:
    """The task's own visits in the orders worth trying: as given, then every candidate
    pickup order that fits its shops' windows back to back
    (:func:`solvers.tours.pickup_orders`, pure arithmetic, no OR-Tools), per
    travel profile, without repeats."""
    own = own_visits(problem, task)
    out = [own]
    *pickups, delivery = own
    if len(pickups) > 1:
        indices = [index for _, index in pickups]
        for profile in sorted({v.profile for v in problem.vehicles}):
            mats = problem.matrices[profile]
            for order in pickup_orders(task, indices, mats.duration_s, DIAGNOSIS_SCALE):
                ordered = [*((task.id, i) for i in order), delivery]
                if ordered not in out:
                    out.append(ordered)
    return out


def stop_insertions(route: list[Visit], own: list[Visit]) -> list[list[Visit]]:
    """Pickups as one block at position i, the delivery at any later position."""
    *pickups, delivery = own
    out: list[list[Visit]] = []
    for i in range(len(route) + 1):
        with_pickups = route[:i] + pickups + route[i:]
        for j in range(i + len(pickups), len(with_pickups) + 1):
            out.append([*with_pickups[:j], delivery, *with_pickups[j:]])
    return out


def diagnose(
    problem: RoutingProblem,
    task: Task,
    routes: Mapping[str, list[Visit]],
    starts: Mapping[str, float],
    max_attempts: int = MAX_ATTEMPTS,
    *,
    deadline: float = math.inf,
) -> UnassignedTask:
    """The reason ``task`` is not served, given the routes as planned (vehicle id -> visits).

    At most ``max_attempts`` insertions into the planned routes are tried, and none
    after ``deadline`` (``time.perf_counter()`` seconds): the reason then rests on what
    was tried, or is ``search_limit`` when the deadline came before anything was.
    """
    if not problem.vehicles:
        return UnassignedTask(task.id, UnassignedReason.NO_VEHICLE, "the problem has no vehicle")
    carrier = problem.carrier(task.id)
    skilled = [
        v for v in problem.vehicles if task.skills <= v.skills or v.id == carrier
    ]  # a carrier keeps what it carries, skills or not
    if not skilled:
        need = ", ".join(sorted(task.skills))
        return UnassignedTask(task.id, UnassignedReason.SKILL, f"no vehicle has the skills {need}")
    forced = problem.forced_vehicle(task.id)
    if forced is not None:
        skilled = [v for v in skilled if v.id == forced]
        if not skilled:
            what = (
                "carried by"
                if problem.carrier(task.id)
                else "pinned to"
                if task.id in problem.pinned
                else "locked to"
            )
            return UnassignedTask(
                task.id,
                UnassignedReason.PINNED,
                f"{what} {forced!r}, which lacks the skills it needs",
            )
    # Alone on a route, the order of its shops is all that matters: try the good ones.
    sequences = candidate_visits(problem, task)
    alone_blocks: list[Breach] = []
    fits: list[list[Visit]] = []
    cut = False  # whether the deadline stopped the diagnosis
    for own in sequences:
        for v in skilled:
            if time.perf_counter() > deadline:
                cut = True
                break
            ev = evaluate_route(problem, v, own)
            if not ev.feasible:
                alone_blocks.append(_first_breach(ev.breaches))
            elif own not in fits:
                fits.append(own)
    if not fits:
        if not alone_blocks:
            return _out_of_time(task)
        context = "no vehicle tried before the time limit" if cut else "no vehicle"
        return _verdict(task, alone_blocks, f"{context} can serve it even alone")
    route_blocks: list[Breach] = []
    best_extra: float | None = None
    attempts = 0
    for v in skilled:
        route = list(routes.get(v.id, []))
        start = starts.get(v.id, v.shift.start_s)
        before = evaluate_route(problem, v, route, start).cost.total if route else 0.0
        for candidate in (c for own in fits for c in stop_insertions(route, own)):
            attempts += 1
            if attempts > max_attempts:
                break
            if time.perf_counter() > deadline:
                cut = True
                break
            ev = evaluate_route(problem, v, candidate, start)
            if ev.feasible:
                extra = ev.cost.total - before
                best_extra = extra if best_extra is None else min(best_extra, extra)
            else:
                route_blocks.append(_first_breach(ev.breaches))
    if best_extra is None:
        if not route_blocks:
            return _out_of_time(task)
        context = "no planned route tried before the time limit" if cut else "no planned route"
        return _verdict(task, route_blocks, f"{context} has room for it")
    if not problem.must_serve(task.id) and best_extra > (task.drop_penalty or 0.0):
        return UnassignedTask(
            task.id,
            UnassignedReason.NOT_WORTH_PENALTY,
            f"serving it costs at least {best_extra:.2f} more; "
            f"its drop penalty is {task.drop_penalty:.2f}",
        )
    return UnassignedTask(
        task.id,
        UnassignedReason.SEARCH_LIMIT,
        f"it fits at an extra cost of {best_extra:.2f}; the search stopped before inserting it "
        "(raise the time limit)",
    )


def _out_of_time(task: Task) -> UnassignedTask:
    return UnassignedTask(
        task.id,
        UnassignedReason.SEARCH_LIMIT,
        "the time limit ended before it could be placed or diagnosed (raise the time limit)",
    )


def _verdict(task: Task, blocks: list[Breach], context: str) -> UnassignedTask:
    counts = Counter(b.kind for b in blocks)
    kind = max(counts, key=lambda k: (counts[k], -_rank(k)))
    example = next(b for b in blocks if b.kind is kind)
    return UnassignedTask(task.id, UnassignedReason(kind.value), f"{context}: {example.detail}")


def _rank(kind: BreachKind) -> int:
    return _PRIORITY.index(kind) if kind in _PRIORITY else len(_PRIORITY)
