"""The workload balance term of the objective (:class:`solvers.problem.Balance`).

``weight`` times the largest workload over the routes: tasks delivered on a route, or
its duration in hours.  The solution's cost carries it as ``CostBreakdown.balance``;
:mod:`solvers.checker` recomputes it on its own from the reported routes.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence

from core.limits import MAX_MONEY
from solvers.evaluate import RouteEvaluation, Visit, evaluate_route
from solvers.problem import RoutingProblem, Stop, Task, Vehicle
from solvers.solution import CostBreakdown, Route, StopKind


def route_workload(by: str, route: Route) -> float:
    """A route's workload: tasks delivered (``"tasks"``) or hours (``"hours"``)."""
    if by == "tasks":
        return float(sum(1 for stop in route.stops if stop.kind is StopKind.DELIVERY))
    return route.duration_s / 3600.0


def balance_cost(problem: RoutingProblem, routes: Sequence[Route]) -> CostBreakdown:
    """The balance term of these routes (zero without ``problem.balance``)."""
    balance = problem.balance
    if balance is None or not routes:
        return CostBreakdown()
    busiest = max(route_workload(balance.by, r) for r in routes)
    return CostBreakdown(balance=balance.weight * busiest)


# --- real13: drop penalties dominate the balance term ------------------------------------
def balance_saving_bound(problem: RoutingProblem) -> float:
    """The most the balance term can fall when one more task is left out, money: the
    weight times one task (``tasks``: the busiest route loses at most one), or times
    the longest route any vehicle may drive, in hours (``hours``: its shift or its
    ``max_duration_s``, whichever is shorter); 0 without a balance term."""
    balance = problem.balance
    if balance is None or balance.weight <= 0:
        return 0.0
    if balance.by == "tasks":
        return balance.weight
    longest_s = max(
        (
            min(v.shift.end_s - v.shift.start_s, v.max_duration_s or math.inf)
            for v in problem.vehicles
        ),
        default=0.0,
    )
    return min(MAX_MONEY, balance.weight * longest_s / 3600.0)


def with_dominant_penalties(problem: RoutingProblem) -> RoutingProblem:
    """``problem`` with every optional task's drop penalty raised by
    :func:`balance_saving_bound`, so that leaving a task out can never pay for itself
    through the balance term: a balanced plan serves every order the plan without the
    term would serve (on the same search), and trades only route cost for balance.
    Required tasks and problems without a balance term come back unchanged.  The
    raised penalties are the problem's own, so the evaluation, the OR-Tools model and
    the checker all price them alike."""
    extra = balance_saving_bound(problem)
    if extra <= 0:
        return problem
    tasks = tuple(
        task
        if task.drop_penalty is None
        else dataclasses.replace(task, drop_penalty=min(MAX_MONEY, task.drop_penalty + extra))
        for task in problem.tasks
    )
    return dataclasses.replace(problem, tasks=tasks)


# --- end real13 ---------------------------------------------------------------------------


# --- real13c: the balance-aware pass after the search -------------------------------------
#: Target routes tried per task moved off the busiest route, least loaded first.
REBALANCE_TARGETS = 10
#: Stops of the target route at most between a moved task's pickups and its delivery.
REBALANCE_GAP = 6
#: A moved task's pickups go in only before stops that start at most this long before
#: its delivery's window opens (seconds): earlier places make it wait for its window.
REBALANCE_EARLY_S = 3600.0


def _insertions(
    task: Task, route: Sequence[Visit], ev: RouteEvaluation, own: Sequence[Visit]
) -> list[list[Visit]]:
    """Where a moved task may go on a route (:func:`solvers.reasons.stop_insertions`,
    pruned by time): its pickups as one block after a stop that ends by its delivery's
    latest start and before one that starts at most :data:`REBALANCE_EARLY_S` ahead of
    its window, its delivery at most :data:`REBALANCE_GAP` stops after them.  Only a
    guide to the candidates: each is evaluated exactly."""
    *pickups, delivery = own
    latest = task.delivery.latest_s
    earliest = task.delivery.earliest_s
    times = ev.stops if len(ev.stops) == len(route) else None
    out: list[list[Visit]] = []
    for i in range(len(route) + 1):
        if times is not None:
            if i > 0 and times[i - 1].departure_s > latest:
                break
            if i < len(route) and times[i].start_s + REBALANCE_EARLY_S < earliest:
                continue
        with_pickups = [*route[:i], *pickups, *route[i:]]
        first = i + len(pickups)
        for j in range(first, min(len(with_pickups), first + REBALANCE_GAP) + 1):
            out.append([*with_pickups[:j], delivery, *with_pickups[j:]])
    return out


def _route_workload(
    by: str, visits: Sequence[Visit], ev: RouteEvaluation, problem: RoutingProblem
) -> float:
    if by == "tasks":
        return float(sum(1 for tid, i in visits if i == len(problem.task(tid).pickups)))
    return ev.duration_s / 3600.0 if visits else 0.0


def _stop(problem: RoutingProblem, visit: Visit) -> Stop:
    task = problem.task(visit[0])
    return task.delivery if visit[1] == len(task.pickups) else task.pickups[visit[1]]


def _just_in_time_s(problem: RoutingProblem, vehicle: Vehicle, visits: Sequence[Visit]) -> float:
    """A departure that reaches the first stop about when its window opens: its
    window's start less half as much again as the free-flow ride there (slower hours)
    and a minute, never before the shift starts.  A new route left at the shift's start
    would pay for the wait until its first order."""
    first = _stop(problem, visits[0])
    ride_s = float(problem.matrices[vehicle.profile].duration_s[vehicle.start, first.location])
    return max(vehicle.shift.start_s, first.earliest_s - 1.5 * ride_s - 60.0)


def rebalance(
    problem: RoutingProblem,
    routes: Mapping[str, list[Visit]],
    starts: Mapping[str, float],
    deadline_s: float,
    max_moves: int | None = None,
) -> tuple[dict[str, list[Visit]], dict[str, float]]:
    """Move whole tasks off the busiest route while the objective with the balance term
    drops; (vehicle id -> visits, vehicle id -> departure), as given when nothing helps
    (or without a balance term).  A route that gets a new first stop leaves just in time
    for it (:func:`_just_in_time_s`) when that is feasible.

    Guided local search prices the balance term only through the busiest route, and on
    a day whose work sits on one courier it finds no single move that shortens that route
    and pays (seen on a generated 120-order day: 53 orders on one courier at every
    weight).  This pass works on the busiest route directly: each of its tasks (not locked
    in a fixed prefix, not forced onto it) is taken out whole and inserted at its cheapest
    feasible place on one of the :data:`REBALANCE_TARGETS` least loaded routes it may
    ride (skills; empty routes of idle vehicles included; the places tried are pruned by
    time, :func:`_insertions`); the move is kept when the
    total (every route's ranking cost, :attr:`RouteEvaluation.ranking_cost`, plus
    ``weight`` times the busiest workload), evaluated exactly, falls, or when it stays
    within ``weight`` while fewer routes share the largest workload (the next move can
    then lower it).  The best total seen is returned, so the answer is never worse than
    the search's.  Tasks are only moved, never dropped, so every order served stays
    served.  Stops at ``deadline_s`` (``time.perf_counter()`` seconds) or after
    ``max_moves`` moves (None: no count; a count makes the answer independent of the
    machine's load when the deadline is not reached)."""
    balance = problem.balance
    if balance is None or balance.weight <= 0 or len(problem.vehicles) < 2:
        return {vid: list(v) for vid, v in routes.items()}, dict(starts)
    by, weight = balance.by, balance.weight
    current = {v.id: list(routes.get(v.id, [])) for v in problem.vehicles}
    start_of = {v.id: starts.get(v.id, v.shift.start_s) for v in problem.vehicles}
    evals = {
        vid: evaluate_route(problem, problem.vehicle(vid), visits, start_of[vid])
        for vid, visits in current.items()
    }

    def route_cost(visits: Sequence[Visit], ev: RouteEvaluation) -> float:
        return ev.ranking_cost if visits else 0.0

    def total(loads: Mapping[str, float], costs: Mapping[str, float]) -> float:
        return sum(costs.values()) + weight * max(loads.values())

    loads = {vid: _route_workload(by, current[vid], evals[vid], problem) for vid in current}
    costs = {vid: route_cost(current[vid], evals[vid]) for vid in current}
    if not all(evals[vid].feasible for vid in current if current[vid]):
        return {vid: list(v) for vid, v in routes.items()}, dict(starts)  # feasible plans only
    best_total = total(loads, costs)
    best = {vid: list(v) for vid, v in current.items()}
    best_starts = dict(start_of)
    locked = {tid for lock in problem.locks for tid, _ in lock.fixed_prefix}
    tried: set[tuple[str, str]] = set()  # (task, from vehicle) moves that found nothing
    moves = 0
    while time.perf_counter() < deadline_s and (max_moves is None or moves < max_moves):
        top = max(loads.values())
        if top <= 0:
            break
        busiest = [vid for vid in current if loads[vid] == top]
        moved = False
        for source in busiest:
            visits = current[source]
            tasks = list(dict.fromkeys(tid for tid, _ in visits))
            for tid in tasks:
                if time.perf_counter() >= deadline_s or (tid, source) in tried:
                    continue
                task = problem.task(tid)
                if tid in locked or problem.carrier(tid) is not None:
                    continue
                if problem.forced_vehicle(tid) is not None:
                    continue
                own = [v for v in visits if v[0] == tid]
                rest = [v for v in visits if v[0] != tid]
                src_vehicle = problem.vehicle(source)
                ev_rest = evaluate_route(problem, src_vehicle, rest, start_of[source])
                if rest and not ev_rest.feasible:
                    continue
                targets = sorted(
                    (
                        v.id
                        for v in problem.vehicles
                        if v.id != source and task.skills <= v.skills and loads[v.id] < top
                    ),
                    key=lambda vid: (loads[vid], vid),
                )[:REBALANCE_TARGETS]
                found: tuple[float, str, list[Visit], RouteEvaluation, float] | None = None
                for target in targets:
                    vehicle = problem.vehicle(target)
                    lock = problem.lock_of(target)
                    prefix = list(lock.fixed_prefix) if lock is not None else []
                    for candidate in _insertions(task, current[target], evals[target], own):
                        if time.perf_counter() >= deadline_s:
                            break
                        if candidate[: len(prefix)] != prefix:
                            continue
                        start = start_of[target]
                        if not prefix and (
                            not current[target] or candidate[0] != current[target][0]
                        ):
                            # A new first stop: leave for it just in time (a locked
                            # route keeps its departure).
                            start = _just_in_time_s(problem, vehicle, candidate)
                        ev = evaluate_route(problem, vehicle, candidate, start)
                        if not ev.feasible and start != start_of[target]:
                            start = start_of[target]
                            ev = evaluate_route(problem, vehicle, candidate, start)
                        if not ev.feasible:
                            continue
                        extra = ev.ranking_cost - costs[target]
                        if found is None or extra < found[0]:
                            found = (extra, target, candidate, ev, start)
                if found is None:
                    tried.add((tid, source))
                    continue
                _, target, candidate, ev, start = found
                new_loads = dict(loads)
                new_costs = dict(costs)
                new_loads[source] = _route_workload(by, rest, ev_rest, problem)
                new_costs[source] = route_cost(rest, ev_rest)
                new_loads[target] = _route_workload(by, candidate, ev, problem)
                new_costs[target] = route_cost(candidate, ev)
                old = total(loads, costs)
                new = total(new_loads, new_costs)
                fewer_at_top = max(new_loads.values()) == top and sum(
                    1 for x in new_loads.values() if x == top
                ) < len(busiest)
                if new < old - 1e-9 or (fewer_at_top and new <= old + weight):
                    current[source], current[target] = rest, candidate
                    evals[source], evals[target] = ev_rest, ev
                    start_of[target] = start
                    loads, costs = new_loads, new_costs
                    tried.clear()
                    moved = True
                    moves += 1
                    if new < best_total - 1e-9:
                        best_total = new
                        best = {vid: list(v) for vid, v in current.items()}
                        best_starts = dict(start_of)
                    break
                tried.add((tid, source))
            if moved:
                break
        if not moved:
            break
    return {vid: visits for vid, visits in best.items() if visits}, best_starts


# --- end real13c ---------------------------------------------------------------------------
