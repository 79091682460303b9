"""The demo: library report and the ``dispatch demo`` command end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from dispatch import FulfilmentMode
from scenarios.demo import city_demo


def test_city_demo_report_is_deterministic_and_consistent() -> None:
    first = city_demo(seed=3, blocks=6)
    assert first.figure is not None
    assert city_demo(seed=3, blocks=6, with_map=False).figure is None
    second = city_demo(seed=3, blocks=6)
    assert [s.rows for s in first.sections] == [s.rows for s in second.sections]
    rows = {label: value for s in first.sections for label, value in s.rows}
    city = first.city
    households = sum(b.households for b in city.buildings)
    assert rows["buildings / households"] == f"{len(city.buildings):,} / {households:,}"
    assert rows["street nodes / directed segments"] == (
        f"{city.network.node_count:,} / {city.network.edge_count:,}"
    )
    assert rows["micro-warehouses"] == str(len(city.micro_warehouses))
    assert set(first.timings_s) == {
        "generate city",
        "routable graphs",
        "e-bike matrix",
        "pickup coverage",
        "isochrone",
        "map",
    }


def test_different_seeds_give_different_cities() -> None:
    a = city_demo(seed=1, blocks=5).city
    b = city_demo(seed=2, blocks=5).city
    assert [x.lonlat for x in a.buildings] != [x.lonlat for x in b.buildings]


def test_dispatch_demo_plans_all_five_flows_and_writes_the_map(tmp_path: Path) -> None:
    out = tmp_path / "maps" / "plan.png"
    plan_json = tmp_path / "plan.json"
    scenario = tmp_path / "demo-scenario.json"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--seed",
            "5",
            "--blocks",
            "6",
            "--map",
            str(out),
            "--time-limit",
            "0.3",
            "--out",
            str(plan_json),
            "--scenario-out",
            str(scenario),
            "--html",
            str(tmp_path / "plan.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    # The under-a-minute target is checked by benchmarks/test_bench_demo.py.
    assert "households within a 5-min walk" in result.output  # the city summary
    assert "Orders by flow" in result.output and "KPIs" in result.output
    for flow in FulfilmentMode:
        assert re.search(rf"{flow.value}\s+.\s+\d+\s+.\s+\d+", result.output), flow
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000
    plan = json.loads(plan_json.read_text())
    served = plan["kpis"]["served_by_flow"]
    assert set(served) == {f.value for f in FulfilmentMode}
    assert all(n >= 1 for n in served.values()), served
    assert json.loads(scenario.read_text())["name"] == "demo-5"
    # The route table and the viewer page; human output shows clock times as HH:MM.
    assert "Routes" in result.output and "load kg" in result.output
    assert not re.search(r"\b\d{2}:\d{2}:\d{2}\b", result.output)
    page = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "demo-5: plan at" in page


def test_dispatch_demo_rejects_a_bad_city_with_one_clear_line() -> None:
    result = CliRunner().invoke(app, ["demo", "--blocks", "0"])
    assert result.exit_code == 2
    assert "error:" in result.output
    assert "blocks" in result.output
    assert "Traceback" not in result.output
