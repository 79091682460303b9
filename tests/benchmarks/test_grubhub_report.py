"""The Grubhub benchmark report on tiny folders (no shared data needed)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.grubhub import (
    PARETO_WEIGHTS,
    TARGETS,
    InstanceRow,
    list_instances,
    main,
    means,
    pareto_point,
    verdicts,
)
from tests.scenarios.test_grubhub import write_instance


def test_report_on_two_tiny_instances(tmp_path: Path) -> None:
    data = tmp_path / "grubhub_mdrp"
    write_instance(data / "a", ["o1\t500\t300\t0\tr1\t10"], ["c1\t0\t0\t0\t120"])
    write_instance(data / "b", ["o1\t500\t300\t0\tr1\t10"], ["c1\t0\t0\t0\t5"])
    (data / "bks.csv").write_text("instance,vehicles,distance,source\n")
    assert [p.name for p in list_instances(data)] == ["a", "b"]
    out = tmp_path / "report.json"
    code = main(["--data", str(data), "--out", str(out)])
    report = json.loads(out.read_text())
    assert code == 1  # b delivers nothing: the not-delivered target is missed
    assert [row["instance"] for row in report["instances"]] == ["a", "b"]
    assert report["mean"]["not_delivered_pct"] == 50
    assert report["meets_targets"]["not_delivered_pct"] is False
    assert report["violations"] == 0
    assert report["replay_s_max_instance"] in {"a", "b"}
    assert 0 < report["replay_s_max"] <= report["replay_s_total"]
    # The Pareto table: one row per setting of the knob, the default's among them.
    weights = [p["pay_weight"] for p in report["pareto"]]
    assert weights == sorted(PARETO_WEIGHTS)
    assert report["policy"]["pay_weight"] in weights
    for point in report["pareto"]:
        assert point["not_delivered_pct"] == 50  # b delivers nothing whatever the knob
        assert point["meets_targets"] is False
    out2 = tmp_path / "no_pareto.json"
    # a alone: delivered, but one order pays a two-hour shift (cost 30 per order).
    assert main(["--data", str(data), "--out", str(out2), "--pareto", "--limit", "1"]) == 1
    assert json.loads(out2.read_text())["pareto"] == []


def test_issue_targets() -> None:
    assert TARGETS == {
        "not_delivered_pct": 0.25,
        "click_to_door_mean_min": 32.0,
        "cost_per_order": 11.0,
    }


def test_pareto_point_meets_targets_only_without_violations() -> None:
    good = {"not_delivered_pct": 0.1, "click_to_door_mean_min": 31.0, "cost_per_order": 10.5}
    assert pareto_point(0.3, [InstanceRow("a", good, 0, 1.0)]).meets_targets
    assert not pareto_point(0.3, [InstanceRow("a", good, 1, 1.0)]).meets_targets
    slow = {**good, "click_to_door_mean_min": 32.5}
    assert not pareto_point(0.3, [InstanceRow("a", slow, 0, 1.0)]).meets_targets


def test_means_skip_nan_and_verdicts() -> None:
    rows = [
        InstanceRow("a", {"cost_per_order": 10.0, "not_delivered_pct": 0.0}, 0, 0.1),
        InstanceRow("b", {"cost_per_order": float("nan"), "not_delivered_pct": 0.4}, 0, 0.1),
    ]
    mean = means(rows)
    assert mean == {"cost_per_order": 10.0, "not_delivered_pct": 0.2}
    assert verdicts({**mean, "click_to_door_mean_min": 34}) == {
        "not_delivered_pct": True,
        "click_to_door_mean_min": False,
        "cost_per_order": True,
    }
