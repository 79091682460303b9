"""Courier manifests: one CSV per courier, stops in order with HH:MM, items and notes."""

from __future__ import annotations

import csv
import io
import re

from dispatch.manifests import (
    MANIFEST_HEADERS,
    manifest_file_name,
    manifest_rows,
    plan_manifests,
)
from dispatch.plan import StopAction
from tests.dispatch.viewer_plan import NOTES, planned

HHMM = re.compile(r"^\d{2}:\d{2}$")


def test_a_row_per_stop_in_order_between_start_and_end() -> None:
    world, orders, plan = planned()
    couriers = {c.id: c for c in world.couriers}
    for route in plan.routes:
        rows = manifest_rows(route, world, orders)
        courier = couriers[route.courier_id]
        extra = 2 if courier.returns_to_start else 1
        assert len(rows) == len(route.stops) + extra
        assert [int(r[0]) for r in rows] == list(range(len(rows)))
        assert rows[0][2] == "start"
        assert (rows[-1][2] == "end") == courier.returns_to_start
        assert all(HHMM.match(r[1]) for r in rows)
        times = [r[1] for r in rows]
        assert times == sorted(times)
        for row, stop in zip(rows[1:], route.stops, strict=False):
            assert row[2] == stop.action.value and row[3] == stop.place_id
            assert row[6].split() == list(stop.order_ids)
            lat, lon = (float(v) for v in row[5].split(","))
            place = world.place(stop.place_id)
            assert abs(lat - place.lat) < 1e-6 and abs(lon - place.lon) < 1e-6


def test_items_at_a_store_are_that_stores_lines_and_notes_go_to_the_door() -> None:
    world, orders, plan = planned()
    by_id = {o.id: o for o in orders}
    seen_notes: set[str] = set()
    for route in plan.routes:
        for row, stop in zip(manifest_rows(route, world, orders)[1:], route.stops, strict=False):
            wanted = sorted(
                (line.sku, line.quantity)
                for oid in stop.order_ids
                for line in by_id[oid].lines
                if stop.action is not StopAction.PICKUP or line.store_id == stop.place_id
            )
            listed = sorted(
                (sku, int(q)) for sku, q in (item.split(" x ") for item in row[7].split("; "))
            )
            if len({sku for sku, _ in wanted}) == len(wanted):
                assert listed == wanted, (route.courier_id, stop)
            if stop.action is StopAction.PICKUP:
                assert row[8] == ""
            else:
                seen_notes.update(n for oid, n in NOTES.items() if oid in stop.order_ids)
                for oid in stop.order_ids:
                    if oid in NOTES:
                        assert NOTES[oid] in row[8]
    assert seen_notes  # the plan serves at least one order with a note


def test_one_csv_per_courier_that_reads_back() -> None:
    world, orders, plan = planned()
    files = plan_manifests(plan, world, orders)
    assert list(files) == [f"{r.courier_id}.csv" for r in plan.routes]
    for route in plan.routes:
        rows = list(csv.reader(io.StringIO(files[f"{route.courier_id}.csv"])))
        assert tuple(rows[0]) == MANIFEST_HEADERS
        assert [tuple(r) for r in rows[1:]] == list(manifest_rows(route, world, orders))


def test_file_names_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert manifest_file_name("c1", taken) == "c1.csv"
    assert manifest_file_name("C1", taken) == "C1-2.csv"
    assert manifest_file_name("../../etc/passwd", taken) == "etc_passwd.csv"
    assert manifest_file_name("骑手 7", taken) == "7.csv"
    assert manifest_file_name("...", taken) == "courier.csv"
