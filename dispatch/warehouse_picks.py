"""Pick lists per micro-warehouse (前置仓拣货单): what to pick and pack for each departure.

Every run of consecutive pickup stops of a courier route at one micro-warehouse is one
departure: the courier arrives (``ready_s``: pack by then), collects the orders of
those stops and leaves (``departure_s``).  Its pick list totals the SKUs of those
orders' lines from this warehouse (a multi-store order's lines from other shops are not
picked here), counts
the units that travel chilled, frozen or hot and the insulated boxes they fill (per
order, as the courier's cold boxes are counted: :func:`dispatch.loads.cold_boxes`).
Pickups at stores are the shops' own business and have no list here; the pickup
points' lists are :class:`dispatch.plan.PickList` (next-day flow).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from dispatch.clock import format_hhmm
from dispatch.domain import Order, TemperatureClass
from dispatch.loads import cold_boxes
from dispatch.manifests import manifest_file_name
from dispatch.plan import PickItem, PlannedRoute, PlanStop, StopAction, WarehousePickList
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.places import MicroWarehouse


def _departures(route: PlannedRoute, world: World) -> list[list[PlanStop]]:
    """The route's runs of consecutive pickup stops at one micro-warehouse."""
    runs: list[list[PlanStop]] = []
    previous: PlanStop | None = None
    for stop in route.stops:
        at_warehouse = stop.action is StopAction.PICKUP and world.has_place(
            stop.place_id, MicroWarehouse
        )
        if at_warehouse:
            if previous is not None and runs and previous.place_id == stop.place_id:
                runs[-1].append(stop)
            else:
                runs.append([stop])
            previous = stop
        else:
            previous = None
    return runs


def warehouse_pick_lists(
    routes: Sequence[PlannedRoute],
    orders: Sequence[Order],
    world: World,
    settings: PlannerSettings,
) -> tuple[WarehousePickList, ...]:
    """One pick list per courier departure from a micro-warehouse (its consecutive
    pickup stops there), sorted by warehouse, departure time and courier.  Orders not
    in ``orders`` (e.g. carried over from an earlier plan) add nothing to the items."""
    by_id = {o.id: o for o in orders}
    lists: list[WarehousePickList] = []
    for route in routes:
        for run in _departures(route, world):
            place_id = run[0].place_id
            order_ids = sorted({oid for stop in run for oid in stop.order_ids})
            totals: dict[tuple[str, TemperatureClass], int] = {}
            cold_units = boxes = 0
            weight_kg = volume_l = 0.0
            for order_id in order_ids:
                order = by_id.get(order_id)
                if order is None:
                    continue
                lines = [line for line in order.lines if line.store_id == place_id]
                for line in lines:
                    key = (line.sku, line.temperature)
                    totals[key] = totals.get(key, 0) + line.quantity
                    if line.temperature is not TemperatureClass.AMBIENT:
                        cold_units += line.quantity
                    weight_kg += line.weight_total_kg
                    volume_l += line.volume_total_l
                boxes += cold_boxes(lines, settings.cold_box_volume_l)
            lists.append(
                WarehousePickList(
                    micro_warehouse_id=place_id,
                    courier_id=route.courier_id,
                    ready_s=run[0].eta_s,
                    departure_s=run[-1].departure_s,
                    order_ids=tuple(order_ids),
                    items=tuple(
                        PickItem(place_id, sku, temperature, quantity)
                        for (sku, temperature), quantity in sorted(totals.items())
                    ),
                    cold_items=cold_units,
                    cold_boxes=boxes,
                    weight_kg=weight_kg,
                    volume_l=volume_l,
                )
            )
    return tuple(sorted(lists, key=lambda p: (p.micro_warehouse_id, p.departure_s, p.courier_id)))


#: Columns of a micro-warehouse's pick-list CSV (:func:`warehouse_pick_rows`).
PICK_HEADERS = (
    "courier_id",
    "ready",
    "departure",
    "order_ids",
    "sku",
    "temperature",
    "quantity",
    "cold_items",
    "cold_boxes",
)


def warehouse_pick_rows(
    lists: Sequence[WarehousePickList],
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Rows per micro-warehouse (columns :data:`PICK_HEADERS`): one row per SKU of each
    departure, clock times as ``HH:MM``; the departure's totals on its first row."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for pick in lists:
        rows = out.setdefault(pick.micro_warehouse_id, [])
        for k, item in enumerate(pick.items):
            rows.append(
                (
                    pick.courier_id,
                    format_hhmm(pick.ready_s),
                    format_hhmm(pick.departure_s),
                    " ".join(pick.order_ids),
                    item.sku,
                    item.temperature.value,
                    str(item.quantity),
                    str(pick.cold_items) if k == 0 else "",
                    str(pick.cold_boxes) if k == 0 else "",
                )
            )
    return {warehouse: tuple(rows) for warehouse, rows in out.items()}


def warehouse_pick_sheets(lists: Sequence[WarehousePickList]) -> dict[str, str]:
    """One CSV text per micro-warehouse (header :data:`PICK_HEADERS`, ``\\r\\n`` line
    ends), by file name (the warehouse id made safe, ``.csv``)."""
    taken: set[str] = set()
    sheets: dict[str, str] = {}
    for warehouse, rows in warehouse_pick_rows(lists).items():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(PICK_HEADERS)
        writer.writerows(rows)
        sheets[manifest_file_name(warehouse, taken)] = buffer.getvalue()
    return sheets
