"""The day-replay benchmark command on a tiny generated day."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.day_replay import main


def test_tiny_day_within_budget(tmp_path: Path) -> None:
    out = tmp_path / "day.json"
    args = ["--orders", "20", "--couriers", "2", "--blocks", "6", "--wave-s", "300"]
    code = main([*args, "--budget-s", "300", "--out", str(out)])
    result = json.loads(out.read_text())
    assert code == 0
    assert result["within_budget"] is True
    kpis = result["kpis"]
    assert kpis["orders_total"] == 20
    assert kpis["delivered"] + kpis["collected"] + kpis["unassigned"] == 20
