"""POST /returns and GET /returns/{id} over real HTTP (uvicorn on 127.0.0.1, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dispatch import Engine
from dispatch.service import ServiceConfig
from tests.dispatch.engine_helpers import instant_payload, small_world
from tests.dispatch.helpers import H
from tests.dispatch.test_engine_returns import return_payload
from tests.service.server import Tokens, running_server

TOKENS = Tokens.fresh()


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    path = tmp_path_factory.mktemp("returns") / "orders.db"
    config = ServiceConfig(tokens=TOKENS.table, default_time_limit_s=1.0, max_time_limit_s=30.0)
    with (
        Engine.open(f"sqlite:///{path}", small_world(), clock=lambda: 10 * H) as engine,
        running_server(engine, config) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        yield client


def test_post_returns_is_idempotent_and_the_next_plan_collects_it(http: httpx.Client) -> None:
    assert http.post("/returns", json=return_payload()).status_code == 401
    assert http.post("/returns", json=return_payload(), headers=TOKENS.op).status_code == 403
    first = http.post("/returns", json=return_payload(), headers=TOKENS.orders)
    assert first.status_code == 201, first.text
    assert first.json() == {"return_id": "r1", "stored": True, "status": "pending", "plan_id": None}
    assert http.post("/returns", json=return_payload(), headers=TOKENS.orders).status_code == 200
    conflict = http.post("/returns", json=return_payload(to="st1"), headers=TOKENS.orders)
    assert conflict.status_code == 409
    bad = http.post(
        "/returns",
        json=return_payload("r2", lines=[{"sku": "x", "quantity": 0}], to="zz"),
        headers=TOKENS.orders,
    )
    assert bad.status_code == 422
    fields = {p["field"] for p in bad.json()["error"]["problems"]}
    assert "lines[0].quantity" in fields
    unknown = http.post("/returns", json=return_payload("r3", to="zz"), headers=TOKENS.orders)
    assert unknown.status_code == 422
    assert {p["field"] for p in unknown.json()["error"]["problems"]} == {"return 'r3': to"}
    assert http.get("/returns/nope", headers=TOKENS.orders).status_code == 404
    assert http.post("/orders", json=instant_payload("o1"), headers=TOKENS.orders).is_success
    plan = http.post(
        "/plans", json={"at_s": 10 * H, "time_limit_s": 5, "iterations": 50}, headers=TOKENS.op
    )
    assert plan.status_code == 201, plan.text
    body = plan.json()
    assert body["plan"]["returns"][0]["status"] == "collected"
    assert body["plan"]["kpis"]["returns"]["returns_collected"] == 1
    status = http.get("/returns/r1", headers=TOKENS.orders).json()
    assert status["status"] == "planned" and status["plan_id"] == body["plan_id"]
