"""Returns in a replayed day: requested over the day, collected by couriers riding past
(carried across waves until their drop at the store), with the day's return KPIs; and
live re-planning keeps a carried return on its courier (through the checker)."""

from __future__ import annotations

import pytest

from dispatch import FulfilmentMode, Order, ReturnRequest, StopAction, TimeWindow
from dispatch.flows.returns import CarriedReturn
from dispatch.live import LiveState, replan
from dispatch.returns import ReturnStatus
from scenarios.compare import comparison_rows, series_of_day
from scenarios.replay import OutcomeStatus, ReplayPolicy, replay_day
from solvers import SolveParams, check
from tests.dispatch.helpers import H, courier, line
from tests.dispatch.test_planner_instant import world

T0 = 10 * H
POLICY = ReplayPolicy(wave_s=120.0, time_limit_s=2.0, iterations=50)


def instant(oid: str, building_id: str, created_s: float) -> Order:
    return Order(
        oid,
        "reg",
        created_s,
        (line("mw", "milk"),),
        FulfilmentMode.INSTANT,
        building_id=building_id,
    )


def a_return(rid: str, building_id: str, created_s: float, end_s: float) -> ReturnRequest:
    return ReturnRequest(
        rid,
        (line("mw", "kettle", weight_kg=1.5),),
        "mw",
        TimeWindow(created_s, end_s),
        created_at_s=created_s,
        building_id=building_id,
    )


def test_returns_arrive_over_the_day_and_ride_with_the_deliveries() -> None:
    w = world(courier("c1", 0))
    orders = [instant("i1", "b2", T0), instant("i2", "b1", T0 + 900)]
    returns = [
        a_return("r1", "b1", T0 + 60, T0 + H),  # while i1 is out: collected on the way
        a_return("r2", "b9", T0 + 1200, T0 + 3 * H),  # later, alone
        a_return("gone", "b14", T0 + 300, T0 + 400),  # cannot be reached in time
    ]
    day = replay_day(w, orders, policy=POLICY, returns=returns)
    assert day.complete
    assert [o.status for o in day.outcomes] == [OutcomeStatus.DELIVERED] * 2
    by_id = {r.return_id: r for r in day.returns}
    assert by_id["r1"].status is OutcomeStatus.COLLECTED
    assert by_id["r2"].status is OutcomeStatus.COLLECTED
    assert by_id["gone"].status is OutcomeStatus.UNASSIGNED and by_id["gone"].reason
    for rid in ("r1", "r2"):
        r = by_id[rid]
        assert r.courier_id == "c1" and not r.late
        assert r.created_s <= r.collected_s < r.reached_s  # type: ignore[operator]
    kpis = day.kpis["returns"]
    assert (kpis["returns_total"], kpis["returns_collected"], kpis["returns_on_time"]) == (3, 2, 2)
    assert day.to_json()["returns"][0]["return_id"] == "r1"
    # dispatch compare's table has the returns' rows.
    rows = dict(comparison_rows([series_of_day("a", day), series_of_day("b", day)]))
    assert rows["returns collected"] == ["2", "2"] and rows["returns total"] == ["3", "3"]


def test_a_carried_return_stays_on_its_courier_at_a_replan() -> None:
    w = world(courier("c1", 0), courier("c2", 0))
    carried = CarriedReturn(a_return("r1", "b9", T0, T0 + H), "c2", T0 + 100)
    open_return = a_return("r2", "b1", T0, T0 + H)
    plan = replan(
        w,
        LiveState(),
        [instant("i1", "b2", T0)],
        at_s=T0 + 600,
        params=SolveParams(time_limit_s=2.0, workers=1, iterations=50),
        returns=[open_return],
        carried_returns=[carried],
    )
    for run in plan.routing_runs:
        report = check(run.problem, run.solution)
        assert report.ok, report.violations
    by_id = {p.return_id: p for p in plan.returns}
    assert by_id["r1"].status is ReturnStatus.COLLECTED and by_id["r1"].courier_id == "c2"
    assert by_id["r1"].collected_s == pytest.approx(T0 + 100)
    route = next(r for r in plan.routes if r.courier_id == "c2")
    assert [s.action for s in route.stops if s.order_ids == ("r1",)] == [StopAction.RETURN]
    assert by_id["r2"].status is ReturnStatus.COLLECTED
    assert plan.served_order_ids() == {"i1"}
