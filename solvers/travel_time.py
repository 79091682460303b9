"""Time-dependent travel: a speed factor by time of day and the arrival it gives.

A :class:`SpeedProfile` says, for one travel profile, how fast it moves in each period
of the day relative to its free-flow speed (``factor`` 0.7: 70 % of the speed, so a leg
that is wholly inside the period takes ``base / 0.7`` seconds); outside every period the
factor is 1.  The day repeats: the plan's clock is seconds since the plan's midnight,
so the time of day of a clock time ``t`` is ``t mod period_s``.

Travel time depends on the departure (Ichoua, Gendreau and Potvin, 2003): a leg whose
free-flow duration is ``base_s`` ends at the first ``a`` with
``integral from depart to a of factor(s) ds = base_s``: the speed changes at a period
boundary while the vehicle is on the way.  Since the factor is positive, the arrival is
continuous and strictly increasing in the departure, so leaving later never arrives
earlier (FIFO), and with every factor 1 it is ``depart + base_s`` exactly.

:func:`static_bound` is how a static solver (OR-Tools) models it soundly: each vehicle's
durations divided by the slowest factor over the hours the vehicle can be on the road.
Every leg of a route is then at least as long in the static model as it really is, and
by FIFO a route feasible with the bound is feasible with the exact times, whose
arrivals are no later; :mod:`solvers.evaluate` then recomputes the exact times.

Units: seconds.  Raises :class:`solvers.errors.InvalidInputError` naming the field.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from core import limits
from solvers.errors import InvalidInputError

if TYPE_CHECKING:
    from solvers.problem import RoutingProblem, Vehicle

DAY_S = 86_400.0
# The accepted range of a factor (a tenth of the free-flow speed, standstill traffic, to
# twice it, empty night streets) and the most periods of one profile's day.
MIN_SPEED_FACTOR = limits.MIN_SPEED_FACTOR
MAX_SPEED_FACTOR = limits.MAX_SPEED_FACTOR
MAX_PERIODS = limits.MAX_SPEED_PERIODS


@dataclass(frozen=True)
class SpeedProfile:
    """A speed factor by time of day, repeating every ``period_s``.

    Attributes:
        periods: ``(start_s, end_s, factor)`` with ``0 <= start_s < end_s <= period_s``
            (times of day, seconds), not overlapping, ``factor`` in
            [:data:`MIN_SPEED_FACTOR`, :data:`MAX_SPEED_FACTOR`]; factor 1 elsewhere.
            Kept sorted by start.
        period_s: length of the repeating day, seconds (> 0).
        what: names the profile in errors; takes no part in comparisons.

    Raises:
        InvalidInputError: naming ``what``, the period and the rule.
    """

    periods: tuple[tuple[float, float, float], ...] = ()
    period_s: float = DAY_S
    what: str = field(default="SpeedProfile", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not (
            isinstance(self.period_s, int | float)
            and not isinstance(self.period_s, bool)
            and math.isfinite(self.period_s)
            and self.period_s > 0
        ):
            raise InvalidInputError(
                f"{self.what}: period_s", f"must be a finite number > 0, got {self.period_s!r}"
            )
        periods = tuple(tuple(p) for p in self.periods)
        if len(periods) > MAX_PERIODS:
            raise InvalidInputError(
                f"{self.what}: periods",
                f"must have at most {MAX_PERIODS} items, got {len(periods)}",
            )
        for i, p in enumerate(periods):
            where = f"{self.what}: periods[{i}]"
            if len(p) != 3 or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                for x in p
            ):
                raise InvalidInputError(where, f"must be (start_s, end_s, factor), got {p!r}")
            start, end, factor = p
            if not 0 <= start < end <= self.period_s:
                raise InvalidInputError(
                    where,
                    f"must have 0 <= start_s < end_s <= {self.period_s:g}, got {start!r}, {end!r}",
                )
            if not MIN_SPEED_FACTOR <= factor <= MAX_SPEED_FACTOR:
                raise InvalidInputError(
                    f"{where}: factor",
                    f"must be in [{MIN_SPEED_FACTOR:g}, {MAX_SPEED_FACTOR:g}], got {factor!r}",
                )
        ordered = tuple(
            (float(s), float(e), float(f)) for s, e, f in sorted(periods, key=lambda p: p[0])
        )
        for (s1, e1, _), (s2, _, _) in itertools.pairwise(ordered):
            if s2 < e1:
                raise InvalidInputError(
                    f"{self.what}: periods",
                    f"must not overlap: one starting at {s1:g} s ends at {e1:g} s, "
                    f"after the next starts at {s2:g} s",
                )
        object.__setattr__(self, "periods", ordered)

    # --- the day as segments ------------------------------------------------------------

    @cached_property
    def _segments(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(bounds, factors): ``bounds[0] = 0 < ... < bounds[-1] = period_s``, segment i
        from ``bounds[i]`` to ``bounds[i + 1]`` at ``factors[i]``, gaps at factor 1."""
        bounds = [0.0]
        factors: list[float] = []
        for start, end, factor in self.periods:
            if start > bounds[-1]:
                factors.append(1.0)
                bounds.append(start)
            factors.append(factor)
            bounds.append(end)
        if bounds[-1] < self.period_s:
            factors.append(1.0)
            bounds.append(self.period_s)
        return tuple(bounds), tuple(factors)

    @cached_property
    def _work_per_period(self) -> float:
        bounds, factors = self._segments
        return sum((b - a) * f for a, b, f in zip(bounds, bounds[1:], factors, strict=False))

    @property
    def trivial(self) -> bool:
        """Whether the factor is 1 all day (travel does not depend on the time)."""
        return all(f == 1.0 for _, _, f in self.periods)

    def factor_at(self, t_s: float) -> float:
        """The speed factor at clock time ``t_s``."""
        bounds, factors = self._segments
        phase = t_s - math.floor(t_s / self.period_s) * self.period_s
        i = min(bisect.bisect_right(bounds, phase) - 1, len(factors) - 1)
        return factors[max(i, 0)]

    def min_factor(self, from_s: float, to_s: float) -> float:
        """The slowest factor at any time in ``[from_s, to_s]`` (``to_s`` may be inf)."""
        if not to_s - from_s < self.period_s:
            return min(self._segments[1])
        bounds, factors = self._segments
        low = self.factor_at(from_s)
        day = math.floor(from_s / self.period_s) * self.period_s
        for d in (day, day + self.period_s):
            for i, f in enumerate(factors):
                if d + bounds[i] < to_s and d + bounds[i + 1] > from_s:
                    low = min(low, f)
        return low

    def arrival_s(self, depart_s: float, base_s: float) -> float:
        """When a leg of free-flow duration ``base_s`` seconds, left at clock time
        ``depart_s``, arrives: the speed integrated over time across period boundaries.
        ``depart_s + base_s`` exactly when the profile is trivial or ``base_s`` is 0."""
        if base_s <= 0.0 or self.trivial:
            return depart_s + base_s
        bounds, factors = self._segments
        period = self.period_s
        day = math.floor(depart_s / period)
        phase = depart_s - day * period
        i = min(max(bisect.bisect_right(bounds, phase) - 1, 0), len(factors) - 1)
        t = depart_s
        left = base_s
        while True:
            end = day * period + bounds[i + 1]
            f = factors[i]
            room = (end - t) * f
            if left <= room:
                return t + left / f
            left -= room
            t = end
            i += 1
            if i == len(factors):
                i = 0
                day += 1
                whole = int(left // self._work_per_period)
                if whole * self._work_per_period >= left:
                    whole -= 1  # the last day is travelled segment by segment
                if whole > 0:
                    day += whole
                    left -= whole * self._work_per_period
                    t = day * period

    def travel_s(self, depart_s: float, base_s: float) -> float:
        """Seconds a leg of free-flow duration ``base_s`` takes when left at ``depart_s``."""
        return self.arrival_s(depart_s, base_s) - depart_s


def speed_profiles(
    profiles: Mapping[str, SpeedProfile], matrix_profiles: Mapping[str, object]
) -> dict[str, SpeedProfile]:
    """The non-trivial profiles of ``profiles``, checked against the matrices' profiles.

    Raises:
        InvalidInputError: a key that is not a profile of the matrices, or a value that
            is not a :class:`SpeedProfile`.
    """
    out: dict[str, SpeedProfile] = {}
    for name, sp in profiles.items():
        if name not in matrix_profiles:
            raise InvalidInputError(
                f"RoutingProblem.speed_profiles[{name!r}]",
                f"must be one of the matrices' profiles {sorted(matrix_profiles)}",
            )
        if not isinstance(sp, SpeedProfile):
            raise InvalidInputError(
                f"RoutingProblem.speed_profiles[{name!r}]", "must be a SpeedProfile"
            )
        if not sp.trivial:
            out[name] = sp
    return out


# --- the static upper bound (OR-Tools) ---------------------------------------------------


def on_road_until_s(problem: RoutingProblem, vehicle: Vehicle, slowest: float) -> float:
    """A clock time the vehicle cannot be on the road after in a feasible route.

    Its shift end, or earlier: the latest time any stop may start (last window end plus
    lateness allowance) plus its service and the longest leg home at the ``slowest``
    factor.  Goods on board may be delivered past their windows, so a vehicle carrying
    any keeps its shift end.
    """
    end = vehicle.shift.end_s
    if problem.locks and any(problem.carrier(t.id) == vehicle.id for t in problem.tasks):
        return end
    latest = -math.inf
    for task in problem.tasks:
        for stop in task.stops:
            latest = max(latest, stop.windows[-1].end_s + stop.max_lateness_s + stop.service_s)
    if not math.isfinite(latest):
        return end if latest > 0 else vehicle.shift.start_s
    home = 0.0
    if vehicle.end is not None:
        home = float(problem.matrices[vehicle.profile].duration_s[:, vehicle.end].max())
    return min(end, latest + home / slowest)


def static_bound(problem: RoutingProblem) -> RoutingProblem:
    """The problem with static travel at least as long as the time-dependent travel.

    Each vehicle whose profile has a speed profile drives at the slowest factor over
    ``[shift start, on_road_until_s]`` (a profile key per distinct factor, e.g.
    ``e_bike@0.7``); no speed profiles remain.  A problem without time-dependent travel
    is returned as is.
    """
    if not problem.speed_profiles:
        return problem
    matrices = dict(problem.matrices)
    vehicles = []
    for v in problem.vehicles:
        sp = problem.speed_profiles.get(v.profile)
        if sp is None:
            vehicles.append(v)
            continue
        slowest_any = sp.min_factor(0.0, math.inf)
        until = on_road_until_s(problem, v, slowest_any)
        factor = sp.min_factor(v.shift.start_s, max(until, v.shift.start_s))
        if factor == 1.0:
            vehicles.append(v)
            continue
        key = f"{v.profile}@{factor:.6g}"
        if key not in matrices:
            base = problem.matrices[v.profile]
            matrices[key] = dataclasses.replace(base, duration_s=base.duration_s / factor)
        vehicles.append(dataclasses.replace(v, profile=key))
    return dataclasses.replace(
        problem, vehicles=tuple(vehicles), matrices=matrices, speed_profiles={}
    )
