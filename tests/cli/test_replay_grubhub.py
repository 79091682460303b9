"""``dispatch replay`` on a Grubhub MDRP folder: kpis.json, clear errors, Ctrl-C."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from cli import app
from scenarios.grubhub import GrubhubInstance
from scenarios.grubhub_dispatcher import GrubhubPolicy
from scenarios.grubhub_outcome import GrubhubReplay
from scenarios.grubhub_sim import replay_grubhub
from tests.scenarios.test_grubhub import write_instance


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["replay", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def tiny(tmp_path: Path) -> Path:
    return write_instance(
        tmp_path / "tiny",
        ["o1\t500\t300\t0\tr1\t10", "o2\t500\t1050\t30\tr1\t40"],
        ["c1\t0\t0\t0\t120"],
    )


def test_replay_writes_kpis(tmp_path: Path) -> None:
    out = tmp_path / "out" / "kpis.json"
    code, output = run(str(tiny(tmp_path)), "--out", str(out))
    assert code == 0, output
    data = json.loads(out.read_text())
    kpis = data["kpis"]
    assert (kpis["orders_total"], kpis["delivered"], kpis["collected"]) == (2, 2, 0)
    assert (kpis["unassigned"], kpis["late"]) == (0, 0)
    assert kpis["click_to_door_mean_min"] == 21
    assert kpis["cost_per_order"] == 15
    assert data["complete"] is True
    assert data["violations"] == []
    assert "cost per order" in output


def test_replay_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"wave_min": 2, "max_bundle": 1}))
    out = tmp_path / "kpis.json"
    code, output = run(str(tiny(tmp_path)), "--policy", str(policy), "--out", str(out))
    assert code == 0, output
    assert json.loads(out.read_text())["policy"]["max_bundle"] == 1


def test_replay_bad_input_is_one_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"wave_min": "soon", "colour": 3}))
    code, output = run(str(tiny(tmp_path)), "--policy", str(policy), "--out", str(tmp_path / "k"))
    assert code == 2
    assert "wave_min: must be a number" in output
    assert "colour: unknown field" in output
    folder = tiny(tmp_path)
    (folder / "orders.txt").write_text("order\tx\n")
    code, output = run(str(folder), "--out", str(tmp_path / "k.json"))
    assert code == 2
    assert "orders.txt:1: header must be" in output


def test_ctrl_c_leaves_partial_kpis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(
        instance: GrubhubInstance, policy: GrubhubPolicy, *, progress: object
    ) -> GrubhubReplay:
        def stop(now_min: float, last_min: float) -> None:
            if now_min >= 31:
                raise KeyboardInterrupt

        return replay_grubhub(instance, policy, progress=stop)

    monkeypatch.setattr(cli, "replay_grubhub", interrupted)
    out = tmp_path / "kpis.json"
    code, _ = run(str(tiny(tmp_path)), "--out", str(out))
    assert code == 130
    data = json.loads(out.read_text())
    assert data["complete"] is False
    assert (data["kpis"]["delivered"], data["kpis"]["unassigned"]) == (1, 1)
    assert data["unassigned"][0]["reason"] == "interrupted"


def test_compare_two_policies_writes_plots(tmp_path: Path) -> None:
    a = tmp_path / "bundle.json"
    a.write_text(json.dumps({"max_bundle": 3}))
    b = tmp_path / "single.json"
    b.write_text(json.dumps({"max_bundle": 1, "wave_min": 2}))
    plots = tmp_path / "plots"
    out = tmp_path / "compare.json"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            str(tiny(tmp_path)),
            "--policy",
            str(a),
            "--policy",
            str(b),
            "--plots",
            str(plots),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in plots.iterdir()) == [
        "click_to_door.png",
        "orders_over_time.png",
        "utilisation.png",
    ]
    data = json.loads(out.read_text())
    assert set(data) == {"bundle", "single"}
    assert data["single"]["delivered"] == 2
    assert "click_to_door_mean_min" in result.output


def test_compare_needs_two_policies(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text("{}")
    result = CliRunner().invoke(app, ["compare", str(tiny(tmp_path)), "--policy", str(a)])
    assert result.exit_code == 2
    assert "at least two" in result.output
