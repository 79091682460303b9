"""A real uvicorn server on 127.0.0.1 (a free port) in a thread, for the API tests, and
tokens made for each test run (never stored in the repository)."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from dispatch import Engine
from dispatch.service import Role, ServiceConfig, create_app


@dataclass(frozen=True)
class Tokens:
    """One token per role, and the headers that carry them."""

    operator: str
    order_service: str

    @classmethod
    def fresh(cls) -> Tokens:
        return cls(secrets.token_hex(16), secrets.token_hex(16))

    @property
    def table(self) -> dict[str, Role]:
        return {self.operator: Role.OPERATOR, self.order_service: Role.ORDER_SERVICE}

    @property
    def op(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.operator}"}

    @property
    def orders(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.order_service}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(engine: Engine, config: ServiceConfig) -> Iterator[str]:
    """Serve ``create_app(engine, config)`` on uvicorn; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine, config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
