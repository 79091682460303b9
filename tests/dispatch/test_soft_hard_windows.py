"""real13: each promised window soft or hard, through the payloads (the Engine's and
HTTP's order schema), the scenario file (+ JSON Schema) and the planner; every plan
through the checker.  A line world (``tests.dispatch.helpers``): e-bikes at 5 m/s."""

from __future__ import annotations

import json

import pytest

from dispatch import FulfilmentMode, Member, Order, Planner, StopAction, TimeWindow, World
from dispatch.payloads import PayloadError, order_meaning_hash, order_payload, parse_order
from scenarios.scenario_build import build_scenario
from scenarios.scenario_schema import parse_scenario, scenario_json_schema
from tests.dispatch.helpers import FAST, H, building, check_plan, courier, line, warehouse
from tests.scenarios.scenario_data import straight_line_scenario

T0 = 10 * H
BASE = {
    "id": "o1",
    "member_id": "m1",
    "created_at": "10:00",
    "mode": "scheduled",
    "building_id": "b1",
    "lines": [{"store_id": "mw", "sku": "milk", "quantity": 1}],
}


def test_payloads_carry_the_flag_and_name_its_path() -> None:
    order = parse_order(
        {
            **BASE,
            "promised": [
                {"start": "11:00", "end": "12:00", "hard": False},
                {"start": "17:00", "end": "18:00", "hard": True},
            ],
        }
    )
    assert [w.hard for w in order.promised_windows] == [False, True]
    assert parse_order(order_payload(order)) == order
    unflagged = parse_order({**BASE, "promised": {"start": "11:00", "end": "12:00"}})
    assert "hard" not in order_payload(unflagged)["promised"]  # stored hashes kept
    flagged = parse_order({**BASE, "promised": {"start": "11:00", "end": "12:00", "hard": True}})
    assert order_meaning_hash(flagged) != order_meaning_hash(unflagged)
    with pytest.raises(PayloadError, match=r"promised\[0\]\.hard"):
        parse_order({**BASE, "promised": [{"start": "11:00", "end": "12:00", "hard": "yes"}]})


def test_the_scenario_file_and_its_schema_take_the_flag() -> None:
    data = straight_line_scenario()
    sc1 = next(o for o in data["orders"] if o["id"] == "sc1")
    sc1["promised"] = [
        {"start": "12:00", "end": "12:30", "hard": False},
        {"start": "18:00", "end": "18:30"},
    ]
    scenario = build_scenario(parse_scenario(data))
    order = next(o for o in scenario.orders if o.id == "sc1")
    assert [w.hard for w in order.promised_windows] == [False, None]
    sc1["promised"][1]["hard"] = 1
    with pytest.raises(Exception, match=r"orders\[\d+ 'sc1'\]\.promised\[1\]\.hard"):
        parse_scenario(data)
    assert '"hard"' in json.dumps(scenario_json_schema())


def _world() -> World:
    return World(
        buildings=(building("b1", 1500),),
        micro_warehouses=(warehouse("mw", 0),),
        couriers=(courier("c1", 0),),
        members=(Member("m1"),),
        detour_factor=1.0,
    )


def _instant(*windows: TimeWindow) -> Order:
    return Order(
        "i1",
        "m1",
        T0,
        (line("mw", "milk"),),
        FulfilmentMode.INSTANT,
        building_id="b1",
        promised=windows[0],
        promised_more=windows[1:],
    )


def _door(planner: Planner, order: Order) -> object:
    plan = planner.plan([order], at_s=T0, params=FAST)
    check_plan(plan, [order], planner)
    return next((s for r in plan.routes for s in r.stops if s.action is StopAction.DELIVER), None)


def test_a_soft_first_window_is_kept_late_instead_of_waiting_for_the_second() -> None:
    planner = Planner(_world())
    second = TimeWindow(T0 + 2 * H, T0 + 3 * H)
    # 1,500 m take 300 s: the 10:00-10:04 window cannot be met on time.
    waits = _door(planner, _instant(TimeWindow(T0, T0 + 240), second))
    assert waits.start_s >= second.start_s and waits.lateness_s == 0  # type: ignore[attr-defined]
    late = _door(planner, _instant(TimeWindow(T0, T0 + 240, hard=False), second))
    assert late.start_s < second.start_s and late.lateness_s > 0  # type: ignore[attr-defined]


def test_a_hard_single_window_is_never_late() -> None:
    planner = Planner(_world())
    late = _door(planner, _instant(TimeWindow(T0, T0 + 240)))
    assert late is not None and late.lateness_s > 0  # type: ignore[attr-defined]
    plan = planner.plan([_instant(TimeWindow(T0, T0 + 240, hard=True))], at_s=T0, params=FAST)
    assert [u.order_id for u in plan.unassigned] == ["i1"] and not plan.routes
