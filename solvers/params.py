"""Search parameters for :func:`solvers.solve`, and the one default time budget."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.limits import MAX_WORKERS
from solvers.errors import InvalidInputError

DEFAULT_TIME_LIMIT_S = 2.0
"""The wall-clock budget of a call (a solve, a plan, a re-plan) when none is given,
seconds.  Every entry point (``dispatch plan``, ``dispatch solve``, ``Engine.plan_batch``,
replays' waves) takes its default from here."""

# MAX_WORKERS (core.limits, the command line's bound too): most parallel searches a caller
# may ask for; those actually run are capped at the usable cores (solvers.processes).
MAX_DISTANCE_SCALE = 1_000_000
"""Most integer units per metre: beyond, a city's distances leave the solvers' integer
range."""


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How long and how to search.

    Attributes:
        time_limit_s: wall-clock budget, seconds (> 0), of the whole call these
            parameters are given to: one :func:`solvers.solve`, one
            ``Planner.plan`` (every flow, the pickup-point assignment, building the
            matrices), one live re-plan (every zone).  Inside, the budget is shared out
            by one rule (:class:`solvers.budget.Budget`): each part in turn gets the
            time left in proportion to its share of the work still to do.  The best
            solution found by then is returned.
        seed: selects which search configuration each worker runs (worker w runs
            configuration (w + seed) mod the number of configurations).  OR-Tools'
            routing search has no random seed of its own: the same problem, seed and
            ``iterations`` give the same solution.
        workers: parallel searches (processes) with different strategies; the best wins.
            OR-Tools routing search is single-threaded, so 2 uses both cores here.  At
            most :data:`MAX_WORKERS`; a solve runs at most as many as the cores this
            process may use (``SolveStats.workers`` says how many ran).
        iterations: a stop rule that is not the clock: each routing search stops after
            this many solutions of its local search (one per accepted move), so the
            same problem, seed and ``iterations`` give the same routes whatever the
            machine's load; ``time_limit_s`` stays the cap.  None = only the clock.
        distance_scale: integer units per metre (or per benchmark distance unit) in the
            search; 1000 keeps three decimals of real-valued benchmark distances.
    """

    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    seed: int = 0
    workers: int = 2
    iterations: int | None = None
    distance_scale: int = 1000

    def __post_init__(self) -> None:
        if not (
            isinstance(self.time_limit_s, int | float)
            and not isinstance(self.time_limit_s, bool)
            and math.isfinite(self.time_limit_s)
            and self.time_limit_s > 0
        ):
            raise InvalidInputError(
                "SolveParams.time_limit_s",
                f"must be a finite number > 0, got {self.time_limit_s!r}",
            )
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise InvalidInputError(
                "SolveParams.seed", f"must be an integer >= 0, got {self.seed!r}"
            )
        if (
            not isinstance(self.workers, int)
            or isinstance(self.workers, bool)
            or not 1 <= self.workers <= MAX_WORKERS
        ):
            raise InvalidInputError(
                "SolveParams.workers",
                f"must be an integer in [1, {MAX_WORKERS}], got {self.workers!r} "
                "(a solve runs at most one search per usable core)",
            )
        if self.iterations is not None and (
            not isinstance(self.iterations, int)
            or isinstance(self.iterations, bool)
            or self.iterations < 1
        ):
            raise InvalidInputError(
                "SolveParams.iterations",
                f"must be an integer >= 1 or None, got {self.iterations!r}",
            )
        if (
            not isinstance(self.distance_scale, int)
            or isinstance(self.distance_scale, bool)
            or not 1 <= self.distance_scale <= MAX_DISTANCE_SCALE
        ):
            raise InvalidInputError(
                "SolveParams.distance_scale",
                f"must be an integer in [1, {MAX_DISTANCE_SCALE}], got {self.distance_scale!r}",
            )
