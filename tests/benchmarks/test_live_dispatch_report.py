"""The live-dispatch report command on a tiny generated day: both settings, one table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.live_dispatch import main


def test_tiny_day_both_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rows.json"
    args = ["--orders", "20", "--couriers", "2", "--blocks", "6", "--iterations", "20"]
    assert main([*args, "--time-limit", "0.3", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert list(rows) == ["dispatcher", "routing"]
    for row in rows.values():
        assert row["same_day_orders"] > 0
        assert 0 <= row["delivered_pct"] <= 100
        assert row["km"] >= 0 and row["wall_s"] > 0
    printed = capsys.readouterr().out
    assert "| dispatcher |" in printed and "| routing |" in printed
