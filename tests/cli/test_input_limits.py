"""Issue 16 on the command line: bounded options and guarded files, one error line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.scenarios.scenario_data import straight_line_scenario


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def one_error_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


def test_plan_dev_zero_fails_at_once(tmp_path: Path) -> None:
    code, output = run("plan", "/dev/zero", "--out", str(tmp_path / "p.json"))
    assert code == 2
    assert one_error_line(output) == (
        "error: scenario '/dev/zero': must be a regular file, not a device, pipe or socket"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["generate", "city", "--orders", "100000000"],
            "error: --orders: must be a whole number in 1..200,000, got 100000000",
        ),
        (
            ["generate", "city", "--blocks", "1000"],
            "error: --blocks: must be a whole number in 1..500, got 1000",
        ),
        (
            ["generate", "city", "--couriers", "1000000"],
            "error: --couriers: must be a whole number in 1..20,000, got 1000000",
        ),
        (
            ["generate", "wave", "--orders", "100000000"],
            "error: --orders: must be a whole number in 1..200,000, got 100000000",
        ),
        (
            ["generate", "wave", "--warehouses", "801"],
            "error: --warehouses: must be a whole number in 1..800, got 801",
        ),
        (
            ["generate", "city", "--warehouses", "5000"],
            "error: --warehouses: must be a whole number in 1..800, got 5000",
        ),
        (
            ["solve", "x.txt", "--format", "solomon", "--workers", "100000"],
            "error: --workers: must be a whole number in 1..64, got 100000",
        ),
        (
            ["solve", "x.txt", "--format", "solomon", "--time-limit", "1e300"],
            "error: --time-limit: must be a number > 0 and <= 604800 seconds, got 1e+300",
        ),
        (
            ["solve", "x.txt", "--format", "solomon", "--time-limit", "nan"],
            "error: --time-limit: must be a number > 0 and <= 604800 seconds, got nan",
        ),
        (
            ["solve", "x.txt", "--format", "solomon", "--iterations", "1000000000000"],
            "error: --iterations: must be a whole number in 1..100,000,000, got 1000000000000",
        ),
        (
            ["demo", "--blocks", "100000"],
            "error: --blocks: must be a whole number in 1..500, got 100000",
        ),
    ],
)
def test_numeric_options_are_bounded(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = run(*args, "--out", str(tmp_path / "out.json"))
    assert code == 2
    assert one_error_line(output) == message
    assert not (tmp_path / "out.json").exists()


def test_plan_at_is_within_the_horizon(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(straight_line_scenario()), encoding="utf-8")
    code, output = run("plan", str(path), "--out", str(tmp_path / "p.json"), "--at", "999:00")
    assert code == 2
    assert one_error_line(output) == "error: --at: must be within the planning horizon (168:00)"


def test_a_policy_file_goes_through_the_file_guards(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(straight_line_scenario()), encoding="utf-8")
    deep = tmp_path / "policy.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, output = run("replay", str(path), "--policy", str(deep), "--out", str(tmp_path / "k"))
    assert code == 2
    assert one_error_line(output).endswith("must be JSON nested at most 64 deep, got 100000 levels")
    code, output = run("replay", str(path), "--policy", "/dev/zero", "--out", str(tmp_path / "k"))
    assert code == 2
    assert one_error_line(output) == (
        "error: policy '/dev/zero': must be a regular file, not a device, pipe or socket"
    )


def test_a_scenarios_osm_file_outside_its_folder_needs_a_data_root(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "streets.osm").write_text("<osm/>", encoding="utf-8")
    (tmp_path / "days").mkdir()
    data = straight_line_scenario()
    data["network"] = {"kind": "osm", "path": "../maps/streets.osm"}
    path = tmp_path / "days" / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, output = run("plan", str(path), "--out", str(tmp_path / "p.json"))
    assert code == 2
    assert "network.path: must name a file inside the scenario's folder" in output
    code, output = run(
        "plan", str(path), "--out", str(tmp_path / "p.json"), "--data-root", str(tmp_path / "maps")
    )
    assert code == 2
    # Let in: now the file itself is read (and is not a street network).
    assert "network.path: OSM file" in output and "must" in output
