"""The planning commands end to end: `design pickup-points`, `generate history`,
`forecast`, `staff` and `areas` on a small generated city, and on the Beijing extract
(skipped when the data is absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli import app
from scenarios.scenario_file import load_scenario
from solvers.cp_sat import ModelRun, ModelStatus
from solvers.staffing import Shift, Staffing, StaffingProblem, check_staffing, coverage


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _check_design_file(path: Path, k: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in (
        "opened",
        "households_covered_pct",
        "mean_walk_m",
        "p90_walk_m",
        "utilisation",
        "objective",
        "bound",
        "gap_pct",
    ):
        assert key in data
        for base in ("current", "greedy"):
            assert key in data["baselines"][base]
    assert 0 < len(data["opened"]) <= k
    assert all(0.0 <= u <= 1.0 + 1e-9 for u in data["utilisation"].values())
    return data


def _staff_covers(shifts: dict[str, object], target: float) -> None:
    for w in shifts["warehouses"].values():  # type: ignore[attr-defined]
        problem = StaffingProblem(
            tuple(w["forecast_by_hour"]), w["orders_per_courier_hour"], target, 4, 8, 7, 23
        )
        picked = tuple(Shift(s["start_h"], s["length_h"], s["couriers"]) for s in w["shifts"])
        couriers, served = coverage(problem, picked)
        run = ModelRun(ModelStatus.FEASIBLE, 0.0, None, 0.0, False)
        staffing = Staffing(picked, tuple(couriers), tuple(served), run)
        assert check_staffing(problem, staffing) == []


def _pipeline(
    tmp_path: Path, scenario: Path, k: int, *, plan_cost: bool, data_root: Path | None = None
) -> None:
    # A scenario on an OSM file outside its folder names that folder (file confinement).
    roots = ["--data-root", str(data_root)] if data_root is not None else []
    data_roots = [data_root] if data_root is not None else []
    design = tmp_path / "design.json"
    cost = ["--plan-cost", "--plan-time-limit", "2", "--iterations", "100"] if plan_cost else []
    out = run(
        "design",
        "pickup-points",
        str(scenario),
        "--open",
        str(k),
        "--out",
        str(design),
        "--map",
        str(tmp_path / "design.png"),
        "--scenario-out",
        str(tmp_path / "designed.json"),
        *cost,
        *roots,
        "--time-limit",
        "3",
    )
    assert "households covered %" in out and "greedy" in out and "current" in out
    data = _check_design_file(design, k)
    assert ("next_day_plan" in data) is plan_cost
    assert (tmp_path / "design.png").stat().st_size > 10_000
    designed = load_scenario(tmp_path / "designed.json", data_roots=data_roots)
    open_ids = {p.id for p in designed.world.pickup_points} - designed.world.closed_pickup_point_ids
    assert open_ids == set(data["opened"])

    day_rows = tmp_path / "day.csv"
    run(
        "generate",
        "history",
        "--scenario",
        str(scenario),
        *roots,
        "--export-day",
        "--out",
        str(day_rows),
    )
    with day_rows.open(encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == len(load_scenario(scenario, data_roots=data_roots).orders)
    assert exported[0]["created_at"].startswith("2026-01-05T")
    history = tmp_path / "history.csv"
    run(
        "generate",
        "history",
        "--weeks",
        "3",
        "--seed",
        "3",
        "--scenario",
        str(scenario),
        *roots,
        "--orders-per-day",
        "120",
        "--out",
        str(history),
    )
    forecast = tmp_path / "forecast.csv"
    report = tmp_path / "mase.json"
    out = run(
        "forecast",
        str(history),
        "--by",
        "warehouse",
        "--freq",
        "hour",
        "--horizon",
        "1d",
        "--mode",
        "instant",
        "--out",
        str(forecast),
        "--report",
        str(report),
    )
    assert "MASE" in out
    with forecast.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["key", "period_start", "forecast"]
    assert rows[0]["period_start"].startswith("2026-01-26T00:00")
    assert set(json.loads(report.read_text(encoding="utf-8"))["mase"]) == {
        "seasonal_naive",
        "mstl",
        "auto_ets",
    }
    shifts_path = tmp_path / "shifts.json"
    run(
        "staff",
        str(forecast),
        "--scenario",
        str(scenario),
        *roots,
        "--target",
        "0.9",
        "--out",
        str(shifts_path),
    )
    shifts = json.loads(shifts_path.read_text(encoding="utf-8"))
    assert shifts["courier_hours"] <= shifts["naive_courier_hours"]
    assert shifts["stock"]
    _staff_covers(shifts, 0.9)

    areas = tmp_path / "areas.geojson"
    run("areas", str(scenario), *roots, "--geojson", str(areas))
    collection = json.loads(areas.read_text(encoding="utf-8"))
    kinds = {f["properties"]["kind"] for f in collection["features"]}
    assert kinds == {"micro_warehouse_ride", "pickup_point_walk"}


def test_planning_commands_on_a_generated_city(tmp_path: Path) -> None:
    scenario = tmp_path / "city.json"
    run(
        "generate",
        "city",
        "--seed",
        "3",
        "--blocks",
        "5",
        "--orders",
        "60",
        "--couriers",
        "3",
        "--next-day-share",
        "0.4",
        "--out",
        str(scenario),
    )
    _pipeline(tmp_path, scenario, 4, plan_cost=True)


def test_planning_commands_on_beijing(tmp_path: Path, beijing_osm: Path) -> None:
    scenario = tmp_path / "beijing.json"
    run(
        "generate",
        "osm",
        str(beijing_osm),
        "--orders",
        "60",
        "--couriers",
        "3",
        "--next-day-share",
        "0.4",
        "--out",
        str(scenario),
    )
    # The next-day plan on each network runs on the generated city only (time).
    _pipeline(tmp_path, scenario, 6, plan_cost=False, data_root=beijing_osm.parent)


def test_bad_input_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["forecast", str(tmp_path / "none.csv"), "--out", str(tmp_path / "f.csv")]
    )
    assert result.exit_code == 2 and "must be an existing file" in result.output
    result = CliRunner().invoke(
        app,
        [
            "forecast",
            str(tmp_path / "none.csv"),
            "--by",
            "street",
            "--out",
            str(tmp_path / "f.csv"),
        ],
    )
    assert result.exit_code == 2 and "--by" in result.output
