"""``dispatch plan --at T`` plans only orders created by T (and says how many it left
out); a scenario's ``stock`` is validated with field paths and makes ``out_of_stock``
reasons naming the lines (issues 13 and 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from scenarios.scenario_build import build_scenario
from scenarios.scenario_schema import ScenarioFileError, parse_scenario, scenario_json_schema
from tests.scenarios.scenario_data import straight_line_scenario


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _later_instant(order_id: str, created_at: str) -> dict[str, Any]:
    return {
        "id": order_id,
        "member_id": "m1",
        "created_at": created_at,
        "mode": "instant",
        "building_id": "b1",
        "lines": [{"store_id": "w1", "sku": "milk", "quantity": 1, "unit_price": "12.90"}],
    }


def test_plan_at_leaves_out_orders_created_later_and_says_so(tmp_path: Path) -> None:
    data = straight_line_scenario()
    data["orders"] += [_later_instant("late1", "11:00"), _later_instant("late2", "12:30")]
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["plan", str(_write(tmp_path, data)), "--at", "10:00", "--out", str(out),
              "--iterations", "50"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 order(s) created after 10:00 left out (first at 11:00)" in result.stderr
    text = out.read_text()
    assert "late1" not in text and "late2" not in text
    assert "i1" in text
    # At 13:00 both are known: nothing is left out.
    result = CliRunner().invoke(
        app, ["plan", str(_write(tmp_path, data)), "--at", "13:00", "--out", str(out),
              "--iterations", "50"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "left out" not in result.stderr
    assert "late1" in out.read_text()


def test_scenario_stock_gives_out_of_stock_reasons(tmp_path: Path) -> None:
    data = straight_line_scenario()
    data["stock"] = {"w1": {"milk": 1, "rice": 5}}  # i1 wants 2 milk; sc1 1 rice
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["plan", str(_write(tmp_path, data)), "--out", str(out), "--iterations", "50"]
    )
    assert result.exit_code == 0, result.output
    unassigned = {u["order_id"]: u for u in json.loads(out.read_text())["unassigned"]}
    assert unassigned["i1"]["reason"] == "out_of_stock"
    assert "'milk' at 'w1' (2 wanted, 1 in stock)" in unassigned["i1"]["detail"]
    assert "sc1" not in unassigned or unassigned["sc1"]["reason"] != "out_of_stock"


def test_scenario_stock_is_validated_with_field_paths() -> None:
    schema = scenario_json_schema()
    assert "stock" in schema["properties"]
    data = straight_line_scenario()
    data["stock"] = {"w1": {"milk": -1}}
    with pytest.raises(ScenarioFileError, match=r"stock\.w1\.milk"):
        parse_scenario(data)
    data["stock"] = {"b1": {"milk": 1}, "nowhere": {}}
    with pytest.raises(ScenarioFileError) as error:
        build_scenario(parse_scenario(data))
    paths = [path for path, _ in error.value.problems]
    assert paths == ["stock.b1", "stock.nowhere"]
