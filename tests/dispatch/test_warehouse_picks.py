"""Pick lists per micro-warehouse: one per courier departure, SKU totals, cold items."""

from __future__ import annotations

import csv
import io

from dispatch import FulfilmentMode, Member, Order, Planner, StopAction, World
from dispatch.domain import TemperatureClass
from dispatch.plan_schema import plan_from_json
from dispatch.warehouse_picks import PICK_HEADERS, warehouse_pick_sheets
from tests.dispatch.helpers import FAST, H, building, check_plan, courier, line, warehouse

T0 = 10 * H
CHILLED = TemperatureClass.CHILLED


def test_one_pick_list_per_departure_with_totals_and_cold_items() -> None:
    world = World(
        buildings=(building("b1", 800), building("b2", 1200), building("b3", 1500)),
        micro_warehouses=(warehouse("mw", 0), warehouse("mw2", 3000)),
        couriers=(courier("c1", 0), courier("c2", 3000)),
        members=(Member("m"),),
        detour_factor=1.0,
    )

    def order(oid: str, where: str, *lines: object) -> Order:
        return Order(oid, "m", T0, tuple(lines), FulfilmentMode.INSTANT, building_id=where)  # type: ignore[arg-type]

    orders = [
        order("o1", "b1", line("mw", "milk", 2, temperature=CHILLED), line("mw", "rice")),
        order("o2", "b2", line("mw", "milk", 1, temperature=CHILLED)),
        order("o3", "b3", line("mw2", "eggs", 3)),
    ]
    planner = Planner(world)
    plan = planner.plan(orders, at_s=T0, params=FAST)
    check_plan(plan, orders, planner)
    by_place = {p.micro_warehouse_id: p for p in plan.warehouse_pick_lists}
    assert len(plan.warehouse_pick_lists) == 2  # one departure each, every order served
    first = by_place["mw"]
    route = next(r for r in plan.routes if r.courier_id == first.courier_id)
    pickups = [s for s in route.stops if s.action is StopAction.PICKUP and s.place_id == "mw"]
    assert first.order_ids == ("o1", "o2") and len(pickups) == 2
    assert first.ready_s == pickups[0].eta_s and first.departure_s == pickups[-1].departure_s
    assert [(i.sku, i.temperature, i.quantity) for i in first.items] == [
        ("milk", CHILLED, 3),
        ("rice", TemperatureClass.AMBIENT, 1),
    ]
    assert (first.cold_items, first.cold_boxes) == (3, 2)  # one box per order's chilled
    assert by_place["mw2"].order_ids == ("o3",) and by_place["mw2"].cold_items == 0
    assert plan_from_json(plan.to_json()).warehouse_pick_lists == plan.warehouse_pick_lists
    sheets = warehouse_pick_sheets(plan.warehouse_pick_lists)
    assert set(sheets) == {"mw.csv", "mw2.csv"}
    rows = list(csv.reader(io.StringIO(sheets["mw.csv"])))
    assert tuple(rows[0]) == PICK_HEADERS
    assert [r[4:7] for r in rows[1:]] == [["milk", "chilled", "3"], ["rice", "ambient", "1"]]
    assert rows[1][3] == "o1 o2" and rows[1][7:] == ["3", "2"] and rows[2][7:] == ["", ""]
