"""The OpenStreetMap day generator: places from the map, placed warehouses and depot, the
shared order stream, save/load/replay, determinism, bad input, and the Beijing extract."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dispatch import FulfilmentMode, Planner
from geo.errors import OsmReadError
from geo.osm_places import read_osm_places
from scenarios.generate import osm_day_scenario
from scenarios.replay import OutcomeStatus, ReplayPolicy, check_conservation, replay_scenario
from scenarios.scenario_file import load_scenario, save_scenario
from scenarios.scenario_schema import ScenarioFile
from solvers import SolveParams
from solvers.errors import InvalidInputError
from tests.geo.osm_samples import write_tiny_osm

HOMES = {"b-node-200", "b-way-101", "b-way-102", "b-way-103", "b-way-104"}


@pytest.fixture(scope="module")
def tiny_osm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_osm(tmp_path_factory.mktemp("map") / "tiny.osm")


@pytest.fixture(scope="module")
def spec(tiny_osm: Path) -> ScenarioFile:
    return osm_day_scenario(
        tiny_osm,
        seed=3,
        orders=60,
        couriers=3,
        multi_store_share=0.3,
        next_day_share=0.2,
        micro_warehouses=2,
        scenario_dir=tiny_osm.parent,
    )


def test_places_from_the_map(spec: ScenarioFile) -> None:
    places = spec.places
    assert spec.network.kind == "osm" and spec.network.path == "tiny.osm"
    households = {b.id: b.households for b in places.buildings}
    assert {b for b, n in households.items() if n > 0} == HOMES
    assert households["b-way-105"] == 0  # the university is a building, not a home
    # Shops with a category; clothes are not a store, the ';' list is a convenience shop.
    assert {s.id: s.category for s in places.stores} == {
        "s-node-301": "grocery",
        "s-node-302": "bakery",
        "s-node-303": "vegetable",
        "s-node-305": "pharmacy",
        "s-node-306": "grocery",
        "s-way-109": "grocery",
    }
    assert {s.prep_duration_s for s in places.stores if s.category == "bakery"} == {420.0}
    points = {p.id: p for p in places.pickup_points}
    assert set(points) == {"pp-node-301", "pp-node-306", "pp-way-109"}
    for point in points.values():
        assert point.leader_id == "ld-" + point.id.removeprefix("pp-")
        assert point.kind == "convenience_store"
        assert 100 <= point.capacity_parcels <= 200
        assert [(o.open, o.close) for o in point.opening_hours] == [(7 * 3600.0, 23 * 3600.0)]
    # Two micro-warehouses at two distinct building or shop sites; the depot at the
    # largest trade building (the retail building that is a supermarket).
    sites = {(b.lon, b.lat) for b in places.buildings} | {(s.lon, s.lat) for s in places.stores}
    mws = places.micro_warehouses
    assert [m.id for m in mws] == ["mw01", "mw02"]
    assert len({(m.lon, m.lat) for m in mws}) == 2
    assert {(m.lon, m.lat) for m in mws} <= sites
    (depot,) = places.depots
    retail = next(b for b in places.buildings if b.id == "b-way-109")
    assert (depot.id, depot.lon, depot.lat) == ("dp1", retail.lon, retail.lat)
    # E-bikes spread over the warehouses, a van at the depot for tomorrow morning.
    assert [(c.id, c.at) for c in spec.couriers] == [
        ("eb001", "mw01"),
        ("eb002", "mw02"),
        ("eb003", "mw01"),
        ("van-dp1", "dp1"),
    ]


def test_order_stream(spec: ScenarioFile) -> None:
    assert len(spec.orders) == 60
    modes = Counter(o.mode for o in spec.orders)
    assert modes[FulfilmentMode.INSTANT] > modes[FulfilmentMode.NEXT_DAY_PICKUP] > 3
    assert modes[FulfilmentMode.MULTI_STORE] > 3
    assert {o.building_id for o in spec.orders} <= HOMES
    # Orders are drawn by households: the house (1 household) sees few orders.
    per_home = Counter(o.building_id for o in spec.orders)
    assert per_home["b-way-104"] < per_home["b-way-101"]
    stores = {s.id: s.category for s in spec.places.stores}
    for order in spec.orders:
        if order.mode == FulfilmentMode.MULTI_STORE:
            assert len({stores[line.store_id] for line in order.lines}) == 2
        elif order.mode == FulfilmentMode.INSTANT:
            assert {line.store_id for line in order.lines} <= {"mw01", "mw02"}
    assert [o.created_at_s for o in spec.orders] == sorted(o.created_at_s for o in spec.orders)
    assert spec.orders[0].created_at_s >= 7 * 3600 and spec.orders[-1].created_at_s < 21 * 3600


def test_saves_loads_and_replays(tiny_osm: Path) -> None:
    small = osm_day_scenario(
        tiny_osm,
        seed=5,
        orders=12,
        couriers=2,
        multi_store_share=0.25,
        next_day_share=0.25,
        scenario_dir=tiny_osm.parent,
    )
    path = tiny_osm.parent / "day.json"
    save_scenario(small, path)
    scenario = load_scenario(path)
    assert len(scenario.orders) == 12
    assert len(scenario.world.leaders) == 3  # one per pickup point
    assert {o.mode for o in scenario.orders} == set(FulfilmentMode) - {
        FulfilmentMode.SCHEDULED,
        FulfilmentMode.HOME_SERVICE,
    }
    policy = ReplayPolicy(wave_s=600.0, time_limit_s=0.2, iterations=20)
    day = replay_scenario(scenario, policy)
    assert day.complete
    check_conservation(scenario.orders, day.outcomes)
    statuses = Counter(o.status for o in day.outcomes)
    assert statuses[OutcomeStatus.DELIVERED] >= 8 and statuses[OutcomeStatus.COLLECTED] >= 1
    assert all(o.reason for o in day.outcomes if o.status == "unassigned")


def test_same_seed_same_json(tiny_osm: Path, spec: ScenarioFile) -> None:
    def again(seed: int) -> str:
        return osm_day_scenario(
            tiny_osm,
            seed=seed,
            orders=60,
            couriers=3,
            multi_store_share=0.3,
            next_day_share=0.2,
            scenario_dir=tiny_osm.parent,
        ).model_dump_json()

    assert again(3) == spec.model_dump_json()
    assert again(4) != spec.model_dump_json()


def test_network_path_relative_to_the_scenario_or_absolute(tiny_osm: Path) -> None:
    nested = tiny_osm.parent / "days" / "monday"
    relative = osm_day_scenario(tiny_osm, orders=5, couriers=1, scenario_dir=nested)
    assert relative.network.kind == "osm"
    assert relative.network.path == "../../tiny.osm"
    absolute = osm_day_scenario(tiny_osm, orders=5, couriers=1)
    assert absolute.network.kind == "osm"
    assert absolute.network.path == str(tiny_osm.resolve())


def test_bad_input(tmp_path: Path, tiny_osm: Path) -> None:
    with pytest.raises(OsmReadError, match="must exist") as info:
        osm_day_scenario(tmp_path / "nope.osm")
    assert "nope.osm" in str(info.value)
    garbage = tmp_path / "garbage.osm"
    garbage.write_text("not xml", encoding="utf-8")
    with pytest.raises(OsmReadError, match="must be readable OSM XML"):
        osm_day_scenario(garbage)
    with pytest.raises(InvalidInputError, match="micro_warehouses: must be >= 1"):
        osm_day_scenario(tiny_osm, micro_warehouses=0)
    with pytest.raises(InvalidInputError, match="at most the 5 homes"):
        osm_day_scenario(tiny_osm, micro_warehouses=6)
    with pytest.raises(InvalidInputError, match="add up to at most 1"):
        osm_day_scenario(tiny_osm, multi_store_share=0.7, next_day_share=0.7)
    no_homes = write_tiny_osm(tmp_path / "no-homes.osm", homes=False)
    with pytest.raises(InvalidInputError, match="must contain a household building"):
        osm_day_scenario(no_homes)
    no_shops = write_tiny_osm(tmp_path / "no-shops.osm", shops=False)
    with pytest.raises(InvalidInputError, match="to serve as a pickup point"):
        osm_day_scenario(no_shops, next_day_share=0.1)
    # Without shops and next-day orders the day is instant orders only.
    instant_only = osm_day_scenario(no_shops, orders=20, next_day_share=0.0)
    assert {o.mode for o in instant_only.orders} == {FulfilmentMode.INSTANT}


@pytest.mark.shared_data
def test_beijing_day(beijing_osm: Path, tmp_path: Path) -> None:
    spec = osm_day_scenario(beijing_osm, seed=7, orders=40, couriers=4, scenario_dir=tmp_path)
    path = tmp_path / "beijing-day.json"
    save_scenario(spec, path)
    scenario = load_scenario(path, data_roots=[beijing_osm.parent])
    world = scenario.world
    # The README: 258 buildings, 63 shops of which 17 convenience (+1 'convenience;...'),
    # 2 supermarkets; no lockers.
    assert len(world.buildings) == 258
    homes = [b for b in world.buildings if b.households > 0]
    assert 100 <= len(homes) <= 200
    assert 3_000 <= sum(b.households for b in homes) <= 15_000
    categories = Counter(s.category for s in world.stores)
    assert 30 <= len(world.stores) <= 45
    assert categories["grocery"] >= 18 and categories["bakery"] >= 4
    assert len(world.pickup_points) == len(read_osm_shop_pickups(beijing_osm)) == 20
    assert len(world.micro_warehouses) == 2 and len(world.depots) == 1
    instant = [o for o in scenario.orders if o.mode == FulfilmentMode.INSTANT]
    assert len(instant) >= 25
    plan = Planner(world, scenario.settings).plan(
        instant,
        at_s=min(o.created_at_s for o in instant),
        params=SolveParams(time_limit_s=60.0, workers=1, iterations=50),
    )
    assert plan.kpis.orders_served >= 0.9 * len(instant)


def read_osm_shop_pickups(path: Path) -> list[str]:
    """Convenience shops and supermarkets of the file, by the tag as written."""
    shops = read_osm_places(path).shops
    kinds = ("convenience", "supermarket")
    return [s.id for s in shops if s.key == "shop" and any(v in kinds for v in s.values)]
