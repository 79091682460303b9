"""The engine's own search: ruin and recreate (SISR) with compiled route evaluation.

``improve(problem, visits, deadline_s, iterations, seed)`` improves a plan of the full
:class:`solvers.problem.RoutingProblem`; :mod:`solvers.rr.warm` compiles the kernels
once per process.
"""

from solvers.rr.search import SearchConfig, SearchRun, improve, supports
from solvers.rr.warm import (
    before_budget,
    cache_is_warm,
    ensure_compiled,
    is_compiled,
    load_within,
    preload,
)

__all__ = [
    "SearchConfig",
    "SearchRun",
    "before_budget",
    "cache_is_warm",
    "ensure_compiled",
    "improve",
    "is_compiled",
    "load_within",
    "preload",
    "supports",
]
