"""``dispatch schema`` and ``dispatch plan``: outputs on a small scenario, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from scenarios.demo import demo_scenario
from scenarios.scenario_file import save_scenario
from tests.scenarios.scenario_data import straight_line_scenario

PNG = b"\x89PNG\r\n\x1a\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.json"
    save_scenario(demo_scenario(seed=2, blocks=4), path)
    return path


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_schema_prints_the_json_schema(tmp_path: Path) -> None:
    code, output = run("schema")
    assert code == 0, output
    schema = json.loads(output)
    assert "properties" in schema and "orders" in schema["properties"]
    code, output = run("schema", "--out", str(tmp_path / "schema.json"))
    assert code == 0, output
    assert json.loads((tmp_path / "schema.json").read_text()) == schema


def test_plan_writes_json_geojson_and_a_map(tmp_path: Path, generated: Path) -> None:
    out, layer, png = tmp_path / "out" / "plan.json", tmp_path / "plan.geojson", tmp_path / "m.png"
    code, output = run(
        "plan",
        str(generated),
        "--at",
        "10:00",
        "--out",
        str(out),
        "--geojson",
        str(layer),
        "--map",
        str(png),
        "--time-limit",
        "0.3",
        "--seed",
        "1",
    )
    assert code == 0, output
    plan = json.loads(out.read_text())
    assert {"routes", "unassigned", "kpis"} <= set(plan)
    assert plan["at"] == "10:00" and plan["at_s"] == 36000.0
    assert plan["scenario"] == "demo-2"
    assert all({"order_id", "reason"} <= set(u) for u in plan["unassigned"])
    assert plan["routes"] and all(r["stops"] for r in plan["routes"])
    collection = json.loads(layer.read_text())
    assert collection["type"] == "FeatureCollection"
    lines = [f for f in collection["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(plan["routes"])
    assert png.read_bytes()[:8] == PNG
    for flow in ("instant", "multi_store", "scheduled", "next_day_pickup", "home_service"):
        assert flow in output
    assert str(out) in output.replace("\n", "")


def test_plan_time_defaults_to_the_scenario_and_at_overrides_it(tmp_path: Path) -> None:
    data = straight_line_scenario()
    path = write(tmp_path, data)
    out = tmp_path / "plan.json"
    code, output = run("plan", str(path), "--out", str(out), "--time-limit", "0.3")
    assert code == 0, output
    assert json.loads(out.read_text())["at_s"] == 36000.0
    code, output = run("plan", str(path), "--out", str(out), "--at", "10:30", "--time-limit", "0.3")
    assert code == 0, output
    assert json.loads(out.read_text())["at"] == "10:30"
    del data["at"]
    code, output = run("plan", str(write(tmp_path, data)), "--out", str(out))
    assert code == 2
    assert "--at: is required" in output


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda d: d["orders"][0].update(lines=[]),
            "orders[0 'i1'].lines: must have at least 1 item",
        ),
        (
            lambda d: d["orders"][1]["lines"][0].update(quantity=-1),
            "orders[1 'ms1'].lines[0].quantity: must be greater than 0",
        ),
        (
            lambda d: d["orders"][1]["lines"][0].update(store_id="st-x"),
            "orders[1 'ms1'].lines[0].store_id: unknown store or micro-warehouse 'st-x'",
        ),
        (
            lambda d: d["orders"][0].update(building_id="b-x"),
            "orders[0 'i1'].building_id: unknown building 'b-x'",
        ),
        (
            lambda d: d.update(closed_pickup_point_ids=["p1"]),
            "orders[3 'n1'].pickup_point_id: pickup point 'p1' is closed",
        ),
        (lambda d: d["network"].update(kind="moon"), "network: "),
    ],
)
def test_a_bad_scenario_exits_2_with_one_line(tmp_path: Path, edit: Any, words: str) -> None:
    data = straight_line_scenario()
    edit(data)
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", str(write(tmp_path, data)), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: scenario ")
    assert result.output.count("\n") == 1  # one line, not wrapped
    assert words in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_missing_scenario_or_bad_at_exits_2(tmp_path: Path) -> None:
    code, output = run("plan", str(tmp_path / "none.json"), "--out", str(tmp_path / "p.json"))
    assert code == 2 and "must be an existing file" in output
    path = write(tmp_path, straight_line_scenario())
    code, output = run("plan", str(path), "--out", str(tmp_path / "p.json"), "--at", "7pm")
    assert code == 2 and output.startswith("error: --at: must be a clock time")


def test_plan_with_iterations_is_byte_identical(tmp_path: Path, generated: Path) -> None:
    outputs = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        code, output = run(
            "plan",
            str(generated),
            "--at",
            "10:00",
            "--out",
            str(out),
            "--time-limit",
            "30",
            "--seed",
            "2",
            "--iterations",
            "25",
        )
        assert code == 0, output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["routes"]


def test_bad_iterations_is_one_clear_line(tmp_path: Path, generated: Path) -> None:
    code, output = run(
        "plan", str(generated), "--out", str(tmp_path / "p.json"), "--iterations", "0"
    )
    assert code == 2
    assert "--iterations: must be a whole number in 1..100,000,000, got 0" in output
