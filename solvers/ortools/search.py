"""One OR-Tools search configuration (the portfolio's OR-Tools member) and its routes.

:func:`run_worker` builds its own model (OR-Tools objects cannot cross processes), runs
the configuration of its worker number and reads the routes back;
:mod:`solvers.portfolio` runs members in parallel processes and keeps the best checked
answer, ties going to the earlier member, so the result does not depend on which
process finishes first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solvers.budget import Budget
from solvers.evaluate import Visit
from solvers.ortools.model import TIME, build_model
from solvers.params import SolveParams
from solvers.problem import RoutingProblem
from solvers.repair import repair_routes
from solvers.rr import ensure_compiled, improve, is_compiled, load_within, supports
from solvers.rr.search import config_for_worker
from solvers.travel_time import static_bound

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
_STATUS = routing_enums_pb2.RoutingSearchStatus
# Worker configurations: (first solution strategy, metaheuristic, interleave).  Cheapest
# insertion suits pickup-and-delivery; the second worker builds its first solution with
# the savings heuristic.  Measured on the model with one start/end node per location: the
# 29 shared Solomon instances, one worker, 250 local-search solutions, total vehicles /
# mean distance gap (%) to the hierarchical BKS / CPU s over the 29:
#   insertion + GLS 255 / 0.79 / 111   savings + GLS 268 / -0.02 / 156
#   path cheapest arc + GLS 278 / 1.06 / 76   path cheapest arc + tabu 278 / 0.80 / 84
# Two workers (the engine keeps the shorter plan): insertion with savings 262 vehicles and
# -0.91%, with path-cheapest-arc 271 and -0.57% (vehicles then distance, better on 13
# instances, worse on 4).  Savings spends more CPU per solution, but side by side at a
# 3 s wall-clock limit it still used 266 vehicles against 275 (better on 16, worse on 6).
# Held out, Li & Lim 100 (125 solutions, about 10 CPU s there): 241 vehicles with either
# partner, mean gap 4.63% with savings and 4.30% with path-cheapest-arc (insertion wins
# most of these); side by side at 3 s, 240 vehicles and 4.98% against 245 and 5.26%.
# Problems with multi-pickup tasks run both models of those tasks: pickup tours (always
# whole) and interleaved stops (better routes, repaired after the search).
#
# GLS lambda, re-tuned on the same protocol at 0.05 | 0.1 | 0.2 | 0.3 (vehicles / gap):
#   insertion          257 / 1.13 | 259 / 0.73 | 255 / 0.79 | 257 / 0.61
#   path cheapest arc  277 / 0.75 | 278 / 0.76 | 278 / 1.06 | 277 / 0.62
# 0.2 keeps the fewest vehicles for insertion (per instance, vehicles then distance, it
# beats 0.1 on 12 and loses on 6); the other differences are within noise.  On four
# MPDPTW instances (too few to tune on) the pickup-tour model gave the same plans at every
# lambda and the interleaved one its lowest mean gap at 0.2 (6.2% against 11.2% at 0.1).
GLS_LAMBDA = 0.2
# The search runs in two phases: the configured first-solution strategy, then the
# metaheuristic from that solution.  A first-solution heuristic stopped by the time limit
# returns every order unperformed (seen with parallel cheapest insertion, which needed
# 0.67 s for 203 orders and 100 couriers, on a 0.2 s limit), so when phase one ends at
# its limit this strategy builds the first solution instead: local cheapest insertion
# inserts each pair once, in about a third of the time.
FALLBACK_FIRST = _FIRST.LOCAL_CHEAPEST_INSERTION
# The worker's budget is shared by the budget rule (solvers.budget) among three parts of
# equal weight: the first solution, the fallback (only when the first was cut off and
# left orders out) and the improvement; a part that ends early leaves its time to the
# next.  With thirds, whenever the first solution alone would fit in the whole budget
# (T < B), the fallback (about T / 3) fits in its third.  A small problem whose
# constraints the insertion filters do not see (a ride-time limit) also makes phase one
# run to its limit, so the fallback is kept only if it serves more.
PHASE_WEIGHT = 1.0
# Phase two runs only with at least this much of the budget left.
MIN_IMPROVE_S = 0.005
CONFIGS = (
    (_FIRST.PARALLEL_CHEAPEST_INSERTION, _META.GUIDED_LOCAL_SEARCH, False),
    (_FIRST.SAVINGS, _META.GUIDED_LOCAL_SEARCH, False),
)
MULTI_PICKUP_CONFIGS = (
    (_FIRST.PARALLEL_CHEAPEST_INSERTION, _META.GUIDED_LOCAL_SEARCH, False),
    (_FIRST.PARALLEL_CHEAPEST_INSERTION, _META.GUIDED_LOCAL_SEARCH, True),
)


def configuration(
    problem: RoutingProblem, params: SolveParams, worker: int
) -> tuple[int, int, bool]:
    """(first solution strategy, metaheuristic, interleave) that ``worker`` runs."""
    multi = any(len(t.pickups) > 1 for t in problem.tasks)
    configs = MULTI_PICKUP_CONFIGS if multi else CONFIGS
    return configs[(worker + params.seed) % len(configs)]


@dataclass(frozen=True)
class WorkerResult:
    """What one search found: per vehicle its visits and departure (integer units), and
    whether its first solution came from the fallback heuristic."""

    worker: int
    found: bool
    objective: int
    routes: tuple[tuple[tuple[Visit, ...], int], ...]
    interleave: bool = False
    fallback: bool = False
    # --- own search (solvers.rr): the plan it made from this start, if it ran ---
    improved: tuple[tuple[tuple[Visit, ...], float], ...] | None = None
    improve_iterations: int = 0
    # rel16: the deadline came while the model was built or before its first search
    out_of_time: bool = False


def _search_parameters(
    time_limit_s: float,
    *,
    first: int | None = None,
    meta: int | None = None,
    solution_limit: int | None = None,
) -> Any:
    """OR-Tools search parameters: a time limit, optionally a strategy and a solution limit
    (OR-Tools counts one solution per accepted local-search move)."""
    search = pywrapcp.DefaultRoutingSearchParameters()
    if first is not None:
        search.first_solution_strategy = first
    if meta is not None:
        search.local_search_metaheuristic = meta
        # 0.2 instead of the default 0.1: see GLS_LAMBDA.
        search.guided_local_search_lambda_coefficient = GLS_LAMBDA
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if solution_limit is not None:
        search.solution_limit = solution_limit
    return search


def _performed(routing: Any, solution: Any) -> int:
    """How many nodes ``solution`` visits (0 for no solution)."""
    if solution is None:
        return 0
    return sum(
        1
        for index in range(routing.Size())
        if not routing.IsStart(index) and solution.Value(routing.NextVar(index)) != index
    )


def run_worker(
    problem: RoutingProblem,
    params: SolveParams,
    worker: int,
    budget: Budget,
    own_search: bool = False,
) -> WorkerResult:
    """Build the model and run configuration ``worker`` (modulo the list) until the
    budget's deadline (or ``params.iterations`` local-search solutions).

    With ``own_search`` the improvement is the engine's ruin-and-recreate search
    (:mod:`solvers.rr`) from OR-Tools' first solution instead of guided local search;
    the result then carries both plans (``routes`` the start, ``improved`` the search's)."""
    first, meta, interleave = configuration(problem, params, worker)
    # rel16: a time limit is a promise for the whole call, model building included.
    # Time-dependent travel: the model drives at each vehicle's slowest speed factor
    # (solvers.travel_time.static_bound), sound by FIFO; routes are re-timed exactly.
    try:
        built = build_model(
            static_bound(problem),
            params.distance_scale,
            interleave=interleave,
            check=_deadline_check(budget),
        )
    except BuildDeadlineError:
        return WorkerResult(worker, False, 0, (), interleave, out_of_time=True)
    if budget.remaining_s() <= 0:  # closing the model for the first search takes time too
        return WorkerResult(worker, False, 0, (), interleave, out_of_time=True)
    # search18c: on a short clock budget the own search starts at once from no route (the
    # model is still built: building it checks every scaled value, InvalidInputError).
    if own_search and _quick_start(problem, params, budget):
        quick = _own_search(problem, params, worker, budget, None, fallback_used=False)
        if quick.improved is not None:
            return quick
    routing = built.routing
    phase_one = budget.part(PHASE_WEIGHT, 3 * PHASE_WEIGHT)
    limit_s = phase_one.remaining_s()
    started = time.perf_counter()
    solution = routing.SolveWithParameters(
        _search_parameters(limit_s, first=first, solution_limit=1)
    )
    # Stopped by the limit inside the heuristic: a "solution" then leaves out whatever it
    # had not inserted yet.
    interrupted = routing.status() == _STATUS.ROUTING_FAIL_TIMEOUT or (
        time.perf_counter() - started >= 0.95 * limit_s
    )
    performed = _performed(routing, solution) if interrupted else 0
    fallback_used = False
    if interrupted and performed < routing.Size() - routing.vehicles():
        if solution is not None:
            solution = routing.solver().Assignment(solution)  # kept: the next solve reuses it
        fallback = _search_parameters(
            budget.part(PHASE_WEIGHT, 2 * PHASE_WEIGHT).remaining_s(),
            first=FALLBACK_FIRST,
            solution_limit=1,
        )
        other = routing.SolveWithParameters(fallback)
        if other is not None and _performed(routing, other) > performed:
            solution, fallback_used = other, True
    left_s = budget.remaining_s()
    if own_search and supports(problem):
        return _own_search(
            problem,
            params,
            worker,
            budget,
            (built, solution, interleave),
            fallback_used=fallback_used,
        )
    if solution is not None and left_s >= MIN_IMPROVE_S and params.iterations != 1:
        improve = _search_parameters(
            left_s,
            meta=meta,
            solution_limit=None if params.iterations is None else params.iterations - 1,
        )
        # A copy: the solver may reuse the assignment it returned for the next search.
        first_solution = routing.solver().Assignment(solution)
        solution = routing.SolveFromAssignmentWithParameters(first_solution, improve)
        solution = solution or first_solution
    if solution is None:
        return WorkerResult(worker, False, 0, (), interleave, fallback_used)
    return WorkerResult(
        worker,
        True,
        int(solution.ObjectiveValue()),
        _read_routes(problem, built, solution),
        interleave,
        fallback_used,
    )


# --- rel16: deadline-bounded model build ----------------------------------------------
class BuildDeadlineError(Exception):
    """The budget ran out while the OR-Tools model was being built."""


def _deadline_check(budget: Budget) -> Callable[[], None]:
    """A :func:`build_model` check that raises :class:`BuildDeadlineError` once ``budget``'s
    deadline has passed (the member then answers no solution; every task is unassigned
    with reason ``search_limit``, as for a search cut by its limit)."""
    deadline_s = budget.deadline_s

    def check() -> None:
        if time.perf_counter() > deadline_s:
            raise BuildDeadlineError

    return check


# --- end rel16 ---------------------------------------------------------------------------


def _read_routes(
    problem: RoutingProblem, built: Any, solution: Any
) -> tuple[tuple[tuple[Visit, ...], int], ...]:
    """Per vehicle, its visits and integer departure in ``solution``."""
    routing, manager = built.routing, built.manager
    time_dim = routing.GetDimensionOrDie(TIME)
    routes = []
    for v in range(len(problem.vehicles)):
        index = routing.Start(v)
        departure = solution.Value(time_dim.CumulVar(index))
        visits: list[Visit] = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            visits.extend(built.nodes[manager.IndexToNode(index)].visits)
            index = solution.Value(routing.NextVar(index))
        routes.append((tuple(visits), int(departure)))
    return tuple(routes)


# --- own search (solvers.rr) ---------------------------------------------------------
# search18c: below this clock budget the own search skips OR-Tools' first solution
# (about 0.15 s for 100 tasks, measured on Solomon at load 4; the model, 0.1 s, is still
# built, as it checks the input) and inserts every task itself.  Runs that stop by
# iterations keep OR-Tools' start (the choice must not depend on the clock).  Seconds.
QUICK_START_S = 3.0


def _quick_start(problem: RoutingProblem, params: SolveParams, budget: Budget) -> bool:
    return (
        params.iterations is None
        and budget.remaining_s() < QUICK_START_S
        and is_compiled()
        and supports(problem)
    )


def _own_search(
    problem: RoutingProblem,
    params: SolveParams,
    worker: int,
    budget: Budget,
    start: tuple[Any, Any, bool] | None,
    *,
    fallback_used: bool,
) -> WorkerResult:
    """OR-Tools' first solution, made whole (interleaved routes repaired), then
    improved by :func:`solvers.rr.improve` until the budget's deadline or
    ``params.iterations`` iterations; seed ``params.seed`` and the worker number.  When
    OR-Tools found none in its share (a loaded machine), the search starts from no
    route and inserts every task itself."""
    built, solution, interleave = start if start is not None else (None, None, False)
    routes: tuple[tuple[tuple[Visit, ...], int], ...]
    if solution is None:
        routes = tuple(((), 0) for _ in problem.vehicles)
        objective = 0
    else:
        routes = _read_routes(problem, built, solution)
        objective = int(solution.ObjectiveValue())
    visits = {v.id: list(r) for v, (r, _) in zip(problem.vehicles, routes, strict=True) if r}
    if interleave:
        starts = {
            v.id: departure / params.distance_scale
            for v, (_, departure) in zip(problem.vehicles, routes, strict=True)
        }
        # search18c: only the merge and the removal of split tasks; the kernels insert
        # those again themselves (compiled).  The exact insertion in Python took the
        # whole budget on MPDPTW: 40-50 s with 1,000 iterations, 2 workers, load 12.
        visits = repair_routes(problem, visits, starts, -math.inf)
    run = improve(
        problem,
        visits,
        budget.deadline_s,
        iterations=params.iterations,
        seed=params.seed * 7919 + worker,
        config=config_for_worker(worker),  # search18c: workers hedge
    )
    improved = None
    if run is not None:
        improved = tuple(
            (tuple(run.visits.get(v.id, ())), run.starts.get(v.id, v.shift.start_s))
            for v in problem.vehicles
        )
    return WorkerResult(
        worker,
        True,
        objective,
        routes,
        interleave,
        fallback_used,
        improved,
        run.iterations if run is not None else 0,
    )


def own_search_ready(params: SolveParams, budget: Budget) -> bool:
    """Whether the workers run the own search: its kernels are loaded in this process
    (or loaded now from numba's disk cache, if the budget leaves time for that), or the
    run stops by iterations (reproducible: then the kernels are always loaded or
    compiled, once per process).  Called before the workers fork, so they inherit them."""
    if is_compiled():
        return True
    if params.iterations is not None:
        ensure_compiled()
        return True
    return load_within(budget.remaining_s())


# --- end own search ----------------------------------------------------------------
