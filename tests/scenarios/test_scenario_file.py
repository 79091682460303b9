"""Scenario files: round trip, schema, conventions, and bad input as one clear error."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dispatch import FulfilmentMode, Planner
from geo.profiles import ProfileName
from scenarios.demo import demo_scenario
from scenarios.scenario_build import Scenario, build_scenario
from scenarios.scenario_file import load_scenario, read_scenario_file, save_scenario
from scenarios.scenario_schema import (
    ScenarioFile,
    ScenarioFileError,
    parse_scenario,
    scenario_json_schema,
)
from solvers import SolveParams
from solvers.errors import InvalidInputError
from tests.scenarios.scenario_data import straight_line_scenario

# iterations makes the routing searches stop on a count, not on the clock.
DETERMINISTIC = SolveParams(time_limit_s=60.0, workers=1, iterations=20)
FAST = SolveParams(time_limit_s=0.3, workers=1)


@pytest.fixture(scope="module")
def spec() -> ScenarioFile:
    return demo_scenario(seed=3, blocks=5)


def as_data(spec: ScenarioFile) -> dict[str, Any]:
    """The file's JSON, decoded."""
    data: dict[str, Any] = json.loads(spec.model_dump_json(exclude_defaults=True))
    return data


def write(tmp_path: Path, data: dict[str, Any], name: str = "scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def plan_json(scenario: Scenario, params: SolveParams) -> dict[str, Any]:
    assert scenario.at_s is not None
    planner = Planner(scenario.world, scenario.settings)
    return planner.plan(scenario.orders, at_s=scenario.at_s, params=params).to_json()


def test_round_trip_gives_the_same_file_and_the_same_plan(
    tmp_path: Path, spec: ScenarioFile
) -> None:
    path = tmp_path / "demo.json"
    save_scenario(spec, path)
    assert read_scenario_file(path) == spec
    loaded = load_scenario(path)
    save_scenario(loaded.spec, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()
    direct = build_scenario(spec)
    assert [o.id for o in loaded.orders] == [o.id for o in direct.orders]
    assert loaded.orders == direct.orders
    assert plan_json(loaded, DETERMINISTIC) == plan_json(direct, DETERMINISTIC)


def test_the_demo_scenario_is_deterministic_by_seed_and_covers_every_flow(
    spec: ScenarioFile,
) -> None:
    assert demo_scenario(seed=3, blocks=5) == spec
    assert demo_scenario(seed=4, blocks=5) != spec
    assert {o.mode for o in spec.orders} == set(FulfilmentMode)
    assert any(o.pickup_point_id is None for o in spec.orders if o.mode == "next_day_pickup")
    assert any(o.pickup_point_id for o in spec.orders if o.mode == "next_day_pickup")
    assert {m.tier for m in spec.members} == {"paid", "regular"}


def test_file_conventions_clock_times_and_money(tmp_path: Path, spec: ScenarioFile) -> None:
    path = tmp_path / "demo.json"
    save_scenario(spec, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["at"] == "10:00"
    clock = re.compile(r"^\d\d:\d\d(:\d\d)?$")
    assert all(clock.match(o["created_at"]) for o in data["orders"])
    vans = [c for c in data["couriers"] if c["profile"] == "van"]
    assert vans and vans[0]["shift"] == {"start": "28:00", "end": "34:00"}  # tomorrow
    prices = [line["unit_price"] for o in data["orders"] for line in o["lines"]]
    assert prices and all(isinstance(p, str) and re.match(r"^\d+\.\d\d$", p) for p in prices)
    # Seconds are accepted wherever a clock time is.
    data["orders"][0]["created_at"] = 36000
    data["orders"][1]["created_at"] = "10:00:30"
    reread = parse_scenario(data)
    assert reread.orders[0].created_at_s == 36000.0
    assert reread.orders[1].created_at_s == 36030.0


def test_the_json_schema_describes_and_validates_the_demo_scenario(spec: ScenarioFile) -> None:
    schema = scenario_json_schema()
    json.dumps(schema)  # serialisable
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"version", "network"} <= set(schema["required"])
    assert {"network", "places", "couriers", "members", "leaders", "orders"} <= set(
        schema["properties"]
    )
    defs = schema["$defs"]
    refs = set(re.findall(r'"\$ref": "#/\$defs/(\w+)"', json.dumps(schema)))
    assert refs <= set(defs)
    assert set(defs["FulfilmentMode"]["enum"]) == {f.value for f in FulfilmentMode}
    network = schema["properties"]["network"]
    assert set(network["discriminator"]["mapping"]) == {"generated", "osm", "straight_line"}
    price = defs["LinePayload"]["properties"]["unit_price"]
    assert price["type"] == "string"
    assert re.match(price["pattern"], "9.90") and not re.match(price["pattern"], "9,90")
    # jsonschema is not installed: the schema comes from the models, which validate.
    assert parse_scenario(as_data(spec)) == spec
    assert parse_scenario(straight_line_scenario()).name == "line"


def test_several_bad_fields_give_one_error_listing_each_path(tmp_path: Path) -> None:
    data = straight_line_scenario()
    data["network"]["detour_factor"] = 0.5
    data["couriers"][0]["profile"] = "rocket"
    data["couriers"][1]["at"] = None
    data["orders"][0]["lines"] = []
    data["orders"][1]["lines"][1]["quantity"] = 0
    data["orders"][2]["lines"][0]["unit_price"] = 9.9
    data["orders"][3]["created_at"] = "25:99"
    data["colour"] = "blue"
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(write(tmp_path, data, "bad.json"))
    error = info.value
    assert isinstance(error, InvalidInputError)
    assert [path for path, _ in error.problems] == [
        "network.detour_factor",
        "couriers[0 'c1'].profile",
        "couriers[1 'c2']",
        "orders[0 'i1'].lines",
        "orders[1 'ms1'].lines[1].quantity",
        "orders[2 'sc1'].lines[0].unit_price",
        "orders[3 'n1'].created_at",
        "colour",
    ]
    rules = dict(error.problems)
    assert rules["orders[0 'i1'].lines"] == "must have at least 1 item"
    assert rules["orders[1 'ms1'].lines[1].quantity"] == "must be greater than 0, got 0"
    assert "must be 'walk', 'e_bike', 'tricycle' or 'van'" in rules["couriers[0 'c1'].profile"]
    assert '"at"' in rules["couriers[1 'c2']"]
    assert rules["colour"].startswith("is not a known field")
    message = str(error)
    assert "\n" not in message
    assert message.startswith("scenario '") and "bad.json': 8 invalid fields: " in message
    assert all(path in message for path, _ in error.problems)


def test_unknown_building_or_store_is_the_planners_error_naming_the_order(
    tmp_path: Path,
) -> None:
    data = straight_line_scenario()
    data["orders"][0]["building_id"] = "b-nowhere"
    data["orders"][1]["lines"][0]["store_id"] = "st-nowhere"
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(write(tmp_path, data))
    assert info.value.problems == (
        ("orders[0 'i1'].building_id", "unknown building 'b-nowhere'"),
        ("orders[1 'ms1'].lines[0].store_id", "unknown store or micro-warehouse 'st-nowhere'"),
    )
    # The same rule holds for orders given to the planner directly.
    scenario = build_scenario(parse_scenario(straight_line_scenario()))
    bad = replace(scenario.orders[0], building_id="b-nowhere")
    with pytest.raises(
        InvalidInputError, match=r"^orders: 1 invalid field: Order 'i1': building_id: unknown"
    ):
        Planner(scenario.world, scenario.settings).plan([bad], at_s=36000.0, params=FAST)


@pytest.mark.parametrize(
    ("point", "rule"),
    [
        ("p-nowhere", "unknown pickup point 'p-nowhere'"),
        ("p1", "pickup point 'p1' is closed on the collection day"),
    ],
)
def test_a_chosen_pickup_point_that_is_unknown_or_closed_names_the_order(
    tmp_path: Path, point: str, rule: str
) -> None:
    data = straight_line_scenario()
    data["orders"][3]["pickup_point_id"] = point
    data["closed_pickup_point_ids"] = ["p1"]
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(write(tmp_path, data))
    assert info.value.problems == (("orders[3 'n1'].pickup_point_id", rule),)


def test_domain_rules_are_collected_with_their_paths() -> None:
    data = straight_line_scenario()
    del data["orders"][2]["promised"]  # a scheduled order needs its slot
    data["couriers"][0]["at"] = "nowhere"
    data["orders"].append(dict(data["orders"][0]))  # i1 twice
    with pytest.raises(ScenarioFileError) as info:
        build_scenario(parse_scenario(data))
    paths = [path for path, _ in info.value.problems]
    assert paths == ["couriers[0 'c1']", "orders[2 'sc1']"]
    rules = dict(info.value.problems)
    assert rules["couriers[0 'c1']"] == "at: unknown place 'nowhere'"
    assert rules["orders[2 'sc1']"].startswith("Order 'sc1': promised:")
    del data["orders"][2]
    data["couriers"][0]["at"] = "w1"
    with pytest.raises(ScenarioFileError) as twice:
        build_scenario(parse_scenario(data))
    assert twice.value.problems == (("orders[4 'i1'].id", "appears twice in the batch"),)


def test_files_that_are_missing_or_not_json_give_one_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="must be an existing file"):
        load_scenario(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1,', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"must be JSON \(line 1 column"):
        load_scenario(broken)
    with pytest.raises(ScenarioFileError, match=r"\(file\): must be a valid dictionary"):
        parse_scenario([1, 2])


def test_an_osm_path_is_relative_to_the_scenario_file(tmp_path: Path) -> None:
    data = straight_line_scenario()
    data["network"] = {"kind": "osm", "path": "streets.osm"}
    folder = tmp_path / "sub"
    folder.mkdir()
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(write(folder, data))
    ((path, rule),) = info.value.problems
    assert path == "network.path"
    assert str(folder / "streets.osm") in rule and "must exist" in rule


def test_a_straight_line_scenario_plans_every_flow() -> None:
    scenario = build_scenario(parse_scenario(straight_line_scenario()))
    world = scenario.world
    assert world.network is None and world.detour_factor == 1.0
    assert [leader.id for leader in world.leaders] == ["ld1"]  # from the point's leader_id
    assert scenario.settings.walk_limit_m == 800.0
    van = scenario.settings.courier_costs[ProfileName.VAN]
    assert (van.fixed_cost, van.cost_per_km) == (50.0, 2.5)  # the rest of the default kept
    c1 = next(c for c in world.couriers if c.id == "c1")
    assert (c1.lon, c1.lat) == (world.place("w1").lon, world.place("w1").lat)
    assert c1.shift.end_s == 72000.0
    plan = plan_json(scenario, FAST)
    assert plan["unassigned"] == []
    assert all(n == 1 for n in plan["kpis"]["served_by_flow"].values())


def test_a_generated_city_keeps_its_places_and_takes_more(spec: ScenarioFile) -> None:
    data = as_data(spec)
    data["places"] = {
        "buildings": [{"id": "b-new", "lon": 116.35, "lat": 39.99, "households": 12}],
        "pickup_points": [
            {"id": "pp-new", "lon": 116.351, "lat": 39.99, "kind": "locker", "leader_id": "ld-new"}
        ],
    }
    data["leaders"] = None
    data["orders"][0]["building_id"] = "b-new"
    scenario = build_scenario(parse_scenario(data))
    world = scenario.world
    assert world.network is not None
    assert len(world.buildings) == 5 * 5 * 6 + 1
    assert world.building("b-new").households == 12
    assert world.leader_of("pp-new") is not None  # leaders null: one per named leader
    assert len(world.leaders) > 1
