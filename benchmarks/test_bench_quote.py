"""Quote latency in-process: p99 at most 5 ms per call in a city with 5,000 pickup points
and 50,000 buildings.

Run with ``./run bench`` (``pytest benchmarks --benchmark-enable``).

The city is ``generate_city(seed=11, blocks_x=92, blocks_y=91, n_pickup_points=5000)``
(six buildings a block: 50,232 buildings; 13.8 km x 13.7 km); the engine opens on an
in-memory SQLite store with 1,000 members (a quarter paid) and 200 submitted orders
(so slot and pickup-point availability is counted).  Opening builds the spatial
lookups once (its time is reported).  The timed part is 2,000 ``Engine.quote`` calls,
each timed alone (wall clock, and the thread's CPU time), on seeded random (building,
member, basket) draws: half a basket from one micro-warehouse (instant, slots, pickup
points), a quarter two shops (multi-store, pickup points), a quarter a home-service
booking (visit slots).  Each call includes the member lookup in the store.  On a machine
whose cores are all busy the wall-clock tail is the scheduler's time slices (about 4 ms
on Linux at 250 Hz), not the quote: compare ``cpu_p99_ms``.

What must hold under any load is asserted: the CPU time of the calling thread, p99 at
most 5 ms (a slower quote fails it on any machine; time spent waiting for a core does
not).  The wall-clock p99 is reported beside it (``p99_ms``): on a quiet machine the
two agree within the scheduler's tick.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

import geo
from dispatch import Courier, Engine, Member, MemberTier, OrderLine, TimeWindow, World
from geo.profiles import ProfileName

N_BUILDINGS_MIN = 50_000
N_PICKUP_POINTS = 5_000
N_MEMBERS = 1_000
N_CALLS = 2_000
TARGET_P99_S = 0.005


def _world() -> World:
    city = geo.generate_city(seed=11, blocks_x=92, blocks_y=91, n_pickup_points=N_PICKUP_POINTS)
    rng = random.Random(11)
    members = [
        Member(
            f"m{k:05d}",
            MemberTier.PAID if k % 4 == 0 else MemberTier.REGULAR,
            rng.choice(city.buildings).id,
        )
        for k in range(N_MEMBERS)
    ]
    mw = city.micro_warehouses[0]
    technicians = [
        Courier(f"t{k}", ProfileName.E_BIKE, mw.lon, mw.lat, TimeWindow(8 * 3600, 20 * 3600),
                skills=frozenset({"cleaning", "plumbing"}))
        for k in range(3)
    ]  # fmt: skip
    return World.from_city(city, technicians, members)


def _basket(rng: random.Random, world: World) -> list[OrderLine]:
    draw = rng.random()
    if draw < 0.5:
        mw = rng.choice(world.micro_warehouses)
        return [OrderLine(mw.id, "milk-1l", rng.randint(1, 3), unit_price=Decimal("12.90"))]
    if draw < 0.75:
        a, b = rng.sample(world.stores, 2)
        return [
            OrderLine(a.id, "apples-1kg", 1, unit_price=Decimal("15.80")),
            OrderLine(b.id, "bread", 2, unit_price=Decimal("9.90")),
        ]
    return [OrderLine("homeco", "tap-repair", 1, unit_price=Decimal("80.00"))]


def _run(
    engine: Engine,
    draws: list[tuple[str, list[OrderLine], str]],
    wall: list[float],
    cpu: list[float],
) -> int:
    options = 0
    for building_id, basket, member_id in draws:
        start, start_cpu = time.perf_counter(), time.thread_time()
        quote = engine.quote(building_id, basket, member_id, at_s=10 * 3600)
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
        options += len(quote.options)
    return options


def test_quote_p99_under_5_ms(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    start = time.perf_counter()
    world = _world()
    world_s = time.perf_counter() - start
    assert len(world.buildings) >= N_BUILDINGS_MIN
    assert len(world.pickup_points) == N_PICKUP_POINTS
    start = time.perf_counter()
    engine = Engine.open("sqlite://", world)
    open_s = time.perf_counter() - start
    rng = random.Random(2026)
    for k in range(200):
        member = world.members[k % N_MEMBERS]
        mw = rng.choice(world.micro_warehouses)
        engine.submit(
            {
                "id": f"seed-{k}",
                "member_id": member.id,
                "created_at_s": 9 * 3600,
                "mode": "scheduled",
                "building_id": member.home_building_id,
                "promised": {"start_s": 11 * 3600, "end_s": 11.5 * 3600},
                "lines": [{"store_id": mw.id, "sku": "rice-5kg", "quantity": 1}],
            }
        )
    draws = [
        (rng.choice(world.buildings).id, _basket(rng, world), rng.choice(world.members).id)
        for _ in range(N_CALLS)
    ]
    times: list[float] = []
    cpu: list[float] = []
    _run(engine, draws[:200], [], [])  # warm-up
    options = benchmark.pedantic(_run, args=(engine, draws, times, cpu), rounds=1, iterations=1)
    engine.close()
    ms = np.array(times) * 1000.0
    cpu_ms = np.array(cpu) * 1000.0
    info = {
        "buildings": len(world.buildings),
        "pickup_points": len(world.pickup_points),
        "calls": len(times),
        "world_build_s": round(world_s, 2),
        "engine_open_s": round(open_s, 2),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p90_ms": round(float(np.percentile(ms, 90)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
        # CPU time of the calling thread: the wall-clock tail minus time the process
        # waited for a core (on a busy machine the p99 is scheduler ticks).
        "cpu_p50_ms": round(float(np.percentile(cpu_ms, 50)), 3),
        "cpu_p99_ms": round(float(np.percentile(cpu_ms, 99)), 3),
        "mean_options": round(options / len(times), 1),
    }
    benchmark.extra_info.update(info)
    with capsys.disabled():
        print(f"\n  Engine.quote, {len(times):,} calls: {info}")
    assert options > 0
    assert info["cpu_p99_ms"] <= TARGET_P99_S * 1000.0
