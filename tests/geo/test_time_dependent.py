"""Speed profiles by time of day and the travel matrices per time slice (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from geo.errors import InvalidInputError
from geo.matrix import TravelMatrix
from geo.profiles import ProfileName
from geo.time_dependent import (
    DEFAULT_CITY_SPEED_PROFILES,
    SpeedPeriod,
    SpeedProfiles,
    TimeSlice,
    slice_matrices,
)

H = 3600.0


def test_slices_cover_the_day_and_matrices_share_the_paths() -> None:
    profiles = SpeedProfiles({ProfileName.E_BIKE: (SpeedPeriod(17 * H, 19 * H, 0.5),)})
    assert profiles.slices("e_bike") == (
        TimeSlice(0.0, 17 * H, 1.0),
        TimeSlice(17 * H, 19 * H, 0.5),
        TimeSlice(19 * H, 86_400.0, 1.0),
    )
    base = TravelMatrix(np.array([[0.0, 900.0]]), np.array([[0.0, 180.0]]), ProfileName.E_BIKE)
    cut = slice_matrices(base, profiles)
    assert [s.factor for s, _ in cut] == [1.0, 0.5, 1.0]
    assert cut[0][1] is base  # factor 1: the base matrix itself
    assert cut[1][1].duration_s.tolist() == [[0.0, 360.0]]
    assert (
        cut[1][1].distance_m is base.distance_m or (cut[1][1].distance_m == base.distance_m).all()
    )
    # Walking has no periods: one slice, the whole day.
    walk = TravelMatrix(base.distance_m, base.duration_s, ProfileName.WALK)
    assert [s for s, _ in slice_matrices(walk, profiles)] == [TimeSlice(0.0, 86_400.0, 1.0)]


def test_city_defaults_slow_the_peaks_for_vans_and_e_bikes() -> None:
    d = DEFAULT_CITY_SPEED_PROFILES
    assert d.time_dependent
    for name in ("van", "e_bike", "tricycle"):
        assert d.factor_at(name, 8 * H) < 1.0 and d.factor_at(name, 18 * H) < 1.0
        assert d.factor_at(name, 2 * H) == 1.0
    assert d.factor_at("van", 8 * H) < d.factor_at("e_bike", 8 * H)
    assert d.periods("walk") == ()


@pytest.mark.parametrize(
    ("periods", "path"),
    [
        ((SpeedPeriod(8 * H, 9 * H, 0.0),), "travel.speed_profiles.van[0].factor"),
        ((SpeedPeriod(8 * H, 7 * H, 0.5),), "travel.speed_profiles.van[0].end"),
        ((SpeedPeriod(-1.0, 7 * H, 0.5),), "travel.speed_profiles.van[0].start"),
        (
            (SpeedPeriod(8 * H, 10 * H, 0.5), SpeedPeriod(7 * H, 9 * H, 0.5)),
            "travel.speed_profiles.van[0]",
        ),
    ],
)
def test_bad_periods_name_the_field(periods: tuple[SpeedPeriod, ...], path: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SpeedProfiles({ProfileName.VAN: periods})
    assert str(caught.value).startswith(path)


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"travel\.speed_profiles\.car"):
        SpeedProfiles({"car": ()})  # type: ignore[dict-item]
