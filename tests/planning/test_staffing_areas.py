"""From forecast to plan on a small generated city: shifts cover the target (checked from
the shifts alone), stock follows the forecast, the forecast day replays with the shifts;
and the service areas as GeoJSON."""

from __future__ import annotations

import pytest
import shapely
import shapely.geometry

from dispatch.planning.service_areas import service_areas_geojson
from dispatch.planning.staffing import plan_shifts, stock_plan, warehouse_throughput
from dispatch.settings import PlannerSettings
from scenarios.generate import city_day_scenario
from scenarios.replay import ReplayPolicy
from scenarios.scenario_build import Scenario, build_scenario
from scenarios.staffing_day import forecast_day_scenario, replay_staffing, units_per_order
from solvers.staffing import check_staffing

# Instant orders per hour at one warehouse: quiet night, lunch and evening peaks.
DAY = [0.1] * 7 + [1, 2, 1.5, 1.5, 3, 4, 2.5, 1, 1, 1.5, 2.5, 5, 4.5, 2, 1, 0.5, 0.2]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build_scenario(city_day_scenario(4, blocks=4, orders=30, couriers=2))


def test_shifts_cover_the_target_and_stock_follows_the_forecast(scenario: Scenario) -> None:
    throughput = warehouse_throughput(scenario.world)
    (wid,) = throughput  # a 4x4 city has one micro-warehouse
    assert 1.0 < throughput[wid] < 30.0
    shifts = plan_shifts({wid: DAY}, throughput, target_share=0.9, time_limit_s=10.0)
    w = shifts[wid]
    assert check_staffing(w.problem, w.staffing) == []
    assert w.staffing.served >= 0.9 * sum(DAY) - 1e-6
    assert all(4 <= s.length_h <= 8 and s.start_h >= 7 and s.end_h <= 23 for s in w.staffing.shifts)
    assert w.staffing.courier_hours <= w.naive.courier_hours
    mix = units_per_order(scenario.spec, scenario.world)
    assert mix and all(u > 0 for _, u in mix.values())
    stock = stock_plan({wid: sum(DAY)}, mix)[wid]
    assert sum(stock["by_sku"].values()) == pytest.approx(
        sum(DAY) * sum(u for _, u in mix.values()), rel=1e-3
    )
    assert set(stock["by_category"]) <= {"ambient", "chilled", "frozen"}


def test_forecast_day_replays_with_the_shifts(scenario: Scenario) -> None:
    (wid,) = [m.id for m in scenario.world.micro_warehouses]
    small = [v / 2 for v in DAY]
    shifts = plan_shifts({wid: small}, {wid: 3.0}, target_share=0.9, time_limit_s=5.0)
    spec = forecast_day_scenario(
        scenario.spec, scenario.world, {wid: small}, {wid: shifts[wid].staffing.shifts}, seed=1
    )
    assert spec.orders and all(o.mode == "instant" for o in spec.orders)
    hours = sum(c.shift.end_s - c.shift.start_s for c in spec.couriers) / 3600
    assert hours == shifts[wid].staffing.courier_hours
    result = replay_staffing(
        "model",
        spec,
        base_dir=None,
        policy=ReplayPolicy(wave_s=300.0, time_limit_s=1.0, iterations=30),
    )
    k = result.replay.kpis
    assert k["orders_total"] == len(spec.orders)
    assert 0.0 <= result.promise_kept_pct <= 100.0
    assert k["delivered"] > 0


def test_service_areas_geojson(scenario: Scenario) -> None:
    collection = service_areas_geojson(scenario.world, PlannerSettings())
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds.count("micro_warehouse_ride") == len(scenario.world.micro_warehouses)
    assert kinds.count("pickup_point_walk") == len(scenario.world.pickup_points)
    for f in collection["features"]:
        geom = shapely.geometry.shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
        lon, lat = scenario.world.place(f["properties"]["id"]).lonlat
        assert geom.buffer(1e-4).contains(shapely.Point(lon, lat))
        minx, miny, maxx, maxy = geom.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        assert f["properties"]["area_km2"] > 0
    ride = next(
        f for f in collection["features"] if f["properties"]["kind"] == "micro_warehouse_ride"
    )
    walk = next(f for f in collection["features"] if f["properties"]["kind"] == "pickup_point_walk")
    assert ride["properties"]["area_km2"] > walk["properties"]["area_km2"]
