"""Stock in the demo and in day replays (issue 17): the demo counts stock at one
micro-warehouse and shows one ``out_of_stock`` order; a replay gives the stock to the
day's orders by creation time before its first wave."""

from __future__ import annotations

from dispatch.plan import UnassignedOrderReason
from scenarios.demo import plan_demo
from scenarios.replay import OutcomeStatus, ReplayPolicy, replay_scenario
from scenarios.scenario_build import build_scenario
from scenarios.scenario_schema import parse_scenario
from solvers import SolveParams
from tests.scenarios.scenario_data import straight_line_scenario


def test_the_demo_counts_stock_and_shows_a_stock_out() -> None:
    report = plan_demo(seed=3, blocks=5, params=SolveParams(time_limit_s=5, iterations=50))
    assert report.spec.stock is not None and len(report.spec.stock) == 1
    short = [u for u in report.plan.unassigned if u.reason is UnassignedOrderReason.OUT_OF_STOCK]
    assert len(short) == 1
    (place,) = report.spec.stock
    assert f"at {place!r}" in short[0].detail


def test_a_replay_gives_stock_by_creation_time() -> None:
    data = straight_line_scenario()
    data["stock"] = {"w1": {"milk": 1, "rice": 1}}  # i1 wants 2 milk; sc1 takes the rice
    scenario = build_scenario(parse_scenario(data))
    day = replay_scenario(scenario, ReplayPolicy(wave_s=300, iterations=50, time_limit_s=5))
    outcome = {o.order_id: o for o in day.outcomes}
    assert outcome["i1"].status is OutcomeStatus.UNASSIGNED
    assert outcome["i1"].reason is UnassignedOrderReason.OUT_OF_STOCK
    assert outcome["sc1"].reason is not UnassignedOrderReason.OUT_OF_STOCK
