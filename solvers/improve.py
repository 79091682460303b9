"""Stop-level improvement of one route after the search, in exact arithmetic.

The OR-Tools model serves the shops of a multi-pickup task back to back (pickup tours,
see :mod:`solvers.tours`), so a courier carrying two baskets from the same
shops would visit each shop twice.  This pass relocates single stops inside a route
(a pickup next to another task's pickup at the same shop, say) and keeps a move when
the route stays feasible and gets cheaper.  Pickups stay before their delivery and a
locked prefix stays where it is.  It needs nothing but the problem, like the checker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from solvers.evaluate import Visit, evaluate_route
from solvers.problem import RoutingProblem, Vehicle


def precedence_ok(problem: RoutingProblem, visits: Sequence[Visit]) -> bool:
    """Every pickup on the route comes before its task's delivery."""
    delivered: set[str] = set()
    for task_id, index in visits:
        if index == len(problem.task(task_id).pickups):
            delivered.add(task_id)
        elif task_id in delivered:
            return False
    return True


def improve_route(
    problem: RoutingProblem,
    vehicle: Vehicle,
    visits: Sequence[Visit],
    start_s: float,
    deadline: float,
) -> list[Visit]:
    """Relocate single stops of ``visits`` while that lowers the route's cost.

    First improvement, repeated until no move helps or ``time.perf_counter()`` passes
    ``deadline`` (seconds).  Returns the (possibly unchanged) visit order; it is never
    worse, and it is feasible whenever ``visits`` was.
    """
    if time.perf_counter() >= deadline:  # real13: not even the first evaluation late
        return list(visits)
    lock = problem.lock_of(vehicle.id)
    frozen = len(lock.fixed_prefix) if lock is not None else 0
    best = list(visits)
    best_cost = evaluate_route(problem, vehicle, best, start_s).feasible_cost
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for i in range(frozen, len(best)):
            rest = best[:i] + best[i + 1 :]
            for j in range(frozen, len(best)):
                if j == i:
                    continue
                # real13: checked per move, not per stop: one evaluation of a long route
                # with time-dependent travel took 1.5 s, and a stop's moves 150 s.
                if time.perf_counter() >= deadline:
                    break
                candidate = [*rest[:j], best[i], *rest[j:]]
                if not precedence_ok(problem, candidate):
                    continue
                cost = evaluate_route(problem, vehicle, candidate, start_s).feasible_cost
                if cost < best_cost - 1e-9:
                    best, best_cost, improved = candidate, cost, True
                    break
            if improved or time.perf_counter() >= deadline:
                break
    return best
