"""Forecasts on generated history with known seasonality beat the seasonal-naive baseline;
hourly series and the history CSV round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from dispatch.planning.demand import ForecastKey, history_key, hourly_series
from dispatch.world import World
from geo.citygen import CitySpec, generate_city
from scenarios.history import WEEKLY_FACTORS, generate_history
from scenarios.planning_files import read_history, write_history
from solvers.errors import InvalidInputError
from solvers.forecast import BASELINE, WEEK_H, forecast_counts, mase


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_city(generate_city(CitySpec(seed=5, blocks_x=4, blocks_y=4)))


def test_history_has_the_known_seasonality_and_round_trips(world: World, tmp_path: Path) -> None:
    rows = generate_history(world, weeks=4, seed=1, orders_per_day=200.0, weekly_growth=1.0)
    assert rows[0].created_at >= dt.datetime(2026, 1, 5)
    by_weekday = np.zeros(7)
    by_hour = np.zeros(24)
    for r in rows:
        by_weekday[r.created_at.weekday()] += 1
        by_hour[r.created_at.hour] += 1
    # Saturday is the busiest day and Monday below it, as WEEKLY_FACTORS says.
    assert int(np.argmax(by_weekday)) == int(np.argmax(WEEKLY_FACTORS)) == 5
    assert by_weekday[5] > 1.2 * by_weekday[0]
    # Lunch and evening peaks dwarf the night.
    assert by_hour[12] > 5 * by_hour[3] and by_hour[18] > 5 * by_hour[3]
    path = tmp_path / "history.csv"
    write_history(path, rows)
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "order_id,created_at,building_id,warehouse_id,mode"
    )
    back = read_history(path)
    assert [(r.order_id, r.building_id, r.mode) for r in back] == [
        (r.order_id, r.building_id, r.mode) for r in rows
    ]
    start, series = hourly_series(back, history_key(ForecastKey.WAREHOUSE))
    assert start == dt.datetime(2026, 1, 5)
    assert sum(float(s.sum()) for s in series.values()) == len(rows)
    assert all(s.size == 4 * WEEK_H for s in series.values())
    cells = hourly_series(back, history_key(ForecastKey.CELL, world))[1]
    assert all(k.startswith("cell-") for k in cells)


def test_forecast_beats_seasonal_naive_on_generated_history(world: World) -> None:
    rows = generate_history(world, weeks=4, seed=2, orders_per_day=400.0)
    _, series = hourly_series(rows, history_key(ForecastKey.WAREHOUSE))
    result = forecast_counts(series, horizon_h=48)
    assert set(result.mase) == {"seasonal_naive", "mstl", "auto_ets"}
    assert result.method != BASELINE
    assert result.mase[result.method] < result.mase[BASELINE]
    assert all(v.shape == (48,) and (v >= 0).all() for v in result.forecast.values())


def test_mase_and_bad_input() -> None:
    train = np.tile(np.arange(WEEK_H, dtype=float), 2) + np.repeat([0.0, 1.0], WEEK_H)
    assert mase(np.ones(3), np.zeros(3), train) == pytest.approx(1.0)
    assert mase(np.ones(3), np.ones(3), np.zeros(2 * WEEK_H)) is None
    with pytest.raises(InvalidInputError, match="at least"):
        forecast_counts({"a": np.ones(100)}, horizon_h=24)
    with pytest.raises(InvalidInputError, match="unknown method"):
        forecast_counts({"a": np.ones(600)}, horizon_h=24, methods=("prophet",))
