"""Issue 16, the input side: every file input bounded and named (examples from the issue).

Each test fails without its fix: the file guards of :mod:`core.files` (a regular file,
a size limit, a nesting limit, encoding errors named), the ranges of the scenario
schema (clock times within the planning horizon, capacities, counts), the confinement
of files a scenario refers to, the member rule shared with the Engine, the policy
ranges and the instance readers' bounds.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from core.errors import InvalidInputError
from core.files import CONFINED_RULE, json_depth, parse_json, read_json, read_text
from core.limits import MAX_CLOCK_S, MAX_QUOTED_CHARS, quoted, shorten
from geo.citygen import CitySpec
from scenarios.generate import city_day_scenario
from scenarios.grubhub import read_grubhub
from scenarios.grubhub_dispatcher import GrubhubPolicy, policy_from_json
from scenarios.instances import read_instance
from scenarios.replay import ReplayPolicy, replay_policy_from_json
from scenarios.scenario_build import build_scenario
from scenarios.scenario_file import load_scenario, read_scenario_file
from scenarios.scenario_schema import ScenarioFileError, parse_scenario, scenario_json_schema
from tests.scenarios.scenario_data import straight_line_scenario
from tests.scenarios.test_grubhub import write_instance
from tests.scenarios.tiny import TEXTS, write


def scenario_file(folder: Path, data: object, name: str = "s.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def problems_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ScenarioFileError) as info:
        build_scenario(parse_scenario(data))
    return dict(info.value.problems)


# --- files: one I/O helper ---------------------------------------------------------------


def test_dev_zero_is_refused_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInputError) as info:
        read_scenario_file("/dev/zero")
    assert time.perf_counter() - started < 1.0
    assert info.value.field == "scenario '/dev/zero'"
    assert info.value.rule == "must be a regular file, not a device, pipe or socket"


def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="must be a regular file, not a device"):
        read_scenario_file(fifo)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="must be a regular file, not a folder"):
        read_scenario_file(tmp_path)


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2000)
    with pytest.raises(InvalidInputError) as info:
        read_json(path, field="scenario", max_bytes=1000)
    assert info.value.rule == "must be at most 1,000 bytes, got 2,000"


def test_100000_nested_arrays_are_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InvalidInputError) as info:
        read_scenario_file(path)
    assert info.value.rule == "must be JSON nested at most 64 deep, got 100000 levels"


def test_nesting_counts_brackets_outside_strings_only() -> None:
    assert json_depth('{"a": "[[[[", "b": [[1]], "c": "\\"[["}') == 3
    assert parse_json('{"x": "' + "[" * 500 + '"}', field="f") == {"x": "[" * 500}


def test_an_encoding_error_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"version": 1,\n "name": "caf\xe9"}')
    with pytest.raises(InvalidInputError) as info:
        read_scenario_file(path)
    assert info.value.rule == "must be UTF-8 text: byte 0xe9 at offset 28 (line 2)"


@pytest.mark.parametrize("text", ["[NaN]", "[Infinity]", "[-Infinity]", "[1e400]"])
def test_non_finite_json_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="must be JSON"):
        parse_json(text, field="f")


def test_long_text_in_an_error_is_shortened(tmp_path: Path) -> None:
    assert shorten("x" * 500) == "x" * MAX_QUOTED_CHARS + "... (380 more characters)"
    assert quoted(10**5000).startswith("<an integer of")
    data = straight_line_scenario()
    data["orders"][0]["mode"] = "z" * 1_000_000
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    assert len(str(info.value)) < 1000


def test_many_problems_are_listed_up_to_a_limit() -> None:
    data = straight_line_scenario()
    data["orders"] = [{"id": f"o{k}"} for k in range(500)]
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    assert len(info.value.problems) >= 500
    assert "... and" in str(info.value) and len(str(info.value)) < 5000


# --- the scenario's numbers: documented ranges, full paths --------------------------------


def test_a_window_that_ends_first_names_its_path() -> None:
    data = straight_line_scenario()
    data["couriers"][1]["shift"] = {"start": "20:00", "end": "08:00"}
    data["orders"][2]["promised"] = {"start": "18:30", "end": "18:00"}
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    assert info.value.problems == (
        ("couriers[1 'c2'].shift", "end (08:00) must not be before start (20:00)"),
        ("orders[2 'sc1'].promised", "end (18:00) must not be before start (18:30)"),
    )


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (1e300, f"must be less than or equal to {MAX_CLOCK_S}, got 1e+300"),
        (2**63, f"must be less than or equal to {MAX_CLOCK_S}, got 9223372036854775808"),
        (MAX_CLOCK_S + 1, f"must be less than or equal to {MAX_CLOCK_S}, got 604801"),
        (1.8e308, "must be a finite number, got inf"),  # past the largest float
    ],
)
def test_clock_values_past_the_horizon_are_refused_with_the_path(value: float, rule: str) -> None:
    data = straight_line_scenario()
    data["orders"][2]["promised"]["end"] = value
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    assert info.value.problems == (("orders[2 'sc1'].promised.end", rule),)


def test_clock_values_past_the_horizon_are_refused_in_a_file(tmp_path: Path) -> None:
    text = json.dumps(straight_line_scenario()).replace('"18:30"', "1.8e308")
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"number 1\.8e308 is too large for a float"):
        read_scenario_file(path)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_clock_values_are_refused_with_the_path(value: float) -> None:
    data = straight_line_scenario()
    data["orders"][0]["created_at"] = value
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    ((path, rule),) = info.value.problems
    assert path == "orders[0 'i1'].created_at"
    assert "finite number" in rule


def test_nan_in_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(straight_line_scenario()).replace('"09:55"', "NaN"))
    with pytest.raises(InvalidInputError, match="NaN is not a JSON number"):
        read_scenario_file(path)


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        (("couriers", 3), "capacity_kg", 1e300),
        (("couriers", 3), "cold_boxes", 10**30),
        (("orders", 0, "lines", 0), "quantity", 10**30),
        (("orders", 0, "lines", 0), "weight_kg", 1e308),
        (("orders", 0), "service_duration_s", 1e15),
        (("places", "pickup_points", 0), "capacity_parcels", 2**63),
        (("places", "buildings", 0), "households", 10**12),
        (("settings",), "walk_limit_m", 1e300),
        (("settings",), "drop_penalty", 1e300),
    ],
)
def test_sizes_quantities_and_capacities_are_bounded(
    where: tuple[str | int, ...], field: str, value: float
) -> None:
    data = straight_line_scenario()
    node: Any = data
    for key in where:
        node = node[key]
    node[field] = value
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    ((path, rule),) = info.value.problems
    assert path.endswith(f".{field}") and "less than or equal to" in rule


@pytest.mark.parametrize("blocks", [1000, 10**15, 1e15])
def test_a_huge_generated_city_is_refused_before_it_is_built(blocks: float) -> None:
    data = straight_line_scenario()
    data["network"] = {"kind": "generated", "seed": 1, "blocks_x": blocks, "blocks_y": 2}
    with pytest.raises(ScenarioFileError) as info:
        parse_scenario(data)
    assert [p for p, _ in info.value.problems] == ["network.blocks_x"]


def test_the_city_generator_checks_the_memory_a_city_needs() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInputError, match="must be an integer >= 1 and <= 500"):
        CitySpec(blocks_x=100_000)
    with pytest.raises(InvalidInputError, match="the city would need about"):
        CitySpec(blocks_x=200, blocks_y=200, buildings_per_block=200)
    assert time.perf_counter() - started < 1.0
    assert CitySpec(blocks_x=115, blocks_y=115).estimated_bytes < 2**30


def test_the_schema_documents_the_ranges() -> None:
    text = json.dumps(scenario_json_schema())
    assert f'"maximum": {MAX_CLOCK_S}' in text
    assert '"maxItems": 200000' in text


def test_generate_city_refuses_a_hundred_million_orders() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInputError, match="must be at most 200,000"):
        city_day_scenario(1, blocks=4, orders=100_000_000)
    assert time.perf_counter() - started < 1.0


# --- references: members and files ---------------------------------------------------------


def test_a_members_unknown_home_building_is_refused_as_the_engine_does() -> None:
    data = straight_line_scenario()
    data["members"][1]["home_building_id"] = "nowhere"
    problems = problems_of(data)
    assert problems["members[1 'm2'].home_building_id"] == "unknown building 'nowhere'"


@pytest.mark.parametrize("reference", ["../../../../etc/passwd", "../missing.osm", "/etc/hosts"])
def test_files_outside_the_scenarios_folder_are_refused_alike(
    tmp_path: Path, reference: str
) -> None:
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    data = straight_line_scenario()
    data["network"] = {"kind": "osm", "path": reference}
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(scenario_file(folder, data))
    assert info.value.problems == (("network.path", CONFINED_RULE),)


def test_a_symlink_cannot_lead_outside(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "streets.osm").symlink_to("/etc/hosts")
    data = straight_line_scenario()
    data["network"] = {"kind": "osm", "path": "streets.osm"}
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(scenario_file(folder, data))
    assert info.value.problems == (("network.path", CONFINED_RULE),)


def test_a_data_root_admits_files_outside_the_folder(tmp_path: Path) -> None:
    data_root = tmp_path / "data"
    data_root.mkdir()
    (data_root / "streets.osm").write_text("not xml", encoding="utf-8")
    folder = tmp_path / "s"
    folder.mkdir()
    data = straight_line_scenario()
    data["network"] = {"kind": "osm", "path": "../data/streets.osm"}
    path = scenario_file(folder, data)
    with pytest.raises(ScenarioFileError) as refused:
        load_scenario(path)
    assert refused.value.problems == (("network.path", CONFINED_RULE),)
    with pytest.raises(ScenarioFileError) as read:
        load_scenario(path, data_roots=[data_root])
    ((field, rule),) = read.value.problems
    assert field == "network.path" and "must be readable OSM XML" in rule


# --- replay policies -----------------------------------------------------------------------


def test_a_replay_policy_with_a_millisecond_wave_is_refused() -> None:
    with pytest.raises(InvalidInputError) as info:
        replay_policy_from_json({"wave_s": 0.001}, source="policy 'p.json'")
    assert info.value.field == "policy 'p.json'"
    assert info.value.rule == "wave_s: must be >= 1 and <= 86400, got 0.001"
    with pytest.raises(InvalidInputError, match=r"ReplayPolicy.wave_s: must be >= 1"):
        ReplayPolicy(wave_s=0.001)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"workers": 100_000}, "workers: must be >= 1 and <= 64"),
        ({"iterations": 10**30}, "iterations: must be >= 1 and <= 1e+08"),
        ({"time_limit_s": 1e300}, "time_limit_s: must be > 0 and <= 604800"),
        ({"drain_s": 1e15}, "drain_s: must be > 0"),
    ],
)
def test_replay_policy_numbers_are_bounded(data: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(words)):
        replay_policy_from_json(data)


def test_grubhub_policy_numbers_are_bounded() -> None:
    with pytest.raises(InvalidInputError, match=r"wave_min: must be >= 0\.0166667"):
        policy_from_json({"wave_min": 0.001})
    with pytest.raises(InvalidInputError, match="max_bundle: must be >= 1 and <= 6"):
        policy_from_json({"max_bundle": 100})
    with pytest.raises(InvalidInputError, match=r"InstantPolicy\.horizon_min"):
        GrubhubPolicy(horizon_min=1e300)


# --- instance files ------------------------------------------------------------------------


def test_a_solomon_file_declaring_a_hundred_million_vehicles_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "solomon", TEXTS["solomon"].replace("  2         10", "100000000 10"))
    started = time.perf_counter()
    with pytest.raises(InvalidInputError) as info:
        read_instance(path, "solomon")
    assert time.perf_counter() - started < 1.0
    assert info.value.field == f"{path}:5"
    assert info.value.rule == "the vehicle NUMBER must be at most 10,000, got 100,000,000"


@pytest.mark.parametrize(
    ("fmt", "old", "new"),
    [
        ("solomon", "    1      3", "    1      1e300"),
        ("lilim", "1\t3\t4\t5", "1\t3\t4\t1e300"),
        ("mpdptw", "0 3 4 2 0 100", "0 3 4 2 0 1e300"),
        ("cordeau", " 1  0  0 2 4", " 1  0  0 2 1e300"),
        ("vrplib", "2\t1\t1\n", "2\t1e300\t1\n"),
    ],
)
def test_instance_numbers_are_bounded(tmp_path: Path, fmt: str, old: str, new: str) -> None:
    assert old in TEXTS[fmt]
    path = write(tmp_path, fmt, TEXTS[fmt].replace(old, new, 1))
    with pytest.raises(InvalidInputError, match=r"numbers must be within \+-1e\+09, got 1e\+300"):
        read_instance(path, fmt)


@pytest.mark.parametrize(
    ("fmt", "old", "new", "words"),
    [
        ("cordeau", "2 2 3 2\n", "2 100000000 3 2\n", "vehicles (m times t) must be at most"),
        ("vrplib", "tiny-n5-k2", "tiny-n5-k999999999", "vehicles (from NAME's -k"),
        ("vrplib", "DIMENSION : 5", "DIMENSION : 100000000", "DIMENSION must be at most"),
        ("lilim", "2\t15\t1\n", "100000000\t15\t1\n", "the vehicle count must be at most"),
    ],
)
def test_instance_counts_are_bounded(
    tmp_path: Path, fmt: str, old: str, new: str, words: str
) -> None:
    assert old in TEXTS[fmt]
    path = write(tmp_path, fmt, TEXTS[fmt].replace(old, new, 1))
    started = time.perf_counter()
    with pytest.raises(InvalidInputError, match=re.escape(words)):
        read_instance(path, fmt)
    assert time.perf_counter() - started < 1.0


def test_an_instance_reader_refuses_dev_zero() -> None:
    with pytest.raises(InvalidInputError, match="must be a regular file, not a device"):
        read_instance(Path("/dev/zero"), "solomon")


def test_a_long_line_is_shortened_in_the_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cordeau", TEXTS["cordeau"].replace(" 3  3  4 0 6", " x" * 100_000))
    with pytest.raises(InvalidInputError) as info:
        read_instance(path, "cordeau")
    assert len(str(info.value)) < 400


def test_grubhub_numbers_are_bounded(tmp_path: Path) -> None:
    folder = write_instance(tmp_path / "g", ["o1\t1e300\t0\t0\tr1\t10"], ["c1\t0\t0\t0\t60"])
    with pytest.raises(InvalidInputError) as info:
        read_grubhub(folder)
    assert info.value.field == "orders.txt:2"
    assert info.value.rule == "x must be within +-1e+09, got 1e+300"


def test_grubhub_files_go_through_the_file_guards(tmp_path: Path) -> None:
    folder = write_instance(tmp_path / "g", ["o1\t0\t0\t0\tr1\t10"], ["c1\t0\t0\t0\t60"])
    (folder / "orders.txt").write_bytes(b"order\tx\n\xff")
    with pytest.raises(InvalidInputError, match="must be UTF-8 text: byte 0xff"):
        read_grubhub(folder)


def test_the_text_reader_is_shared(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("héllo", encoding="utf-8")
    assert read_text(path, field="f") == "héllo"


def test_an_early_eof_key_line_in_a_vrplib_file_is_one_clear_error(tmp_path: Path) -> None:
    # Found by the fuzz campaign: vrplib stops at "EOF : ..." and returned no sections,
    # which was a KeyError.
    path = write(tmp_path, "vrplib", TEXTS["vrplib"].replace("NAME :", "EOF :", 1))
    with pytest.raises(InvalidInputError, match="vrplib read no node_coord"):
        read_instance(path, "vrplib")
