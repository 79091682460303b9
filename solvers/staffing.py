"""Courier shifts from an hourly demand forecast, with CP-SAT.

Pure optimisation; :mod:`dispatch.planning.staffing` gives it each micro-warehouse's
forecast and throughput.  For one site and one day of hours ``0..H-1``:

* shifts start on the hour within ``[open_h, close_h)`` and last a whole number of
  hours from ``min_shift_h`` to ``max_shift_h``, ending by ``close_h``; ``n[s, l]``
  couriers work the shift starting at ``s`` lasting ``l`` hours;
* hour ``h`` has ``c[h]`` couriers (the shifts covering it) and serves
  ``served[h] <= min(forecast[h], orders_per_courier_hour x c[h])`` orders within the
  promise;
* the served orders add up to at least ``target_share`` of the forecast orders within
  the opening hours (the warehouse takes no orders outside them);
* minimise courier hours, then the number of shifts.

Orders count to 1/100.  Deterministic (one CP-SAT worker, fixed seed).
:func:`check_staffing` recomputes the served share from the shifts alone;
:func:`naive_staffing` is the flat baseline (enough couriers for the peak hour over the
whole opening).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solvers.cp_sat import ModelRun, ModelStatus, solve_model
from solvers.errors import InvalidInputError
from solvers.params import DEFAULT_TIME_LIMIT_S

_SCALE = 100


@dataclass(frozen=True, slots=True)
class Shift:
    """``couriers`` couriers from hour ``start_h`` for ``length_h`` hours."""

    start_h: int
    length_h: int
    couriers: int

    @property
    def end_h(self) -> int:
        """The hour the shift ends (exclusive)."""
        return self.start_h + self.length_h


@dataclass(frozen=True)
class StaffingProblem:
    """One site's day (see the module doc).

    Raises:
        InvalidInputError: an empty or negative forecast, a throughput not > 0, a
            target outside [0, 1], shift lengths not ``1 <= min <= max``, or opening
            hours not ``0 <= open < close <= len(forecast)``.
    """

    forecast: tuple[float, ...]
    orders_per_courier_hour: float
    target_share: float = 0.95
    min_shift_h: int = 4
    max_shift_h: int = 8
    open_h: int = 0
    close_h: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "forecast", tuple(float(v) for v in self.forecast))
        if not self.forecast or not all(math.isfinite(v) and v >= 0 for v in self.forecast):
            raise InvalidInputError("forecast", "must be non-empty, finite and >= 0")
        q = self.orders_per_courier_hour
        if not (math.isfinite(q) and q > 0):
            raise InvalidInputError("orders_per_courier_hour", f"must be > 0, got {q!r}")
        if not 0 <= self.target_share <= 1:
            raise InvalidInputError(
                "target_share", f"must be within 0..1, got {self.target_share!r}"
            )
        if not (1 <= self.min_shift_h <= self.max_shift_h):
            raise InvalidInputError(
                "min_shift_h, max_shift_h",
                f"need 1 <= min <= max, got {self.min_shift_h}, {self.max_shift_h}",
            )
        if not 0 <= self.open_h < self.closes_h <= len(self.forecast):
            raise InvalidInputError(
                "open_h, close_h",
                f"need 0 <= open < close <= {len(self.forecast)}, "
                f"got {self.open_h}, {self.closes_h}",
            )
        if self.closes_h - self.open_h < self.min_shift_h:
            raise InvalidInputError("min_shift_h", "must fit within the opening hours")

    @property
    def closes_h(self) -> int:
        """The closing hour (the forecast's end when ``close_h`` is None)."""
        return len(self.forecast) if self.close_h is None else self.close_h

    @property
    def target_orders(self) -> float:
        """Orders that must be served: ``target_share`` of the forecast within the
        opening hours (orders outside them are not taken: the warehouse is closed)."""
        return self.target_share * sum(self.forecast[self.open_h : self.closes_h])


@dataclass(frozen=True)
class Staffing:
    """The shifts, couriers per hour, orders served per hour and how the run went."""

    shifts: tuple[Shift, ...]
    couriers_by_hour: tuple[int, ...]
    served_by_hour: tuple[float, ...]
    run: ModelRun

    @property
    def courier_hours(self) -> int:
        """Total courier hours."""
        return sum(s.length_h * s.couriers for s in self.shifts)

    @property
    def served(self) -> float:
        """Orders served within the promise, by the model's count."""
        return sum(self.served_by_hour)


def coverage(problem: StaffingProblem, shifts: Sequence[Shift]) -> tuple[list[int], list[float]]:
    """Couriers per hour and orders served per hour (``min(forecast, q x couriers)``)."""
    couriers = [0] * len(problem.forecast)
    for s in shifts:
        for h in range(s.start_h, s.end_h):
            couriers[h] += s.couriers
    served = [
        min(f, problem.orders_per_courier_hour * c)
        for f, c in zip(problem.forecast, couriers, strict=True)
    ]
    return couriers, served


def naive_staffing(problem: StaffingProblem) -> Staffing:
    """The flat baseline: ``ceil(peak forecast / throughput)`` couriers over the whole
    opening (one shift, whatever ``max_shift_h``)."""
    started = time.perf_counter()
    peak = max(problem.forecast[problem.open_h : problem.closes_h])
    n = math.ceil(peak / problem.orders_per_courier_hour - 1e-9)
    shifts = (Shift(problem.open_h, problem.closes_h - problem.open_h, n),) if n else ()
    couriers, served = coverage(problem, shifts)
    run = ModelRun(
        ModelStatus.GREEDY,
        float(sum(s.length_h * s.couriers for s in shifts)),
        None,
        time.perf_counter() - started,
        True,
    )
    return Staffing(shifts, tuple(couriers), tuple(served), run)


def solve_staffing(
    problem: StaffingProblem, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, seed: int = 0
) -> Staffing:
    """The fewest courier hours that serve the target share (CP-SAT; see the module doc).

    ``run.objective`` and ``run.bound`` are courier hours (minimised).  When the search
    finds nothing in time, or the target cannot be met within the opening hours, the
    answer is the naive staffing (``run.fallback``).

    Raises:
        InvalidInputError: a negative time limit or seed.
    """
    started = time.perf_counter()
    q = problem.orders_per_courier_hour
    hours = len(problem.forecast)
    peak = max(problem.forecast) if problem.forecast else 0.0
    most = max(1, math.ceil(peak / q))
    model = cp_model.CpModel()
    n: dict[tuple[int, int], cp_model.IntVar] = {}
    for s in range(problem.open_h, problem.closes_h):
        for length in range(problem.min_shift_h, problem.max_shift_h + 1):
            if s + length <= problem.closes_h:
                n[(s, length)] = model.new_int_var(0, most, f"n[{s},{length}]")
    q_scaled = round(q * _SCALE)
    served = []
    for h in range(hours):
        f = math.floor(problem.forecast[h] * _SCALE)
        cover = [v for (s, length), v in n.items() if s <= h < s + length]
        x = model.new_int_var(0, f, f"served[{h}]")
        if cover:
            model.add(x <= q_scaled * sum(cover))
        else:
            model.add(x == 0)
        served.append(x)
    model.add(sum(served) >= math.ceil(problem.target_orders * _SCALE - 1e-6))
    hours_expr = sum(length * v for (_, length), v in n.items())
    # Courier hours first; among equal hours, fewer shifts (a weight above any count).
    weight = len(n) * most + 1
    model.minimize(weight * hours_expr + sum(n.values()))
    left = max(0.0, time_limit_s - (time.perf_counter() - started))
    solver, status = solve_model(model, seed=seed, time_limit_s=left)
    if status is None:
        naive = naive_staffing(problem)
        run = ModelRun(
            ModelStatus.GREEDY, naive.run.objective, None, time.perf_counter() - started, True
        )
        return Staffing(naive.shifts, naive.couriers_by_hour, naive.served_by_hour, run)
    shifts = tuple(
        Shift(s, length, int(solver.value(v)))
        for (s, length), v in sorted(n.items())
        if solver.value(v) > 0
    )
    couriers, served_h = coverage(problem, shifts)
    run = ModelRun(
        status,
        float(sum(s.length_h * s.couriers for s in shifts)),
        float(math.floor(solver.best_objective_bound / weight + 1e-9)),
        time.perf_counter() - started,
        False,
    )
    return Staffing(shifts, tuple(couriers), tuple(served_h), run)


def check_staffing(problem: StaffingProblem, staffing: Staffing) -> list[str]:
    """Every rule the staffing breaks, recomputed from its shifts alone (empty when
    none): shift lengths and opening hours, and the target share served."""
    problems = []
    for s in staffing.shifts:
        if s.couriers < 0:
            problems.append(f"shift at {s.start_h}: negative couriers")
        if not problem.min_shift_h <= s.length_h <= problem.max_shift_h:
            problems.append(f"shift at {s.start_h}: {s.length_h} h outside the allowed lengths")
        if s.start_h < problem.open_h or s.end_h > problem.closes_h:
            problems.append(f"shift at {s.start_h}: outside the opening hours")
    couriers = np.zeros(len(problem.forecast), dtype=np.int64)
    for s in staffing.shifts:
        couriers[s.start_h : s.end_h] += s.couriers
    served = np.minimum(np.array(problem.forecast), problem.orders_per_courier_hour * couriers)
    if float(served.sum()) + 1e-6 < problem.target_orders:
        problems.append(
            f"serves {float(served.sum()):.2f} orders, below the target {problem.target_orders:.2f}"
        )
    return problems
