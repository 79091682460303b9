"""The scale report's harness (`python -m benchmarks.scale`) on a tiny wave: a child
`dispatch plan`, its wall time and peak memory, the plan file checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.scale import (
    PlanRow,
    check_plan_file,
    compare_rows,
    main,
    scaled_fleet,
    without_timings,
)


def test_scaled_fleet_follows_the_reference_wave() -> None:
    assert scaled_fleet(10_000) == (300, 20)
    assert scaled_fleet(1000) == (30, 2)
    assert scaled_fleet(50) == (5, 1)


def test_report_plans_a_tiny_wave(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scale.json"
    code = main(
        ["--sizes", "50", "--time-limit", "1", "--workdir", str(tmp_path), "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "peak MB" in printed and "routed %" in printed
    (row,) = json.loads(out.read_text())["waves"]
    assert row["ok"] and row["orders"] == 50
    assert row["routed"] + sum(row["unassigned_by_reason"].values()) == 50
    assert row["peak_mb"] > 30 and row["wall_s"] > 0


def test_plan_file_check_finds_a_missing_order(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    plan = {
        "at_s": 36000.0, "routes": [], "pickup_assignments": [], "pick_lists": [],
        "commissions": [],
        "unassigned": [{"order_id": "o1", "flow": "instant", "reason": "no_courier",
                        "detail": "no courier"}],
        "kpis": {"orders_total": 2, "orders_served": 0, "orders_unassigned": 1,
                 "on_time_pct": None, "distance_km": 0.0, "courier_hours": 0.0,
                 "route_cost": 0.0, "cost_per_order": None, "mean_walk_m": None,
                 "pickup_utilisation": {}, "served_by_flow": {}, "total_by_flow": {}},
    }  # fmt: skip
    path.write_text(json.dumps(plan))
    served, reasons, _ = check_plan_file(path, ["o1"])
    assert served == 0 and reasons == {"no_courier": 1}
    with pytest.raises(ValueError, match="missing"):
        check_plan_file(path, ["o1", "o2"])


def test_timings_are_left_out_and_ratios_computed() -> None:
    data = {"parts": [{"part": "mw0", "solve_s": 1.5, "cost": 3.0}], "at_s": 36000.0}
    assert without_timings(data) == {"parts": [{"part": "mw0", "cost": 3.0}], "at_s": 36000.0}
    short = PlanRow(2000, 60, 4, 30.0, 1.0, 40.0, 500.0, True, routed=1990, route_cost=103.0)
    long = PlanRow(2000, 60, 4, 300.0, 1.0, 310.0, 900.0, True, routed=2000, route_cost=100.0)
    short.cost_per_order, long.cost_per_order = 0.0515, 0.05
    ratios = compare_rows(short, long)
    assert ratios["route_cost_ratio"] == pytest.approx(1.03)
    assert ratios["cost_per_order_ratio"] == pytest.approx(1.03)
    assert ratios["routed_short"] == 1990
