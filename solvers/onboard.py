"""Goods on board are delivered whatever the search found (issue 16).

A search cut off before its first solution (a tiny budget, a loaded machine, a model
build stopped by the deadline) returns no routes, and goods a vehicle carries would be
left undelivered, which the checker rightly rejects.  :func:`deliver_goods_on_board`
puts every carried task missing from the routes at the end of its carrier's route (after
the carrier's locked prefix, with the rest of the prefix's tasks, when the route was
empty): late if need be, as the model, the evaluation and the checker allow for goods
on board (past windows, ride limits and the shift end).
"""

from __future__ import annotations

from collections.abc import Mapping

from solvers.evaluate import Visit
from solvers.problem import RoutingProblem
from solvers.reasons import own_visits


def deliver_goods_on_board(
    problem: RoutingProblem, routes: Mapping[str, list[Visit]]
) -> dict[str, list[Visit]]:
    """``routes`` (vehicle id -> visits) with every carried task on its carrier's route."""
    out = {vid: list(visits) for vid, visits in routes.items()}
    served = {tid for visits in out.values() for tid, _ in visits}
    for lock in problem.locks:
        carried = [
            tid for tid in dict.fromkeys((*lock.on_board, *lock.pickups_done)) if tid not in served
        ]
        if not carried:
            continue
        route = out.setdefault(lock.vehicle_id, [])
        if not route and lock.fixed_prefix:
            # Nothing goes before a locked prefix, and a task begun in it is completed.
            route.extend(lock.fixed_prefix)
            for tid in dict.fromkeys(t for t, _ in lock.fixed_prefix):
                route.extend(v for v in own_visits(problem, problem.task(tid)) if v not in route)
                served.add(tid)
        for tid in carried:
            if tid not in served:
                route.extend(own_visits(problem, problem.task(tid)))
                served.add(tid)
    return {vid: visits for vid, visits in out.items() if visits}
