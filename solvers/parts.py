"""The part-solving function every executor runs: a part's routing problem in, its solution out.

:func:`solve_part` is pure (the same job gives the same answer whatever process or
machine runs it, given ``SolveParams.iterations`` and a seed) and module-level, and its
job and answer are picklable, so :mod:`solvers.executor` can run it in this process, in
a local worker process or as a Ray task.  A job carries its own time limit in seconds
(not a deadline: a Ray worker on another machine has another clock).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from time import perf_counter

from solvers.budget import MIN_PART_S
from solvers.params import SolveParams
from solvers.problem import RoutingProblem
from solvers.solution import RoutingSolution


@dataclass(frozen=True)
class PartJob:
    """One part to solve.

    Attributes:
        problem: the part's routing problem (its matrices cover its own points only).
        params: seed, iterations and the part's ``time_limit_s`` (its share of the
            call's budget, seconds); ``workers`` is the searches inside the part.
        deadline_s: when every part of the round must be done, on this machine's
            :func:`time.perf_counter` clock (system-wide), or None.  A job that starts
            late (queued behind others) gets at most the time left to it; only for
            workers on this machine (the local pool, a local Ray), since another
            machine's clock differs.
    """

    problem: RoutingProblem
    params: SolveParams
    deadline_s: float | None = None


@dataclass(frozen=True)
class PartAnswer:
    """A part's solution and the wall-clock seconds the worker spent on it."""

    solution: RoutingSolution
    seconds: float


def solve_part(job: PartJob) -> PartAnswer:
    """Solve one part (:func:`solvers.solve`), loading the own search's kernels first.

    Raises:
        InvalidInputError: as :func:`solvers.solve`.
    """
    # Imported here: solvers.solve pulls in OR-Tools, which a Ray driver that only
    # submits jobs need not load (and the import stays out of `import solvers.parts`).
    from solvers.rr import before_budget  # noqa: PLC0415
    from solvers.solve import solve  # noqa: PLC0415

    started = perf_counter()
    params = job.params
    if job.deadline_s is not None:
        left_s = max(MIN_PART_S, min(params.time_limit_s, job.deadline_s - started))
        params = dataclasses.replace(params, time_limit_s=left_s)
    before_budget(params.iterations)
    solution = solve(job.problem, params)
    return PartAnswer(solution, perf_counter() - started)
