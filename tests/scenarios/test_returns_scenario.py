"""Returns in scenario files: the demo's, the JSON Schema, and bad fields named by path."""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema_rs
import pytest

from scenarios.demo import demo_scenario
from scenarios.scenario_build import build_scenario
from scenarios.scenario_schema import ScenarioFileError, parse_scenario, scenario_json_schema


@functools.cache
def _demo_text() -> str:
    return demo_scenario(seed=2, blocks=4).model_dump_json(exclude_defaults=True)


def demo_json() -> dict[str, Any]:
    """A fresh copy of the small demo scenario's JSON (generated once)."""
    data: dict[str, Any] = json.loads(_demo_text())
    return data


def test_the_demo_has_returns_that_load_and_meet_the_schema() -> None:
    data = demo_json()
    assert len(data["returns"]) == 3
    validator = jsonschema_rs.validator_for(scenario_json_schema())
    assert validator.is_valid(data), list(validator.iter_errors(data))[:3]
    scenario = build_scenario(parse_scenario(data))
    assert [r.id for r in scenario.returns] == ["ret-1", "ret-2", "ret-3"]
    first = scenario.returns[0]
    assert first.building_id is not None and first.window.start_s == 10 * 3600.0


def test_bad_returns_are_named_by_path() -> None:
    data = demo_json()
    data["returns"][0]["lines"][0]["quantity"] = 0
    data["returns"][1]["window"] = {"start": "12:00", "end": "11:00"}
    with pytest.raises(ScenarioFileError) as error:
        parse_scenario(data)
    fields = {path for path, _ in error.value.problems}
    assert "returns[0 'ret-1'].lines[0].quantity" in fields
    assert "returns[1 'ret-2'].window" in fields
    data = demo_json()
    data["returns"][0]["to"] = "nowhere"
    data["returns"][2]["id"] = "ret-2"
    with pytest.raises(ScenarioFileError) as error:
        build_scenario(parse_scenario(data))
    assert {path for path, _ in error.value.problems} == {
        "returns[0 'ret-1'].to",
        "returns[2 'ret-2'].id",
    }
