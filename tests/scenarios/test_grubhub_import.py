"""A Grubhub MDRP instance as a scenario file (the ``grubhub`` section) and back, exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from scenarios.grubhub import GrubhubInstance, read_grubhub
from scenarios.grubhub_import import grubhub_instance, grubhub_scenario
from scenarios.scenario_file import load_scenario, read_scenario_file, save_scenario
from scenarios.scenario_schema import (
    GrubhubRestaurantSpec,
    GrubhubSpec,
    ScenarioFileError,
    parse_scenario,
    scenario_json_schema,
)
from solvers.errors import InvalidInputError
from tests.scenarios.scenario_data import straight_line_scenario
from tests.scenarios.test_grubhub import write_instance

# Values whose shortest decimal form is long: a float that JSON did not keep would show.
AWKWARD_PARAMETERS = (
    "meters_per_minute\tpickup service minutes\tdropoff service minutes\t"
    "target click-to-door\tmaximum click-to-door\tpay per order\tguaranteed pay per hour\n"
    "333.33333333333331\t4.5\t0.1\t40\t90\t9.99\t15.000000000000002\n"
)


def awkward(tmp_path: Path) -> GrubhubInstance:
    """Two restaurants, three orders and two couriers with awkward floats and ids."""
    return read_grubhub(
        write_instance(
            tmp_path / "awkward-1",
            [
                "o1\t0.30000000000000004\t-1e-07\t0\tr 2\t12.5",
                "o{2}\t123456789.12345679\t1050\t30.000000000000004\tr1\t30.000000000000004",
                "o3\t-250.75\t2.5e+08\t31\tr1\t44",
            ],
            ["c1\t0\t0\t0\t120", "c2\t7.7\t-3.3\t29.999999999999996\t90.5"],
            restaurants=("r1\t500\t0", "r 2\t0.1\t0.2"),
            parameters=AWKWARD_PARAMETERS,
        )
    )


def section(instance: GrubhubInstance) -> dict[str, Any]:
    """The scenario file of an instance, decoded from its JSON."""
    data: dict[str, Any] = json.loads(
        grubhub_scenario(instance).model_dump_json(exclude_defaults=True)
    )
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_round_trip_through_a_scenario_file_is_exact(tmp_path: Path) -> None:
    instance = awkward(tmp_path)
    spec = grubhub_scenario(instance)
    assert grubhub_instance(spec) == instance
    path = tmp_path / "scenario.json"
    save_scenario(spec, path)
    back = grubhub_instance(read_scenario_file(path))
    assert back == instance
    # Equal floats to the bit, not only ==, and the order of every list kept.
    assert back.orders[0].x_m.hex() == (0.1 + 0.2).hex()
    assert back.couriers[1].on_min.hex() == instance.couriers[1].on_min.hex()
    assert back.parameters.meters_per_minute.hex() == (1000 / 3).hex()
    assert [o.id for o in back.orders] == ["o1", "o{2}", "o3"]
    assert back.name == "awkward-1"
    # The file is a valid scenario: an empty straight-line world, the same file again.
    loaded = load_scenario(path)
    assert (loaded.name, loaded.orders, loaded.world.couriers) == ("awkward-1", (), ())
    assert loaded.spec == spec
    save_scenario(loaded.spec, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["network"] == {"kind": "straight_line", "detour_factor": 1.0}
    assert data["grubhub"]["parameters"]["pay_per_order_usd"] == 9.99


def test_round_trip_of_a_shared_instance(tmp_path: Path, shared_data: Path) -> None:
    folder = shared_data / "bench" / "grubhub_mdrp" / "0o50t100s1p100"
    if not folder.is_dir():
        pytest.skip(f"{folder} is missing")
    instance = read_grubhub(folder)
    path = tmp_path / "mdrp.json"
    save_scenario(grubhub_scenario(instance), path)
    back = grubhub_instance(read_scenario_file(path))
    assert back == instance
    assert len(back.orders) > 100


def test_the_reader_takes_negative_times_the_section_does_not(tmp_path: Path) -> None:
    instance = read_grubhub(
        write_instance(tmp_path / "early", ["o1\t500\t300\t-5\tr1\t10"], ["c1\t0\t0\t-10\t120"])
    )
    with pytest.raises(ScenarioFileError) as info:
        grubhub_scenario(instance)
    assert info.value.problems == (
        ("grubhub.orders[0 'o1'].placement_min", "must be greater than or equal to 0, got -5.0"),
        ("grubhub.couriers[0 'c1'].on_min", "must be greater than or equal to 0, got -10.0"),
    )
    assert str(info.value).startswith("Grubhub instance 'early': 2 invalid fields: ")


def test_a_bad_section_is_one_error_naming_every_path(tmp_path: Path) -> None:
    data = section(awkward(tmp_path))
    gh = data["grubhub"]
    gh["orders"][0]["restaurant_id"] = "r9"  # unknown restaurant
    gh["orders"][1]["placement_min"] = -1.0  # negative time
    del gh["orders"][2]["ready_min"]  # missing field
    gh["couriers"][1]["off_min"] = 1.0  # before on_min
    gh["restaurants"].append({"id": "r1", "x_m": 1.0, "y_m": 1.0})  # id twice
    gh["parameters"]["meters_per_minute"] = 0.0
    gh["colour"] = "blue"
    data["couriers"] = [{"id": "k1"}]  # the world section is still checked
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(write(tmp_path, data))
    error = info.value
    assert isinstance(error, InvalidInputError)
    assert [path for path, _ in error.problems] == [
        "couriers[0 'k1'].profile",
        "couriers[0 'k1'].shift",
        "grubhub.parameters.meters_per_minute",
        "grubhub.restaurants[2 'r1'].id",
        "grubhub.orders[0 'o1'].restaurant_id",
        "grubhub.orders[1 'o{2}'].placement_min",
        "grubhub.orders[2 'o3'].ready_min",
        "grubhub.couriers[1 'c2']",
        "grubhub.colour",
    ]
    rules = dict(error.problems)
    assert rules["grubhub.orders[0 'o1'].restaurant_id"] == (
        "must be the id of one of the restaurants, got 'r9'"
    )
    assert rules["grubhub.restaurants[2 'r1'].id"] == "must be unique, got 'r1'"
    assert rules["grubhub.orders[1 'o{2}'].placement_min"] == (
        "must be greater than or equal to 0, got -1.0"
    )
    assert rules["grubhub.orders[2 'o3'].ready_min"] == "is required"
    assert rules["grubhub.couriers[1 'c2']"] == "off_min must be > on_min (30), got 1"
    assert rules["grubhub.parameters.meters_per_minute"] == "must be greater than 0, got 0.0"
    message = str(error)
    assert "\n" not in message and "9 invalid fields" in message
    assert all(path in message for path, _ in error.problems)


@pytest.mark.parametrize(
    ("change", "path", "rule"),
    [
        (
            lambda gh: gh["orders"][0].update(restaurant_id="r9"),
            "grubhub.orders[0 'o1'].restaurant_id",
            "must be the id of one of the restaurants, got 'r9'",
        ),
        (
            lambda gh: gh["couriers"][0].update(on_min=-0.5),
            "grubhub.couriers[0 'c1'].on_min",
            "must be greater than or equal to 0, got -0.5",
        ),
        (
            lambda gh: gh["orders"][2].update(ready_min=30.0),
            "grubhub.orders[2 'o3']",
            "ready_min must be >= placement_min (31), got 30",
        ),
        (
            lambda gh: gh["orders"][1].update(id="o1"),
            "grubhub.orders[1 'o1'].id",
            "must be unique, got 'o1'",
        ),
        (lambda gh: gh.pop("couriers"), "grubhub.couriers", "is required"),
    ],
)
def test_each_rule_of_the_section_alone(tmp_path: Path, change: Any, path: str, rule: str) -> None:
    data = section(awkward(tmp_path))
    change(data["grubhub"])
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    assert info.value.problems == ((path, rule),)


def section_parameters() -> Any:
    """Valid parameters of the section, as decoded JSON."""
    return {
        "meters_per_minute": 100.0,
        "pickup_service_min": 4.0,
        "dropoff_service_min": 4.0,
        "target_click_to_door_min": 40.0,
        "max_click_to_door_min": 90.0,
        "pay_per_order_usd": 10.0,
        "guaranteed_pay_per_hour_usd": 15.0,
    }


def test_the_references_hold_for_a_section_built_in_python() -> None:
    restaurant = GrubhubRestaurantSpec(id="r1", x_m=0.0, y_m=0.0)
    with pytest.raises(ValidationError, match=r"restaurants\.1\.id\n  must be unique"):
        GrubhubSpec(
            name="x",
            parameters=section_parameters(),
            restaurants=(restaurant, restaurant),
            orders=(),
            couriers=(),
        )


def test_a_scenario_without_the_section_is_not_an_instance() -> None:
    spec = parse_scenario(straight_line_scenario())
    assert spec.grubhub is None
    with pytest.raises(InvalidInputError) as info:
        grubhub_instance(spec)
    assert info.value.field == "grubhub"
    assert "has no Grubhub MDRP section" in info.value.rule


def test_the_json_schema_has_the_section(tmp_path: Path) -> None:
    schema = scenario_json_schema()
    json.dumps(schema)
    grubhub = schema["properties"]["grubhub"]
    assert {"$ref": "#/$defs/GrubhubSpec"} in grubhub["anyOf"]
    defs = schema["$defs"]
    refs = set(re.findall(r'"\$ref": "#/\$defs/(\w+)"', json.dumps(schema)))
    assert refs <= set(defs)
    assert set(defs["GrubhubSpec"]["required"]) == {
        "name",
        "parameters",
        "restaurants",
        "orders",
        "couriers",
    }
    assert "replayed under the MDRP family's rules" in defs["GrubhubSpec"]["description"]
    order = defs["GrubhubOrderSpec"]
    assert set(order["required"]) == {
        "id",
        "x_m",
        "y_m",
        "placement_min",
        "restaurant_id",
        "ready_min",
    }
    assert order["properties"]["placement_min"]["minimum"] == 0
    assert set(defs["GrubhubCourierSpec"]["properties"]) == {
        "id",
        "x_m",
        "y_m",
        "on_min",
        "off_min",
    }
    assert defs["GrubhubParametersSpec"]["properties"]["meters_per_minute"]["exclusiveMinimum"] == 0
    # jsonschema is not installed: the schema comes from the models, which validate.
    assert parse_scenario(section(awkward(tmp_path))).grubhub is not None
