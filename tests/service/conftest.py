"""Fixtures of the service tests: store URLs for every backend (see engine_helpers)."""

from tests.dispatch.engine_helpers import postgres_server, store_url

__all__ = ["postgres_server", "store_url"]
