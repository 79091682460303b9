"""The world: lookups naming the id, consistency rules, travel models."""

from __future__ import annotations

import numpy as np
import pytest

import geo
from dispatch import Leader, Member, World
from geo.profiles import WALK, ProfileName
from solvers.errors import InvalidInputError
from tests.dispatch.helpers import building, point, store


def test_lookups_name_the_unknown_id() -> None:
    world = World(buildings=(building("b1", 0),), stores=(store("st1", 10),))
    assert world.building("b1").id == "b1"
    with pytest.raises(InvalidInputError, match=r"building: unknown Building id 'st1'"):
        world.building("st1")
    with pytest.raises(InvalidInputError, match=r"pickup point: unknown PickupPoint id 'pp9'"):
        world.pickup_point("pp9")
    with pytest.raises(InvalidInputError, match=r"member: unknown member id 'm9'"):
        world.member("m9")
    with pytest.raises(InvalidInputError, match=r"store: unknown store or micro-warehouse"):
        world.source("b1")


def test_consistency_rules() -> None:
    with pytest.raises(InvalidInputError, match=r"World.places: id 'x' appears twice"):
        World(buildings=(building("x", 0),), stores=(store("x", 10),))
    with pytest.raises(InvalidInputError, match=r"Leader 'l1': pickup_point_id: unknown"):
        World(leaders=(Leader("l1", "pp1"),))
    with pytest.raises(InvalidInputError, match=r"already has leader 'l1'"):
        World(
            pickup_points=(point("pp1", 0),),
            leaders=(Leader("l1", "pp1"), Leader("l2", "pp1")),
        )
    with pytest.raises(InvalidInputError, match=r"World.members: id 'm1' appears twice"):
        World(members=(Member("m1"), Member("m1")))
    with pytest.raises(InvalidInputError, match=r"closed_pickup_point_ids: unknown pickup"):
        World(closed_pickup_point_ids=frozenset({"pp1"}))
    with pytest.raises(InvalidInputError, match=r"detour_factor: must be a finite number >= 1"):
        World(detour_factor=0.5)


def test_straight_line_travel_uses_the_detour_factor() -> None:
    places = [building("a", 0), building("b", 1000)]
    m = World(detour_factor=1.5).travel("e_bike", places)
    assert m.distance_m[0, 1] == pytest.approx(1500.0)
    assert m.duration_s[0, 1] == pytest.approx(1500.0 / 5.0)


def test_from_city_travels_on_the_road_network_and_names_the_leaders() -> None:
    city = geo.generate_city(seed=2, blocks_x=3, blocks_y=3)
    world = World.from_city(city)
    led = [p for p in city.pickup_points if p.leader_id is not None]
    assert [leader.id for leader in world.leaders] == [p.leader_id for p in led]
    for p in led:
        leader = world.leader_of(p.id)
        assert leader is not None and leader.id == p.leader_id
    pts = list(city.buildings[:3])
    road = world.travel(ProfileName.WALK, pts)
    expected = geo.road_matrix(
        city.network.routable(WALK),
        [p.lon for p in pts],
        [p.lat for p in pts],
    )
    np.testing.assert_allclose(road.distance_m, expected.distance_m)
