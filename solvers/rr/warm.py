"""Compile (or load from numba's on-disk cache) the search's kernels once per process.

Compiling every kernel from nothing takes seconds (measured in the README); loading them
from the cache that numba writes beside the sources (``__pycache__``) takes a fraction
of that.  :func:`cache_is_warm` tells the two apart without compiling, so a caller with
a short budget can skip the search rather than spend the budget compiling.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from solvers.problem import (
    RoutingProblem,
    Stop,
    Task,
    TimeWindow,
    TravelMatrices,
    Vehicle,
    VehicleLock,
)
from solvers.rr import kernels

_LOCK = threading.Lock()
_STATE = {"ready": False}


def _tiny_problem() -> RoutingProblem:
    x = np.array([0.0, 10.0, 20.0, 30.0])
    d = np.abs(x[:, None] - x[None, :])
    tasks = (
        Task("a", (Stop(1),), Stop(2), demand=(1.0,), max_ride_s=100.0),
        Task("b", (Stop(1), Stop(3)), Stop(2), demand=(2.0,), drop_penalty=5.0),
        Task("c", (), Stop(3, windows=(TimeWindow(0.0, 50.0), TimeWindow(60.0, 90.0))), (1.0,)),
    )
    vehicles = (
        Vehicle("v1", 0, 0, capacity=(5.0,), cost_per_hour=1.0),
        Vehicle("v2", 0, None, capacity=(5.0,)),
    )
    lock = VehicleLock("v2", fixed_prefix=(("a", 0),))
    return RoutingProblem(vehicles, tasks, {"default": TravelMatrices(d, d)}, (lock,))


def ensure_compiled() -> None:
    """Make every kernel callable in this process (compiling or loading it), once."""
    if _STATE["ready"]:
        return
    with _LOCK:
        if _STATE["ready"]:
            return
        from solvers.rr.search import run_kernels  # noqa: PLC0415 (search imports this module)

        problem = _tiny_problem()
        plan = {"v2": [("a", 0), ("a", 1)]}
        run_kernels(problem, plan, float("inf"), iterations=3, seed=0, config=None)
        _STATE["ready"] = True


def is_compiled() -> bool:
    """Whether the kernels are already callable in this process."""
    return _STATE["ready"]


def cache_is_warm() -> bool:
    """Whether numba's disk cache holds every kernel for the current sources (so
    :func:`ensure_compiled` only loads them)."""
    source = Path(kernels.__file__)
    cache_dir = source.parent / "__pycache__"
    if not cache_dir.is_dir():
        return False
    stem = source.stem
    names = [
        name
        for name, value in vars(kernels).items()
        if hasattr(value, "py_func") and getattr(value, "__module__", "") == kernels.__name__
    ]
    built = source.stat().st_mtime
    for name in names:
        found = [p for p in cache_dir.glob(f"{stem}.{name}-*.nbi") if os.path.getmtime(p) >= built]
        if not found:
            return False
    return True


def preload() -> bool:
    """Load the kernels now if numba's disk cache holds them (about 1.5 CPU s here;
    never compiles), so that a long-lived process (the Engine, live re-planning) can use
    the search even on budgets too short to pay for the load.  Whether they are loaded."""
    if not _STATE["ready"] and cache_is_warm():
        ensure_compiled()
    return _STATE["ready"]


# Loading the kernels from the disk cache (numba's import included) took 1.5 CPU s here;
# a budget shorter than this runs OR-Tools' search instead of paying for the load.
# Seconds.
LOAD_S = 3.0


def load_within(remaining_s: float) -> bool:
    """Load the kernels now if they are not loaded, numba's disk cache holds them and
    ``remaining_s`` (the call's time left, seconds) is at least :data:`LOAD_S`.  Whether
    they are loaded.

    A call that plans several flows in turn (:class:`dispatch.planner.Planner`, live
    re-planning) calls this once when its budget starts, before sharing the budget out:
    the load is then paid from the whole call's time, not from its first flow's share,
    which it could eat up on a loaded machine (issue 18)."""
    if not _STATE["ready"] and remaining_s >= LOAD_S and cache_is_warm():
        ensure_compiled()
    return _STATE["ready"]


def before_budget(iterations: int | None) -> None:
    """For a call that stops by iterations: load (or compile) the kernels now, before
    the call's budget starts, so that the load cannot take time from its later parts
    (the routes must not depend on it).  Other calls load them by :func:`load_within`
    (at the call's start, or as :func:`solvers.ortools.search.own_search_ready`
    decides)."""
    if iterations is not None:
        ensure_compiled()
