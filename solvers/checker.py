"""The independent checker: recompute feasibility and cost of a solution from the problem.

It uses no OR-Tools and nothing the solver computed except the routes' visit order and
departure times: every time, load, distance and cost is recomputed and compared.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from solvers.evaluate import RouteEvaluation, Visit, evaluate_route, route_cost
from solvers.problem import RoutingProblem
from solvers.solution import CostBreakdown, Route, RoutingSolution

_COST_REL_TOL = 1e-6


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule: its kind, the task or vehicle it concerns, and what is wrong."""

    kind: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} [{self.subject}]: {self.detail}"


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every violation found and the recomputed cost."""

    violations: tuple[Violation, ...]
    cost: CostBreakdown

    @property
    def ok(self) -> bool:
        """Whether the solution breaks no rule."""
        return not self.violations


def check(problem: RoutingProblem, solution: RoutingSolution) -> CheckReport:
    """Recompute every constraint and cost term of ``solution`` from ``problem``.

    Kinds: ``unknown_vehicle``, ``duplicate_route``, ``unknown_task``, ``duplicate_stop``,
    ``partial_task`` (some stops served, not all), ``split_task`` (stops on two vehicles),
    ``precedence`` (delivery before a pickup), ``coverage`` (neither served nor
    unassigned, or both), ``on_board`` (an on-board task's pickup revisited or its delivery
    elsewhere), ``partly_picked`` (a partly picked task's done pickup revisited, or its
    remaining stops incomplete or on another vehicle), ``prefix`` (locked prefix not
    kept), ``pinned``, the route constraints (``time_window``, ``capacity``, ``skill``,
    ``ride_time``, ``shift``, ``max_duration``, ``max_distance``), ``reported`` (a time,
    load or distance differs from the recomputation) and ``cost`` (the objective differs).
    """
    out: list[Violation] = []
    vehicles = {v.id: v for v in problem.vehicles}
    tasks = {t.id: t for t in problem.tasks}
    served_on: dict[str, set[str]] = {}
    visits_by_task: dict[str, list[int]] = {}
    fixed = distance = time = lateness = 0.0
    seen_routes: Counter[str] = Counter()
    for route in solution.routes:
        seen_routes[route.vehicle_id] += 1
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            out.append(
                Violation(
                    "unknown_vehicle", route.vehicle_id, "route of a vehicle not in the problem"
                )
            )
            continue
        visits: list[Visit] = []
        for stop in route.stops:
            task = tasks.get(stop.task_id)
            if task is None or not 0 <= stop.stop_index <= len(task.pickups):
                out.append(
                    Violation(
                        "unknown_task",
                        stop.task_id,
                        f"stop {stop.stop_index} is not in the problem",
                    )
                )
                continue
            visits.append((stop.task_id, stop.stop_index))
            served_on.setdefault(stop.task_id, set()).add(route.vehicle_id)
            visits_by_task.setdefault(stop.task_id, []).append(stop.stop_index)
        ev = evaluate_route(problem, vehicle, visits, route.start_s)
        out.extend(Violation(b.kind, route.vehicle_id, b.detail) for b in ev.breaches)
        _compare_reported(route.vehicle_id, route, ev, out)
        _check_locks(problem, route.vehicle_id, visits, out)
        f, d, t = route_cost(vehicle, ev)
        fixed, distance, time, lateness = (
            fixed + f,
            distance + d,
            time + t,
            lateness + ev.lateness_cost,
        )
        # Precedence within this route.
        for task_id in {tid for tid, _ in visits}:
            task = tasks[task_id]
            order = [i for tid, i in visits if tid == task_id]
            k = len(task.pickups)
            if k in order and any(i != k and pos > order.index(k) for pos, i in enumerate(order)):
                out.append(Violation("precedence", task_id, "a pickup comes after the delivery"))
    for vid, n in seen_routes.items():
        if n > 1:
            out.append(Violation("duplicate_route", vid, f"{n} routes for one vehicle"))
    # Carried tasks, recomputed from the locks: vehicle, and the stops left to serve.
    on_board = {tid: lock.vehicle_id for lock in problem.locks for tid in lock.on_board}
    partly = {tid: lock.vehicle_id for lock in problem.locks for tid in lock.pickups_done}
    done_pickups = {
        tid: set(done) for lock in problem.locks for tid, done in lock.pickups_done.items()
    }
    unassigned = Counter(u.task_id for u in solution.unassigned)
    for tid, n in unassigned.items():
        if tid not in tasks:
            out.append(Violation("unknown_task", tid, "unassigned task not in the problem"))
        elif n > 1:
            out.append(Violation("coverage", tid, "listed as unassigned more than once"))
    drop = 0.0
    for task in problem.tasks:
        stops = visits_by_task.get(task.id, [])
        if task.id in on_board:
            expected = [len(task.pickups)]
        else:
            done = done_pickups.get(task.id, set())
            expected = [i for i in range(len(task.pickups) + 1) if i not in done]
        carrier = on_board.get(task.id) or partly.get(task.id)
        if stops:
            counts = Counter(stops)
            if any(n > 1 for n in counts.values()):
                out.append(Violation("duplicate_stop", task.id, "a stop is visited more than once"))
            if sorted(counts) != expected:
                kind = (
                    "on_board"
                    if task.id in on_board
                    else "partly_picked"
                    if task.id in partly
                    else "partial_task"
                )
                out.append(
                    Violation(kind, task.id, f"stops served {sorted(counts)}, expected {expected}")
                )
            if len(served_on[task.id]) > 1:
                out.append(
                    Violation("split_task", task.id, f"served by {sorted(served_on[task.id])}")
                )
            if task.id in unassigned:
                out.append(Violation("coverage", task.id, "both served and listed as unassigned"))
            if carrier is not None and served_on[task.id] != {carrier}:
                kind = "on_board" if task.id in on_board else "partly_picked"
                out.append(Violation(kind, task.id, f"must be served by {carrier!r}"))
            pin = problem.pinned.get(task.id)
            if pin is not None and served_on[task.id] != {pin}:
                out.append(
                    Violation(
                        "pinned",
                        task.id,
                        f"pinned to {pin!r}, served by {sorted(served_on[task.id])}",
                    )
                )
        elif task.id not in unassigned:
            out.append(Violation("coverage", task.id, "neither served nor listed as unassigned"))
        else:
            drop += task.drop_penalty or 0.0
    cost = CostBreakdown(
        fixed=fixed, distance=distance, time=time, lateness=lateness, drop_penalty=drop
    )
    if not math.isclose(cost.total, solution.cost.total, rel_tol=_COST_REL_TOL, abs_tol=1e-6):
        out.append(
            Violation(
                "cost",
                "solution",
                f"reported total {solution.cost.total!r}, recomputed {cost.total!r}",
            )
        )
    return CheckReport(violations=tuple(out), cost=cost)


def _compare_reported(vid: str, route: Route, ev: RouteEvaluation, out: list[Violation]) -> None:
    if len(route.stops) != len(ev.stops):
        return
    for reported, computed in zip(route.stops, ev.stops, strict=True):
        for name in ("arrival_s", "start_s", "departure_s", "lateness_s"):
            a, b = getattr(reported, name), getattr(computed, name)
            if abs(a - b) > 1e-3:
                out.append(
                    Violation(
                        "reported",
                        vid,
                        f"task {reported.task_id!r} stop {reported.stop_index}: "
                        f"{name} {a!r}, recomputed {b!r}",
                    )
                )
        if any(
            abs(a - b) > 1e-6 for a, b in zip(reported.load, computed.load, strict=False)
        ) or len(reported.load) != len(computed.load):
            out.append(
                Violation(
                    "reported",
                    vid,
                    f"task {reported.task_id!r} stop {reported.stop_index}: "
                    f"load {reported.load}, recomputed {computed.load}",
                )
            )
    if abs(route.distance_m - ev.distance_m) > 1e-6 * max(1.0, ev.distance_m):
        out.append(
            Violation(
                "reported", vid, f"distance {route.distance_m!r}, recomputed {ev.distance_m!r}"
            )
        )
    if abs(route.end_s - ev.end_s) > 1e-3:
        out.append(Violation("reported", vid, f"end {route.end_s!r}, recomputed {ev.end_s!r}"))


def _check_locks(
    problem: RoutingProblem, vid: str, visits: list[Visit], out: list[Violation]
) -> None:
    lock = problem.lock_of(vid)
    if lock is None or not lock.fixed_prefix:
        return
    prefix = list(lock.fixed_prefix)
    if visits[: len(prefix)] != prefix:
        out.append(
            Violation(
                "prefix",
                vid,
                f"route must start with {prefix}, starts with {visits[: len(prefix)]}",
            )
        )
