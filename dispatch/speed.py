"""The world's speed profiles as the solver's time-dependent travel.

:class:`geo.time_dependent.SpeedProfiles` (times of day, per travel profile) become
:class:`solvers.travel_time.SpeedProfile` per matrix profile of a routing problem.  The
plan's clock is seconds since the plan's midnight, so a time of day is the clock time
modulo a day and the periods carry over unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from geo.time_dependent import SpeedProfiles
from solvers.travel_time import SpeedProfile


def solver_speed_profiles(
    profiles: SpeedProfiles, matrix_profiles: Iterable[str]
) -> dict[str, SpeedProfile]:
    """One :class:`SpeedProfile` per matrix profile whose speed changes during the day
    (the others are left out: their travel is static)."""
    out: dict[str, SpeedProfile] = {}
    for name in matrix_profiles:
        periods = profiles.periods(name)
        if any(p.factor != 1.0 for p in periods):
            out[name] = SpeedProfile(
                tuple((p.start_s, p.end_s, p.factor) for p in periods),
                what=f"travel.speed_profiles.{name}",
            )
    return out
