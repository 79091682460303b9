"""The one place where floats become the integers OR-Tools needs.

Times and distances are multiplied by ``scale`` (units per second or metre); travel
times are rounded *up* so that every schedule feasible in integers is feasible in the
exact float arithmetic the checker uses.  Money is multiplied by :data:`COST_SCALE`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

COST_SCALE = 1_000_000  # integer objective units per unit of money
# Larger than any sensible route cost: a required task is dropped only when impossible.
REQUIRED_PENALTY = 1 << 44
MAX_HORIZON = 1 << 50


def scaled_up(values: npt.ArrayLike, scale: int) -> npt.NDArray[np.int64]:
    """``ceil(values * scale)`` as int64 (travel times, so integer feasibility is real)."""
    arr = np.ceil(np.asarray(values, dtype=np.float64) * scale - 1e-9)
    return np.minimum(arr, MAX_HORIZON).astype(np.int64)


def scaled(values: npt.ArrayLike, scale: int) -> npt.NDArray[np.int64]:
    """``round(values * scale)`` as int64 (distances for costs, demands)."""
    arr = np.rint(np.asarray(values, dtype=np.float64) * scale)
    return np.minimum(arr, MAX_HORIZON).astype(np.int64)


def scaled_time(value_s: float, scale: int, *, up: bool) -> int:
    """A point in time in integer units; infinite maps to the horizon cap."""
    if math.isinf(value_s):
        return MAX_HORIZON if value_s > 0 else -MAX_HORIZON
    x = value_s * scale
    return int(math.ceil(x - 1e-9) if up else math.floor(x + 1e-9))


def scaled_cost(amount: float) -> int:
    """Money to integer objective units."""
    return round(amount * COST_SCALE)
