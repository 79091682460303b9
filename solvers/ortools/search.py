"""Run the OR-Tools search, in parallel worker processes, and read the routes back.

Each worker builds its own model (OR-Tools objects cannot cross processes) and runs one
search configuration; :func:`solvers.solve.solve` keeps the best after repairing and
re-evaluating each, ties going to the lower worker number, so the result does not
depend on which process finishes first.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solvers.evaluate import Visit
from solvers.ortools.model import TIME, build_model
from solvers.params import SolveParams
from solvers.problem import RoutingProblem

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
# Worker configurations: (first solution strategy, metaheuristic, interleave).  Cheapest
# insertion suits pickup-and-delivery; path-cheapest-arc won on Solomon type-2
# instances (long routes) in side-by-side runs, so VRP-like problems get one of each.
# Problems with multi-pickup tasks run both models of those tasks: pickup tours (always
# whole) and interleaved stops (better routes, repaired after the search).
GLS_LAMBDA = 0.2
CONFIGS = (
    (_FIRST.PARALLEL_CHEAPEST_INSERTION, _META.GUIDED_LOCAL_SEARCH, False),
    (_FIRST.PATH_CHEAPEST_ARC, _META.GUIDED_LOCAL_SEARCH, False),
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
    """What one search found: per vehicle its visits and departure (integer units)."""

    worker: int
    found: bool
    objective: int
    routes: tuple[tuple[tuple[Visit, ...], int], ...]
    interleave: bool = False


def run_worker(
    problem: RoutingProblem, params: SolveParams, worker: int, time_limit_s: float
) -> WorkerResult:
    """Build the model and run configuration ``worker`` (modulo the list) to its limit."""
    first, meta, interleave = configuration(problem, params, worker)
    built = build_model(problem, params.distance_scale, interleave=interleave)
    routing, manager = built.routing, built.manager
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = first
    search.local_search_metaheuristic = meta
    # 0.2 instead of the default 0.1: side by side at 10 s on the five worst Solomon and
    # Li & Lim instances it lowered the mean gap by about 1.3 and 1.8 points.
    search.guided_local_search_lambda_coefficient = GLS_LAMBDA
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    solution = routing.SolveWithParameters(search)
    if solution is None:
        return WorkerResult(worker, False, 0, (), interleave)
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
    return WorkerResult(worker, True, int(solution.ObjectiveValue()), tuple(routes), interleave)


def run_search(
    problem: RoutingProblem, params: SolveParams, share: float = 0.95
) -> tuple[list[WorkerResult], float]:
    """Run ``params.workers`` searches (processes if more than one): every result, seconds.

    The searches get ``share`` of ``params.time_limit_s`` (less a little for building
    models and reading results back); the caller uses the rest.  Results come in worker
    order; the caller picks the best (objectives of different models do not compare).
    """
    started = time.perf_counter()
    budget = max(0.05, params.time_limit_s * share - 0.05)
    if params.workers == 1:
        results = [run_worker(problem, params, 0, budget)]
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=params.workers, mp_context=context) as pool:
            futures = [
                pool.submit(run_worker, problem, params, w, budget) for w in range(params.workers)
            ]
            results = [f.result() for f in futures]
    return results, time.perf_counter() - started
