"""Places and travel profiles: validation rules and exact behaviour."""

from __future__ import annotations

import math

import pytest

from geo.errors import InvalidInputError
from geo.places import (
    Building,
    Depot,
    MicroWarehouse,
    OpeningInterval,
    PickupPoint,
    PickupPointKind,
    Store,
)
from geo.profiles import E_BIKE, PROFILES, TRICYCLE, VAN, WALK, ProfileName, TravelProfile, profile


def test_place_keeps_lonlat_order() -> None:
    b = Building("b1", 116.35, 39.99, households=120)
    assert b.lonlat == (116.35, 39.99)
    assert b.households == 120


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [
        (181.0, 39.0, "lon"),
        (-180.5, 39.0, "lon"),
        (116.0, 90.5, "lat"),
        (math.nan, 39.0, "lon"),
        (116.0, math.inf, "lat"),
    ],
)
def test_bad_coordinates_name_the_field(lon: float, lat: float, field: str) -> None:
    with pytest.raises(InvalidInputError, match=rf"Depot 'd1'\.{field}: must be a finite number"):
        Depot("d1", lon, lat)


@pytest.mark.parametrize("bad_id", ["", " b1", "b1 "])
def test_bad_id(bad_id: str) -> None:
    with pytest.raises(InvalidInputError, match=r"Building\.id: must be a non-empty string"):
        Building(bad_id, 116.0, 39.0)


def test_negative_households() -> None:
    with pytest.raises(
        InvalidInputError, match=r"Building 'b1': households: must be an integer >= 0"
    ):
        Building("b1", 116.0, 39.0, households=-3)


def test_store_and_warehouse_rules() -> None:
    with pytest.raises(InvalidInputError, match="prep_duration_s"):
        Store("s1", 116.0, 39.0, prep_duration_s=-1.0)
    with pytest.raises(InvalidInputError, match="promise_s: must be > 0"):
        MicroWarehouse("w1", 116.0, 39.0, promise_s=0.0)
    assert MicroWarehouse("w1", 116.0, 39.0).promise_s == 1800.0


def test_pickup_point_kind_is_coerced_and_checked() -> None:
    p = PickupPoint("p1", 116.0, 39.0, kind="locker")  # type: ignore[arg-type]
    assert p.kind is PickupPointKind.LOCKER
    with pytest.raises(InvalidInputError, match="kind: must be one of locker, convenience_store"):
        PickupPoint("p2", 116.0, 39.0, kind="shed")  # type: ignore[arg-type]


def test_pickup_point_capacity_and_hours() -> None:
    with pytest.raises(InvalidInputError, match="capacity_parcels: must be an integer >= 0"):
        PickupPoint("p1", 116.0, 39.0, capacity_parcels=-1)
    with pytest.raises(InvalidInputError, match="opening_hours: must have at least one interval"):
        PickupPoint("p1", 116.0, 39.0, opening_hours=())
    with pytest.raises(InvalidInputError, match="must be sorted and must not overlap"):
        PickupPoint(
            "p1",
            116.0,
            39.0,
            opening_hours=(
                OpeningInterval(8 * 3600, 12 * 3600),
                OpeningInterval(11 * 3600, 13 * 3600),
            ),
        )
    with pytest.raises(InvalidInputError, match=r"0 <= open_s < close_s <= 86400"):
        OpeningInterval(10, 10)


def test_opening_hours_queries() -> None:
    p = PickupPoint(
        "p1",
        116.0,
        39.0,
        opening_hours=(OpeningInterval(8 * 3600, 12 * 3600), OpeningInterval(14 * 3600, 20 * 3600)),
    )
    assert p.is_open_at(8 * 3600)
    assert not p.is_open_at(12 * 3600)
    assert not p.is_open_at(7 * 3600 + 3599)
    assert p.next_opening_s(7 * 3600) == 8 * 3600
    assert p.next_opening_s(9 * 3600) == 9 * 3600
    assert p.next_opening_s(13 * 3600) == 14 * 3600
    assert p.next_opening_s(21 * 3600) == 86400 + 8 * 3600
    # On day 2 the answer keeps the same origin (seconds since day 1 midnight).
    assert p.next_opening_s(86400 + 13 * 3600) == 86400 + 14 * 3600


def test_standard_profiles() -> None:
    assert set(PROFILES) == set(ProfileName)
    assert WALK.speed_mps == pytest.approx(1.25)
    assert E_BIKE.speed_mps == pytest.approx(5.0)
    assert not WALK.respects_oneway
    assert VAN.respects_oneway and E_BIKE.respects_oneway and TRICYCLE.respects_oneway
    assert WALK.may_use("footway") and not VAN.may_use("footway")
    assert not E_BIKE.may_use("motorway") and VAN.may_use("motorway")
    assert E_BIKE.may_use("cycleway") and not VAN.may_use("cycleway")
    assert profile("e_bike") is E_BIKE
    assert E_BIKE.access_speed_mps == E_BIKE.speed_mps


def test_profile_rules() -> None:
    with pytest.raises(InvalidInputError, match="profile: must be one of walk, e_bike"):
        profile("rocket")
    with pytest.raises(InvalidInputError, match="speed_kph: must be a finite number > 0"):
        TravelProfile(ProfileName.VAN, 0.0, frozenset({"primary"}), True)
    with pytest.raises(InvalidInputError, match="allowed_highways: must not be empty"):
        TravelProfile(ProfileName.VAN, 30.0, frozenset(), True)
