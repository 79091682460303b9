"""Returns and micro-warehouse pick lists on the command line: ``generate city
--returns-share``, ``plan --pick-lists`` and the returns' KPIs (km added compared with
the plan without them), the plan file valid against ``dispatch schema --plan``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema_rs
import pytest
from rich.console import Console
from typer.testing import CliRunner

import cli
from cli import app
from dispatch.warehouse_picks import PICK_HEADERS


def run(*args: str) -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "console", Console(width=200))
        result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_generate_with_returns_then_plan_with_pick_lists(tmp_path: Path) -> None:
    scenario = tmp_path / "day.json"
    code, output = run(
        "generate", "city", "--out", str(scenario), "--blocks", "4", "--orders", "60",
        "--couriers", "6", "--returns-share", "0.2", "--seed", "3",
    )  # fmt: skip
    assert code == 0, output
    data = json.loads(scenario.read_text())
    returns = data["returns"]
    delivered = [o for o in data["orders"] if o["mode"] != "next_day_pickup"]
    assert 0 < len(returns) < len(delivered)
    assert {r["order_id"] for r in returns} <= {o["id"] for o in delivered}
    # Planned at 12:00 so that some of the day's returns are due, others already late.
    code, output = run(
        "plan", str(scenario), "--at", "12:00", "--out", str(tmp_path / "plan.json"),
        "--pick-lists", str(tmp_path / "picks"), "--iterations", "50", "--time-limit", "20",
    )  # fmt: skip
    assert code == 0, output
    assert "returns collected" in output and "km added by returns" in output
    plan = json.loads((tmp_path / "plan.json").read_text())
    # Only what is known at 12:00: the returns requested by then (dispatch.known).
    assert 0 < len(plan["returns"]) < len(returns)
    kpis = plan["kpis"]["returns"]
    assert kpis["returns_total"] == len(plan["returns"]) and kpis["km_added"] is not None
    code, schema_text = run("schema", "--plan")
    validator = jsonschema_rs.validator_for(json.loads(schema_text))
    assert validator.is_valid(plan), list(validator.iter_errors(plan))[:3]
    picks = plan["warehouse_pick_lists"]
    assert picks
    sheets = sorted((tmp_path / "picks").glob("*.csv"))
    assert {p.stem for p in sheets} == {p["micro_warehouse_id"] for p in picks}
    rows = list(csv.reader(sheets[0].open(encoding="utf-8-sig")))
    assert tuple(rows[0]) == PICK_HEADERS and len(rows) > 1
    # Without returns the share is 0: the scenario has none.
    code, output = run(
        "generate", "city", "--out", str(tmp_path / "none.json"), "--blocks", "4",
        "--orders", "20", "--couriers", "3", "--returns-share", "0",
    )  # fmt: skip
    assert code == 0, output
    assert "returns" not in json.loads((tmp_path / "none.json").read_text())
