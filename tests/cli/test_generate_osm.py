"""``dispatch generate osm FILE.osm``: a scenario from a (tiny, hand-written) map; errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from scenarios.scenario_file import load_scenario
from tests.geo.osm_samples import write_tiny_osm


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["generate", "osm", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_generate_osm_writes_a_loadable_scenario(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    osm = write_tiny_osm(tmp_path / "maps" / "tiny.osm")
    out = tmp_path / "days" / "day.json"
    out.parent.mkdir()
    code, output = run(
        str(osm),
        "--out",
        str(out),
        "--seed",
        "2",
        "--orders",
        "15",
        "--couriers",
        "2",
        "--multi-store-share",
        "0.2",
        "--next-day-share",
        "0.2",
        "--micro-warehouses",
        "1",
    )
    assert code == 0, output
    assert "5 homes, 6 stores, 3 pickup points, 1 micro-warehouses; 15 orders" in output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["network"] == {"kind": "osm", "path": "../maps/tiny.osm"}
    assert len(data["orders"]) == 15
    # The OSM file lies beside the scenario's folder: confined unless it is a data root.
    assert "--data-root" in output
    scenario = load_scenario(out, data_roots=[tmp_path / "maps"])
    assert [c.id for c in scenario.world.couriers] == ["eb001", "eb002", "van-dp1"]


def test_generate_osm_bad_input_is_one_error_line(tmp_path: Path) -> None:
    out = str(tmp_path / "day.json")
    code, output = run(str(tmp_path / "missing.osm"), "--out", out)
    assert code == 2
    assert output.startswith("error: OSM file") and "must exist" in output
    assert output.count("\n") == 1
    osm = write_tiny_osm(tmp_path / "tiny.osm")
    code, output = run(str(osm), "--out", out, "--micro-warehouses", "0")
    assert code == 2
    assert "--micro-warehouses: must be a whole number in 1..40,000, got 0" in output
    assert not Path(out).exists()
