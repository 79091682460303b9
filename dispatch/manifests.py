"""Courier manifests: each courier's stops as rows to print or load into a driver app.

:func:`manifest_rows` gives one row per stop of a courier (with a ``start`` row and, for
couriers who return, an ``end`` row, and a ``break`` row where the courier pauses),
columns :data:`MANIFEST_HEADERS`;
:func:`manifest_csv` writes them as CSV text and :func:`plan_manifests` gives the CSV of
every courier of a plan under a file name.  No file access here: ``cli.py`` writes them.

Clock times are ``"HH:MM"`` (rounded to the minute); ``location`` is ``"lat,lon"``
WGS-84 degrees with 6 decimals (about 10 cm), the form map and driver apps accept;
``items`` lists ``sku x quantity`` of what the courier collects or hands over at the
stop (at a store, only that store's lines); ``customer_note`` gives each order's note
(deliveries and visits only).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from dispatch.clock import format_hhmm
from dispatch.domain import Courier, Order
from dispatch.plan import Plan, PlannedBreak, PlannedRoute, PlanStop, StopAction
from dispatch.world import World
from solvers.errors import InvalidInputError

#: Columns of a manifest.
MANIFEST_HEADERS = (
    "sequence",
    "time",
    "action",
    "place",
    "place_kind",
    "location",
    "orders",
    "items",
    "customer_note",
    "late_min",
)

Row = tuple[str, ...]
_LATE_EPS_S = 1e-6
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# What each kind of place is called on a manifest.
_KINDS = {
    "Building": "building",
    "Store": "store",
    "MicroWarehouse": "micro-warehouse",
    "PickupPoint": "pickup point",
    "Depot": "depot",
}


def _location(lon: float, lat: float) -> str:
    return f"{lat:.6f},{lon:.6f}"


def _items(stop: PlanStop, orders: Mapping[str, Order]) -> str:
    """``sku x quantity`` totals of the stop's orders (a pickup: the lines of this store)."""
    totals: Counter[str] = Counter()
    for order_id in stop.order_ids:
        order = orders.get(order_id)
        if order is None:
            continue
        for line in order.lines:
            if stop.action is StopAction.PICKUP and line.store_id != stop.place_id:
                continue
            totals[line.sku] += line.quantity
    return "; ".join(f"{sku} x {quantity}" for sku, quantity in sorted(totals.items()))


def _notes(stop: PlanStop, orders: Mapping[str, Order]) -> str:
    if stop.action is StopAction.PICKUP:
        return ""
    notes = []
    for order_id in stop.order_ids:
        order = orders.get(order_id)
        if order is not None and order.note:
            notes.append(f"{order_id}: {order.note}" if len(stop.order_ids) > 1 else order.note)
    return " | ".join(notes)


def _courier(route: PlannedRoute, world: World) -> Courier:
    for courier in world.couriers:
        if courier.id == route.courier_id:
            return courier
    raise InvalidInputError(
        f"route of {route.courier_id!r}", "its courier must be one of the world's couriers"
    )


def _break_row(sequence: int, taken: PlannedBreak) -> Row:
    """A break on the manifest: its start, and how long it lasts in the items column."""
    minutes = (taken.end_s - taken.start_s) / 60.0
    until = format_hhmm(taken.end_s)
    return (
        str(sequence),
        format_hhmm(taken.start_s),
        "break",
        "",
        "",
        "",
        "",
        f"{minutes:.0f} min until {until}",
        "",
        "",
    )


def manifest_rows(
    route: PlannedRoute, world: World, orders: Mapping[str, Order] | Sequence[Order] = ()
) -> tuple[Row, ...]:
    """A route's manifest rows, columns :data:`MANIFEST_HEADERS`.

    Args:
        route: a route of a plan made in ``world``.
        world: the world (places, couriers).
        orders: the batch (by id, or a sequence); items and notes of orders not in it
            are left empty.

    Raises:
        InvalidInputError: the route's courier or a stop's place is not in the world.
    """
    by_id = orders if isinstance(orders, Mapping) else {o.id: o for o in orders}
    courier = _courier(route, world)
    start = _location(courier.lon, courier.lat)
    rows: list[Row] = [
        ("0", format_hhmm(route.start_s), "start", "", "", start, "", "", "", ""),
    ]
    breaks = {b.after_stops: b for b in route.breaks}  # fleet13: breaks as rows
    for position, stop in enumerate(route.stops):
        if position in breaks:
            rows.append(_break_row(len(rows), breaks[position]))
        sequence = len(rows)
        place = world.place(stop.place_id)
        late = stop.lateness_s > _LATE_EPS_S and stop.action is not StopAction.PICKUP
        rows.append(
            (
                str(sequence),
                format_hhmm(stop.eta_s),
                stop.action.value,
                stop.place_id,
                _KINDS.get(type(place).__name__, "place"),
                _location(place.lon, place.lat),
                " ".join(stop.order_ids),
                _items(stop, by_id),
                _notes(stop, by_id),
                f"{stop.lateness_s / 60.0:.0f}" if late else "",
            )
        )
    if len(route.stops) in breaks:
        rows.append(_break_row(len(rows), breaks[len(route.stops)]))
    if courier.returns_to_start:
        rows.append(
            (
                str(len(rows)),
                format_hhmm(route.end_s),
                "end",
                "",
                "",
                start,
                "",
                "",
                "",
                "",
            )
        )
    return tuple(rows)


def manifest_csv(rows: Sequence[Row]) -> str:
    """Manifest rows as CSV text with a header line (``\\r\\n`` line ends, as RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MANIFEST_HEADERS)
    writer.writerows(rows)
    return buffer.getvalue()


def manifest_file_name(courier_id: str, taken: set[str]) -> str:
    """A file name for a courier's manifest: the id with characters other than letters,
    digits, ``.``, ``_`` and ``-`` replaced, ``.csv``, unique among ``taken`` (added)."""
    stem = _UNSAFE.sub("_", courier_id).strip("._") or "courier"
    name = f"{stem}.csv"
    k = 2
    while name.lower() in taken:
        name = f"{stem}-{k}.csv"
        k += 1
    taken.add(name.lower())
    return name


def plan_manifests(
    plan: Plan, world: World, orders: Mapping[str, Order] | Sequence[Order] = ()
) -> dict[str, str]:
    """Every route's manifest as CSV text, by file name (one file per courier in plan
    order; a courier with routes in two flows gets both, one after the other).

    Raises:
        InvalidInputError: a route's courier or a stop's place is not in the world.
    """
    by_id = orders if isinstance(orders, Mapping) else {o.id: o for o in orders}
    per_courier: dict[str, list[Row]] = {}
    for route in plan.routes:
        rows = per_courier.setdefault(route.courier_id, [])
        offset = len(rows)
        for row in manifest_rows(route, world, by_id):
            rows.append((str(int(row[0]) + offset), *row[1:]))
    taken: set[str] = set()
    return {
        manifest_file_name(courier_id, taken): manifest_csv(rows)
        for courier_id, rows in per_courier.items()
    }
