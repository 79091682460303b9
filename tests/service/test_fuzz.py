"""Schema-driven fuzzing: schemathesis generates requests from ``/openapi.json`` for every
operation and sends them to a real uvicorn server; no answer may be a server error.

Bounded in the default run (15 cases per operation); ``./run fuzz`` (marker
``property``, hypothesis profile ``fuzz``) runs it long.  Requests carry the token of
the role each path needs, so the generated bodies reach the handlers; budgets are capped
low on this server so generated plans stay quick.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error

from dispatch import Engine
from dispatch.service import ServiceConfig, create_app
from tests.dispatch.engine_helpers import instant_payload, small_world
from tests.dispatch.helpers import H
from tests.service.server import Tokens, running_server

TOKENS = Tokens.fresh()
ORDER_SERVICE_PATHS = ("/quotes", "/orders", "/orders/{order_id}")
# The default run bounds the cases; the fuzz profile's counts apply under ./run fuzz.
CASES = settings() if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else settings(max_examples=15)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("fuzz") / "orders.db"
    config = ServiceConfig(
        tokens=TOKENS.table,
        max_orders=50,
        max_body_bytes=50_000,
        default_time_limit_s=0.2,
        max_time_limit_s=0.5,
        sync_grace_s=5.0,
    )
    with Engine.open(f"sqlite:///{path}", small_world(), clock=lambda: 10 * H) as engine:
        for k in range(3):
            engine.submit(instant_payload(f"seed-{k}"))
        with running_server(engine, config) as url:
            yield url


def _openapi_document() -> dict[str, Any]:
    """The document the server publishes at /openapi.json (the same app factory)."""
    with Engine.open("sqlite://", small_world()) as engine:
        return create_app(engine, ServiceConfig(tokens=TOKENS.table)).openapi()


schema = schemathesis.openapi.from_dict(_openapi_document())


def test_the_fuzzed_document_is_the_published_one(fuzz_server: str) -> None:
    published = httpx.get(f"{fuzz_server}/openapi.json", timeout=30).json()
    assert published == _openapi_document()


@pytest.mark.property
@schema.parametrize()
@CASES
def test_no_generated_request_gets_a_server_error(
    case: schemathesis.Case[Any], fuzz_server: str
) -> None:
    path = case.operation.path
    headers = TOKENS.orders if path in ORDER_SERVICE_PATHS else TOKENS.op
    case.call_and_validate(
        base_url=fuzz_server, headers=headers, checks=[not_a_server_error], timeout=30
    )
