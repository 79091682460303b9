"""The wave generator (issue 11): every order known at the plan time, the five flows in
their shares, a city that grows with the micro-warehouses, a fleet split by work,
deterministic by seed, valid by the scenario schema, memory linear in the orders."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from core.limits import MAX_ORDERS, MAX_WAVE_WAREHOUSES
from core.memory import TracedPeak
from dispatch.domain import FulfilmentMode
from scenarios.generate import city_day_scenario
from scenarios.scenario_file import load_scenario, save_scenario
from scenarios.wave import (
    ORDERS_PER_COURIER,
    WAVE_AT_S,
    WAVE_SHARES,
    wave_blocks,
    wave_fleet_size,
    wave_flow_counts,
    wave_scenario,
)
from solvers.errors import InvalidInputError


def test_same_seed_same_wave() -> None:
    a = wave_scenario(3, orders=120, warehouses=2)
    assert a == wave_scenario(3, orders=120, warehouses=2)
    assert a != wave_scenario(4, orders=120, warehouses=2)


def test_flows_in_their_shares_all_known_at_the_plan_time(tmp_path: Path) -> None:
    spec = wave_scenario(5, orders=400, warehouses=3)
    modes = Counter(o.mode for o in spec.orders)
    assert modes == Counter(wave_flow_counts(400))
    for flow, share in WAVE_SHARES.items():
        assert abs(modes[flow] - share * 400) < 1
    assert spec.at == WAVE_AT_S
    assert all(o.created_at_s < WAVE_AT_S for o in spec.orders)
    assert len({o.id for o in spec.orders}) == 400
    # Valid by the scenario schema, and the world knows every place the orders name.
    path = tmp_path / "wave.json"
    save_scenario(spec, path)
    loaded = load_scenario(path)
    assert len(loaded.orders) == 400
    assert len(loaded.world.micro_warehouses) == 3
    # Every home-service skill has a technician who has it.
    skills = {s for c in spec.couriers for s in c.skills}
    assert {s for o in spec.orders for s in o.required_skills} <= skills


def test_city_grows_with_the_warehouses() -> None:
    assert wave_blocks(1) == 10
    assert wave_blocks(20) == math.ceil(math.sqrt(1000)) == 32
    spec = wave_scenario(1, orders=30, warehouses=20)
    network = spec.network
    assert network.kind == "generated"
    assert (network.blocks_x, network.blocks_y, network.n_micro_warehouses) == (32, 32, 20)


def test_fleet_split_by_work() -> None:
    counts = wave_flow_counts(10_000)
    assert sum(counts.values()) == 10_000
    assert wave_fleet_size(10_000) == sum(
        math.ceil(n / ORDERS_PER_COURIER[f]) for f, n in counts.items()
    )
    spec = wave_scenario(2, orders=300, couriers=40, warehouses=2)
    assert len(spec.couriers) == 40
    by_flow = Counter(
        next(s for s in c.skills if s in {f.value for f in FulfilmentMode}) for c in spec.couriers
    )
    assert set(by_flow) == {f.value for f in FulfilmentMode}
    assert by_flow["scheduled"] >= 1 and by_flow["next_day_pickup"] >= 1
    # Without a count, the estimated fleet.
    assert len(wave_scenario(2, orders=300, warehouses=2).couriers) == wave_fleet_size(300)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"orders": 0}, "orders"),
        ({"orders": MAX_ORDERS + 1}, "orders"),
        ({"warehouses": 0}, "warehouses"),
        ({"warehouses": MAX_WAVE_WAREHOUSES + 1}, "warehouses"),
        ({"orders": 100, "couriers": 3}, "couriers"),
    ],
)
def test_bounds_are_clear_errors(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        wave_scenario(1, **kwargs)


def test_memory_grows_linearly_with_the_orders() -> None:
    # Same city (the warehouses fix it), four times the orders: an order x order (or
    # order x building) table would make the peak grow sixteenfold, not about fourfold.
    wave_scenario(9, orders=50, warehouses=2)  # imports and caches outside the count
    with TracedPeak() as small:
        wave_scenario(9, orders=500, warehouses=2)
    with TracedPeak() as large:
        wave_scenario(9, orders=2000, warehouses=2)
    assert large.peak_bytes < 5 * small.peak_bytes


def test_city_day_grows_with_warehouses() -> None:
    spec = city_day_scenario(3, orders=40, couriers=4, warehouses=8)
    network = spec.network
    assert network.kind == "generated"
    assert network.blocks_x == wave_blocks(8) and network.n_micro_warehouses == 8
    assert len({c.at for c in spec.couriers if c.profile == "e_bike"}) == 4
    with pytest.raises(InvalidInputError, match="warehouses"):
        city_day_scenario(3, orders=40, couriers=4, warehouses=0)


def test_a_short_fleet_gives_the_trunk_vans_their_whole_estimate_first() -> None:
    counts = wave_flow_counts(10_000)
    spec = wave_scenario(2, orders=2000, couriers=60, warehouses=4)
    by_flow = Counter(
        next(s for s in c.skills if s in {f.value for f in FulfilmentMode}) for c in spec.couriers
    )
    assert len(spec.couriers) == 60
    two_k = wave_flow_counts(2000)
    vans = math.ceil(
        two_k[FulfilmentMode.NEXT_DAY_PICKUP] / ORDERS_PER_COURIER[FulfilmentMode.NEXT_DAY_PICKUP]
    )
    assert by_flow["next_day_pickup"] == vans
    assert all(by_flow[f.value] >= 1 for f in counts)
    # Too few couriers to give the vans their estimate and the others one each: shared.
    tiny = wave_scenario(2, orders=2000, couriers=8, warehouses=4)
    assert len(tiny.couriers) == 8
