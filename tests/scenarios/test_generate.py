"""The day generator: deterministic by seed, a daily profile with peaks, a mix of flows."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from scenarios.generate import city_day_scenario, order_times_s
from scenarios.scenario_build import build_scenario
from solvers.errors import InvalidInputError


def test_same_seed_same_day() -> None:
    a = city_day_scenario(5, blocks=6, orders=40, couriers=4)
    b = city_day_scenario(5, blocks=6, orders=40, couriers=4)
    assert a == b
    assert a != city_day_scenario(6, blocks=6, orders=40, couriers=4)


def test_mix_of_flows_and_valid_scenario() -> None:
    spec = city_day_scenario(
        5, blocks=6, orders=200, couriers=4, multi_store_share=0.2, next_day_share=0.2
    )
    modes = Counter(o.mode.value for o in spec.orders)
    assert len(spec.orders) == 200
    assert modes["instant"] > modes["multi_store"] > 10
    assert modes["next_day_pickup"] > 10
    scenario = build_scenario(spec)
    assert len(scenario.orders) == 200


def test_daily_profile_has_three_peaks() -> None:
    times_h = np.array(order_times_s(np.random.default_rng(1), 5000, 7.0, 21.0)) / 3600.0
    assert times_h.min() >= 7.0 and times_h.max() < 21.0
    counts, _ = np.histogram(times_h, bins=np.arange(7.0, 21.5, 1.0))
    by_hour = dict(zip(range(7, 21), counts.tolist(), strict=True))
    assert by_hour[12] > by_hour[10] and by_hour[12] > by_hour[15]
    assert by_hour[18] > by_hour[15]
    assert by_hour[8] > by_hour[10]


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInputError, match="add up to at most 1"):
        city_day_scenario(1, multi_store_share=0.6, next_day_share=0.6)
    with pytest.raises(InvalidInputError, match="must be >= 1"):
        city_day_scenario(1, orders=0)


def test_vans_scale_with_the_next_day_orders() -> None:
    small = city_day_scenario(5, blocks=6, orders=40, couriers=4)
    vans = [c for c in small.couriers if c.profile.value == "van"]
    assert [c.id for c in vans] == [f"van-{c.at}" for c in vans]  # one per depot
    big = city_day_scenario(5, blocks=6, orders=2000, couriers=4, next_day_share=0.3)
    next_day = sum(1 for o in big.orders if o.mode.value == "next_day_pickup")
    depots = {c.at for c in vans}
    big_vans = [c for c in big.couriers if c.profile.value == "van"]
    assert len(big_vans) == len(depots) * -(-next_day // (150 * len(depots)))
    assert len(big_vans) > len(vans)
    assert len({c.id for c in big_vans}) == len(big_vans)
