"""The HTTP service over real HTTP: a uvicorn server on 127.0.0.1 and httpx.

One server (SQLite file store, the small line world of the engine tests) serves most
tests; the store-backend test runs the order flow on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from dispatch import Engine
from dispatch.service import ServiceConfig
from tests.dispatch.engine_helpers import instant_payload, next_day_payload, small_world
from tests.dispatch.helpers import H
from tests.dispatch.test_vroom import matrix_example
from tests.dispatch.vroom_check import check_vroom_answer
from tests.service.server import Tokens, running_server

TOKENS = Tokens.fresh()
MAX_ORDERS = 40
MAX_BODY = 20_000


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("api") / "orders.db"
    with Engine.open(f"sqlite:///{path}", small_world(), clock=lambda: 10 * H) as opened:
        yield opened


@pytest.fixture(scope="module")
def base(engine: Engine) -> Iterator[str]:
    config = ServiceConfig(
        tokens=TOKENS.table,
        max_orders=MAX_ORDERS,
        max_body_bytes=MAX_BODY,
        default_time_limit_s=1.0,
        max_time_limit_s=30.0,
    )
    with running_server(engine, config) as url:
        yield url


@pytest.fixture
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


def _problems(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    return {p["field"]: p["rule"] for p in body["error"]["problems"]}


def test_health_is_open(http: httpx.Client) -> None:
    response = http.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["store"] == "sqlite"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/quotes", {}),
        ("POST", "/orders", {}),
        ("GET", "/orders/x", None),
        ("DELETE", "/orders/x", None),
        ("POST", "/plans", {}),
        ("GET", "/plans/1", None),
        ("POST", "/plans/1/replan", {"at_s": 0}),
        ("POST", "/vroom", {}),
    ],
)
def test_every_path_but_health_needs_a_token(
    http: httpx.Client, method: str, path: str, body: Any
) -> None:
    missing = http.request(method, path, json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization" in _problems(missing)
    wrong = http.request(
        method, path, json=body, headers={"Authorization": "Bearer not-a-token-at-all"}
    )
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("POST", "/quotes", "operator"),
        ("POST", "/orders", "operator"),
        ("GET", "/orders/x", "operator"),
        ("DELETE", "/orders/x", "operator"),
        ("POST", "/plans", "orders"),
        ("GET", "/plans/1", "orders"),
        ("POST", "/plans/1/replan", "orders"),
        ("POST", "/vroom", "orders"),
    ],
)
def test_a_token_of_the_other_role_gets_403(
    http: httpx.Client, method: str, path: str, role: str
) -> None:
    headers = TOKENS.op if role == "operator" else TOKENS.orders
    response = http.request(method, path, json={}, headers=headers)
    assert response.status_code == 403
    assert "role" in _problems(response)["Authorization"]


def test_quote_lists_options_and_names_bad_fields(http: httpx.Client) -> None:
    body = {
        "destination": "b1",
        "member_id": "m1",
        "basket": [{"store_id": "mw1", "sku": "milk", "quantity": 2, "unit_price": "12.90"}],
        "at_s": 10 * H,
    }
    response = http.post("/quotes", json=body, headers=TOKENS.orders)
    assert response.status_code == 200, response.text
    modes = {o["mode"] for o in response.json()["options"]}
    assert "instant" in modes
    bad = dict(body, basket=[{"store_id": "mw1", "sku": "milk", "quantity": 0}])
    response = http.post("/quotes", json=bad, headers=TOKENS.orders)
    assert response.status_code == 422
    assert "basket[0].quantity" in _problems(response)
    unknown = dict(body, member_id="nobody")
    response = http.post("/quotes", json=unknown, headers=TOKENS.orders)
    assert response.status_code == 422
    assert _problems(response) == {"member": "unknown member 'nobody'"}


def test_submit_is_idempotent_on_the_order_id(http: httpx.Client, engine: Engine) -> None:
    order = instant_payload("api-1")
    first = http.post("/orders", json=order, headers=TOKENS.orders)
    assert first.status_code == 201, first.text
    assert first.json() == {"order_id": "api-1", "stored": True, "status": "pending"}
    again = http.post("/orders", json=order, headers=TOKENS.orders)
    assert again.status_code == 200
    assert again.json()["stored"] is False
    other = dict(order, lines=[dict(order["lines"][0], quantity=9)])
    conflict = http.post("/orders", json=other, headers=TOKENS.orders)
    assert conflict.status_code == 409
    assert "different content" in next(iter(_problems(conflict).values()))
    assert engine.order("api-1").order.lines[0].quantity == 1


def test_bad_orders_get_every_problem_with_its_path(http: httpx.Client) -> None:
    order = instant_payload("api-bad")
    order["lines"][0]["quantity"] = 0
    order["building_id"] = "b404"
    response = http.post("/orders", json=order, headers=TOKENS.orders)
    assert response.status_code == 422
    assert "lines[0].quantity" in _problems(response)
    ref = instant_payload("api-bad-ref")
    ref["building_id"] = "b404"
    response = http.post("/orders", json=ref, headers=TOKENS.orders)
    assert response.status_code == 422
    assert _problems(response)["building_id"] == "unknown building 'b404'"
    not_json = http.post(
        "/orders",
        content=b"{not json",
        headers={**TOKENS.orders, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    assert _problems(not_json)


def test_bodies_above_the_limit_get_413_before_any_work(http: httpx.Client) -> None:
    order = instant_payload("api-huge")
    order["lines"][0]["sku"] = "x" * (MAX_BODY + 10)
    response = http.post("/orders", json=order, headers=TOKENS.orders)
    assert response.status_code == 413
    assert f"{MAX_BODY} bytes" in response.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"id": "api-huge", "pad": "'
        for _ in range(MAX_BODY // 1000 + 2):
            yield b"y" * 1000
        yield b'"}'

    streamed = http.post(
        "/orders", content=chunks(), headers={**TOKENS.orders, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_unknown_order_is_404(http: httpx.Client) -> None:
    response = http.get("/orders/nope", headers=TOKENS.orders)
    assert response.status_code == 404
    assert "order_id" in _problems(response)
    assert http.delete("/orders/nope", headers=TOKENS.orders).status_code == 404


def test_plan_synchronously_then_status_shows_the_eta(http: httpx.Client) -> None:
    assert http.post("/orders", json=instant_payload("api-p1"), headers=TOKENS.orders).is_success
    response = http.post(
        "/plans",
        json={"at_s": 10 * H, "order_ids": ["api-p1"], "time_limit_s": 2, "iterations": 50},
        headers=TOKENS.op,
    )
    assert response.status_code == 201, response.text
    plan = response.json()
    assert response.headers["location"] == f"/plans/{plan['plan_id']}"
    assert plan["plan"]["kpis"]["orders_served"] == 1
    status = http.get("/orders/api-p1", headers=TOKENS.orders).json()
    assert status["status"] == "planned"
    assert status["plan_id"] == plan["plan_id"]
    assert status["eta_s"] is not None and status["eta_s"] >= 10 * H
    assert status["courier_id"] in ("c1", "c2")
    again = http.get(f"/plans/{plan['plan_id']}", headers=TOKENS.op)
    assert again.status_code == 200
    assert again.json()["plan"] == plan["plan"]
    assert http.get("/plans/999999", headers=TOKENS.op).status_code == 404
    # The plan viewer of the stored plan: one page, its own CSP, operators only.
    view = http.get(f"/plans/{plan['plan_id']}/view", headers=TOKENS.op)
    assert view.status_code == 200, view.text
    assert view.headers["content-type"].startswith("text/html")
    assert "script-src" in view.headers["content-security-policy"]
    assert "<html" in view.text and status["courier_id"] in view.text
    assert http.get(f"/plans/{plan['plan_id']}/view", headers=TOKENS.orders).status_code == 403
    assert http.get(f"/plans/{plan['plan_id']}/view").status_code == 401
    assert http.get("/plans/999999/view", headers=TOKENS.op).status_code == 404


def test_plan_as_a_job_is_polled_until_done(http: httpx.Client) -> None:
    assert http.post("/orders", json=instant_payload("api-j1"), headers=TOKENS.orders).is_success
    response = http.post(
        "/plans",
        json={"at_s": 10 * H, "order_ids": ["api-j1"], "wait": False, "iterations": 50},
        headers=TOKENS.op,
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running", "done")
    deadline = time.monotonic() + 60
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        job = http.get(f"/plans/{job['job_id']}", headers=TOKENS.op).json()
    assert job["status"] == "done", job
    plan = http.get(f"/plans/{job['plan_id']}", headers=TOKENS.op).json()
    assert plan["plan"]["kpis"]["orders_served"] == 1
    assert http.get(f"/plans/job-{'0' * 32}", headers=TOKENS.op).status_code == 404


def test_a_plan_is_not_lost_when_the_client_disconnects(base: str, engine: Engine) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        assert http.post(
            "/orders", json=instant_payload("api-d1"), headers=TOKENS.orders
        ).is_success
    before = set(engine.store.plan_ids())
    with (
        httpx.Client(base_url=base, timeout=0.2) as impatient,
        pytest.raises(httpx.TimeoutException),
    ):
        impatient.post(
            "/plans",
            json={"at_s": 10 * H, "order_ids": ["api-d1"], "time_limit_s": 1.5},
            headers=TOKENS.op,
        )
    deadline = time.monotonic() + 60
    while engine.order("api-d1").status.value == "pending":
        assert time.monotonic() < deadline, "the plan was lost"
        time.sleep(0.1)
    (new,) = set(engine.store.plan_ids()) - before
    assert engine.order("api-d1").plan_id == new


def test_replan_keeps_what_couriers_ride_to_and_adds_new_orders(
    http: httpx.Client, engine: Engine
) -> None:
    for oid in ("api-r1", "api-r2"):
        assert http.post("/orders", json=instant_payload(oid), headers=TOKENS.orders).is_success
    first = http.post(
        "/plans",
        json={"at_s": 10 * H, "order_ids": ["api-r1"], "iterations": 50},
        headers=TOKENS.op,
    ).json()
    courier = next(r["courier_id"] for r in first["plan"]["routes"] if r["stops"])
    body = {
        "at_s": 10 * H + 60,
        "couriers": [{"courier_id": courier, "next_stop": {"order_id": "api-r1", "stop_index": 0}}],
        "iterations": 50,
    }
    response = http.post(f"/plans/{first['plan_id']}/replan", json=body, headers=TOKENS.op)
    assert response.status_code == 201, response.text
    second = response.json()
    assert second["replan_of"] == first["plan_id"]
    routes = {r["courier_id"]: r for r in second["plan"]["routes"] if r["stops"]}
    assert routes[courier]["stops"][0]["order_ids"] == ["api-r1"]  # the locked stop first
    served = {oid for r in routes.values() for s in r["stops"] for oid in s["order_ids"]}
    assert {"api-r1", "api-r2"} <= served
    assert engine.order("api-r1").plan_id == second["plan_id"]
    assert engine.order("api-r2").plan_id == second["plan_id"]
    # the same re-plan again from the store's inputs
    assert engine.replay(second["plan_id"]).served_order_ids() >= {"api-r1", "api-r2"}
    bad = dict(body, couriers=[{"courier_id": "ghost"}])
    response = http.post(f"/plans/{first['plan_id']}/replan", json=bad, headers=TOKENS.op)
    assert response.status_code == 422
    assert "unknown courier 'ghost'" in response.text
    assert http.post("/plans/999999/replan", json=body, headers=TOKENS.op).status_code == 404


def test_cancel_frees_the_order_and_a_fulfilled_one_is_409(
    http: httpx.Client, engine: Engine
) -> None:
    assert http.post("/orders", json=instant_payload("api-c1"), headers=TOKENS.orders).is_success
    response = http.delete("/orders/api-c1", headers=TOKENS.orders)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert http.delete("/orders/api-c1", headers=TOKENS.orders).json()["status"] == "cancelled"
    plan = http.post(
        "/plans", json={"at_s": 10 * H, "modes": ["instant"], "iterations": 20}, headers=TOKENS.op
    ).json()
    assert "api-c1" not in {
        oid for r in plan["plan"]["routes"] for s in r["stops"] for oid in s["order_ids"]
    }
    nd = next_day_payload("api-c2")
    assert http.post("/orders", json=nd, headers=TOKENS.orders).status_code == 201
    engine.mark_fulfilled("api-c2", date(2026, 12, 8))
    response = http.delete("/orders/api-c2", headers=TOKENS.orders)
    assert response.status_code == 409
    assert "fulfilled" in response.text


def test_too_many_orders_get_413_before_planning(http: httpx.Client) -> None:
    ids = [f"o{k}" for k in range(MAX_ORDERS + 1)]
    response = http.post("/plans", json={"at_s": 10 * H, "order_ids": ids}, headers=TOKENS.op)
    assert response.status_code == 413
    assert f"limit of {MAX_ORDERS}" in response.json()["error"]["message"]
    doc = matrix_example()
    doc["jobs"] = [{"id": k, "location_index": 1} for k in range(MAX_ORDERS + 1)]
    assert http.post("/vroom", json=doc, headers=TOKENS.op).status_code == 413


def test_budget_above_the_servers_cap_is_refused(http: httpx.Client) -> None:
    response = http.post("/plans", json={"at_s": 0, "time_limit_s": 100}, headers=TOKENS.op)
    assert response.status_code == 422
    assert "time_limit_s" in _problems(response)


def test_vroom_endpoint_answers_in_vroom_format(http: httpx.Client) -> None:
    doc = matrix_example()
    response = http.post("/vroom", json=doc, params={"time_limit_s": 1}, headers=TOKENS.op)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert check_vroom_answer(doc, answer) == []
    assert answer["summary"]["cost"] == 5461
    doc["vehicles"][0]["breaks"] = [{"id": 1, "service": 300}]
    refused = http.post("/vroom", json=doc, headers=TOKENS.op)
    assert refused.status_code == 422
    assert _problems(refused)["vehicles[0].breaks"] == "breaks are not supported"


def test_openapi_is_published_with_bearer_security(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()
    for path in ("/health", "/quotes", "/orders", "/orders/{order_id}", "/plans",
                 "/plans/{plan_ref}", "/plans/{plan_id}/replan", "/vroom"):  # fmt: skip
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_order_flow_on_every_store_backend(store_url: str, tmp_path: Path) -> None:
    tokens = Tokens.fresh()
    with (
        Engine.open(store_url, small_world(), clock=lambda: 10 * H) as engine,
        running_server(engine, ServiceConfig(tokens=tokens.table)) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        order = instant_payload("flow-1")
        assert http.post("/orders", json=order, headers=tokens.orders).status_code == 201
        assert http.post("/orders", json=order, headers=tokens.orders).status_code == 200
        plan = http.post("/plans", json={"at_s": 10 * H, "iterations": 30}, headers=tokens.op)
        assert plan.status_code == 201, plan.text
        status = http.get("/orders/flow-1", headers=tokens.orders).json()
        assert status["status"] == "planned"
        assert http.delete("/orders/flow-1", headers=tokens.orders).json()["status"] == "cancelled"
        assert http.get("/health").json()["store"] == engine.store.backend
    del tmp_path


def test_promised_windows_say_hard_or_soft(http: httpx.Client, engine: Engine) -> None:
    # real13: each promised window soft or hard, through POST /orders into the store.
    order = instant_payload("api-hard")
    order["promised"] = [
        {"start": "10:00", "end": "10:30", "hard": False},
        {"start": "12:00", "end": "12:30", "hard": True},
    ]
    response = http.post("/orders", json=order, headers=TOKENS.orders)
    assert response.status_code == 201, response.text
    stored = engine.order("api-hard").order.promised_windows
    assert [w.hard for w in stored] == [False, True]
    order["id"] = "api-hard-bad"
    order["promised"][0]["hard"] = "sometimes"
    bad = http.post("/orders", json=order, headers=TOKENS.orders)
    assert bad.status_code == 422
    assert "promised[0].hard" in _problems(bad)
