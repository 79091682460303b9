"""Errors raised by ``geo``: re-exported from the engine's single error root."""

from __future__ import annotations

from solvers.errors import EngineError, InvalidInputError


class UnreachablePointError(InvalidInputError):
    """A point lies farther than the snapping tolerance from every street of a network."""


class OsmReadError(InvalidInputError):
    """An OpenStreetMap file is missing, empty, unreadable or has no routable street."""


__all__ = ["EngineError", "InvalidInputError", "OsmReadError", "UnreachablePointError"]
