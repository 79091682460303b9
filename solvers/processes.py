"""Worker processes of the parallel searches: bounded by the cores, dying with their
parent.  The mechanism lives in :mod:`core.processes` (shared with :mod:`geo`); this
module keeps the names the solvers and their callers import."""

from __future__ import annotations

from core.processes import (
    die_with_parent,
    terminate_pool,
    usable_cores,
    worker_context,
    worker_count,
)

__all__ = ["die_with_parent", "terminate_pool", "usable_cores", "worker_context", "worker_count"]
