"""``dispatch solve``: the JSON contract on a tiny file of every format, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from scenarios.instances import FORMATS
from tests.scenarios.tiny import TEXTS, write

KEYS = {"instance", "vehicles", "distance", "routes", "unassigned", "solve_s"}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["solve", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_solve_writes_the_contract(tmp_path: Path, fmt: str) -> None:
    instance = write(tmp_path, fmt)
    out = tmp_path / "out" / f"{fmt}.json"
    code, output = run(
        str(instance),
        "--format",
        fmt,
        "--time-limit",
        "0.5",
        "--seed",
        "3",
        "--workers",
        "1",
        "--out",
        str(out),
    )
    assert code == 0, output
    assert "checker: feasible" in output  # solvers.check(problem, solution).ok
    result = json.loads(out.read_text())
    assert set(result) == KEYS
    assert result["instance"] == instance.stem
    assert isinstance(result["vehicles"], int)
    assert isinstance(result["distance"], float)
    assert isinstance(result["solve_s"], float)
    assert result["unassigned"] == []
    assert len(result["routes"]) == result["vehicles"] >= 1
    if fmt == "cordeau":
        assert all(set(r) == {"depot", "nodes"} for r in result["routes"])
        assert {r["depot"] for r in result["routes"]} <= {4, 5}
        served = [n for r in result["routes"] for n in r["nodes"]]
    else:
        served = [n for r in result["routes"] for n in r]
    assert all(isinstance(n, int) for n in served)
    expected = {
        "solomon": [1, 2],
        "lilim": [1, 2],
        "mpdptw": [1, 2, 3],
        "cordeau": [1, 2, 3],
        "vrplib": [2, 3, 4, 5],
    }[fmt]
    assert sorted(served) == expected
    if fmt == "vrplib":
        assert result["distance"] == 19.0  # integer-rounded arcs (see the tiny file)


def test_bad_format_is_one_clear_line(tmp_path: Path) -> None:
    code, output = run(
        str(write(tmp_path, "solomon")), "--format", "csv", "--out", str(tmp_path / "o.json")
    )
    assert code == 2
    assert output.strip().splitlines() == [
        "error: format: must be one of solomon, lilim, mpdptw, cordeau, vrplib, got 'csv'"
    ]


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "deep" / "folder" / "with a long name" / "nothing-here-at-all.txt"
    code, output = run(str(missing), "--format", "cordeau", "--out", str(tmp_path / "o.json"))
    assert code == 2
    assert output.strip().splitlines() == [f"error: {missing}: must be an existing file"]


def test_malformed_file_names_file_line_and_rule(tmp_path: Path) -> None:
    path = write(tmp_path, "cordeau", TEXTS["cordeau"].replace("2 2 3 2\n", "3 2 3 2\n"))
    out = tmp_path / "o.json"
    code, output = run(str(path), "--format", "cordeau", "--out", str(out))
    assert code == 2
    assert output.strip().splitlines() == [f"error: {path}:1: type must be 2 (MDVRP), got 3"]
    assert not out.exists()


def test_malformed_vrplib_file_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "vrplib", TEXTS["vrplib"].replace("EUC_2D", "[ATT]"))
    code, output = run(str(path), "--format", "vrplib", "--out", str(tmp_path / "o.json"))
    assert code == 2
    # Brackets are printed as they are, not read as rich markup.
    assert output.strip().splitlines() == [
        f"error: {path}:5: EDGE_WEIGHT_TYPE must be EUC_2D, got '[ATT]'"
    ]


def test_bad_time_limit_is_one_clear_line(tmp_path: Path) -> None:
    code, output = run(
        str(write(tmp_path, "vrplib")),
        "--format",
        "vrplib",
        "--time-limit",
        "0",
        "--out",
        str(tmp_path / "o.json"),
    )
    assert code == 2
    assert output.strip().splitlines() == [
        "error: --time-limit: must be a number > 0 and <= 604800 seconds, got 0"
    ]


def test_unwritable_output_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = blocker / "o.json"
    code, output = run(
        str(write(tmp_path, "vrplib")),
        "--format",
        "vrplib",
        "--time-limit",
        "0.2",
        "--workers",
        "1",
        "--out",
        str(out),
    )
    assert code == 2
    (line,) = output.strip().splitlines()
    assert line.startswith(f"error: {out}: must be a writable file (")


def test_help_lists_every_format() -> None:
    result = CliRunner().invoke(app, ["solve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Instance format: solomon, lilim, mpdptw, cordeau, vrplib." in result.output
