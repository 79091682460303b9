"""``PUT /stock/{place}`` and ``GET /stock/{place}`` over HTTP: levels, arrivals, what
orders reserved, 409 for an order the stock cannot cover, quotes that name the lines."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dispatch import Engine
from dispatch.service import ServiceConfig
from tests.dispatch.engine_helpers import small_world
from tests.dispatch.helpers import H
from tests.service.server import Tokens, running_server

TOKENS = Tokens.fresh()


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    path = tmp_path_factory.mktemp("stock") / "orders.db"
    config = ServiceConfig(tokens=TOKENS.table, default_time_limit_s=1.0, max_time_limit_s=30.0)
    with (
        Engine.open(f"sqlite:///{path}", small_world(), clock=lambda: 10 * H) as engine,
        running_server(engine, config) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        yield client


def _order(order_id: str, quantity: int) -> dict[str, object]:
    return {
        "id": order_id,
        "member_id": "m1",
        "created_at_s": 10 * H,
        "mode": "instant",
        "building_id": "b1",
        "lines": [{"store_id": "mw1", "sku": "milk-1l", "quantity": quantity}],
    }


def test_stock_is_set_read_reserved_and_refused_over_http(http: httpx.Client) -> None:
    assert http.get("/stock/mw1").status_code == 401
    assert http.get("/stock/mw1", headers=TOKENS.orders).status_code == 403
    response = http.get("/stock/mw1", headers=TOKENS.op)
    assert response.status_code == 200 and response.json() == {"place_id": "mw1", "lots": []}
    body = {
        "levels": {"milk-1l": 3},
        "replenishments": [{"sku": "milk-1l", "quantity": 4, "at_s": 14 * H}],
    }
    response = http.put("/stock/mw1", json=body, headers=TOKENS.op)
    assert response.status_code == 200, response.text
    assert [(x["at_s"], x["quantity"], x["reserved"]) for x in response.json()["lots"]] == [
        (0.0, 3, 0),
        (14 * H, 4, 0),
    ]
    assert http.post("/orders", json=_order("o1", 2), headers=TOKENS.orders).status_code == 201
    refused = http.post("/orders", json=_order("o2", 2), headers=TOKENS.orders)
    assert refused.status_code == 409
    assert "'milk-1l' at 'mw1' (2 wanted, 1 in stock)" in refused.text
    lots = http.get("/stock/mw1", headers=TOKENS.op).json()["lots"]
    assert lots[0]["reserved"] == 2
    quote = http.post(
        "/quotes",
        json={
            "destination": "b1",
            "member_id": "m1",
            "basket": [{"store_id": "mw1", "sku": "milk-1l", "quantity": 2}],
        },
        headers=TOKENS.orders,
    ).json()
    assert quote["missing"] == [{"place_id": "mw1", "sku": "milk-1l", "wanted": 2, "available": 1}]
    (instant,) = [o for o in quote["options"] if o["mode"] == "instant"]
    assert instant["available"] is False and instant["missing"] == quote["missing"]
    # Unknown places and bad quantities.
    assert http.get("/stock/b1", headers=TOKENS.op).status_code == 404
    bad = http.put("/stock/mw1", json={"levels": {"milk-1l": -1}}, headers=TOKENS.op)
    assert bad.status_code == 422
