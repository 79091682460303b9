"""The one place where floats become the integers the solvers need.

Times and distances are multiplied by ``scale`` (units per second or metre); travel
times are rounded *up* so that every schedule feasible in integers is feasible in the
exact float arithmetic the checker uses.  Money is multiplied by :data:`COST_SCALE`,
loads by :data:`DEMAND_SCALE`.  Pure numpy, no OR-Tools: the routing adapter
(:mod:`solvers.ortools`), the pickup tours (:mod:`solvers.tours`) and the CP-SAT models
(:mod:`solvers.assignment`, :mod:`solvers.bundling`) all scale through here.

Defence in depth: every scaled value must fit :data:`MAX_SCALED` (OR-Tools works in
int64 and adds values along routes, so a single value is kept far below 2**63).  A value
that does not fit raises :class:`solvers.errors.InvalidInputError` naming the ``field``
the caller gives (``Vehicle 'v2': capacity[0]``), never an ``OverflowError`` or a
silently clipped number.  :class:`solvers.problem.RoutingProblem` already bounds its
inputs; these checks catch the products (a price per km times a long distance) and any
caller that skips it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from solvers.errors import InvalidInputError

COST_SCALE = 1_000_000  # integer objective units per unit of money
# Larger than any sensible route cost: a required task is dropped only when impossible.
REQUIRED_PENALTY = 1 << 44
MAX_HORIZON = 1 << 50
# The largest integer any scaled value may take: a route sums a few thousand of them in
# int64 (2**63), and OR-Tools saturates rather than wraps only in its cost arithmetic.
MAX_SCALED = MAX_HORIZON
DEMAND_SCALE = 1000  # integer units per unit of load (kg, litre, cold box)
# Integer units per second when diagnosis and repair enumerate pickup orders: the
# default ``SolveParams.distance_scale``, so they see the orders the search sees.
DIAGNOSIS_SCALE = 1000
# Capacities round down, but a capacity a hair under a whole unit (float noise) is whole.
_CAPACITY_EPS = 1e-6


def _fits(x: float, field: str, what: str) -> None:
    """Raise unless ``|x| <= MAX_SCALED`` (NaN and infinities do not fit)."""
    if not (math.isfinite(x) and abs(x) <= MAX_SCALED):
        raise InvalidInputError(
            field,
            f"{what} is out of the solver's integer range: {x:.4g} integer units "
            f"(at most {MAX_SCALED:.4g}); use smaller numbers",
        )


def _fits_array(arr: npt.NDArray[np.float64], field: str, what: str) -> None:
    if arr.size:
        worst = float(np.max(np.abs(arr))) if np.isfinite(arr).all() else math.inf
        _fits(worst, field, what)


def scaled_up(values: npt.ArrayLike, scale: int, *, field: str = "time") -> npt.NDArray[np.int64]:
    """``ceil(values * scale)`` as int64 (travel times, so integer feasibility is real).

    Raises:
        InvalidInputError: a scaled value beyond :data:`MAX_SCALED` (naming ``field``).
    """
    arr = np.ceil(np.asarray(values, dtype=np.float64) * scale - 1e-9)
    _fits_array(arr, field, "a time")
    return arr.astype(np.int64)


def scaled(values: npt.ArrayLike, scale: int, *, field: str = "distance") -> npt.NDArray[np.int64]:
    """``round(values * scale)`` as int64 (distances for costs, demands).

    Raises:
        InvalidInputError: a scaled value beyond :data:`MAX_SCALED` (naming ``field``).
    """
    arr = np.rint(np.asarray(values, dtype=np.float64) * scale)
    _fits_array(arr, field, "a value")
    return arr.astype(np.int64)


def scaled_time(value_s: float, scale: int, *, up: bool, field: str = "time") -> int:
    """A point in time in integer units; infinite maps to the horizon cap.

    Raises:
        InvalidInputError: a finite time beyond :data:`MAX_SCALED` once scaled, or NaN.
    """
    if isinstance(value_s, float) and math.isinf(value_s):
        return MAX_HORIZON if value_s > 0 else -MAX_HORIZON
    x = float(value_s) * scale
    _fits(x, field, "a time")
    return int(math.ceil(x - 1e-9) if up else math.floor(x + 1e-9))


def scaled_cost(amount: float, *, field: str = "cost") -> int:
    """Money to integer objective units.

    Raises:
        InvalidInputError: an amount beyond :data:`MAX_SCALED` objective units.
    """
    x = float(amount) * COST_SCALE
    _fits(x, field, "an amount of money")
    return round(x)


def scaled_amount(value: float, scale: int, *, field: str = "cost") -> int:
    """``round(value * scale)`` (ties to even) for one objective term of a CP-SAT model.

    Raises:
        InvalidInputError: a value beyond :data:`MAX_SCALED` once scaled.
    """
    _fits(float(value) * scale, field, "a value")
    return round(value * scale)


def objective_rate(cost: float, per_units: float, scale: int) -> float:
    """Objective units per integer unit of a quantity priced at ``cost`` money per
    ``per_units`` real units (``cost_per_km`` per 1000 metres, ``cost_per_hour`` per
    3600 seconds) when that quantity is scaled by ``scale``."""
    return cost / per_units * COST_SCALE / scale


def priced(values: npt.ArrayLike, rate: float, *, field: str = "cost") -> npt.NDArray[np.int64]:
    """``round(values * rate)`` as int64: integer quantities to objective units.

    Raises:
        InvalidInputError: a priced value beyond :data:`MAX_SCALED` (naming ``field``).
    """
    arr = np.rint(np.asarray(values, dtype=np.float64) * rate)
    _fits_array(arr, field, "a price times a distance")
    return arr.astype(np.int64)


def positive_coefficient(rate: float, *, field: str = "cost") -> int:
    """``rate`` rounded, at least 1: a positive price never becomes free in integers.

    Raises:
        InvalidInputError: a rate beyond :data:`MAX_SCALED`.
    """
    _fits(rate, field, "a price")
    return max(1, round(rate))


def scaled_demand(values: npt.ArrayLike, *, field: str = "demand") -> npt.NDArray[np.int64]:
    """Loads (kg, litres, cold boxes) in integer units of :data:`DEMAND_SCALE`, rounded.

    Raises:
        InvalidInputError: a load beyond :data:`MAX_SCALED` integer units.
    """
    return scaled(values, DEMAND_SCALE, field=field)


def scaled_capacity(value: float, *, field: str = "capacity") -> int:
    """A vehicle capacity in integer units of :data:`DEMAND_SCALE`, rounded *down* so the
    integer model never loads more than the real capacity.

    Raises:
        InvalidInputError: a capacity beyond :data:`MAX_SCALED` integer units.
    """
    x = float(value) * DEMAND_SCALE + _CAPACITY_EPS
    _fits(x, field, "a capacity")
    return math.floor(x)
