"""``dispatch plan --engine ... --max-part-orders ...``: a decomposed plan from the command
line, the same on the in-process and process engines, with its parts in the plan file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from dispatch.plan_schema import PlanFile
from scenarios.generate import city_day_scenario
from scenarios.scenario_file import save_scenario


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "city.json"
    save_scenario(city_day_scenario(seed=4, blocks=6, orders=90, couriers=12), path)
    return path


def plan_file(tmp_path: Path, city: Path, engine: str) -> dict[str, Any]:
    out = tmp_path / f"{engine}.json"
    code, output = run(
        "plan",
        str(city),
        "--at",
        "12:00",
        "--out",
        str(out),
        "--engine",
        engine,
        "--max-part-orders",
        "20",
        "--iterations",
        "20",
        "--time-limit",
        "60",
    )
    assert code == 0, output
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def without_seconds(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "parts": [{k: v for k, v in p.items() if k != "solve_s"} for p in data["parts"]],
    }


def test_a_decomposed_plan_is_the_same_inline_and_in_processes(tmp_path: Path, city: Path) -> None:
    inline = plan_file(tmp_path, city, "inline")
    process = plan_file(tmp_path, city, "process")
    assert inline["parts"], "the instant flow is above 20 orders: it must be split"
    assert {p["kind"] for p in inline["parts"]} <= {"part", "border", "second_chance"}
    PlanFile.model_validate(inline)
    assert without_seconds(inline) == without_seconds(process)


def test_engine_options_are_checked(tmp_path: Path, city: Path) -> None:
    out = str(tmp_path / "p.json")
    code, output = run("plan", str(city), "--out", out, "--ray-address", "auto")
    assert code == 2
    assert "--ray-address" in output and "--engine ray" in output
    code, output = run("plan", str(city), "--out", out, "--max-part-orders", "3")
    assert code == 2
    assert "--max-part-orders" in output
    code, output = run("plan", str(city), "--out", out, "--engine", "cluster")
    assert code == 2
