"""``dispatch import grubhub FOLDER``: a scenario file replayed exactly as the folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli import app
from scenarios.grubhub import read_grubhub
from scenarios.grubhub_import import grubhub_instance
from scenarios.scenario_file import read_scenario_file
from tests.scenarios.test_grubhub import write_instance


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def lunch(tmp_path: Path) -> Path:
    """Two restaurants, five orders (two can share a trip), two couriers, one late."""
    return write_instance(
        tmp_path / "lunch",
        [
            "o1\t500\t300\t0\tr1\t10",
            "o2\t600\t250\t2\tr1\t11",
            "o3\t-400\t900\t5\tr2\t20",
            "o4\t500\t1050\t30\tr1\t40",
            "o5\t-900\t-300\t31.5\tr2\t45.5",
        ],
        ["c1\t0\t0\t0\t120", "c2\t-200\t100\t20\t90"],
        restaurants=("r1\t500\t0", "r2\t-300\t400"),
    )


def imported(tmp_path: Path, folder: Path) -> Path:
    out = tmp_path / "scenario.json"
    code, output = invoke("import", "grubhub", str(folder), "--out", str(out))
    assert code == 0, output
    assert "5 orders, 2 couriers, 2 restaurants ->" in output
    return out


def replayed(tmp_path: Path, source: Path, name: str, *policy: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / f"kpis-{name}.json"
    code, output = invoke("replay", str(source), "--out", str(out), *policy)
    assert code == 0, output
    data: dict[str, Any] = json.loads(out.read_text())
    # rich wraps long lines at the terminal width, paths included: compare unwrapped.
    return data, output.replace("\n", "").replace(str(out), "OUT")


def test_import_then_replay_gives_the_folders_kpis(tmp_path: Path) -> None:
    folder = lunch(tmp_path)
    scenario = imported(tmp_path, folder)
    assert grubhub_instance(read_scenario_file(scenario)) == read_grubhub(folder)
    from_folder, printed_folder = replayed(tmp_path, folder, "folder")
    from_file, printed_file = replayed(tmp_path, scenario, "file")
    assert from_file == from_folder
    assert printed_file == printed_folder
    assert from_file["instance"] == "lunch"
    assert from_file["kpis"]["orders_total"] == 5
    assert from_file["kpis"]["delivered"] > 0
    assert from_file["violations"] == []
    # A Grubhub policy applies to the file as to the folder (not a day-replay policy).
    policy = tmp_path / "single.json"
    policy.write_text(json.dumps({"max_bundle": 1, "wave_min": 2}))
    with_policy, _ = replayed(tmp_path, scenario, "single", "--policy", str(policy))
    assert with_policy["policy"]["max_bundle"] == 1
    assert with_policy == replayed(tmp_path, folder, "single-folder", "--policy", str(policy))[0]
    day_policy = tmp_path / "day.json"
    day_policy.write_text(json.dumps({"wave_s": 60}))
    code, output = invoke(
        "replay", str(scenario), "--policy", str(day_policy), "--out", str(tmp_path / "k.json")
    )
    assert code == 2
    assert "wave_s" in output


def test_compare_a_scenario_file_like_its_folder(tmp_path: Path) -> None:
    folder = lunch(tmp_path)
    scenario = imported(tmp_path, folder)
    a = tmp_path / "bundle.json"
    a.write_text(json.dumps({"max_bundle": 3}))
    b = tmp_path / "single.json"
    b.write_text(json.dumps({"max_bundle": 1, "wave_min": 2}))
    kpis = {}
    for name, source in (("folder", folder), ("file", scenario)):
        out = tmp_path / f"compare-{name}.json"
        code, output = invoke(
            "compare",
            str(source),
            "--policy",
            str(a),
            "--policy",
            str(b),
            "--plots",
            str(tmp_path / f"plots-{name}"),
            "--out",
            str(out),
        )
        assert code == 0, output
        kpis[name] = json.loads(out.read_text())
    assert kpis["file"] == kpis["folder"]
    assert set(kpis["file"]) == {"bundle", "single"}
    assert kpis["file"]["single"]["orders_total"] == 5


def test_a_bad_folder_is_one_error_line(tmp_path: Path) -> None:
    out = tmp_path / "scenario.json"
    code, output = invoke("import", "grubhub", str(tmp_path / "missing"), "--out", str(out))
    assert code == 2
    assert output.count("\n") == 1
    assert output.startswith("error: ") and "not a folder" in output
    folder = lunch(tmp_path)
    (folder / "orders.txt").write_text("order\tx\ty\tplacement_time\trestaurant\tready_time\n")
    (folder / "couriers.txt").write_text("courier\tx\ty\ton_time\toff_time\nc1\t0\t0\t-5\t60\n")
    code, output = invoke("import", "grubhub", str(folder), "--out", str(out))
    assert code == 2
    assert output.count("\n") == 1
    assert "grubhub.couriers[0 'c1'].on_min: must be greater than or equal to 0" in output
    assert not out.exists()


def test_import_is_listed_in_the_help() -> None:
    code, output = invoke("--help")
    assert code == 0 and "import" in output
    code, output = invoke("import", "--help")
    assert code == 0 and "grubhub" in output


def test_plan_refuses_a_grubhub_scenario(tmp_path: Path) -> None:
    scenario = imported(tmp_path, lunch(tmp_path))
    out = tmp_path / "plan.json"
    code, output = invoke("plan", str(scenario), "--out", str(out), "--at", "10:00")
    assert code == 2
    assert output.count("\n") == 1
    assert "grubhub" in output and "dispatch replay" in output
    assert not out.exists()
