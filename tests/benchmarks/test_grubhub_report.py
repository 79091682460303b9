"""The Grubhub benchmark report on tiny folders (no shared data needed)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.grubhub import InstanceRow, list_instances, main, means, verdicts
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


def test_means_skip_nan_and_verdicts() -> None:
    rows = [
        InstanceRow("a", {"cost_per_order": 10.0, "not_delivered_pct": 0.0}, 0, 0.1),
        InstanceRow("b", {"cost_per_order": float("nan"), "not_delivered_pct": 1.0}, 0, 0.1),
    ]
    mean = means(rows)
    assert mean == {"cost_per_order": 10.0, "not_delivered_pct": 0.5}
    assert verdicts({**mean, "click_to_door_mean_min": 34}) == {
        "not_delivered_pct": True,
        "click_to_door_mean_min": False,
        "cost_per_order": True,
    }
