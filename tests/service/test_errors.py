"""A bug inside a handler still answers in the one JSON error shape (500), and unknown
paths and methods answer JSON too (a real server on 127.0.0.1)."""

from __future__ import annotations

import httpx
import pytest

from dispatch import Engine
from dispatch.service import ServiceConfig
from tests.dispatch.engine_helpers import small_world
from tests.service.server import running_server


def test_unexpected_errors_and_unknown_paths_answer_json(monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        Engine.open("sqlite://", small_world()) as engine,
        running_server(engine, ServiceConfig()) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):

        def broken() -> int:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(engine.store, "count_orders", broken)
        response = client.get("/health")
        assert response.status_code == 500
        assert response.json()["error"]["message"] == "internal error (RuntimeError)"
        assert "disk on fire" not in response.text
        missing = client.get("/nowhere")
        assert missing.status_code == 404
        assert missing.json()["error"]["status"] == 404
        wrong = client.put("/health")
        assert wrong.status_code == 405
        assert wrong.json()["error"]["status"] == 405
