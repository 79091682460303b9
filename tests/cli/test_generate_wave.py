"""``dispatch generate wave`` and ``dispatch generate city --warehouses`` (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from scenarios.scenario_file import load_scenario


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_generate_wave_writes_a_valid_batch(tmp_path: Path) -> None:
    out = tmp_path / "wave.json"
    code, output = run(
        "generate", "wave", "--orders", "150", "--couriers", "12", "--warehouses", "3",
        "--seed", "4", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    assert "150 orders, 12 couriers" in output
    data = json.loads(out.read_text())
    assert data["network"]["n_micro_warehouses"] == 3
    assert len(load_scenario(out).orders) == 150
    # Deterministic: the same arguments write the same file.
    again = tmp_path / "again.json"
    run("generate", "wave", "--orders", "150", "--couriers", "12", "--warehouses", "3",
        "--seed", "4", "--out", str(again))  # fmt: skip
    assert again.read_bytes() == out.read_bytes()


def test_generate_wave_notes_a_small_fleet_and_refuses_bad_counts(tmp_path: Path) -> None:
    code, output = run(
        "generate", "wave", "--orders", "400", "--couriers", "6", "--out", str(tmp_path / "w.json")
    )
    assert code == 0, output
    assert "below the" in output
    code, output = run("generate", "wave", "--warehouses", "0", "--out", str(tmp_path / "x.json"))
    assert code == 2
    assert "--warehouses" in output and "1..800" in output
    code, output = run("generate", "wave", "--orders", "10", "--couriers", "2",
                       "--out", str(tmp_path / "y.json"))  # fmt: skip
    assert code == 2
    assert "couriers" in output


def test_generate_city_with_warehouses(tmp_path: Path) -> None:
    out = tmp_path / "day.json"
    code, output = run(
        "generate", "city", "--orders", "30", "--couriers", "3", "--warehouses", "6",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    data = json.loads(out.read_text())
    assert data["network"]["n_micro_warehouses"] == 6
    assert len(load_scenario(out).world.micro_warehouses) == 6


def test_plan_of_a_wave_reports_peak_memory(tmp_path: Path) -> None:
    wave, plan = tmp_path / "wave.json", tmp_path / "plan.json"
    code, output = run("generate", "wave", "--orders", "30", "--warehouses", "1",
                       "--out", str(wave))  # fmt: skip
    assert code == 0, output
    code, output = run("plan", str(wave), "--time-limit", "2", "--out", str(plan))
    assert code == 0, output
    line = next(x for x in output.splitlines() if x.startswith("peak memory:"))
    assert int(line.split()[2].replace(",", "")) > 30  # MB: a Python with the solvers
    kpis = json.loads(plan.read_text())["kpis"]
    assert kpis["orders_served"] + kpis["orders_unassigned"] == 30
