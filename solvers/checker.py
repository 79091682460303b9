"""The independent checker: recompute feasibility and cost of a solution from the problem.

It imports the problem, the solution and its own route replay
(:mod:`solvers.checker_route`) and nothing else of the solver: not OR-Tools, and not
:mod:`solvers.evaluate`, which builds the solutions it checks.  It takes from the
solution only what a dispatcher would hand a courier (each route's visits, its departure
and each stop's start of service) and recomputes every arrival, load, distance and cost
with its own arithmetic, then compares the reported figures.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from solvers.checker_route import VALUE_TOL, ViolationKind, replay_route
from solvers.problem import RoutingProblem
from solvers.solution import CostBreakdown, RoutingSolution, UnassignedReason


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule: its kind, the task or vehicle it concerns, and what is wrong."""

    kind: ViolationKind
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
    ``precedence`` (a pickup after its delivery), ``coverage`` (neither served nor
    unassigned, or both), ``on_board`` (an on-board task's pickup revisited, its
    delivery elsewhere, or left unassigned for whatever reason), ``partly_picked`` (a
    partly picked task's done pickup revisited, its remaining stops incomplete or on
    another vehicle, or left unassigned), ``prefix`` (locked prefix
    not kept), ``pinned``, ``must_serve`` (locked or required work left out as not worth
    its penalty), the route constraints (``time_window``, ``capacity``, ``skill``,
    ``ride_time``, ``shift``, ``max_duration``, ``max_distance``, ``break``: each of a
    vehicle's breaks taken within its window at a stop or the start, or fitting off the
    route; a vehicle overloaded by
    what it carries is not held to its capacity but may take no new work, and goods it
    carries are not held to their windows, ride limits or skills; a vehicle with goods on
    board may end past its shift end, but its other work must end by it), ``reported`` (a time,
    load or distance differs from the recomputation), ``route_cost`` (a route's cost
    differs) and ``cost`` (the solution's cost differs, term by term or in total; the
    workload balance term of ``problem.balance`` recomputed from the routes).
    Never raises for a bad solution: everything wrong is a violation.
    """
    out: list[Violation] = []
    vehicles = {v.id: v for v in problem.vehicles}
    tasks = {t.id: t for t in problem.tasks}
    served_on: dict[str, set[str]] = {}
    visits_by_task: dict[str, list[int]] = {}
    routes_cost = CostBreakdown()
    workloads: list[float] = []  # fleet13: each route's workload for the balance term
    seen_routes: Counter[str] = Counter()
    for route in solution.routes:
        seen_routes[route.vehicle_id] += 1
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            out.append(
                Violation(
                    ViolationKind.UNKNOWN_VEHICLE,
                    route.vehicle_id,
                    "route of a vehicle not in the problem",
                )
            )
            continue

        def report(kind: ViolationKind, detail: str, vid: str = route.vehicle_id) -> None:
            out.append(Violation(kind, vid, detail))

        replayed = replay_route(problem, vehicle, route, report)
        visits = list(replayed.visits)
        routes_cost += replayed.cost
        workloads.append(_workload(problem, replayed.visits, replayed.duration_s))
        for task_id, index in visits:
            served_on.setdefault(task_id, set()).add(route.vehicle_id)
            visits_by_task.setdefault(task_id, []).append(index)
        _check_prefix(problem, route.vehicle_id, visits, out)
        for task_id in dict.fromkeys(tid for tid, _ in visits):
            delivery = len(tasks[task_id].pickups)
            order = [i for tid, i in visits if tid == task_id]
            if delivery in order and any(i != delivery for i in order[order.index(delivery) :]):
                out.append(
                    Violation(
                        ViolationKind.PRECEDENCE, task_id, "a pickup comes after the delivery"
                    )
                )
    for vid, n in seen_routes.items():
        if n > 1:
            out.append(Violation(ViolationKind.DUPLICATE_ROUTE, vid, f"{n} routes for one vehicle"))
    for lock in problem.locks:
        if lock.fixed_prefix and lock.vehicle_id not in seen_routes:
            out.append(
                Violation(
                    ViolationKind.PREFIX,
                    lock.vehicle_id,
                    f"no route, but must start with {lock.fixed_prefix}",
                )
            )
    # Carried tasks, recomputed from the locks: vehicle, and the stops left to serve.
    on_board = {tid: lock.vehicle_id for lock in problem.locks for tid in lock.on_board}
    partly = {tid: lock.vehicle_id for lock in problem.locks for tid in lock.pickups_done}
    done_pickups = {
        tid: set(done) for lock in problem.locks for tid, done in lock.pickups_done.items()
    }
    in_prefix = {tid for lock in problem.locks for tid, _ in lock.fixed_prefix}
    unassigned = Counter(u.task_id for u in solution.unassigned)
    reasons = {u.task_id: u.reason for u in solution.unassigned}
    for tid, n in unassigned.items():
        if tid not in tasks:
            out.append(
                Violation(ViolationKind.UNKNOWN_TASK, tid, "unassigned task not in the problem")
            )
        elif n > 1:
            out.append(
                Violation(ViolationKind.COVERAGE, tid, "listed as unassigned more than once")
            )
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
                out.append(
                    Violation(
                        ViolationKind.DUPLICATE_STOP, task.id, "a stop is visited more than once"
                    )
                )
            if sorted(counts) != expected:
                kind = (
                    ViolationKind.ON_BOARD
                    if task.id in on_board
                    else ViolationKind.PARTLY_PICKED
                    if task.id in partly
                    else ViolationKind.PARTIAL_TASK
                )
                out.append(
                    Violation(kind, task.id, f"stops served {sorted(counts)}, expected {expected}")
                )
            if len(served_on[task.id]) > 1:
                out.append(
                    Violation(
                        ViolationKind.SPLIT_TASK, task.id, f"served by {sorted(served_on[task.id])}"
                    )
                )
            if task.id in unassigned:
                out.append(
                    Violation(
                        ViolationKind.COVERAGE, task.id, "both served and listed as unassigned"
                    )
                )
            if carrier is not None and served_on[task.id] != {carrier}:
                kind = (
                    ViolationKind.ON_BOARD if task.id in on_board else ViolationKind.PARTLY_PICKED
                )
                out.append(Violation(kind, task.id, f"must be served by {carrier!r}"))
            pin = problem.pinned.get(task.id)
            if pin is not None and served_on[task.id] != {pin}:
                out.append(
                    Violation(
                        ViolationKind.PINNED,
                        task.id,
                        f"pinned to {pin!r}, served by {sorted(served_on[task.id])}",
                    )
                )
        elif task.id not in unassigned:
            out.append(
                Violation(
                    ViolationKind.COVERAGE, task.id, "neither served nor listed as unassigned"
                )
            )
        else:
            drop += task.drop_penalty or 0.0
            if carrier is not None:
                # Goods on board are delivered by their vehicle, whatever else happens:
                # no reason makes leaving them out a plan.
                kind = (
                    ViolationKind.ON_BOARD if task.id in on_board else ViolationKind.PARTLY_PICKED
                )
                out.append(
                    Violation(
                        kind,
                        task.id,
                        f"items on board of {carrier!r} are left undelivered "
                        f"(given reason: {reasons[task.id]})",
                    )
                )
            locked = task.drop_penalty is None or carrier is not None or task.id in in_prefix
            if locked and reasons[task.id] is UnassignedReason.NOT_WORTH_PENALTY:
                out.append(
                    Violation(
                        ViolationKind.MUST_SERVE,
                        task.id,
                        "required or locked work is left out as not worth its penalty",
                    )
                )
    cost = routes_cost + CostBreakdown(drop_penalty=drop)
    if problem.balance is not None and workloads:
        cost += CostBreakdown(balance=problem.balance.weight * max(workloads))
    _compare_cost(solution.cost, cost, out)
    return CheckReport(violations=tuple(out), cost=cost)


def _workload(
    problem: RoutingProblem, visits: tuple[tuple[str, int], ...], duration_s: float
) -> float:
    """A route's workload for ``problem.balance``: deliveries made (``tasks``) or its
    recomputed duration in hours (``hours``); 0 without a balance term."""
    if problem.balance is None:
        return 0.0
    if problem.balance.by == "tasks":
        known = {t.id: len(t.pickups) for t in problem.tasks}
        return float(sum(1 for tid, i in visits if known.get(tid) == i))
    return duration_s / 3600.0


def _compare_cost(reported: CostBreakdown, computed: CostBreakdown, out: list[Violation]) -> None:
    for term in ("fixed", "distance", "time", "lateness", "drop_penalty", "balance"):
        said, recomputed = getattr(reported, term), getattr(computed, term)
        if not math.isclose(said, recomputed, rel_tol=VALUE_TOL, abs_tol=VALUE_TOL):
            out.append(
                Violation(
                    ViolationKind.COST,
                    "solution",
                    f"reported {term} {said!r}, recomputed {recomputed!r}",
                )
            )
    if not math.isclose(reported.total, computed.total, rel_tol=VALUE_TOL, abs_tol=VALUE_TOL):
        out.append(
            Violation(
                ViolationKind.COST,
                "solution",
                f"reported total {reported.total!r}, recomputed {computed.total!r}",
            )
        )


def _check_prefix(
    problem: RoutingProblem, vid: str, visits: list[tuple[str, int]], out: list[Violation]
) -> None:
    lock = problem.lock_of(vid)
    if lock is None or not lock.fixed_prefix:
        return
    prefix = list(lock.fixed_prefix)
    if visits[: len(prefix)] != prefix:
        out.append(
            Violation(
                ViolationKind.PREFIX,
                vid,
                f"route must start with {prefix}, starts with {visits[: len(prefix)]}",
            )
        )
