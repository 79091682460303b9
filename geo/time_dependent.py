"""Speed profiles by time of day, per travel profile, and travel matrices per time slice.

A :class:`SpeedProfiles` gives, per travel profile (:class:`geo.profiles.ProfileName`),
periods of the day with a speed factor: the factor multiplies the profile's speed in
that period (0.7: the morning peak at 70 % of the free-flow speed); outside every
period it is 1.  Times are times of day, seconds from midnight in ``[0, 86400]``, and
the day repeats.

Road classes: a profile moves at one speed on every way class it may use
(:mod:`geo.profiles`), so the factor is per profile, and in each slice the fastest path
is the shortest one: a slice's durations are the free-flow durations divided by its
factor, and one shortest-path run (:func:`geo.matrix.road_matrix`) serves every slice
(:func:`slice_matrices`).  Per-class factors would need per-class speeds first.

Travel across a slice boundary integrates the speed over time (Ichoua, Gendreau and
Potvin): :mod:`solvers.travel_time` on the solver side, which the planner hands these
periods to.

:data:`DEFAULT_CITY_SPEED_PROFILES` are the defaults for Chinese cities that
``dispatch generate`` writes into new scenarios (see its docstring for the figures and
where they come from).

Raises :class:`geo.errors.InvalidInputError` naming the field path and the rule.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from core import limits
from geo.errors import InvalidInputError
from geo.matrix import TravelMatrix
from geo.profiles import ProfileName

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class SpeedPeriod:
    """A period of the day at a speed factor.

    Attributes:
        start_s: time of day it starts, seconds, in ``[0, 86400)``.
        end_s: time of day it ends, seconds, in ``(start_s, 86400]``.
        factor: the share of the profile's free-flow speed, in
            [``core.limits.MIN_SPEED_FACTOR``, ``core.limits.MAX_SPEED_FACTOR``].
    """

    start_s: float
    end_s: float
    factor: float


@dataclass(frozen=True, slots=True)
class TimeSlice:
    """A part of the day at one factor (gaps between periods are slices at factor 1)."""

    start_s: float
    end_s: float
    factor: float


@dataclass(frozen=True)
class SpeedProfiles:
    """Speed factors by time of day per travel profile.

    Attributes:
        by_profile: profile name -> its periods (sorted by start on construction);
            a profile not listed keeps its speed all day.
        what: the field path errors name (``travel.speed_profiles``).

    Raises:
        InvalidInputError: an unknown profile, a period outside the day or with end
            before start, a factor outside its range, overlapping periods or too many
            periods; the path names the profile and the period, e.g.
            ``travel.speed_profiles.e_bike[1].factor``.
    """

    by_profile: Mapping[ProfileName, tuple[SpeedPeriod, ...]] = field(default_factory=dict)
    what: str = field(default="travel.speed_profiles", compare=False, repr=False)

    def __post_init__(self) -> None:
        checked: dict[ProfileName, tuple[SpeedPeriod, ...]] = {}
        for name, periods in self.by_profile.items():
            try:
                profile = ProfileName(name)
            except ValueError:
                known = ", ".join(p.value for p in ProfileName)
                raise InvalidInputError(
                    f"{self.what}.{name}", f"must be a travel profile ({known})"
                ) from None
            checked[profile] = _checked_periods(f"{self.what}.{profile.value}", tuple(periods))
        object.__setattr__(self, "by_profile", checked)

    def periods(self, profile: str) -> tuple[SpeedPeriod, ...]:
        """The profile's periods (empty: factor 1 all day)."""
        return self.by_profile.get(ProfileName(profile), ())

    def factor_at(self, profile: str, time_s: float) -> float:
        """The profile's factor at clock time ``time_s`` (the day repeats)."""
        phase = time_s - math.floor(time_s / DAY_S) * DAY_S
        for p in self.periods(profile):
            if p.start_s <= phase < p.end_s:
                return p.factor
        return 1.0

    def slices(self, profile: str) -> tuple[TimeSlice, ...]:
        """The day cut into slices of constant factor, from 0 to 86400 s."""
        out: list[TimeSlice] = []
        clock = 0.0
        for p in self.periods(profile):
            if p.start_s > clock:
                out.append(TimeSlice(clock, p.start_s, 1.0))
            out.append(TimeSlice(p.start_s, p.end_s, p.factor))
            clock = p.end_s
        if clock < DAY_S:
            out.append(TimeSlice(clock, DAY_S, 1.0))
        return tuple(out)

    @property
    def time_dependent(self) -> bool:
        """Whether some profile's speed changes during the day."""
        return any(p.factor != 1.0 for ps in self.by_profile.values() for p in ps)


NO_SPEED_PROFILES = SpeedProfiles()


def _checked_periods(path: str, periods: tuple[SpeedPeriod, ...]) -> tuple[SpeedPeriod, ...]:
    if len(periods) > limits.MAX_SPEED_PERIODS:
        raise InvalidInputError(
            path, f"must have at most {limits.MAX_SPEED_PERIODS} periods, got {len(periods)}"
        )
    for i, p in enumerate(periods):
        where = f"{path}[{i}]"
        for name in ("start_s", "end_s", "factor"):
            value = getattr(p, name)
            if not (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                raise InvalidInputError(
                    f"{where}.{name}", f"must be a finite number, got {value!r}"
                )
        if not 0 <= p.start_s < DAY_S:
            raise InvalidInputError(
                f"{where}.start", f"must be a time of day from 00:00 to 23:59, got {p.start_s:g} s"
            )
        if not p.start_s < p.end_s <= DAY_S:
            raise InvalidInputError(
                f"{where}.end", "must be after start and at most 24:00 (a period within one day)"
            )
        if not limits.MIN_SPEED_FACTOR <= p.factor <= limits.MAX_SPEED_FACTOR:
            raise InvalidInputError(
                f"{where}.factor",
                f"must be in [{limits.MIN_SPEED_FACTOR:g}, {limits.MAX_SPEED_FACTOR:g}], "
                f"got {p.factor!r}",
            )
    order = sorted(range(len(periods)), key=lambda i: periods[i].start_s)
    for a, b in itertools.pairwise(order):
        if periods[b].start_s < periods[a].end_s:
            raise InvalidInputError(
                f"{path}[{b}]", f"overlaps period {a}: periods of one profile must not overlap"
            )
    return tuple(periods[i] for i in order)


def _hm(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


# Defaults for Chinese cities (assumed, not measured here): the morning (07:00-09:30)
# and evening (17:00-19:30) peaks.  Vans share the car lanes, where the peak congestion
# indices published for large Chinese cities put peak travel at about 1.6-1.8 times the
# free-flow time (factor 0.6 in the morning, 0.55 in the evening, the worse one); e-bikes
# and tricycles ride the non-motor lanes, slowed by crowds and crossings rather than by
# jams (0.8 / 0.75 and 0.85 / 0.8), plus the lunch rush of delivery riders for e-bikes
# (11:00-13:00, 0.9).  Walking is unchanged.
DEFAULT_CITY_SPEED_PERIODS: dict[ProfileName, tuple[tuple[str, str, float], ...]] = {
    ProfileName.E_BIKE: (
        ("07:00", "09:30", 0.8),
        ("11:00", "13:00", 0.9),
        ("17:00", "19:30", 0.75),
    ),
    ProfileName.TRICYCLE: (("07:00", "09:30", 0.85), ("17:00", "19:30", 0.8)),
    ProfileName.VAN: (("07:00", "09:30", 0.6), ("17:00", "19:30", 0.55)),
}

DEFAULT_CITY_SPEED_PROFILES = SpeedProfiles(
    {
        name: tuple(SpeedPeriod(_hm(s), _hm(e), f) for s, e, f in periods)
        for name, periods in DEFAULT_CITY_SPEED_PERIODS.items()
    }
)


def slice_matrices(
    base: TravelMatrix, profiles: SpeedProfiles
) -> tuple[tuple[TimeSlice, TravelMatrix], ...]:
    """The base (free-flow) matrix in each time slice of its profile's day.

    Distances are the base's (the same paths); durations are the base's divided by the
    slice's factor.  The network work (snapping, shortest paths) is the base's, done
    once.  A leg that crosses a slice boundary is timed by integrating the speed
    (:mod:`solvers.travel_time`), not by one slice's matrix.
    """
    return tuple(
        (
            s,
            base
            if s.factor == 1.0
            else TravelMatrix(base.distance_m, base.duration_s / s.factor, base.profile),
        )
        for s in profiles.slices(base.profile)
    )
