"""The service load command, briefly: a real server, two clients, one second."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.service_load import main


def test_short_load_has_no_errors_and_loses_no_order(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    code = main(["--clients", "2", "--duration-s", "1", "--blocks", "6", "--out", str(out)])
    report = json.loads(out.read_text())
    assert code == 0
    assert report["errors"] == 0
    assert report["quotes"] > 0
    assert report["acknowledged_orders"] > 0
    assert report["missing_from_store"] == 0
    assert report["orders_in_store"] == report["acknowledged_orders"]
    assert report["quote_ms"]["p99"] >= report["quote_ms"]["p50"] > 0
