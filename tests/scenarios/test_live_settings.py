"""``settings.live`` (live re-planning of instant orders) through the scenario file, its
JSON Schema, the Engine's stored settings and field-path errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.engine import _settings_from_json, _settings_json
from dispatch.settings import LiveInstant, LiveSettings, PlannerSettings
from scenarios.scenario_build import build_scenario
from scenarios.scenario_file import load_scenario, read_scenario_file, save_scenario
from scenarios.scenario_schema import parse_scenario, scenario_json_schema
from solvers.errors import InvalidInputError
from tests.scenarios.scenario_data import straight_line_scenario


def test_live_setting_round_trips_through_the_scenario_file(tmp_path: Path) -> None:
    data = straight_line_scenario()
    data["settings"]["live"] = {"instant": "dispatcher", "max_bundle": 4}
    scenario = build_scenario(parse_scenario(data))
    assert scenario.settings.live == LiveSettings(LiveInstant.DISPATCHER, 4)
    path = tmp_path / "day.json"
    save_scenario(parse_scenario(data), path)
    assert json.loads(path.read_text())["settings"]["live"] == {
        "instant": "dispatcher",
        "max_bundle": 4,
    }
    again = load_scenario(path, read_scenario_file(path))
    assert again.settings.live == scenario.settings.live
    data["settings"]["live"] = {"instant": "routing"}
    routing = build_scenario(parse_scenario(data)).settings.live
    assert routing == LiveSettings(LiveInstant.ROUTING, LiveSettings().max_bundle)
    del data["settings"]["live"]
    assert build_scenario(parse_scenario(data)).settings.live == LiveSettings()


@pytest.mark.parametrize(
    ("live", "path"),
    [
        ({"instant": "teleport"}, r"settings\.live\.instant"),
        ({"max_bundle": 9}, r"settings\.live\.max_bundle: must be less than or equal to 6"),
        ({"bundle": 2}, r"settings\.live\.bundle: is not a known field"),
    ],
)
def test_bad_live_setting_names_its_field(live: dict[str, object], path: str) -> None:
    data = straight_line_scenario()
    data["settings"]["live"] = live
    with pytest.raises(InvalidInputError, match=path):
        build_scenario(parse_scenario(data))


def test_live_setting_is_in_the_json_schema() -> None:
    text = json.dumps(scenario_json_schema())
    assert '"dispatcher"' in text and '"routing"' in text and "max_bundle" in text


def test_engine_stores_the_live_setting() -> None:
    settings = PlannerSettings(live=LiveSettings(LiveInstant.DISPATCHER, 2))
    stored = json.loads(json.dumps(_settings_json(settings)))
    assert _settings_from_json(stored) == settings
    del stored["live"]  # settings stored before the live setting: its default
    assert _settings_from_json(stored).live == LiveSettings()
