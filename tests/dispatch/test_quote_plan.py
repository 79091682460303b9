"""Quotes that predict the plan (issue 13): the couriers' free times, the ride at the
time-of-day speed, the latest plan's delays per source, and the calibrated margin."""

from __future__ import annotations

import dataclasses

import pytest

from dispatch import Engine, FulfilmentMode
from dispatch.domain import Order
from dispatch.payloads import parse_order
from dispatch.quote_fleet import LEAD_WINDOW_S, FleetLoad, PlanLeads, QuoteCalibration
from dispatch.quotes import Quoter, QuoteSettings
from geo.profiles import ProfileName
from geo.time_dependent import SpeedPeriod, SpeedProfiles
from solvers import SolveParams
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import instant_payload, small_world
from tests.dispatch.helpers import H, line


def _eta(quoter: Quoter, at_s: float, load: FleetLoad | None = None) -> float:
    (instant,) = quoter.quote(
        "b1", [line("mw1", "milk")], small_world().members[0], at_s=at_s, load=load
    ).of(FulfilmentMode.INSTANT)
    assert instant.eta_s is not None
    return instant.eta_s


def test_couriers_busy_in_the_plan_delay_the_quote_until_they_are_free() -> None:
    quoter = Quoter(small_world())  # riders c1, c2 at mw1; picking takes 180 s
    at = 10 * H
    idle = _eta(quoter, at, FleetLoad({"mw1": 0}))
    # One rider still free now: no wait.
    assert _eta(quoter, at, FleetLoad({"mw1": 0}, {"c1": at + 1200})) == pytest.approx(idle)
    # Both busy for 20 minutes: the first is free then, and rides back (half a trip).
    trip = 2 * 700 / 5.0 + 2 * quoter.settings.pickup_service_s
    busy = FleetLoad({"mw1": 0}, {"c1": at + 1200, "c2": at + 1500})
    assert _eta(quoter, at, busy) == pytest.approx(idle + 1200 + trip / 2 - 180.0, abs=1.0)
    # A queued order ahead: the second rider (free at +1500) takes this one.
    queued = FleetLoad({"mw1": 2}, {"c1": at + 1200, "c2": at + 1500})
    assert _eta(quoter, at, queued) == pytest.approx(idle + 1500 + trip / 2 - 180.0, abs=1.0)


def test_the_ride_follows_the_time_of_day_speed() -> None:
    slow = SpeedProfiles({ProfileName.E_BIKE: (SpeedPeriod(9 * H, 13 * H, 0.5),)})
    world = dataclasses.replace(small_world(), speed_profiles=slow)
    free_flow = Quoter(small_world())
    quoter = Quoter(world)
    ride = 400 / 5.0  # b1 is 400 m from mw1 at 5 m/s (18 km/h, detour 1)
    assert _eta(quoter, 10 * H) - _eta(free_flow, 10 * H) == pytest.approx(ride, abs=1.0)
    assert _eta(quoter, 15 * H) == pytest.approx(_eta(free_flow, 15 * H))


def test_the_plans_delay_of_recent_orders_holds_the_quote_back() -> None:
    quoter = Quoter(small_world())
    leads = PlanLeads()
    at = 10 * H
    created = at - 300.0
    idle_then = quoter.idle_door_s("mw1", "b1", created)
    # The plan brings the order 15 minutes later than an idle rider would.
    orders = [_payload_order("o1", created), _payload_order("old", at - LEAD_WINDOW_S - 60)]
    leads.update_from({"o1": idle_then + 900.0, "old": at + 5000.0}, orders, quoter.idle_door_s)
    assert leads.delay_s("mw1", at) == pytest.approx(900.0)  # "old" is out of the window
    assert leads.delay_s("st1", at) == 0.0
    margin = quoter.quote_settings.eta_margin_s
    held = _eta(quoter, at, FleetLoad({"mw1": 0}, delay_s={"mw1": leads.delay_s("mw1", at)}))
    assert held == pytest.approx(quoter.idle_door_s("mw1", "b1", at) + 900.0 + margin)
    assert held > _eta(quoter, at, FleetLoad({"mw1": 0})) + 800.0


def _payload_order(order_id: str, created_s: float) -> Order:
    return parse_order({**instant_payload(order_id), "created_at_s": created_s})


def test_the_engine_learns_the_delays_of_its_plans() -> None:
    world = small_world()
    with Engine.open("sqlite://", world, clock=lambda: 10 * H) as engine:
        payload = instant_payload("o1")
        payload["created_at_s"] = 10 * H - 120
        engine.submit(payload)
        assert engine.plan_leads.delay_s("mw1", 10 * H) == 0.0
        record = engine.plan_batch(at_s=10 * H - 60, params=SolveParams(time_limit_s=5.0))
        door = next(
            s.start_s
            for r in record.plan.routes
            for s in r.stops
            if "o1" in s.order_ids and s.action.value == "deliver"
        )
        delay = door - engine.quoter.idle_door_s("mw1", "b1", 10 * H - 120)
        assert engine.plan_leads.delay_s("mw1", 10 * H) == pytest.approx(delay)
        (instant,) = engine.quote("b1", [line("mw1", "milk")], "m1").of(FulfilmentMode.INSTANT)
        assert instant.eta_s is not None
        floor = engine.quoter.idle_door_s("mw1", "b1", 10 * H) + delay
        assert instant.eta_s >= floor + engine.quoter.quote_settings.eta_margin_s - 1e-6


def test_the_calibrated_margin_is_the_quantile_of_recent_errors() -> None:
    calibration = QuoteCalibration(quantile=0.9, window=10, min_samples=5)
    for error in (100.0, 200.0, 300.0, 400.0):
        calibration.observe(error)
    assert calibration.margin_s(180.0) == 180.0  # too few errors yet
    for error in range(500, 1700, 100):  # the window keeps the last 10: 800..1600
        calibration.observe(float(error))
    assert calibration.samples == 10
    assert calibration.margin_s(180.0) == 1600.0  # the 0.9 quantile, "higher" method
    calibration.observe(float("nan"))
    assert calibration.samples == 10
    floor = QuoteCalibration(min_samples=1, floor_s=60.0)
    floor.observe(-500.0)
    assert floor.margin_s(180.0) == 60.0
    # A quoter with a calibration learns from placed orders.
    quoter = Quoter(small_world(), quote_settings=QuoteSettings(eta_quantile=0.5, eta_errors_min=1))
    raw = quoter.raw_instant_eta_s("mw1", "b1", 10 * H)
    quoter.observe_placed(raw, raw + 420.0)
    assert _eta(quoter, 10 * H) == pytest.approx(raw + 420.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantile": 0.0}, "QuoteCalibration.quantile"),
        ({"window": 0}, "QuoteCalibration.window"),
        ({"window": 5, "min_samples": 6}, "QuoteCalibration.min_samples"),
    ],
)
def test_calibration_rejects_bad_settings(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        QuoteCalibration(**kwargs)  # type: ignore[arg-type]
    assert field in str(err.value)
