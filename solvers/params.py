"""Search parameters for :func:`solvers.solve`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from solvers.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How long and how to search.

    Attributes:
        time_limit_s: wall-clock budget for the search, seconds (> 0).  The best
            solution found by then is returned.
        seed: selects which search configuration each worker runs (worker w runs
            configuration (w + seed) mod the number of configurations).  OR-Tools'
            routing search has no random seed of its own: the same problem, seed and
            ``solution_limit`` give the same solution; with only a time limit the
            result can vary with machine load, as in every time-limited local search.
        workers: parallel searches (processes) with different strategies; the best wins.
            OR-Tools routing search is single-threaded, so 2 uses both cores here.
        solution_limit: stop after this many improving solutions (deterministic runs);
            None = only the time limit.
        distance_scale: integer units per metre (or per benchmark distance unit) in the
            search; 1000 keeps three decimals of real-valued benchmark distances.
    """

    time_limit_s: float = 5.0
    seed: int = 0
    workers: int = 2
    solution_limit: int | None = None
    distance_scale: int = 1000

    def __post_init__(self) -> None:
        if not (
            isinstance(self.time_limit_s, int | float)
            and math.isfinite(self.time_limit_s)
            and self.time_limit_s > 0
        ):
            raise InvalidInputError(
                "SolveParams.time_limit_s", f"must be > 0, got {self.time_limit_s!r}"
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise InvalidInputError(
                "SolveParams.seed", f"must be an integer >= 0, got {self.seed!r}"
            )
        if not isinstance(self.workers, int) or self.workers < 1:
            raise InvalidInputError(
                "SolveParams.workers", f"must be an integer >= 1, got {self.workers!r}"
            )
        if self.solution_limit is not None and (
            not isinstance(self.solution_limit, int) or self.solution_limit < 1
        ):
            raise InvalidInputError("SolveParams.solution_limit", "must be an integer >= 1 or None")
        if not isinstance(self.distance_scale, int) or self.distance_scale < 1:
            raise InvalidInputError("SolveParams.distance_scale", "must be an integer >= 1")
