"""Operator outputs of ``dispatch plan``: the route table, courier manifests, the viewer
page, clock times as HH:MM, and ``dispatch schema --plan``."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import jsonschema_rs
import pytest
from rich.console import Console
from typer.testing import CliRunner

import cli
from cli import app
from dispatch.manifests import MANIFEST_HEADERS
from scenarios.demo import demo_scenario
from scenarios.scenario_file import save_scenario

HHMMSS = re.compile(r"\b\d{2}:\d{2}:\d{2}\b")


def run(*args: str) -> tuple[int, str]:
    # A wide console, whatever the terminal (or none, under xdist): no cell is cut.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "console", Console(width=200))
        result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A demo scenario planned at 10:00:30 with the viewer and manifests: folder, output."""
    folder = tmp_path_factory.mktemp("outputs")
    scenario = folder / "small.json"
    save_scenario(demo_scenario(seed=2, blocks=4), scenario)
    code, output = run(
        "plan", str(scenario), "--at", "10:00:30", "--out", str(folder / "plan.json"),
        "--html", str(folder / "plan.html"), "--manifests", str(folder / "manifests"),
        "--iterations", "100", "--time-limit", "10", "--seed", "1",
    )  # fmt: skip
    assert code == 0, output
    return folder, output


def test_the_route_table_has_a_row_per_route_with_hhmm_times(planned: tuple[Path, str]) -> None:
    folder, output = planned
    plan = json.loads((folder / "plan.json").read_text())
    assert plan["routes"]
    assert "Routes" in output
    for header in ("courier", "flow", "stops", "start", "end", "km", "load kg", "late"):
        assert header in output
    lines = output.splitlines()
    for route in plan["routes"]:
        row = next(line for line in lines if f" {route['courier_id']} " in line)
        assert route["flow"] in row
        assert re.search(r"\d{2}:\d{2} .*\d{2}:\d{2}", row), row
        assert f"{route['distance_m'] / 1000:.1f}" in row
    # Human output shows clock times as HH:MM (the plan time had seconds).
    assert not HHMMSS.search(output), HHMMSS.findall(output)
    assert " at 10:01: planned in" in output


def test_a_manifest_per_courier(planned: tuple[Path, str]) -> None:
    folder, output = planned
    plan = json.loads((folder / "plan.json").read_text())
    files = sorted((folder / "manifests").glob("*.csv"))
    couriers = {r["courier_id"] for r in plan["routes"]}
    assert {f.stem for f in files} == couriers
    assert f"{len(couriers)} manifests in" in output.replace("\n", "")
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
        assert tuple(rows[0]) == MANIFEST_HEADERS
        route = next(r for r in plan["routes"] if r["courier_id"] == path.stem)
        stops = [r for r in rows[1:] if r[2] not in ("start", "end")]
        assert [r[3] for r in stops] == [s["place_id"] for s in route["stops"]]
        assert all(re.fullmatch(r"\d{2}:\d{2}", r[1]) for r in rows[1:])


def test_the_viewer_page_is_written(planned: tuple[Path, str]) -> None:
    folder, _ = planned
    page = (folder / "plan.html").read_text(encoding="utf-8")
    plan = json.loads((folder / "plan.json").read_text())
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>demo-2: plan at 10:01</title>" in page
    for route in plan["routes"]:
        assert f'"courier":"{route["courier_id"]}"' in page


def test_schema_plan_prints_the_schema_the_plan_file_meets(
    planned: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = planned
    code, output = run("schema", "--plan")
    assert code == 0, output
    schema = json.loads(output)
    assert schema["title"] == "o2o-dispatch plan file"
    plan = json.loads((folder / "plan.json").read_text())
    validator = jsonschema_rs.validator_for(schema)
    assert validator.is_valid(plan), list(validator.iter_errors(plan))[:3]
    code, output = run("schema", "--plan", "--out", str(tmp_path / "plan.schema.json"))
    assert code == 0, output
    assert json.loads((tmp_path / "plan.schema.json").read_text()) == schema
    # Without --plan it is still the scenario schema.
    code, output = run("schema")
    assert "orders" in json.loads(output)["properties"]
