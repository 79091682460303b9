"""The procedural city: determinism, counts, one-way streets, connectivity, snapping, specs."""

from __future__ import annotations

import dataclasses
from collections import Counter
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.citygen import (
    PICKUP_CAPACITIES,
    PICKUP_HOURS,
    STORE_CATEGORIES,
    City,
    CitySpec,
    generate_city,
)
from geo.errors import InvalidInputError
from geo.network import RoadNetwork
from geo.places import PickupPointKind, Place
from geo.profiles import E_BIKE, PROFILES, TRICYCLE, VAN, WALK, TravelProfile

VEHICLES = (E_BIKE, TRICYCLE, VAN)


@cache
def default_city() -> City:
    return generate_city(CitySpec(seed=11))


def network_arrays(net: RoadNetwork) -> list[np.ndarray]:
    return [
        net.node_id,
        net.node_lon,
        net.node_lat,
        net.edge_u,
        net.edge_v,
        net.edge_length_m,
        net.edge_highway,
        net.edge_oneway,
    ]


def usable_nodes(net: RoadNetwork, profile: TravelProfile) -> int:
    """Nodes touching at least one edge the profile may use."""
    ok = np.isin(net.edge_highway, sorted(profile.allowed_highways))
    return int(np.union1d(net.edge_u[ok], net.edge_v[ok]).size)


def places_lonlat(places: tuple[Place, ...]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([p.lon for p in places]), np.array([p.lat for p in places])


def check_city_invariants(city: City, *, snap_m: float) -> None:
    """What every generated city guarantees."""
    net, spec = city.network, city.spec
    assert np.array_equal(net.node_id, np.arange(net.node_count))
    # Every two-way edge has its reverse; a one-way edge has none, and is residential.
    pairs = set(zip(net.edge_u.tolist(), net.edge_v.tolist(), strict=True))
    assert len(pairs) == net.edge_count  # no parallel edges
    for u, v, oneway in zip(net.edge_u, net.edge_v, net.edge_oneway, strict=True):
        assert ((int(v), int(u)) in pairs) != bool(oneway)
    assert set(net.edge_highway[net.edge_oneway].tolist()) <= {"residential"}
    # The vehicle graph keeps every node a vehicle may reach; walkers keep all nodes.
    for profile in VEHICLES:
        assert net.routable(profile).node_count == usable_nodes(net, profile)
    assert net.routable(WALK).node_count == net.node_count
    # Counts and ids.
    assert len(city.buildings) == spec.block_count * spec.buildings_per_block
    assert len(city.stores) == spec.store_count
    assert len(city.micro_warehouses) == spec.micro_warehouse_count
    assert len(city.pickup_points) == spec.pickup_point_count
    assert len(city.depots) == spec.depot_count
    every = [*city.buildings, *city.stores, *city.micro_warehouses, *city.pickup_points]
    every += city.depots
    assert len({p.id for p in every}) == len(every)
    assert all(spec.households_min <= b.households <= spec.households_max for b in city.buildings)
    # Every place is near a street every profile may use.
    for profile in (WALK, E_BIKE):
        graph = net.routable(profile)
        for places in (city.buildings, city.stores, city.pickup_points, city.micro_warehouses):
            if places:
                lon, lat = places_lonlat(places)
                snap = graph.snap(lon, lat, max_snap_m=snap_m)
                assert snap.access_m.max() <= snap_m


# --- determinism ------------------------------------------------------------------------


def test_same_seed_same_city_byte_for_byte() -> None:
    a, b = generate_city(CitySpec(seed=5)), generate_city(CitySpec(seed=5))
    for x, y in zip(network_arrays(a.network), network_arrays(b.network), strict=True):
        assert x.dtype == y.dtype
        assert x.tobytes() == y.tobytes()
    assert a.network.fingerprint == b.network.fingerprint
    assert a.buildings == b.buildings
    assert a.stores == b.stores
    assert a.micro_warehouses == b.micro_warehouses
    assert a.pickup_points == b.pickup_points
    assert a.depots == b.depots


def test_different_seeds_differ() -> None:
    a, b = generate_city(CitySpec(seed=5)), generate_city(CitySpec(seed=6))
    assert a.network.fingerprint != b.network.fingerprint
    assert not np.array_equal(a.network.node_lon[:10], b.network.node_lon[:10])
    assert a.buildings != b.buildings
    assert a.pickup_points != b.pickup_points


def test_changing_one_count_keeps_the_other_places() -> None:
    a = generate_city(CitySpec(seed=5, n_stores=10))
    b = generate_city(CitySpec(seed=5, n_stores=11))
    assert a.network.fingerprint == b.network.fingerprint
    assert a.buildings == b.buildings
    assert a.pickup_points == b.pickup_points
    assert len(b.stores) == 11


def test_keyword_convenience_matches_spec() -> None:
    a = generate_city(seed=3, blocks_x=4, blocks_y=3)
    b = generate_city(CitySpec(seed=3, blocks_x=4, blocks_y=3))
    assert a.spec == b.spec
    assert a.network.fingerprint == b.network.fingerprint
    c = generate_city(CitySpec(seed=3), blocks_x=4, blocks_y=3)
    assert c.spec == a.spec
    assert c.buildings == a.buildings
    assert generate_city().spec == CitySpec()


def test_unknown_keyword_names_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"CitySpec\.blocks\b"):
        generate_city(blocks=3)


# --- counts, ids, kinds -----------------------------------------------------------------


def test_default_city_invariants() -> None:
    city = default_city()
    check_city_invariants(city, snap_m=60.0)
    # Buildings 12-40 m from a street, shops 6-20 m.
    graph = city.network.routable(E_BIKE)
    lon, lat = places_lonlat(city.buildings)
    assert graph.snap(lon, lat).access_m.max() <= 40.0 + 1e-6
    lon, lat = places_lonlat(city.stores + city.pickup_points + city.micro_warehouses)
    assert graph.snap(lon, lat).access_m.max() <= 20.0 + 1e-6


def test_counts_exactly_as_specified() -> None:
    spec = CitySpec(
        seed=2,
        blocks_x=7,
        blocks_y=5,
        buildings_per_block=3,
        households_min=10,
        households_max=12,
        n_stores=9,
        n_micro_warehouses=2,
        n_pickup_points=13,
        n_depots=3,
    )
    city = generate_city(spec)
    assert len(city.buildings) == 7 * 5 * 3
    assert (len(city.stores), len(city.micro_warehouses)) == (9, 2)
    assert (len(city.pickup_points), len(city.depots)) == (13, 3)
    assert {b.households for b in city.buildings} <= {10, 11, 12}
    assert city.households == sum(b.households for b in city.buildings)
    assert [b.id for b in city.buildings[:2]] == ["b00001", "b00002"]
    assert city.buildings[-1].id == "b00105"
    assert [s.id for s in city.stores][-1] == "st009"
    assert [m.id for m in city.micro_warehouses] == ["mw01", "mw02"]
    assert city.pickup_points[12].id == "pp013"
    assert [d.id for d in city.depots] == ["dp1", "dp2", "dp3"]


def test_default_counts_follow_block_densities() -> None:
    spec = CitySpec(blocks_x=12, blocks_y=12)
    assert spec.n_stores is None
    assert (spec.store_count, spec.micro_warehouse_count) == (24, 3)
    assert (spec.pickup_point_count, spec.depot_count) == (29, 1)
    bigger = dataclasses.replace(spec, blocks_x=30, blocks_y=30)
    assert (bigger.store_count, bigger.pickup_point_count, bigger.depot_count) == (150, 180, 9)
    assert CitySpec(blocks_x=1, blocks_y=1).micro_warehouse_count == 1
    assert CitySpec(n_stores=0).store_count == 0


def test_no_places_requested() -> None:
    city = generate_city(
        blocks_x=2,
        blocks_y=2,
        buildings_per_block=0,
        n_stores=0,
        n_micro_warehouses=0,
        n_pickup_points=0,
        n_depots=0,
    )
    assert len(city.buildings) == len(city.stores) == len(city.micro_warehouses) == 0
    assert len(city.pickup_points) == len(city.depots) == 0


def test_pickup_points_mix_kinds_hours_capacities_leaders() -> None:
    city = default_city()
    kinds = Counter(p.kind for p in city.pickup_points)
    assert set(kinds) == set(PickupPointKind)
    leader_ids = [p.leader_id for p in city.pickup_points if p.leader_id is not None]
    assert len(leader_ids) == len(set(leader_ids))
    for p in city.pickup_points:
        assert p.opening_hours == PICKUP_HOURS[p.kind]
        assert p.capacity_parcels in PICKUP_CAPACITIES[p.kind]
        led = p.kind in {PickupPointKind.LEADER_HOME, PickupPointKind.CONVENIENCE_STORE}
        assert (p.leader_id is not None) == led
        if led:
            assert p.leader_id is not None and p.leader_id.startswith("ld")
    locker = next(p for p in city.pickup_points if p.kind is PickupPointKind.LOCKER)
    assert locker.is_open_at(3 * 3600)
    home = next(p for p in city.pickup_points if p.kind is PickupPointKind.LEADER_HOME)
    assert home.is_open_at(9 * 3600) and not home.is_open_at(21 * 3600)
    shop = next(p for p in city.pickup_points if p.kind is PickupPointKind.CONVENIENCE_STORE)
    assert shop.is_open_at(7 * 3600) and not shop.is_open_at(23 * 3600)


def test_few_pickup_points_still_distinct_kinds() -> None:
    city = generate_city(blocks_x=3, blocks_y=3, n_pickup_points=4)
    assert {p.kind for p in city.pickup_points} == set(PickupPointKind)


def test_store_categories_balanced() -> None:
    city = generate_city(CitySpec(seed=1, n_stores=2 * len(STORE_CATEGORIES) + 1))
    counts = Counter(s.category for s in city.stores)
    assert set(counts) == {c for c, _ in STORE_CATEGORIES}
    assert set(counts.values()) <= {2, 3}
    prep = dict(STORE_CATEGORIES)
    assert all(s.prep_duration_s == prep[s.category] for s in city.stores)


# --- streets ----------------------------------------------------------------------------


def test_plain_grid_edge_and_node_counts() -> None:
    bx, by = 9, 6
    spec = CitySpec(
        seed=4,
        blocks_x=bx,
        blocks_y=by,
        removed_street_share=0.0,
        oneway_share=0.0,
        service_lane_share=0.0,
        footway_share=0.0,
    )
    net = generate_city(spec).network
    assert net.node_count == (bx + 1) * (by + 1)
    assert net.edge_count == 2 * (bx * (by + 1) + by * (bx + 1))
    assert not net.edge_oneway.any()
    # Arterials on lines 0, 4, 8: primary, secondary, primary.
    highway = Counter(net.edge_highway.tolist())
    arterial_lines_x, arterial_lines_y = 3, 2  # vertical lines 0,4,8 / horizontal lines 0,4
    arterial_edges = 2 * (arterial_lines_x * by + arterial_lines_y * bx)
    assert highway["primary"] + highway["secondary"] == arterial_edges
    assert highway["residential"] == net.edge_count - arterial_edges


def test_lanes_split_streets_without_changing_their_length() -> None:
    base = CitySpec(seed=8, blocks_x=6, blocks_y=6, removed_street_share=0.0, oneway_share=0.3)
    plain = generate_city(base, service_lane_share=0.0, footway_share=0.0).network
    laned = generate_city(base, service_lane_share=0.6, footway_share=0.4).network
    streets = ("primary", "secondary", "residential")

    def street_length(net: RoadNetwork) -> float:
        return float(net.edge_length_m[np.isin(net.edge_highway, streets)].sum())

    assert street_length(laned) == pytest.approx(street_length(plain), rel=1e-9)
    assert int(plain.edge_oneway.sum()) < int(laned.edge_oneway.sum())  # halves of split ones
    highway = Counter(laned.edge_highway.tolist())
    assert highway["service"] > 0 and highway["footway"] > 0
    assert highway["service"] % 2 == 0 and highway["footway"] % 2 == 0  # two-way lanes
    # Footways are for walkers only.
    for profile in VEHICLES:
        assert "footway" not in profile.allowed_highways
    assert laned.routable(WALK).edge_count > laned.routable(VAN).edge_count


def test_edge_lengths_are_segment_lengths() -> None:
    net = default_city().network
    x, y = net.frame.forward(net.node_lon, net.node_lat)
    straight = np.hypot(x[net.edge_v] - x[net.edge_u], y[net.edge_v] - y[net.edge_u])
    np.testing.assert_allclose(net.edge_length_m, straight, rtol=1e-5)
    grid = net.edge_highway == "residential"
    assert net.edge_length_m[grid].max() <= 150.0 + 2 * np.hypot(10.0, 10.0) + 1e-6


def test_removed_streets_and_oneways_exist() -> None:
    spec = CitySpec(seed=3, blocks_x=10, blocks_y=10, service_lane_share=0.0, footway_share=0.0)
    net = generate_city(spec).network
    full = 2 * (10 * 11 + 10 * 11)
    assert net.edge_count < full
    assert 0.02 < float(net.edge_oneway.mean()) < 0.3


def test_diagonal_avenue() -> None:
    spec = CitySpec(seed=2, blocks_x=5, blocks_y=3, diagonal_avenue=True, service_lane_share=0.0)
    spec = dataclasses.replace(spec, footway_share=0.0)
    net = generate_city(spec).network
    diagonal = (net.edge_highway == "secondary") & (net.edge_u >= 6 * 4)
    diagonal |= (net.edge_highway == "secondary") & (net.edge_v >= 6 * 4)
    assert int(diagonal.sum()) == 2 * 2 * 3  # 3 blocks (i, i), two halves, two directions
    # Corner (0, 0) reaches corner (3, 3) along it.
    assert 0 in net.edge_u[diagonal] and 3 * 6 + 3 in net.edge_v[diagonal]


def test_large_city_has_over_50000_edges() -> None:
    spec = CitySpec(seed=1, blocks_x=115, blocks_y=115, buildings_per_block=0)
    net = generate_city(spec).network
    assert net.edge_count >= 50_000
    graph = net.routable(E_BIKE)
    assert graph.edge_count >= 50_000
    assert graph.node_count == usable_nodes(net, E_BIKE)


SMALL_SPECS = st.builds(
    CitySpec,
    seed=st.integers(0, 2**32),
    blocks_x=st.integers(1, 6),
    blocks_y=st.integers(1, 6),
    block_m=st.just(80.0),
    jitter_m=st.just(16.0),
    removed_street_share=st.floats(0.0, 0.9),
    oneway_share=st.floats(0.0, 0.95),
    arterial_every=st.integers(0, 5),
    service_lane_share=st.floats(0.0, 1.0),
    footway_share=st.floats(0.0, 1.0),
    diagonal_avenue=st.booleans(),
    buildings_per_block=st.just(2),
    n_stores=st.just(3),
    n_pickup_points=st.just(5),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=SMALL_SPECS)
def test_any_small_city_keeps_its_guarantees(spec: CitySpec) -> None:
    check_city_invariants(generate_city(spec), snap_m=60.0)


def test_every_profile_routes_the_default_city() -> None:
    net = default_city().network
    for profile in PROFILES.values():
        graph = net.routable(profile)
        assert graph.node_count >= 0.95 * net.node_count


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", -1),
        ("seed", 1.5),
        ("blocks_x", 0),
        ("blocks_y", -2),
        ("blocks_x", True),
        ("block_m", 10.0),
        ("block_m", float("nan")),
        ("centre_lon", 200.0),
        ("centre_lat", 85.0),
        ("jitter_m", -1.0),
        ("jitter_m", 31.0),
        ("removed_street_share", 1.0),
        ("removed_street_share", -0.1),
        ("oneway_share", 1.0),
        ("oneway_share", float("inf")),
        ("arterial_every", -1),
        ("service_lane_share", 1.5),
        ("footway_share", -0.5),
        ("diagonal_avenue", 1),
        ("buildings_per_block", -1),
        ("households_min", -1),
        ("households_max", 3),
        ("n_stores", -1),
        ("n_micro_warehouses", -3),
        ("n_pickup_points", 2.0),
        ("n_depots", -1),
    ],
)
def test_bad_spec_names_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=rf"CitySpec\.{field}") as info:
        CitySpec(**{field: value})  # type: ignore[arg-type]
    assert info.value.field.startswith("CitySpec.")


def test_spec_is_frozen() -> None:
    spec = CitySpec()
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.seed = 3  # type: ignore[misc]
