"""``solve(problem, params) -> RoutingSolution``: search with OR-Tools, then explain.

The search (in :mod:`solvers.ortools`) returns visit sequences and departures; routes
with multi-pickup tasks then get a stop-level pass (:mod:`solvers.improve`); every
time, load, distance and cost in the solution is then recomputed in exact float
arithmetic by :mod:`solvers.evaluate`, and each unassigned task gets its reason from
:mod:`solvers.reasons`.
"""

from __future__ import annotations

import time

from solvers.balance import balance_cost, rebalance
from solvers.budget import MIN_PART_S, Budget
from solvers.evaluate import Visit, evaluate_route
from solvers.improve import improve_route
from solvers.onboard import deliver_goods_on_board
from solvers.params import SolveParams
from solvers.portfolio import run_portfolio
from solvers.problem import RoutingProblem
from solvers.processes import worker_count
from solvers.reasons import MAX_ATTEMPTS, TOTAL_ATTEMPTS, diagnose
from solvers.repair import complete_partial_tasks
from solvers.rr import cache_is_warm, is_compiled, supports
from solvers.solution import CostBreakdown, Route, RoutingSolution, SolveStats, SolveStatus

# Weight of the passes after the search against the search's 1 in the budget rule: the
# stop-level pass on multi-pickup routes needs a real share (it was 15% of the limit
# before the budget rule, and kept the same share); other problems only evaluate.
POST_WEIGHT_MULTI_PICKUP = 0.15
POST_WEIGHT = 0.05
# real13c: a balance term gets the balance-aware pass (solvers.balance.rebalance), which
# moves tasks off the busiest route with exact evaluations.
POST_WEIGHT_BALANCE = 0.25


def own_search_expected(problem: RoutingProblem) -> bool:
    """search18c: whether the portfolio's OR-Tools members will run the own search
    (:mod:`solvers.rr`), whose single-stop relocation makes the Python stop-level pass
    after the search redundant: on MPDPTW that pass spent its 15% of the budget checking
    that no move helps (1,000 exact evaluations of a 30-stop route, 5 ms each)."""
    return supports(problem) and (is_compiled() or cache_is_warm())


def solve(problem: RoutingProblem, params: SolveParams | None = None) -> RoutingSolution:
    """Plan routes for ``problem``.

    Returns routes (vehicles with no stops omitted), unassigned tasks with reasons, the
    cost breakdown and statistics.  Infeasible tasks are a result, not an error.

    Raises:
        InvalidInputError: never for infeasibility; only a problem that was already
            invalid (it is validated when built) or bad ``params``.
    """
    params = params or SolveParams()
    started = time.perf_counter()
    budget = Budget.start(params.time_limit_s)
    if not problem.tasks:
        return RoutingSolution(
            (), (), CostBreakdown(), SolveStats(SolveStatus.EMPTY, 0.0, 0, params.seed, 0, 0)
        )
    # The budget rule (solvers.budget) between the search and the passes after it: the
    # repair of interleaved routes, the stop-level pass on routes with multi-pickup tasks
    # (solvers.improve), evaluation and reasons.  Those passes stop at the deadline.
    multi_pickup = any(len(t.pickups) > 1 for t in problem.tasks)
    post_weight = POST_WEIGHT_MULTI_PICKUP if multi_pickup else POST_WEIGHT
    if multi_pickup and own_search_expected(problem):  # search18c: its stop moves are done
        post_weight = POST_WEIGHT
    if problem.balance is not None and problem.balance.weight > 0:  # real13c
        post_weight = max(post_weight, POST_WEIGHT_BALANCE)
    deadline = budget.deadline_s
    routes_visits: dict[str, list[Visit]] = {}
    starts: dict[str, float] = {v.id: v.shift.start_s for v in problem.vehicles}
    objective, best_worker, status, fallback = 0, 0, SolveStatus.NO_SOLUTION, False
    member = ""
    stop_moves_done = False
    if problem.vehicles:
        # --- portfolio (solvers.portfolio): the members' best answer the checker accepts.
        pick = run_portfolio(problem, params, budget.part(1.0, 1.0 + post_weight), deadline)
        if pick.member >= 0:
            routes_visits, status = pick.routes, SolveStatus.SOLVED
            starts.update(pick.departures)
            objective, best_worker, fallback = pick.objective, pick.member, pick.fallback
            member = pick.name
            stop_moves_done = pick.stop_moves_done
        # --- end portfolio
    # A task is served whole or not at all (a cut-off search can leave a part out).
    routes_visits = complete_partial_tasks(problem, routes_visits, starts, deadline)
    # rel16: goods on board are delivered even when the search found nothing in time.
    routes_visits = deliver_goods_on_board(problem, routes_visits)
    # real13c: the balance-aware pass (moves tasks off the busiest route), with half of
    # the time left, before the stop-level pass polishes the routes it changed.
    if problem.balance is not None:
        half = time.perf_counter() + 0.5 * max(0.0, deadline - time.perf_counter())
        routes_visits, starts = rebalance(
            problem, routes_visits, starts, half, max_moves=params.iterations
        )
    # search18c: not on the own search's plan, whose kernels moved the stops already
    # (kernels.relocate_stops).
    if not stop_moves_done:
        for vehicle_id, sequence in routes_visits.items():
            if any(len(problem.task(t).pickups) > 1 for t, _ in sequence):
                routes_visits[vehicle_id] = improve_route(
                    problem, problem.vehicle(vehicle_id), sequence, starts[vehicle_id], deadline
                )
    routes: list[Route] = []
    for vehicle in problem.vehicles:
        visits = routes_visits.get(vehicle.id)
        if not visits:
            continue
        ev = evaluate_route(problem, vehicle, visits, starts[vehicle.id])
        routes.append(ev.as_route(problem, vehicle.id))
    served = {tid for visits in routes_visits.values() for tid, _ in visits}
    missing = [task for task in problem.tasks if task.id not in served]
    attempts = max(200, min(MAX_ATTEMPTS, TOTAL_ATTEMPTS // max(1, len(missing))))
    # rel-solver: the diagnosis ends by the deadline too, with the budget rule's floor
    # (MIN_PART_S) so a search that used its whole share still leaves reasons.
    explain_by = max(deadline, time.perf_counter() + MIN_PART_S)
    unassigned = tuple(
        diagnose(problem, task, routes_visits, starts, attempts, deadline=explain_by)
        for task in missing
    )
    drop = sum(problem.task(u.task_id).drop_penalty or 0.0 for u in unassigned)
    if not routes:
        status = SolveStatus.NO_SOLUTION
    cost = sum((route.cost for route in routes), CostBreakdown(drop_penalty=drop))
    cost += balance_cost(problem, routes)  # fleet13: workload balance
    stats = SolveStats(
        status=status,
        solve_s=time.perf_counter() - started,
        objective=objective,
        seed=params.seed,
        workers=worker_count(params.workers),  # rel-solver: the searches actually run
        best_worker=best_worker,
        fallback=fallback,
        member=member,
    )
    return RoutingSolution(tuple(routes), unassigned, cost, stats)
