"""The one place where floats become the integers the solvers need.

Times and distances are multiplied by ``scale`` (units per second or metre); travel
times are rounded *up* so that every schedule feasible in integers is feasible in the
exact float arithmetic the checker uses.  Money is multiplied by :data:`COST_SCALE`,
loads by :data:`DEMAND_SCALE`.  Pure numpy, no OR-Tools: the routing adapter
(:mod:`solvers.ortools`), the pickup tours (:mod:`solvers.tours`) and the CP-SAT models
(:mod:`solvers.assignment`, :mod:`solvers.bundling`) all scale through here.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

COST_SCALE = 1_000_000  # integer objective units per unit of money
# Larger than any sensible route cost: a required task is dropped only when impossible.
REQUIRED_PENALTY = 1 << 44
MAX_HORIZON = 1 << 50
DEMAND_SCALE = 1000  # integer units per unit of load (kg, litre, cold box)
# Integer units per second when diagnosis and repair enumerate pickup orders: the
# default ``SolveParams.distance_scale``, so they see the orders the search sees.
DIAGNOSIS_SCALE = 1000
# Capacities round down, but a capacity a hair under a whole unit (float noise) is whole.
_CAPACITY_EPS = 1e-6


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


def scaled_amount(value: float, scale: int) -> int:
    """``round(value * scale)`` (ties to even) for one objective term of a CP-SAT model."""
    return round(value * scale)


def objective_rate(cost: float, per_units: float, scale: int) -> float:
    """Objective units per integer unit of a quantity priced at ``cost`` money per
    ``per_units`` real units (``cost_per_km`` per 1000 metres, ``cost_per_hour`` per
    3600 seconds) when that quantity is scaled by ``scale``."""
    return cost / per_units * COST_SCALE / scale


def priced(values: npt.ArrayLike, rate: float) -> npt.NDArray[np.int64]:
    """``round(values * rate)`` as int64: integer quantities to objective units."""
    return np.rint(np.asarray(values, dtype=np.float64) * rate).astype(np.int64)


def positive_coefficient(rate: float) -> int:
    """``rate`` rounded, at least 1: a positive price never becomes free in integers."""
    return max(1, round(rate))


def scaled_demand(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Loads (kg, litres, cold boxes) in integer units of :data:`DEMAND_SCALE`, rounded."""
    return scaled(values, DEMAND_SCALE)


def scaled_capacity(value: float) -> int:
    """A vehicle capacity in integer units of :data:`DEMAND_SCALE`, rounded *down* so the
    integer model never loads more than the real capacity."""
    return math.floor(value * DEMAND_SCALE + _CAPACITY_EPS)
