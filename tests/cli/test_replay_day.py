"""``dispatch replay SCENARIO``: a generated day replayed into kpis.json; Ctrl-C; errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from cli import app
from scenarios.demo import demo_scenario
from scenarios.replay import DayReplay, ReplayPolicy, replay_scenario
from scenarios.scenario_build import Scenario
from scenarios.scenario_file import save_scenario


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["replay", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("day") / "demo.json"
    save_scenario(demo_scenario(seed=7, blocks=6), path)
    return path


def fast_policy(tmp_path: Path) -> Path:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"wave_s": 300, "time_limit_s": 0.2}))
    return policy


def test_replay_scenario_writes_kpis(tmp_path: Path, scenario_file: Path) -> None:
    out = tmp_path / "kpis.json"
    code, output = run(
        str(scenario_file), "--policy", str(fast_policy(tmp_path)), "--out", str(out)
    )
    assert code == 0, output
    data = json.loads(out.read_text())
    kpis = data["kpis"]
    for key in ("orders_total", "delivered", "collected", "unassigned", "late"):
        assert key in kpis
    assert kpis["delivered"] + kpis["collected"] + kpis["unassigned"] == kpis["orders_total"]
    assert data["complete"] is True
    assert data["policy"]["wave_s"] == 300
    assert "collected at pickup points" in output


def test_replay_scenario_bad_policy(tmp_path: Path, scenario_file: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"wave_s": -1}))
    code, output = run(str(scenario_file), "--policy", str(policy), "--out", str(tmp_path / "k"))
    assert code == 2
    assert "wave_s: must be >= 1 and <= 86400, got -1" in output


def test_replay_scenario_ctrl_c(
    tmp_path: Path, scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(
        scenario: Scenario, policy: ReplayPolicy, *, progress: object, scale: object = None
    ) -> DayReplay:
        def stop(elapsed_s: float, total_s: float) -> None:
            raise KeyboardInterrupt

        return replay_scenario(scenario, policy, progress=stop)

    monkeypatch.setattr(cli, "replay_scenario", interrupted)
    out = tmp_path / "kpis.json"
    code, _ = run(str(scenario_file), "--policy", str(fast_policy(tmp_path)), "--out", str(out))
    assert code == 130
    data = json.loads(out.read_text())
    assert data["complete"] is False
    assert data["kpis"]["unassigned"] == data["kpis"]["orders_total"] - data["kpis"]["delivered"]


def test_generate_city_then_replay(tmp_path: Path) -> None:
    scenario = tmp_path / "day.json"
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "city",
            "--seed",
            "3",
            "--blocks",
            "6",
            "--orders",
            "12",
            "--couriers",
            "3",
            "--out",
            str(scenario),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(scenario.read_text())
    assert len(data["orders"]) == 12
    out = tmp_path / "kpis.json"
    code, output = run(str(scenario), "--policy", str(fast_policy(tmp_path)), "--out", str(out))
    assert code == 0, output
    kpis = json.loads(out.read_text())["kpis"]
    assert kpis["orders_total"] == 12
    assert kpis["delivered"] + kpis["collected"] + kpis["unassigned"] == 12


def test_generate_city_bad_share(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["generate", "city", "--next-day-share", "2", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert "must be within 0..1" in result.output


def test_compare_scenario_policies(tmp_path: Path, scenario_file: Path) -> None:
    slow = tmp_path / "waves-10min.json"
    slow.write_text(json.dumps({"wave_s": 600, "time_limit_s": 0.2}))
    plots = tmp_path / "plots"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            str(scenario_file),
            "--policy",
            str(fast_policy(tmp_path)),
            "--policy",
            str(slow),
            "--plots",
            str(plots),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (plots / "orders_over_time.png").stat().st_size > 0
    assert "waves-10min" in result.output


def test_time_limit_seed_and_iterations_override_the_policy(
    tmp_path: Path, scenario_file: Path
) -> None:
    out = tmp_path / "kpis.json"
    args = ["--time-limit", "5", "--seed", "3", "--iterations", "15"]
    code, output = run(
        str(scenario_file), "--policy", str(fast_policy(tmp_path)), "--out", str(out), *args
    )
    assert code == 0, output
    policy = json.loads(out.read_text())["policy"]
    assert (policy["wave_s"], policy["time_limit_s"], policy["seed"], policy["iterations"]) == (
        300,
        5.0,
        3,
        15,
    )
