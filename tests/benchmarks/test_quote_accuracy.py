"""The quote accuracy report (``python -m benchmarks.quote_accuracy``) on a tiny day:
the replay hands it every wave's plan, and it quotes each instant order with only what
was known at its creation."""

from __future__ import annotations

from benchmarks.quote_accuracy import VARIANTS, WaveSeen, measure_day, wave_seen
from dispatch import Plan
from dispatch.settings import PlannerSettings
from scenarios.replay import ReplayPolicy, replay_day
from tests.dispatch.helpers import H, courier
from tests.dispatch.test_planner_instant import world
from tests.scenarios.test_replay import instant

T0 = 10 * H


def test_the_report_quotes_from_the_waves_plans() -> None:
    w = world(courier("c1", 0))
    orders = [
        instant("i1", "b1", T0),
        instant("i2", "b2", T0 + 60),
        instant("i3", "b1", T0 + 400),
        instant("i4", "b2", T0 + 420),
    ]
    plans: list[tuple[float, Plan]] = []
    day = replay_day(
        w,
        orders,
        policy=ReplayPolicy(wave_s=120.0, time_limit_s=0.5),
        on_wave=lambda at_s, plan: plans.append((at_s, plan)),
    )
    assert len(plans) == day.waves >= 2
    waves: list[WaveSeen] = [wave_seen(at, plan) for at, plan in plans]
    assert waves[0].door_s and "c1" in waves[0].free_at_s
    delivered = {o.order_id for o in day.outcomes if o.delivered_s is not None}
    assert delivered == {"i1", "i2", "i3", "i4"}
    assert delivered <= {oid for seen in waves for oid in seen.door_s}
    result = measure_day(w, PlannerSettings(), orders, day, waves)
    assert result["instant_orders"] == 4
    for name in (*VARIANTS, "straight"):
        assert 0 <= result[name]["quotes_30min"] <= 4
    rows = {r["created_s"]: r for r in result["rows"]}
    # i3 is quoted after the first waves' plans: the fleet quote waits for c1, busy with
    # i1 and i2 then, where the rule before it saw no queue.
    late = rows[T0 + 400]
    assert late["fleet"] >= late["straight"]
