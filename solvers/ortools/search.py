"""Run the OR-Tools search, in parallel worker processes, and read the routes back.

Each worker builds its own model (OR-Tools objects cannot cross processes) and runs one
search configuration; the best objective wins, ties going to the lower worker number,
so the result does not depend on which process finishes first.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solvers.ortools.model import TIME, build_model
from solvers.params import SolveParams
from solvers.problem import RoutingProblem

Visit = tuple[str, int]

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
# Worker configurations: (first solution strategy, metaheuristic).  Cheapest insertion
# suits pickup-and-delivery; the second worker diversifies the start.  Path-cheapest-arc
# and savings starts were tried and left required Solomon R1/RC1 customers unserved
# after 10 s, so they are not in the rotation.
CONFIGS = (
    (_FIRST.PARALLEL_CHEAPEST_INSERTION, _META.GUIDED_LOCAL_SEARCH),
    (_FIRST.PATH_CHEAPEST_ARC, _META.GUIDED_LOCAL_SEARCH),
)


@dataclass(frozen=True)
class WorkerResult:
    """What one search found: per vehicle its visits and departure (integer units)."""

    worker: int
    found: bool
    objective: int
    routes: tuple[tuple[tuple[Visit, ...], int], ...]


def run_worker(
    problem: RoutingProblem, params: SolveParams, worker: int, time_limit_s: float
) -> WorkerResult:
    """Build the model and run configuration ``worker`` (modulo the list) to its limit."""
    built = build_model(problem, params.distance_scale)
    routing, manager = built.routing, built.manager
    first, meta = CONFIGS[(worker + params.seed) % len(CONFIGS)]
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = first
    search.local_search_metaheuristic = meta
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    solution = routing.SolveWithParameters(search)
    if solution is None:
        return WorkerResult(worker, False, 0, ())
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
    return WorkerResult(worker, True, int(solution.ObjectiveValue()), tuple(routes))


def run_search(
    problem: RoutingProblem, params: SolveParams, share: float = 0.95
) -> tuple[WorkerResult, float]:
    """Run ``params.workers`` searches (processes if more than one): the best, wall seconds.

    The searches get ``share`` of ``params.time_limit_s`` (less a little for building
    models and reading results back); the caller uses the rest.
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
    found = [r for r in results if r.found]
    best = min(found, key=lambda r: (r.objective, r.worker)) if found else results[0]
    return best, time.perf_counter() - started
