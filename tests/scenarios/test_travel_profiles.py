"""Speed profiles in scenario files (issue 13): validation with field paths, the JSON
Schema, the defaults ``dispatch generate`` writes, and plans that honour them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dispatch import Planner
from geo.time_dependent import DEFAULT_CITY_SPEED_PROFILES, SpeedProfiles
from scenarios.generate import city_day_scenario
from scenarios.scenario_build import build_scenario
from scenarios.scenario_file import load_scenario, save_scenario
from scenarios.scenario_schema import (
    ScenarioFileError,
    default_travel,
    parse_scenario,
    scenario_json_schema,
)
from solvers import SolveParams, check


def scenario(travel: Any) -> dict[str, Any]:
    return {"version": 1, "network": {"kind": "straight_line"}, "travel": travel}


def problems_of(travel: Any) -> dict[str, str]:
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario(scenario(travel))
    return dict(caught.value.problems)


def test_valid_travel_section_builds_the_world_profiles() -> None:
    spec = parse_scenario(
        scenario(
            {
                "speed_profiles": {
                    "van": [
                        {"start": "17:00", "end": "19:30", "factor": 0.55},
                        {"start": "07:00", "end": "09:30", "factor": 0.6},
                    ],
                    "walk": [],
                }
            }
        )
    )
    world = build_scenario(spec).world
    assert world.speed_profiles.factor_at("van", 8 * 3600) == 0.6
    assert world.speed_profiles.factor_at("van", 18 * 3600 + 86_400) == 0.55
    assert world.speed_profiles.factor_at("van", 12 * 3600) == 1.0
    assert world.speed_profiles.factor_at("walk", 8 * 3600) == 1.0


@pytest.mark.parametrize(
    ("travel", "path", "rule"),
    [
        (
            {
                "speed_profiles": {
                    "e_bike": [
                        {"start": "07:00", "end": "09:30", "factor": 0.7},
                        {"start": "09:00", "end": "10:00", "factor": 0.8},
                    ]
                }
            },
            "travel.speed_profiles.e_bike[1].start",
            "overlaps period 0",
        ),
        (
            {"speed_profiles": {"van": [{"start": "07:00", "end": "09:30", "factor": 0.05}]}},
            "travel.speed_profiles.van[0].factor",
            "greater than or equal to 0.1",
        ),
        (
            {"speed_profiles": {"van": [{"start": "07:00", "end": "09:30", "factor": 2.5}]}},
            "travel.speed_profiles.van[0].factor",
            "less than or equal to 2",
        ),
        (
            {"speed_profiles": {"e_bike": [{"start": "7:00", "end": "09:30", "factor": 0.7}]}},
            "travel.speed_profiles.e_bike[0].start",
            "HH:MM",
        ),
        (
            {"speed_profiles": {"e_bike": [{"start": "07:00", "end": "25:00", "factor": 0.7}]}},
            "travel.speed_profiles.e_bike[0].end",
            "HH:MM",
        ),
        (
            {"speed_profiles": {"e_bike": [{"start": "09:30", "end": "07:00", "factor": 0.7}]}},
            "travel.speed_profiles.e_bike[0]",
            "must be after start",
        ),
        (
            {"speed_profiles": {"car": []}},
            "travel.speed_profiles.car (key)",
            "e_bike",
        ),
    ],
)
def test_bad_travel_names_the_field(travel: Any, path: str, rule: str) -> None:
    problems = problems_of(travel)
    assert path in problems, problems
    assert rule in problems[path]


def test_json_schema_has_the_travel_section() -> None:
    schema = scenario_json_schema()
    assert "travel" in schema["properties"]
    period = schema["$defs"]["SpeedPeriodSpec"]["properties"]["factor"]
    assert period["minimum"] == 0.1 and period["maximum"] == 2.0


def test_generated_scenarios_carry_the_city_defaults(tmp_path: Path) -> None:
    spec = city_day_scenario(5, blocks=6, orders=40, couriers=4)
    assert spec.travel == default_travel()
    path = tmp_path / "day.json"
    save_scenario(spec, path)
    world = load_scenario(path).world
    assert world.speed_profiles == DEFAULT_CITY_SPEED_PROFILES
    # Peaks slower for vans and e-bikes; walking unchanged.
    for name in ("van", "e_bike"):
        assert world.speed_profiles.factor_at(name, 8 * 3600) < 1.0
        assert world.speed_profiles.factor_at(name, 18 * 3600) < 1.0
        assert world.speed_profiles.factor_at(name, 3 * 3600) == 1.0
    assert world.speed_profiles.periods("walk") == ()


def test_plan_with_profiles_passes_the_checker() -> None:
    spec = city_day_scenario(5, blocks=6, orders=30, couriers=4)
    loaded = build_scenario(spec)
    orders = [o for o in loaded.orders if o.created_at_s <= 9 * 3600]
    assert orders
    plan = Planner(loaded.world, loaded.settings).plan(
        orders, at_s=9 * 3600, params=SolveParams(time_limit_s=3.0, workers=1)
    )
    assert plan.routing_runs
    assert any(run.problem.time_dependent for run in plan.routing_runs)
    for run in plan.routing_runs:
        report = check(run.problem, run.solution)
        assert report.ok, report.violations
    # The same plan's problems without profiles are static.
    static = build_scenario(spec.model_copy(update={"travel": None})).world
    assert static.speed_profiles == SpeedProfiles()
