"""Quotes that know the fleet (issue 13): the instant ETA rides the planner's network and
waits for the zone's couriers when they have committed work."""

from __future__ import annotations

import pytest

import geo
from dispatch import Engine, FulfilmentMode, Member, World
from dispatch.quote_fleet import FleetLoad
from dispatch.quotes import Quoter
from geo.profiles import ProfileName
from tests.dispatch.engine_helpers import instant_payload, small_world
from tests.dispatch.helpers import H, line


def test_instant_eta_uses_the_planners_road_network() -> None:
    city = geo.generate_city(seed=3, blocks_x=4, blocks_y=4)
    world = World.from_city(city)
    quoter = Quoter(world)
    mw = world.micro_warehouses[0]
    member = Member("m")
    margin = quoter.quote_settings.eta_margin_s
    checked = 0
    for building in world.buildings[:: max(1, len(world.buildings) // 15)]:
        options = quoter.quote(building.id, [line(mw.id, "milk")], member, at_s=10 * H).of(
            FulfilmentMode.INSTANT
        )
        if not options:  # outside the instant radius
            continue
        (instant,) = options
        ride = float(world.travel(ProfileName.E_BIKE, [mw], [building]).duration_s[0, 0])
        expected = 10 * H + mw.pick_duration_s + quoter.settings.pickup_service_s + ride + margin
        assert instant.eta_s == pytest.approx(expected, abs=0.5)
        checked += 1
    assert checked >= 5


def test_committed_work_delays_the_instant_eta() -> None:
    world = small_world()  # two e-bike riders at mw1, on shift 08:00-20:00
    quoter = Quoter(world)
    member = world.members[0]
    basket = [line("mw1", "milk")]

    def eta(committed: int, at_s: float = 10 * H) -> float:
        (instant,) = quoter.quote(
            "b1", basket, member, at_s=at_s, load=FleetLoad({"mw1": committed})
        ).of(FulfilmentMode.INSTANT)
        assert instant.eta_s is not None
        return instant.eta_s

    idle = eta(0)
    assert eta(3) == idle  # 2 riders x 2 orders a trip: the fourth order waits
    # One trip: twice the median ride within the radius (b1 400 m, b2 1,000 m: 700 m at
    # 5 m/s) plus a pickup and a drop-off; it replaces the 180 s of picking.
    trip = 2 * 700 / 5.0 + 2 * quoter.settings.pickup_service_s
    assert eta(4) == pytest.approx(idle + trip - 180.0, abs=1.0)
    assert eta(8) == pytest.approx(idle + 2 * trip - 180.0, abs=1.0)
    # No rider on shift in any zone: the wait is unknown, not invented.
    assert eta(8, at_s=22 * H) - 22 * H == pytest.approx(idle - 10 * H, abs=1.0)


def test_engine_quotes_count_the_submitted_orders() -> None:
    world = small_world()
    with Engine.open("sqlite://", world, clock=lambda: 10 * H) as engine:
        basket = [line("mw1", "milk")]
        (before,) = engine.quote("b1", basket, "m1").of(FulfilmentMode.INSTANT)
        for k in range(4):
            payload = instant_payload(f"o{k}")
            payload["created_at_s"] = 10 * H - 60
            engine.submit(payload)
        (after,) = engine.quote("b1", basket, "m1").of(FulfilmentMode.INSTANT)
        assert before.eta_s is not None and after.eta_s is not None
        assert after.eta_s > before.eta_s + 60
        # Cancelled orders are no longer committed work.
        for k in range(4):
            engine.cancel(f"o{k}")
        (again,) = engine.quote("b1", basket, "m1").of(FulfilmentMode.INSTANT)
        assert again.eta_s == pytest.approx(before.eta_s)
