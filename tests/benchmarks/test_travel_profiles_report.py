"""The rush-hour travel report (``python -m benchmarks.travel_profiles``) on a tiny day."""

from __future__ import annotations

from benchmarks.travel_profiles import run, table
from scenarios.generate import city_day_scenario
from scenarios.scenario_build import build_scenario
from solvers import SolveParams


def test_report_compares_static_and_profile_plans() -> None:
    scenario = build_scenario(city_day_scenario(5, blocks=6, orders=40, couriers=3))
    params = SolveParams(time_limit_s=20.0, workers=1, iterations=5)
    result = run(scenario, params, (9.0,))
    assert result["waves"][0]["orders"] > 0
    static, profiles = result["static"]["instant"], result["profiles"]["instant"]
    # Driven in the morning peak, the static plan's deliveries come later than planned;
    # the plan made with the profiles is exact and passes the checker with them on.
    assert static["eta_shift_min"]["max"] > 0
    assert static["eta_shift_min"]["mean"] >= 0
    assert profiles["eta_shift_min"]["max"] == 0
    assert profiles["checker_violations"] == {}
    assert static["served_tasks"] + static["unassigned_tasks"] == (
        profiles["served_tasks"] + profiles["unassigned_tasks"]
    )
    assert "profiles  instant" in table(result)
