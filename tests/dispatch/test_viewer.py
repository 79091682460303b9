"""The plan viewer page: self-contained, one route per route with HH:MM stops, safe
against markup in the data, bounded in size on a big city.

The page's behaviour in a real browser is tested in ``tests/browser``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import numpy as np
import pytest

import geo
from dispatch import (
    Engine,
    FulfilmentMode,
    UnassignedOrder,
    UnassignedOrderReason,
)
from dispatch.plan import StopAction
from dispatch.viewer import (
    MAX_STREET_VERTICES,
    _asset,
    plan_view_data,
    render_plan_html,
    render_stored_plan_html,
    street_layers,
    viewer_csp,
)
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import instant_payload, small_world
from tests.dispatch.helpers import FAST, H
from tests.dispatch.viewer_plan import nowhere, planned

HHMM = re.compile(r"^\d{2}:\d{2}$")


def embedded(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="plan-data">(.*?)</script>', page)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_the_page_needs_nothing_from_outside() -> None:
    world, orders, plan = planned()
    page = render_plan_html(plan, world, orders)
    assert page.startswith("<!DOCTYPE html>")
    # The only URL is the SVG namespace the script names; nothing is fetched.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert "<script src" not in page and '<link rel="stylesheet"' not in page
    assert "@import" not in page and "url(" not in page
    assert page.count("<script") == 2  # the data and our script, both inline
    # The browser enforces it: only our script and style (by hash), data: images.
    assert f'<meta http-equiv="Content-Security-Policy" content="{viewer_csp()}">' in page
    assert viewer_csp().startswith("default-src 'none'; script-src 'sha256-")
    # Inlined as they are: nothing in them may end or comment out their element.
    for name in ("viewer.js", "viewer.css"):
        text = _asset(name)
        assert "</script" not in text and "</style" not in text and "<!--" not in text


def test_every_route_with_its_stops_in_order_and_hhmm_etas() -> None:
    world, orders, plan = planned()
    data = embedded(render_plan_html(plan, world, orders))
    assert [r["courier"] for r in data["routes"]] == [r.courier_id for r in plan.routes]
    assert len({r["colour"] for r in data["routes"]}) == len(plan.routes)
    for shown, route in zip(data["routes"], plan.routes, strict=True):
        assert [s["place"] for s in shown["stops"]] == [s.place_id for s in route.stops]
        assert [s["seq"] for s in shown["stops"]] == list(range(1, len(route.stops) + 1))
        assert all(HHMM.match(s["eta"]) for s in shown["stops"])
        assert HHMM.match(shown["start"]) and HHMM.match(shown["end"])
        assert len(shown["line"]) >= 4 and len(shown["line"]) % 2 == 0
        # The drawn line starts at the courier and passes every stop (metre rounding).
        xs, ys = np.array(shown["line"][0::2]), np.array(shown["line"][1::2])
        for stop in shown["stops"]:
            gap = np.hypot(xs - stop["xy"][0], ys - stop["xy"][1]).min()
            assert gap <= 60.0, (route.courier_id, stop)
    actions = {s["action"] for r in data["routes"] for s in r["stops"]}
    assert {StopAction.PICKUP.value, StopAction.DELIVER.value} <= actions


def test_places_unassigned_orders_and_kpis_are_on_the_page() -> None:
    world, orders, plan = planned()
    data = embedded(render_plan_html(plan, world, orders))
    kinds = {p["kind"] for p in data["places"]}
    assert {"micro-warehouse", "pickup point", "store"} <= kinds
    used = {p["id"] for p in data["places"] if p.get("used")}
    assert used == {p.pickup_point_id for p in plan.pick_lists}
    assert [u["order"] for u in data["unassigned"]] == [u.order_id for u in plan.unassigned]
    assert "n3" in {u["order"] for u in data["unassigned"]}
    assert all(u["reason"] and u["detail"] and u["xy"] for u in data["unassigned"])
    labels = [row[0] for row in data["kpis"]]
    assert "orders served" in labels and "on time" in labels
    assert data["flows"]["rows"][-1][0] == "all flows"
    assert sum(len(lines) for lines in data["streets"].values()) > 0


def test_markup_in_the_data_cannot_break_out_of_the_page() -> None:
    world, orders, plan = planned()
    evil = "</script><script>document.title='owned'</script><!--"
    hacked = dataclasses.replace(
        plan,
        unassigned=(
            *plan.unassigned,
            UnassignedOrder("x1", FulfilmentMode.INSTANT, UnassignedOrderReason.NO_COURIER, evil),
        ),
    )
    page = render_plan_html(hacked, world, orders, title="<b>bold</b>")
    assert evil not in page and "</script><script>document" not in page
    assert "<title>&lt;b&gt;bold&lt;/b&gt;</title>" in page
    data = embedded(page)
    assert data["unassigned"][-1]["detail"] == evil
    assert data["unassigned"][-1]["xy"] is None  # an order not in the batch: no place


def test_a_plan_without_routes_still_renders() -> None:
    world, orders, plan = planned()
    empty = dataclasses.replace(plan, routes=())
    data = embedded(render_plan_html(empty, world, orders))
    assert data["routes"] == []


def test_a_route_that_goes_nowhere_keeps_a_line() -> None:
    world, orders, plan = planned()
    data = embedded(render_plan_html(nowhere(plan, world), world, orders))
    last = data["routes"][-1]
    assert len(last["stops"]) == 1 and len(last["line"]) >= 2  # at least its start


def test_streets_fit_the_budget_by_simplifying_then_dropping_minor_classes() -> None:
    city = geo.generate_city(seed=5, blocks_x=6, blocks_y=6)
    full = street_layers(city.network)
    vertices = sum(len(line) // 2 for lines in full.values() for line in lines)
    assert 0 < vertices <= MAX_STREET_VERTICES
    # Every street segment is drawn: the merged polylines are as long as the segments.
    x, y = city.network.frame.forward(city.network.node_lon, city.network.node_lat)
    pairs = {
        (min(u, v), max(u, v))
        for u, v in zip(city.network.edge_u.tolist(), city.network.edge_v.tolist(), strict=True)
    }
    network_m = sum(float(np.hypot(x[u] - x[v], y[u] - y[v])) for u, v in pairs)
    drawn_m = sum(
        float(np.hypot(np.diff(line[0::2]), np.diff(line[1::2])).sum())
        for lines in full.values()
        for line in lines
    )
    assert abs(drawn_m - network_m) <= 0.01 * network_m
    tight = street_layers(city.network, max_vertices=vertices // 3)
    kept = sum(len(line) // 2 for lines in tight.values() for line in lines)
    assert 0 < kept <= vertices // 3
    assert street_layers(city.network, max_vertices=1) == {
        "arterial": [],
        "street": [],
        "footpath": [],
    }


def test_the_page_of_a_big_city_stays_small() -> None:
    world, orders, plan = planned()
    big = geo.generate_city(seed=5, blocks_x=40, blocks_y=40)
    data = plan_view_data(plan, dataclasses.replace(world, network=big.network), orders)
    vertices = sum(len(line) // 2 for lines in data["streets"].values() for line in lines)
    assert vertices <= MAX_STREET_VERTICES
    assert len(json.dumps(data)) < 1_500_000


def test_a_stored_plan_of_the_engine_renders_in_its_world() -> None:
    world = small_world()
    engine = Engine.open("sqlite://", world, clock=lambda: 9.6 * H)
    try:
        engine.submit({**instant_payload("o1"), "note": "call first"})
        engine.submit(  # no technician has the skill: unassigned
            {
                "id": "h1",
                "member_id": "m2",
                "created_at_s": 9.5 * H,
                "mode": "home_service",
                "building_id": "b2",
                "promised": {"start_s": 14 * H, "end_s": 15 * H},
                "required_skills": ["roofing"],
                "lines": [{"store_id": "mw1", "sku": "roof-repair", "quantity": 1}],
            }
        )
        record = engine.plan_batch(at_s=9.6 * H, params=FAST, label="wave 1")
        stored = engine.stored_plan(record.plan_id)
    finally:
        engine.close()
    assert record.plan.routes  # straight-line world: no network, still drawn
    page = render_stored_plan_html(stored, world)
    data = embedded(page)
    assert data["title"] == f"wave 1 (plan {record.plan_id}) at 09:36"
    assert [r["courier"] for r in data["routes"]] == [r.courier_id for r in record.plan.routes]
    assert data["streets"] == {"arterial": [], "street": [], "footpath": []}
    assert [u["order"] for u in data["unassigned"]] == [u.order_id for u in record.plan.unassigned]
    assert data["unassigned"] and all(u["xy"] is not None for u in data["unassigned"])


def test_a_plan_of_another_world_is_refused_by_name() -> None:
    world, orders, plan = planned()
    stranger = dataclasses.replace(plan.routes[0], courier_id="ghost")
    with pytest.raises(InvalidInputError, match="route of 'ghost'"):
        render_plan_html(dataclasses.replace(plan, routes=(stranger,)), world, orders)
    lost = dataclasses.replace(
        plan.routes[0], stops=(dataclasses.replace(plan.routes[0].stops[0], place_id="b-x"),)
    )
    with pytest.raises(InvalidInputError, match="unknown place id 'b-x'"):
        render_plan_html(dataclasses.replace(plan, routes=(lost,)), world, orders)
